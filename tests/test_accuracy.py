"""Accuracy as a verdict: a derivative within its rule's budget that has lost its own relative
accuracy against an exact reference fails as ``derivative_accuracy``; stable formulations and
cancellations the reference shares do not."""

from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.judging import _accuracy
from harness.strategies import arrays


def accuracy_failures(report):
    return [c for c in report.failures if c.property == "derivative_accuracy"]


# The true derivatives, in forms without the cancellation (exact to a few ulps in float64).
def sigmoid_derivative(x: float) -> float:
    e = np.exp(-abs(x))
    return float(e / (1 + e) ** 2)


def tanh_derivative(x: float) -> float:
    return float(4 / (np.exp(x) + np.exp(-x)) ** 2)


TAILS = [
    ("sigmoid", jax.nn.sigmoid, sigmoid_derivative, {np.float32: 20.0, np.float64: 40.0}),
    ("tanh", jnp.tanh, tanh_derivative, {np.float32: 10.0, np.float64: 20.0}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,fn,truth,points", TAILS, ids=[t[0] for t in TAILS])
def test_a_tail_where_the_derivative_cancels_to_zero_fails(dtype, name, fn, truth, points):
    x = points[dtype]
    report = harness.check(fn, (np.array([x, 0.5], dtype),))
    found = accuracy_failures(report)
    assert len(found) == 1, str(report)
    failure = found[0]
    assert failure.index == (0,)
    assert failure.rel_error > 0.5  # 1 - s or 1 - tanh^2 has lost every digit
    # The reference's size is the true derivative's along t (|t| <= 4).
    assert 0 < abs(failure.expected) <= 4 * truth(float(dtype(x)))
    assert "likely cancels" in failure.note and "exact reference" in failure.note
    # The rule checks pass: the derivative is within the rounding of the value.
    assert all(c.status != "failed" for c in report.checks if c.property != "derivative_accuracy")


def test_the_quoted_reference_is_the_true_derivative():
    report = harness.check(jax.nn.sigmoid, (np.array([40.0]),))
    (failure,) = accuracy_failures(report)
    truth = sigmoid_derivative(40.0)  # mpmath at 50 digits: 4.248354255291589e-18
    # One input: the direction is a number, the same for AD and the reference.
    t = failure.expected / truth
    jvp = jax.jvp(jax.nn.sigmoid, (np.array([40.0]),), (np.array([t]),))[1]
    assert float(jvp[0]) == 0.0
    assert failure.expected == pytest.approx(truth * t, rel=1e-12)


def test_accuracy_note_turns_the_failure_into_a_note():
    args = (np.array([40.0, 1.0]),)
    report = harness.check(jax.nn.sigmoid, args, accuracy="note")
    assert report.ok
    assert any(n.startswith("derivative_accuracy [JVP] out at [0]") for n in report.notes)
    assert not accuracy_failures(report)


def test_a_bad_accuracy_option_is_refused():
    with pytest.raises(harness.InvalidArgument, match="accuracy must be 'fail'"):
        harness.check(jnp.sin, (np.ones(2),), accuracy="warn")


def stable_sigmoid_rule():
    @jax.custom_jvp
    def sigmoid(x):
        return jax.nn.sigmoid(x)

    @sigmoid.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        e = jnp.exp(-jnp.abs(x))
        return sigmoid(x), t * e / (1 + e) ** 2

    return sigmoid


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_a_stable_formulation_in_the_same_tail_passes(dtype):
    report = harness.check(stable_sigmoid_rule(), (np.array([20.0, 40.0, -30.0, 0.5], dtype),))
    assert report.ok, str(report)
    assert not accuracy_failures(report)


def test_a_cancellation_in_the_function_itself_is_not_blamed_on_its_derivative():
    # x - sin(x) cancels in fn too (and in its complex step): no stable reference disagrees.
    report = harness.check(lambda x: x - jnp.sin(x), (np.array([1e-8, 1e-7, 0.3]),))
    assert not accuracy_failures(report), str(report)


def test_an_ill_conditioned_derivative_is_not_called_inaccurate():
    # d/dx sin(1000 x) at x = 100 in float32: the rounding of 1000 x already moves cos by
    # 6e-3; a backward-stable evaluation is no better, and the condition number says so.
    x = np.float32(100.0)
    report = harness.check(lambda v: jnp.sin(1000 * v), (np.array([x, 0.25], np.float32),))
    assert not accuracy_failures(report), str(report)


def test_a_wrong_rule_fails_its_rule_check_not_the_accuracy_check():
    @jax.custom_jvp
    def sine(x):
        return jnp.sin(x)

    sine.defjvp(lambda p, t: (sine(p[0]), 1.05 * t[0] * jnp.cos(p[0])))
    report = harness.check(sine, (np.array([0.3, 1.0]),))
    assert not report.ok
    assert "jvp_matches_oracle" in {c.property for c in report.failures}, str(report)
    assert not accuracy_failures(report), str(report)


def test_expm1s_complex_step_is_not_taken_as_exact():
    # XLA's complex expm1 loses its imaginary part at x = -40 (it is 0): no exact reference,
    # so no verdict either way.
    from harness.computations._oracle_programs import complex_step_kind

    with jax.enable_x64(True):
        assert complex_step_kind(lambda xs, fx: [jnp.expm1(xs[0])], [np.ones(2)], []) == "inexact"
        assert complex_step_kind(lambda xs, fx: [jnp.exp(xs[0])], [np.ones(2)], []) == "exact"
    report = harness.check(jnp.expm1, (np.array([-40.0, 1.0]),))
    assert not accuracy_failures(report)


def test_second_derivatives_in_a_tail_are_judged_by_the_complex_step_of_the_first():
    report = harness.check(jnp.tanh, (np.array([20.0, 0.5]),), order=2)
    chains = {c.mode_chain for c in accuracy_failures(report)}
    assert "JVP of JVP" in chains, str(report)


SEARCHED = [(jax.nn.sigmoid, "float32"), (jax.nn.sigmoid, "float64"), (jnp.tanh, "float32"),
            (jnp.tanh, "float64"), (jnp.expm1, "float32")]


@pytest.mark.parametrize("fn,dtype", SEARCHED,
                         ids=[f"{f.__name__}-{d}" for f, d in SEARCHED])
def test_search_over_a_natural_domain_finds_the_tail(fn, dtype):
    report = harness.search(fn, arrays(dtype, (3,), min_value=-100.0, max_value=100.0),
                            max_examples=100, seed=0)
    assert not report.ok
    assert any(c.property == "derivative_accuracy" for c in report.failures), str(report)


def test_the_module_example_runs():
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(_accuracy, globs=vars(_accuracy).copy()):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_finite_differences_of_a_lower_derivative_that_lost_its_digits_are_no_reference():
    # sigmoid''(30) in float64: AD's first derivative s (1 - s) is a staircase there (1 - s
    # keeps 3 digits), so finite differences of it give exactly 0 with a tiny error. That is
    # no reference for the truth, -9.4e-14.
    report = harness.check(jax.nn.sigmoid, (np.array([1.5, 29.999999999999996]),), order=2)
    assert not [c for c in accuracy_failures(report) if c.expected == 0.0], str(report)


def test_expm1_in_float32_is_judged_by_float64_finite_differences():
    # expm1'(-21.3) = e^x = 5.6e-10 is computed as expm1(x) + 1, which is 0 in float32; the
    # float64 copy's differences resolve it far below the loss.
    report = harness.check(jnp.expm1, (np.array([-21.30956268310547, 1.5], np.float32),))
    (failure,) = accuracy_failures(report)
    assert failure.index == (0,) and failure.got == 0.0
