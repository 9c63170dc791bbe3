"""The compiled programs of a check: a quick compile, and an optimized one where a program
then runs slowly."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from harness.computations import _compiled


def _long_to_compile(x):
    for i in range(300):
        x = jnp.sin(x) * 1.0001 + jnp.cos(x * i)
    return x


def test_a_first_run_is_timed_apart_from_its_compile():
    program = jax.jit(_long_to_compile)
    out, seconds = _compiled._run_timed(program, (jnp.ones(3),))
    np.testing.assert_array_equal(out, program(jnp.ones(3)))
    assert seconds < 0.05, f"{seconds:.3f} s counted as running a program that runs in us"


@pytest.mark.parametrize("fast_suites", [False, True], ids=["default", "most-optimizations-off"])
def test_a_slow_program_is_compiled_again_and_still_right(monkeypatch, fast_suites):
    monkeypatch.setattr(_compiled, "SLOW_RUN_SECONDS", -1.0)  # every run counts as slow
    monkeypatch.setitem(jax.config.values, "jax_disable_most_optimizations", fast_suites)
    if jax.default_backend() != "cpu":
        pytest.skip("the quick compile is the CPU's")
    program = _compiled.compiled(lambda x: jnp.tanh(x) * 2.0)
    x = jnp.arange(3.0)
    for _ in range(3):  # quick and timed, then optimized
        np.testing.assert_allclose(program(x), jnp.tanh(x) * 2.0, rtol=1e-6)
    # Inside another trace it compiles with the caller: no options of its own.
    np.testing.assert_allclose(jax.jit(program)(x), jnp.tanh(x) * 2.0, rtol=1e-6)
