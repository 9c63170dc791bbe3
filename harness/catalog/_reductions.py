"""Catalog entries for reductions, cumulative reductions, sorting and norms."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from harness.catalog._arguments import arguments, away_from_origin, separated, vector
from harness.catalog._entry import Entry
from harness.strategies import bounded, real_line

TIES = "ties between elements (drawn at least 0.1 apart)"
GAP = 0.1


def _bounded(shape, low, high):
    return arguments(lambda d: bounded(d, shape, low, high))


def _separated(shape):
    return arguments(separated(shape, gap=GAP, low=-10.0, high=10.0))


def last_axis_max(x):
    """``max(x, axis=-1)``."""
    return jnp.max(x, axis=-1)


def cumulative_logsumexp(x):
    """``lax.cumlogsumexp`` along the only axis."""
    return jax.lax.cumlogsumexp(x, axis=0)


REDUCTIONS: tuple[Entry, ...] = (
    Entry("sum", jnp.sum, arguments(lambda d: real_line(d, (3, 4), max_magnitude=1e3)),
          order=2, domain="[-1e3, 1e3]^(3x4)"),
    Entry("prod", jnp.prod, _bounded((4,), -3.0, 3.0), order=2, domain="[-3, 3]^4",
          why="zeros (often several) make the gradient a product of the others"),
    Entry("mean", jnp.mean, arguments(lambda d: real_line(d, (3, 4), max_magnitude=1e3)),
          order=2, domain="[-1e3, 1e3]^(3x4)"),
    Entry("var", jnp.var, arguments(lambda d: bounded(d, (5,), -10.0, 10.0)),
          order=2, domain="[-10, 10]^5, ties included"),
    Entry("max", jnp.max, _separated((5,)), order=2, kinks=TIES,
          domain="[-10, 10.5]^5, 0.1 apart"),
    Entry("max_last_axis", last_axis_max, _separated((3, 4)), order=2,
          kinks=TIES, domain="[-10, 11.2]^(3x4), 0.1 apart"),
    Entry("min", jnp.min, _separated((5,)), order=2, kinks=TIES,
          domain="[-10, 10.5]^5, 0.1 apart"),
    Entry("logsumexp", jsp.logsumexp, vector(-50.0, 50.0, (4,)), domain="[-50, 50]^4"),
    Entry("cumsum", jnp.cumsum, _bounded((4,), -1e3, 1e3), order=2, domain="[-1e3, 1e3]^4"),
    Entry("cumprod", jnp.cumprod, _bounded((4,), -3.0, 3.0), order=2, domain="[-3, 3]^4"),
    Entry("cumlogsumexp", cumulative_logsumexp, _bounded((4,), -30.0, 30.0), order=2,
          domain="[-30, 30]^4"),
    Entry("sort", jnp.sort, _separated((5,)), order=2, kinks=TIES,
          domain="[-10, 10.5]^5, 0.1 apart"),
    Entry("norm", jnp.linalg.norm, arguments(away_from_origin((3,), margin=0.5, high=10.0)),
          order=2, kinks="x = 0", domain="[-10, 10]^3 with |x_0| >= 0.5"),
    Entry("norm_frobenius", jnp.linalg.norm,
          arguments(away_from_origin((2, 3), margin=0.5, high=10.0)), order=2, kinks="x = 0",
          domain="[-10, 10]^(2x3) with |x_00| >= 0.5"),
)
