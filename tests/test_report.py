"""What a report says: failing checks in full, a snippet that reproduces them, skipped modes,
the mode chains of higher orders, and directions that do not depend on the point."""

from __future__ import annotations

import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import harness

ORDER_TWO_CHAINS = {"JVP of JVP", "VJP of JVP", "JVP of VJP", "VJP of VJP"}


@jax.custom_jvp
def sin_with_wrong_slope(x):
    return jnp.sin(x)


@sin_with_wrong_slope.defjvp
def _sin_with_wrong_slope_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.sin(x), 1.1 * jnp.cos(x) * t


def named_output(x):
    """A wrong derivative under a named output leaf."""
    return {"value": sin_with_wrong_slope(x)}


def stop_gradient_mutant(primal, slope):
    """``primal`` with the tangent rule ``slope(stop_gradient(x)) * t``.

    The first derivative is right everywhere; the second derivative is 0 everywhere.
    """

    @jax.custom_jvp
    def fn(x):
        return primal(x)

    @fn.defjvp
    def _rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return primal(x), slope(jax.lax.stop_gradient(x)) * t

    return fn


@jax.custom_vjp
def sin_by_vjp(x):
    return jnp.sin(x)


def _sin_by_vjp_fwd(x):
    return jnp.sin(x), jnp.cos(x)


def _sin_by_vjp_bwd(cos_x, g):
    return (cos_x * g,)


sin_by_vjp.defvjp(_sin_by_vjp_fwd, _sin_by_vjp_bwd)


def reproduce_block(text: str) -> str:
    """The code after "Reproduce with:" in a report's text, dedented."""
    head, marker, block = text.partition("Reproduce with:\n")
    assert marker, text
    return textwrap.dedent(block)


# ---- a failing report in full ------------------------------------------------------------


@pytest.fixture(scope="module")
def failing_report():
    return harness.check(named_output, (np.float32(0.5),))


def test_failing_report_text_names_what_failed(failing_report):
    assert not failing_report.ok
    text = str(failing_report)
    assert text.startswith("derivative check of named_output: FAILED")
    jvp = next(c for c in failing_report.failures if c.property == "jvp_matches_oracle")
    assert jvp.mode_chain == "JVP" and jvp.leaf == "out['value']"
    for phrase in ("jvp_matches_oracle", "[JVP]", "out['value']", "vjp_matches_oracle", "[VJP]",
                   "grad_matches_oracle", "[grad]", "args[0]", "expected", "got", "budget",
                   "error/budget", "abs error", "rel error", "Reproduce with:", "seed=0"):
        assert phrase in text, f"{phrase!r} not in the report:\n{text}"


def test_failing_check_carries_numbers_and_their_sources(failing_report):
    jvp = next(c for c in failing_report.failures if c.property == "jvp_matches_oracle")
    assert jvp.status == "failed" and jvp.order == 1
    assert jvp.got == pytest.approx(1.1 * jvp.expected, rel=1e-5)
    assert jvp.abs_error == pytest.approx(abs(jvp.got - jvp.expected))
    assert jvp.rel_error == pytest.approx(0.1, rel=1e-4)
    assert jvp.ratio == pytest.approx(jvp.abs_error / jvp.budget) and jvp.ratio > 1
    assert "eps(float32)" in jvp.budget_source
    assert "float64" in jvp.oracle
    assert f"expected {jvp.expected:.10g}" in jvp.details()


def test_reproduce_snippet_of_an_importable_function_fails_again(failing_report):
    code = reproduce_block(str(failing_report))
    assert "import named_output" in code
    assert "np.array(0.5, dtype=np.float32)" in code
    with pytest.raises(harness.DerivativeMismatch):
        exec(code, {})


def test_reproduce_snippet_of_a_lambda_fails_again_with_fn_bound():
    fn = lambda x, y: sin_with_wrong_slope(x) * y  # a lambda: not importable
    args = (np.array([0.25, -1.5], np.float64), np.float64(2.0))
    report = harness.check(fn, args, order=2, modes=("rev",), seed=11)
    assert not report.ok
    code = reproduce_block(str(report))
    assert "harness.check(fn, args, order=2, modes=('rev',), seed=11)" in code
    assert "define it as in your code" in code
    with pytest.raises(harness.DerivativeMismatch) as caught:
        exec(code, {"fn": fn})
    assert str(caught.value) == str(report)


def test_reproduce_snippet_keeps_the_tolerances():
    report = harness.check(sin_with_wrong_slope, (np.float32(0.5),), rtol=1e-6,
                           atol={"float32": 1e-9})
    code = reproduce_block(str(report))
    assert "rtol=1e-06" in code and "atol={'float32': 1e-09}" in code
    with pytest.raises(harness.DerivativeMismatch):
        exec(code, {})


def test_raise_if_failed_raises_the_report_text(failing_report):
    with pytest.raises(harness.DerivativeMismatch) as caught:
        failing_report.raise_if_failed()
    assert isinstance(caught.value, AssertionError)
    assert str(caught.value) == str(failing_report)


def test_raise_if_failed_returns_a_passing_report():
    report = harness.check(jnp.sin, (np.float32(0.5),))
    assert report.raise_if_failed() is report
    text = str(report)
    assert "PASSED" in text and "Reproduce" not in text


# ---- skipped modes -----------------------------------------------------------------------


def test_forward_mode_of_a_custom_vjp_is_skipped_with_the_reason():
    report = harness.check(sin_by_vjp, (np.float32(0.5),))
    assert report.ok and report.verdict == "passed", str(report)
    assert [c.mode_chain for c in report.skipped] == ["JVP"]
    (skipped,) = report.skipped
    assert skipped.property == "jvp_matches_oracle"
    assert "custom_vjp" in skipped.note and "mode unavailable" in skipped.note
    assert "custom_vjp" in str(report)
    assert {c.mode_chain for c in report.passed} >= {"VJP", "grad"}


def test_custom_vjp_at_order_two_skips_exactly_the_chains_through_a_jvp():
    report = harness.check(sin_by_vjp, (np.float32(0.5),), order=2)
    assert report.ok, str(report)
    assert {c.mode_chain for c in report.skipped} == {
        "JVP", "JVP of JVP", "VJP of JVP", "grad of JVP"}
    assert all("mode unavailable" in c.note for c in report.skipped)
    assert {c.mode_chain for c in report.passed} >= {"VJP", "JVP of VJP", "VJP of VJP"}


def test_reverse_mode_only_skips_nothing():
    report = harness.check(sin_by_vjp, (np.float32(0.5),), modes=("rev",), order=2)
    assert report.ok and not report.skipped, str(report)


# ---- higher orders -----------------------------------------------------------------------


def test_order_two_checks_every_chain_of_two_modes():
    report = harness.check(jnp.tanh, (np.array([0.3, -1.2], np.float32),), order=2)
    assert report.ok, str(report)
    chains = {c.mode_chain for c in report.checks}
    assert ORDER_TWO_CHAINS <= chains
    assert {c.order for c in report.checks if c.mode_chain in ORDER_TWO_CHAINS} == {2}
    assert {c.order for c in report.checks if c.mode_chain in ("JVP", "VJP")} == {1}


def test_order_two_in_forward_mode_only_has_only_forward_chains():
    report = harness.check(jnp.tanh, (np.float32(0.3),), order=2, modes=("fwd",))
    chains = {c.mode_chain for c in report.checks}
    assert "JVP of JVP" in chains
    assert not any("VJP" in chain or "grad" in chain for chain in chains)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_order_two_directions_do_not_depend_on_the_point(dtype):
    # expm1 with its slope behind stop_gradient: f'' = 0 instead of 1 everywhere. At x = 0,
    # f(0) = 0 and jax.test_util.check_grads uses the point as the inner tangent and f(x) as
    # the inner cotangent, both 0 there, so the wrong f'' is multiplied by 0 and unseen.
    mutant = stop_gradient_mutant(jnp.expm1, jnp.exp)
    report = harness.check(mutant, (dtype(0.0),), order=2)
    assert not report.ok
    assert {c.mode_chain for c in report.failures} >= ORDER_TWO_CHAINS
    assert all(c.order == 2 for c in report.failures)
    check_grads(mutant, (dtype(0.0),), order=2)  # does not raise: the mutant is missed
    with pytest.raises(AssertionError):
        check_grads(mutant, (dtype(0.5),), order=2)


def test_sin_with_a_frozen_slope_is_right_to_second_order_at_zero():
    # cos(stop_gradient(x)) t gives f'' = 0, and sin''(0) = -sin(0) = 0: nothing is wrong
    # at x = 0 to second order, elsewhere the second derivative is.
    mutant = stop_gradient_mutant(jnp.sin, jnp.cos)
    assert harness.check(mutant, (np.float64(0.0),), order=2).ok
    assert not harness.check(mutant, (np.float64(0.5),), order=2).ok


@pytest.mark.xfail(strict=True, reason=(
    "each level is checked against finite differences of the level below as AD computes it: "
    "the wrong second derivative (0) is right at x = 0 and its own derivative (0) is "
    "consistent with it, so the third derivative 0 (instead of -cos(0) = -1) passes"))
def test_order_three_sees_a_wrong_third_derivative_at_zero():
    mutant = stop_gradient_mutant(jnp.sin, jnp.cos)
    third = jax.grad(jax.grad(jax.grad(mutant)))
    assert float(third(0.0)) == 0.0  # JAX's third derivative here is wrong: sin'''(0) = -1
    assert not harness.check(mutant, (np.float64(0.0),), order=3).ok


def test_reason_names_the_failed_check_in_one_line_and_is_empty_when_passed():
    x = (np.array([0.3, 1.2]),)
    failed = harness.check(sin_with_wrong_slope, x)
    assert failed.reason.startswith("FAILED jvp_matches_oracle [JVP] out")
    assert "\n" not in failed.reason and "error/budget" in failed.reason
    assert harness.check(jnp.sin, x).reason == ""
