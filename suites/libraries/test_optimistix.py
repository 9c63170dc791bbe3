"""optimistix solves, differentiated through their implicit derivatives.

The derivative of a root, a minimum or a fixed point in the problem's parameters comes from the
implicit function theorem, not from the iterations; finite differences of the solve see the
solver's stopping error as noise, so where it dominates a check is inconclusive, never failed.
"""

from __future__ import annotations

import pytest

optx = pytest.importorskip("optimistix")

import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded  # noqa: E402

SHAPE = (3,)


def _tolerance(dtype):
    return 1e-6 if jnp.dtype(dtype) == jnp.float32 else 1e-13


def newton_root(a):
    """The root of ``y^3 + y = a``, elementwise: ``dy/da = 1 / (3 y^2 + 1)``."""
    tol = _tolerance(a.dtype)
    solver = optx.Newton(rtol=tol, atol=tol)
    return optx.root_find(lambda y, a: y ** 3 + y - a, solver, jnp.zeros_like(a), args=a).value


def bfgs_minimum(a):
    """The minimum of ``sum((y - a)^2 (1 + y^2 / 4)) + sum(y)^2 / 2``."""
    tol = _tolerance(a.dtype)
    loss = lambda y, a: jnp.sum((y - a) ** 2 * (1 + y ** 2 / 4)) + jnp.sum(y) ** 2 / 2
    solver = optx.BFGS(rtol=tol, atol=tol)
    return optx.minimise(loss, solver, jnp.zeros_like(a), args=a, max_steps=256).value


def levenberg_marquardt(a):
    """The least-squares fit of ``y`` to residuals ``(exp(y) - a, y - 1/2)``."""
    tol = _tolerance(a.dtype)
    residuals = lambda y, a: jnp.concatenate([jnp.exp(y) - a, y - 0.5])
    solver = optx.LevenbergMarquardt(rtol=tol, atol=tol)
    return optx.least_squares(residuals, solver, jnp.zeros_like(a), args=a).value


def fixed_point(a):
    """The fixed point of ``y = cos(y) a / 2``, elementwise."""
    tol = _tolerance(a.dtype)
    solver = optx.FixedPointIteration(rtol=tol, atol=tol)
    return optx.fixed_point(lambda y, a: jnp.cos(y) * a / 2, solver, jnp.zeros_like(a),
                            args=a, max_steps=1024).value


ENTRIES = (
    Entry("optimistix.Newton", newton_root, lambda d: (bounded(d, SHAPE, -5.0, 5.0),)),
    Entry("optimistix.LevenbergMarquardt", levenberg_marquardt,
          lambda d: (bounded(d, SHAPE, 0.5, 5.0),)),
    Entry("optimistix.FixedPointIteration", fixed_point,
          lambda d: (bounded(d, SHAPE, -1.0, 1.0),)),
)

test_optimistix = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)

# BFGS stops with a gradient of about 1e-9 (float64) whatever its tolerances, so each solve is
# off by that much, in steps that change where its iteration count does: central differences
# of the solver are off by up to 3e-6 while AD's implicit derivative matches -H^-1 B at the
# exact minimum to 1e-10. The oracle does not yet see all of that error: the stopping error
# along the line reaches 1e-8 while the noise probes measure 1e-9 to 3e-9 (their estimate is
# a root mean square). At a = (-1, -1, 0.402) in float32 the oracle was off by 5e-5 where it
# claimed 4.3e-7, until the probes were judged against ladders that carry their noise
# (tests/test_library_false_alarms.py has the plain-JAX model of this solver). The cases that
# it misjudges are counted as expected failures, and those it judges right pass.
BFGS = Entry("optimistix.BFGS", bfgs_minimum, lambda d: (bounded(d, SHAPE, -2.0, 2.0),))
test_optimistix_bfgs = pytest.mark.xfail(
    strict=False, reason="false alarm of the harness: finite differences of BFGS's iterates "
    "scatter beyond the error the oracle states")(properties.tests_for(
        BFGS, rules=properties.ORACLE_RULES))
