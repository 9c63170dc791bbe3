"""A failure of a scalar function of many inputs names the leaf and the element that is wrong."""

from __future__ import annotations

import doctest
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.verify import _locate


def sine_wrong_at(index, factor):
    """sin with a VJP that is ``factor`` times too large at one flat ``index``."""

    @jax.custom_vjp
    def sine(x):
        return jnp.sin(x)

    def backward(x, g):
        d = jnp.cos(x).reshape(-1).at[index].multiply(factor).reshape(x.shape)
        return (g * d,)

    sine.defvjp(lambda x: (jnp.sin(x), x), backward)
    return sine


def located_notes(report):
    notes = [c.note for c in report.failures
             if c.property in ("grad_matches_oracle", "vjp_matches_oracle")]
    assert notes, str(report)
    return notes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_loss_over_a_dict_of_leaves_names_the_leaf_and_the_element(dtype):
    sine = sine_wrong_at(3 * 4 + 2, 1.01)

    def loss(p):
        return (jnp.sum(jnp.tanh(p["a"])) + jnp.sum(sine(p["w"]) ** 2)
                + jnp.sum(p["b"] ** 2))

    rng = np.random.default_rng(0)
    params = {"a": rng.normal(size=(5,)).astype(dtype),
              "w": rng.normal(size=(6, 4)).astype(dtype),
              "b": rng.normal(size=(3,)).astype(dtype)}
    report = harness.check(loss, (params,))
    assert not report.ok
    for note in located_notes(report):
        assert "args[0]['w'] at [3, 2]" in note, note
        assert "the other leaves agree" in note, note
    # The partial derivative it quotes is the true one: d/dw sin(w)^2 = sin(2w),
    # and AD's is 1.01 times it.
    truth = np.sin(2 * float(params["w"][3, 2]))
    tol = 1e-3 if dtype == np.float32 else 1e-8
    for note in located_notes(report):
        ad, oracle = (float(re.search(rf"{who} as (\S+)", note).group(1))
                      for who in ("gives", "oracle"))
        assert oracle == pytest.approx(truth, rel=tol), note
        assert ad == pytest.approx(1.01 * truth, rel=tol), note


def test_one_wrong_element_of_a_thousand_is_found():
    sine = sine_wrong_at(417, 1.001)
    x = np.linspace(-2.0, 2.0, 1000)
    report = harness.check(lambda v: jnp.sum(sine(v)), (x,), modes=("rev",))
    assert not report.ok
    for note in located_notes(report):
        assert "args[0] at [417]" in note, note


def test_a_vector_output_vjp_is_located_by_its_input():
    sine = sine_wrong_at(29, 1.01)
    x = np.linspace(0.1, 3.0, 40)
    report = harness.check(lambda v: sine(v) * 2.0, (x,), modes=("rev",))
    notes = located_notes(report)
    assert any("args[0] at [29]" in note for note in notes), notes


def test_many_leaves_are_halved_as_elements_are():
    sine = sine_wrong_at(1, 1.05)
    names = [f"layer{i:02d}" for i in range(_locate.MAX_LEAVES + 16)]
    params = {name: np.linspace(0.2, 1.0, 3) + i for i, name in enumerate(names)}

    def loss(p):
        return sum(jnp.sum(sine(v)) if k == "layer57" else jnp.sum(jnp.sin(v))
                   for k, v in p.items())

    report = harness.check(loss, (params,), modes=("rev",))
    for note in located_notes(report):
        assert "args[0]['layer57'] at [1]" in note, note


def test_an_error_spread_over_a_whole_leaf_is_said_to_spread_or_named():
    @jax.custom_vjp
    def sine(x):
        return jnp.sin(x)

    sine.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (1.02 * g * jnp.cos(x),))
    x = np.linspace(0.1, 1.0, 64)
    report = harness.check(lambda v: jnp.sum(sine(v)), (x,), modes=("rev",))
    for note in located_notes(report):
        assert "the mismatch lies in args[0]" in note, note


def test_a_passing_check_carries_no_pointer():
    report = harness.check(lambda v: jnp.sum(jnp.sin(v)), (np.linspace(0, 1, 50),))
    assert report.ok
    assert not any("mismatch lies" in c.note for c in report.checks)


def test_the_module_example_runs():
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(_locate, globs=vars(_locate).copy()):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_a_second_order_mismatch_of_a_function_of_several_outputs_is_located():
    # The order-2 VJP level's inner direction is a cotangent per output: stacked into one
    # array, it no longer matched fn's outputs ("the mismatch could not be located").
    @jax.custom_jvp
    def sin_cos(x):
        return jnp.sin(x), jnp.cos(x)

    @sin_cos.defjvp
    def _(p, t):
        (x,), (tx,) = p, t
        bent = tx * (x - jax.lax.stop_gradient(x))  # 0, with a derivative of tx
        return sin_cos(x), (jnp.cos(x) * tx + 0.01 * bent, -jnp.sin(x) * tx)

    report = harness.check(sin_cos, (np.array([0.3, 1.2, -0.7]),), order=2, seed=7)
    located = [c for c in report.failures if c.property == "vjp_matches_oracle"]
    assert located and all("the mismatch lies in args[0] at [" in c.note for c in located)
