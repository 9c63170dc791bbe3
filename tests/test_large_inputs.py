"""The oracle on inputs of millions of elements: the same answers as on small ones, at a cost
that does not grow with (steps x elements) arrays or with a copy of x per stencil offset.

Each shortcut taken above a size threshold is checked here against the direct computation,
with the threshold lowered so that small arrays take it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.computations import _oracle_programs
from harness.computations._levels import levels_for
from harness.oracles import _differences, _steps

STEPS = 0.018 * 2.0 ** -np.arange(_steps.LADDER_LEVELS)


@pytest.fixture
def small_thresholds(monkeypatch):
    """Shortcuts for large inputs taken from a few hundred elements and a few kilobytes on."""
    monkeypatch.setattr(_steps, "EXACT_DISPLACEMENT_SIZE", 64)
    monkeypatch.setattr(_steps, "DISPLACEMENT_CANDIDATES", 16)
    monkeypatch.setattr(_differences, "MAP_MEMORY", 4096)


@pytest.mark.parametrize("case", ["normal", "one huge element", "zeros and tiny",
                                  "exact moves at larger ratios"])
def test_displacement_of_a_large_leaf_bounds_the_exact_one_and_finds_its_worst(
        small_thresholds, case):
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=5000) / 45, rng.normal(size=5000)
    if case == "one huge element":
        x[1234] = 1e15  # moves by multiples of 0.125 or not at all
    if case == "zeros and tiny":
        x[:2500], x[2500:] = 0.0, x[2500:] * 1e-12
    steps = STEPS
    if case == "exact moves at larger ratios":
        # 1 + 2^-k moves exactly: the elements of largest |x| / |t| show no error at all,
        # and the worst is one of smaller ratio, which only the bound accounts for.
        steps = 2.0 ** -np.arange(1, _steps.LADDER_LEVELS + 1)
        x[:100], t[:100] = 1.0, 2.0 ** -20
    exact = np.max(_steps._exact_displacement(x, t, steps), axis=0)  # the worse side
    found = _steps.displacement_error([x], [t], steps)
    eps = float(np.finfo(np.float64).eps)
    assert np.all(found >= exact), (found, exact)
    # What is added is the rounding bound of the elements not counted exactly: never more
    # than two roundings at the largest ratio |x| / |t| among them.
    assert np.all(found <= np.maximum(exact, eps * (np.max(np.abs(x / t)) / steps + 2) * 1.01))
    if case == "one huge element":
        np.testing.assert_array_equal(found, exact)
        assert found[-1] > 0.01  # the step is useless, and said to be


def test_displacement_is_prepared_once_per_pair():
    rng = np.random.default_rng(4)
    x, t = [rng.normal(size=300)], [rng.normal(size=300)]
    moves = _steps.MoveErrors(x, t)
    for start in (0, 10, 20):
        steps = _steps.steps_below(_steps.first_step(x, t), start=start)
        np.testing.assert_array_equal(moves.sides(steps), _steps._exact_displacement(
            x[0], t[0], steps))
        np.testing.assert_array_equal(steps, _steps.ladder(x, t, start=start))


def _stencil_program(x, t, steps):
    h = lambda xs: [jnp.sum(jnp.tanh(xs[0] @ xs[0].T)) * xs[1]]
    one = lambda t, s: _differences.stencil(h, x, t, s, eager=False)
    return lambda: _differences.map_over(one, t, steps, eager=False,
                                         item_bytes=_differences.nbytes(x))


@pytest.mark.parametrize("pairs", [1, 3])
def test_stencil_in_chunks_gives_the_values_of_one_vmapped_program(monkeypatch, pairs):
    rng = np.random.default_rng(5)
    with jax.enable_x64(True):
        x = [rng.normal(size=(12, 12)), np.float64(1.5)]
        t = [rng.normal(size=(pairs, 12, 12)), rng.normal(size=(pairs,))]
        steps = np.stack([STEPS] * pairs)
        whole = jax.jit(_stencil_program(x, t, steps))()
        monkeypatch.setattr(_differences, "MAP_MEMORY", 1200)  # one offset at a time
        program = _stencil_program(x, t, steps)
        assert "scan" in str(jax.make_jaxpr(program)())  # it did run in chunks
        chunked = jax.jit(program)()
    np.testing.assert_allclose(chunked[0], whole[0], rtol=1e-14)


def test_stencil_bound_in_chunks_is_the_bound_of_one_vmapped_program(monkeypatch):
    rng = np.random.default_rng(6)
    level = levels_for(1, ("fwd",))[0]
    base = lambda diff, fixed: [jnp.sum(jnp.tanh(diff[0] * 3.0) ** 2)]
    with jax.enable_x64(True):
        point = [rng.normal(size=(40,))]
        directions = {level.key: [[rng.normal(size=(40,))] for _ in range(2)]}  # per pair
        steps = {level.key: np.stack([STEPS] * 2)}
        inner = {level.key: []}
        run = lambda: _oracle_programs.stencil_bound_program(base, [level])(
            [], inner, point, directions, steps)
        whole = run()[level.key]
        monkeypatch.setattr(_differences, "MAP_MEMORY", 400)
        chunked = run()[level.key]
    assert whole is not None and chunked is not None
    np.testing.assert_allclose(np.asarray(chunked[0]), np.asarray(whole[0]), rtol=1e-12)


def test_check_with_large_input_shortcuts_gives_the_same_verdicts(small_thresholds):
    """Right and wrong rules alike: the shortcuts change the cost, not what is found."""
    rng = np.random.default_rng(7)
    w = rng.normal(size=(30, 30)).astype(np.float32) / 5

    @jax.custom_jvp
    def wrong_tanh(x):
        return jnp.tanh(x)

    wrong_tanh.defjvp(lambda p, t: (jnp.tanh(p[0]), 1.01 * (1 - jnp.tanh(p[0]) ** 2) * t[0]))
    right = lambda w: jnp.mean(jnp.tanh(w @ w.T) ** 2)
    wrong = lambda w: jnp.mean(wrong_tanh(w @ w.T) ** 2)
    assert harness.check(right, (w,), order=2, seed=0).ok
    report = harness.check(wrong, (w,), order=1, seed=0)
    assert report.verdict == "failed" and report.failures, report
