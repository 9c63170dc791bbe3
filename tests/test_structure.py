"""Structured tangents: functions defined on symmetric or triangular matrices (tangents=)."""

import textwrap

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest

import harness

SPD = np.array([[2.5, 1.5, 1.5], [1.5, 2.5, 1.5], [1.5, 1.5, 2.5]])


def lower_cholesky(a):
    return jsl.cholesky(a, lower=True)


@jax.custom_jvp
def cholesky_one_percent_off(a):
    return jsl.cholesky(a, lower=True)


@cholesky_one_percent_off.defjvp
def _cholesky_one_percent_off_jvp(primals, tangents):
    y, dy = jax.jvp(lower_cholesky, primals, tangents)
    return y, dy * 1.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cholesky_passes_along_symmetric_tangents_to_second_order(dtype):
    report = harness.check(lower_cholesky, (SPD.astype(dtype),), tangents={0: "symmetric"},
                           order=2)
    assert report.verdict == "passed", report
    assert any("symmetric" in note for note in report.notes)


@pytest.mark.parametrize("seed", range(3))
def test_a_rule_wrong_on_symmetric_tangents_still_fails(seed):
    report = harness.check(cholesky_one_percent_off, (SPD,), tangents={0: "symmetric"},
                           seed=seed)
    assert report.verdict == "failed" and report.failures
    assert "tangents={0: 'symmetric'}" in report.reproduce


def test_the_reproducer_of_a_structured_check_runs_and_fails_again():
    report = harness.check(cholesky_one_percent_off, (SPD,), tangents={0: "symmetric"})
    source = report.reproduce.replace("fn, args", "cholesky_one_percent_off, args")
    namespace = {"cholesky_one_percent_off": cholesky_one_percent_off}
    with pytest.raises(harness.DerivativeMismatch):
        exec(textwrap.dedent(source), namespace)


def test_a_point_off_the_structure_is_refused_with_what_to_do():
    skewed = SPD + np.triu(np.ones((3, 3)), 1)
    with pytest.raises(harness.InvalidArgument, match=r"args\[0\] is not 'symmetric'.*a \+ a.T"):
        harness.check(lower_cholesky, (skewed,), tangents={0: "symmetric"})


def test_a_point_symmetric_up_to_rounding_is_projected_with_a_note():
    nudged = SPD.copy()
    nudged[0, 1] = np.nextafter(nudged[0, 1], 3.0)
    report = harness.check(lower_cholesky, (nudged,), tangents={0: "symmetric"})
    assert report.verdict == "passed"
    assert any("projected exactly" in note for note in report.notes)


def test_lower_triangular_tangents_for_a_triangular_solve():
    lower = np.tril(SPD)
    b = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]])
    solve = lambda m, v: jsl.solve_triangular(m, v, lower=True)  # noqa: E731
    report = harness.check(solve, (lower, b), tangents=["lower", None], order=2)
    assert report.verdict == "passed", report


def test_a_projection_function_is_a_structure():
    def zero_trace(a):
        return a - jnp.trace(a) / a.shape[-1] * jnp.eye(a.shape[-1], dtype=a.dtype)

    point = SPD - np.trace(SPD) / 3 * np.eye(3)
    report = harness.check(jnp.linalg.det, (point,), tangents={0: zero_trace})
    assert report.verdict == "passed", report


@pytest.mark.parametrize("tangents, message", [
    ({0: "symetric"}, "is not a structure: use one of 'symmetric'"),
    ("symmetric", "must map argument indices"),
    ({-1: "lower"}, "index of a positional argument"),
    ({3: "lower"}, "args has 1"),
    ({}, "names no argument"),
])
def test_bad_structures_say_what_is_wrong(tangents, message):
    with pytest.raises(harness.InvalidArgument, match=message):
        harness.check(lower_cholesky, (SPD,), tangents=tangents)


def test_a_vector_cannot_be_symmetric():
    with pytest.raises(harness.InvalidArgument, match=r"needs square matrices.*shape \(3,\)"):
        harness.check(jnp.sin, (np.ones(3),), tangents={0: "symmetric"})


def test_hermitian_tangents_are_not_holomorphic():
    with pytest.raises(harness.InvalidArgument, match="not complex linear"):
        harness.check(jnp.linalg.det, (SPD.astype(np.complex128),), tangents={0: "hermitian"},
                      holomorphic=True)


def test_equal_wrappers_share_compiled_programs():
    first = harness.on_structure(lower_cholesky, {0: "symmetric"})
    again = harness.on_structure(lower_cholesky, ["symmetric"])
    assert first == again and hash(first) == hash(again)
    assert first.__name__ == "lower_cholesky"


def test_search_draws_structured_points():
    from harness.strategies import spd_matrices

    report = harness.search(lower_cholesky, spd_matrices("float64", 3),
                            tangents={0: "symmetric"}, max_examples=5)
    assert report.verdict == "passed", report


def test_the_module_example_runs():
    import doctest

    from harness.inputs import _structure

    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(_structure, globs=vars(_structure).copy()):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
