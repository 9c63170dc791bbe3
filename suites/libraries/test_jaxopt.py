"""jaxopt solvers and their implicit derivatives: ridge regression by LBFGS, a root by bisection."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # jaxopt is no longer maintained
    jaxopt = pytest.importorskip("jaxopt")

import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded  # noqa: E402

FEATURES = jnp.array([[1.0, 0.5], [0.2, -1.0], [0.7, 0.3], [-0.4, 0.8]])


def _tolerance(dtype):
    return 1e-6 if jnp.dtype(dtype) == jnp.float32 else 1e-12


def ridge_lbfgs(targets, penalty):
    """``argmin_w |X w - y|^2 / 2 + exp(p) |w|^2 / 2``, by LBFGS, in y and p."""
    x = FEATURES.astype(targets.dtype)
    loss = lambda w, y, p: (jnp.sum((x @ w - y) ** 2) + jnp.exp(p) * jnp.sum(w ** 2)) / 2
    solver = jaxopt.LBFGS(fun=loss, tol=_tolerance(targets.dtype), maxiter=200)
    return solver.run(jnp.zeros(2, targets.dtype), targets, penalty).params


def bisection_root(a):
    """The root of ``y^3 + y - a`` on [-3, 3], by bisection, in a."""
    solver = jaxopt.Bisection(optimality_fun=lambda y, a: y ** 3 + y - a, lower=-3.0, upper=3.0,
                              tol=_tolerance(a.dtype), maxiter=100, check_bracket=False)
    return solver.run(a=a).params


ENTRIES = (
    Entry("jaxopt.LBFGS", ridge_lbfgs,
          lambda d: (bounded(d, (4,), -2.0, 2.0), bounded(d, (), -1.0, 1.0)),
          forward_mode=False),
    Entry("jaxopt.Bisection", bisection_root, lambda d: (bounded(d, (), -5.0, 5.0),),
          forward_mode=False),
)

test_jaxopt = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)
