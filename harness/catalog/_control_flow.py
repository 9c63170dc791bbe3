"""Catalog entries for lax control flow, jax.checkpoint and vmap.

Branch and switch indices are int32 leaves: the checks hold them fixed, so each branch is
differentiated on its own and no kink lies between points.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from harness.catalog._arguments import arguments, fixed_int
from harness.catalog._entry import Entry
from harness.strategies import bounded

SHAPE = (3,)


def _bounded(shape, low, high):
    return lambda d: bounded(d, shape, low, high)


def cond(use_sin, x):
    """``lax.cond``: ``sin(x) * x`` where the flag is set, else ``cos(x) + x**2``."""
    return lax.cond(use_sin > 0, lambda y: jnp.sin(y) * y, lambda y: jnp.cos(y) + y**2, x)


def switch(index, x):
    """``lax.switch`` among ``sin``, ``tanh(2x)`` and ``exp(-x^2)``."""
    branches = [jnp.sin, lambda y: jnp.tanh(2 * y), lambda y: jnp.exp(-(y**2))]
    return lax.switch(index, branches, x)


def scan(w, xs):
    """``lax.scan`` of a small recurrent cell: ``c <- tanh(w c + x)``; final carry and outputs."""

    def cell(c, x):
        c = jnp.tanh(w * c + x)
        return c, c**2

    return lax.scan(cell, jnp.zeros_like(xs[0]), xs)


def fori_loop(x):
    """``lax.fori_loop`` with a static trip count (5 steps of ``x <- x + 0.3 sin(x)``)."""
    return lax.fori_loop(0, 5, lambda i, y: y + 0.3 * jnp.sin(y), x)


def while_loop(x):
    """``lax.while_loop``: 5 steps of ``x <- x + 0.3 sin(x)`` on a counted carry."""

    def body(carry):
        i, y = carry
        return i + 1, y + 0.3 * jnp.sin(y)

    return lax.while_loop(lambda carry: carry[0] < 5, body, (0, x))[1]


def checkpointed(x):
    """``jax.checkpoint`` (rematerialization) of ``sum(sin(x) * exp(cos(x)))``."""
    return jax.checkpoint(lambda y: jnp.sum(jnp.sin(y) * jnp.exp(jnp.cos(y))))(x)


def map_rows(xs):
    """``lax.map`` of ``row -> tanh(row) . row`` over the rows."""
    return lax.map(lambda row: jnp.dot(jnp.tanh(row), row), xs)


def vmapped(w, xs):
    """``jax.vmap`` of ``x -> sin(w . x)`` over the rows of xs (w shared)."""
    return jax.vmap(lambda x: jnp.sin(jnp.dot(w, x)))(xs)


CONTROL_FLOW: tuple[Entry, ...] = (
    Entry("cond", cond, arguments(fixed_int((0, 1)), _bounded(SHAPE, -5.0, 5.0)), order=2,
          domain="flag 0 or 1 (held fixed), x in [-5, 5]^3"),
    Entry("switch", switch, arguments(fixed_int((0, 1, 2)), _bounded(SHAPE, -3.0, 3.0)),
          order=2, domain="index 0, 1 or 2 (held fixed), x in [-3, 3]^3"),
    Entry("scan", scan, arguments(_bounded((), -2.0, 2.0), _bounded((4, 3), -3.0, 3.0)),
          order=2, domain="w in [-2, 2], xs in [-3, 3]^(4x3)"),
    Entry("fori_loop", fori_loop, arguments(_bounded(SHAPE, -10.0, 10.0)), order=2,
          domain="[-10, 10]^3", why="a static trip count: lowered to scan, so reverse works"),
    Entry("while_loop", while_loop, arguments(_bounded(SHAPE, -10.0, 10.0)), order=2,
          reverse_mode=False, domain="[-10, 10]^3",
          why="reverse mode does not exist for while_loop: forward mode only"),
    Entry("checkpoint", checkpointed, arguments(_bounded(SHAPE, -5.0, 5.0)), order=2,
          domain="[-5, 5]^3"),
    Entry("map", map_rows, arguments(_bounded((4, 3), -3.0, 3.0)), order=2,
          domain="[-3, 3]^(4x3)"),
    Entry("vmap", vmapped, arguments(_bounded(SHAPE, -2.0, 2.0), _bounded((4, 3), -2.0, 2.0)),
          order=2, domain="w in [-2, 2]^3, xs in [-2, 2]^(4x3)"),
)
