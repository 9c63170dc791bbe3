"""Named functions with the domains to draw their inputs from: what ``adharness verify`` checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from harness.strategies import arrays

from . import _seeds

REAL = ("float32", "float64")
COMPLEX = ("complex64", "complex128")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalog function: how to draw its arguments for a dtype, and what to check.

    ``arguments(dtype)`` returns one Hypothesis strategy per positional argument.
    """

    name: str
    fn: Callable
    arguments: Callable[[str], tuple[st.SearchStrategy, ...]]
    dtypes: tuple[str, ...] = REAL
    order: int = 1
    holomorphic: bool = False
    why: str = ""


def _vector(low=None, high=None, shape=(3,)):
    return lambda dtype: (arrays(dtype, shape, min_value=low, max_value=high),)


def _scalar(low=None, high=None):
    return _vector(low, high, ())


def _hermitian_positive_definite(dtype):
    base = arrays(dtype, (3, 3), min_value=-1.0, max_value=1.0)
    return (base.map(lambda a: a @ a.conj().T + 3.0 * np.eye(3, dtype=a.dtype)),)


def _spd(dtype):
    base = arrays(dtype, (3, 3), min_value=-1.0, max_value=1.0)
    return (base.map(lambda a: a @ a.T + 3.0 * np.eye(3, dtype=a.dtype)),)


def _logistic_parameters(dtype):
    return (arrays(dtype, (3,), min_value=-3.0, max_value=3.0),
            arrays(dtype, (), min_value=-3.0, max_value=3.0))


def _hvp_arguments(dtype):
    return (arrays(dtype, (2, 3), min_value=-3.0, max_value=3.0),
            arrays(dtype, (2, 3), min_value=-3.0, max_value=3.0))


ENTRIES: tuple[Entry, ...] = (
    # The notebooks' functions.
    Entry("seed.piecewise", _seeds.piecewise, _scalar(0.05, 3.0), order=3,
          why="Python control flow; checked eagerly; third derivative 12 (kink at 0 kept out)"),
    Entry("seed.piecewise_negative", _seeds.piecewise, _scalar(-3.0, -0.05), order=3,
          why="the linear branch: derivatives 3, 0, 0"),
    Entry("seed.tanh", jnp.tanh, _scalar(), order=3, why="tanh and its derivatives at 2.0"),
    Entry("seed.sigmoid", _seeds.sigmoid, _vector(-30.0, 30.0), order=2),
    Entry("seed.predict", _seeds.predict, _logistic_parameters),
    Entry("seed.loss", _seeds.loss, _logistic_parameters, order=2),
    Entry("seed.loss2", _seeds.loss2,
          lambda dtype: (st.fixed_dictionaries(dict(zip("Wb", _logistic_parameters(dtype)))),),
          order=2, why="a dict of parameters"),
    Entry("seed.sum_tanh_squared", _seeds.sum_tanh_squared, _vector(-5.0, 5.0, (3, 4)),
          order=2),
    Entry("seed.three_x_squared", _seeds.three_x_squared, _vector(-100.0, 100.0, (2, 2))),
    Entry("seed.piecewise_try", _seeds.piecewise_try, _scalar(-10.0, 10.0),
          why="try/except around Python control flow"),
    Entry("seed.hvp_fwd_rev", _seeds.hvp_fwd_rev, _hvp_arguments),
    Entry("seed.hvp_rev_fwd", _seeds.hvp_rev_fwd, _hvp_arguments),
    Entry("seed.hvp_rev_rev", _seeds.hvp_rev_rev, _hvp_arguments),
    Entry("seed.squared_modulus", _seeds.squared_modulus, _scalar(-10.0, 10.0), COMPLEX,
          why="real function of a complex variable: grad at 3+4j is 6-8j"),
    Entry("seed.complex_sin", _seeds.complex_sin, _scalar(-3.0, 3.0), COMPLEX, holomorphic=True),
    Entry("seed.conjugate", _seeds.conjugate, _scalar(-10.0, 10.0), COMPLEX,
          why="not holomorphic: checked as a map of R^2"),
    Entry("seed.cholesky_sin_residual", _seeds.cholesky_sin_residual,
          _hermitian_positive_definite, COMPLEX),
    Entry("seed.linear_complex_map", _seeds.linear_complex_map,
          lambda dtype: (arrays(dtype, (), min_value=0.0, max_value=1.0),
                         arrays("float32" if dtype == "complex64" else "float64", (4,),
                                min_value=0.0, max_value=1.0)), COMPLEX,
          why="the notebooks' JVP and VJP convention checks for C -> C"),
    # jax.numpy and jax.nn.
    Entry("sin", jnp.sin, _vector(-1e3, 1e3), order=2),
    Entry("exp", jnp.exp, _vector(-30.0, 30.0), order=2),
    Entry("log", jnp.log, _vector(1e-3, 1e6), order=2),
    Entry("sqrt", jnp.sqrt, _vector(1e-3, 1e6), order=2),
    Entry("arctan", jnp.arctan, _vector(), order=2),
    Entry("erf", jsp.erf, _vector(-5.0, 5.0), order=2),
    Entry("softplus", jax.nn.softplus, _vector(-50.0, 50.0), order=2),
    Entry("logsumexp", jsp.logsumexp, _vector(-50.0, 50.0, (4,))),
    Entry("softmax", jax.nn.softmax, _vector(-20.0, 20.0, (4,))),
    Entry("solve", lambda a, b: jnp.linalg.solve(a, b),
          lambda dtype: _spd(dtype) + (arrays(dtype, (3,), min_value=-3.0, max_value=3.0),)),
    Entry("slogdet", lambda a: jnp.linalg.slogdet(a)[1], _spd),
    Entry("cholesky", jnp.linalg.cholesky, _spd),
)
