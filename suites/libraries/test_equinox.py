"""equinox models, differentiated in their parameters (``eqx.partition``) and their inputs."""

from __future__ import annotations

import pytest

eqx = pytest.importorskip("equinox")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded, tangents  # noqa: E402

KEY = jax.random.key(0)


def _entry(name: str, model, shape: tuple[int, ...], *, order: int = 1) -> Entry:
    """``model`` as a function of (its floating-point arrays, input)."""
    params, static = eqx.partition(model, eqx.is_inexact_array)

    def apply(params, x):
        return eqx.combine(params, static)(x)

    def arguments(dtype):
        like = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, dtype), params)
        return tangents(like, max_magnitude=1.0), bounded(dtype, shape, -3.0, 3.0)

    apply.__name__ = name
    return Entry(f"equinox.{name}", apply, arguments, order=order)


class _Sequence(eqx.Module):
    """A GRU cell run over the rows of its input with ``lax.scan``."""

    cell: eqx.nn.GRUCell

    def __call__(self, xs):
        hidden = jnp.zeros(self.cell.hidden_size, xs.dtype)
        last, _ = jax.lax.scan(lambda h, x: (self.cell(x, h), None), hidden, xs)
        return last


class _Loss(eqx.Module):
    """The mean square of a model's output on a batch of rows."""

    model: eqx.Module

    def __call__(self, x):
        return jnp.mean(jax.vmap(self.model)(x) ** 2)


ENTRIES = (
    _entry("MLP", eqx.nn.MLP(3, 2, 8, 2, activation=jax.nn.softplus, key=KEY), (3,), order=2),
    _entry("MLP_loss", _Loss(eqx.nn.MLP(3, 1, 6, 2, activation=jnp.tanh, key=KEY)), (4, 3),
           order=2),
    _entry("Conv1d", eqx.nn.Conv1d(2, 3, kernel_size=3, key=KEY), (2, 6)),
    _entry("LayerNorm", eqx.nn.LayerNorm(4), (4,), order=2),
    _entry("GRU", _Sequence(eqx.nn.GRUCell(2, 3, key=KEY)), (4, 2)),
    _entry("MultiheadAttention",
           eqx.Partial(lambda m, x: m(x, x, x), eqx.nn.MultiheadAttention(2, 4, key=KEY)),
           (3, 4)),
)

test_equinox = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)
