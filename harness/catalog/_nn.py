"""Catalog entries for jax.nn activations, normalizations and attention."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from harness.catalog._arguments import arguments, vector
from harness.catalog._entry import Entry
from harness.strategies import away_from, bounded, positive

SHAPE = (4,)


def _bounded(low, high, shape=SHAPE):
    return arguments(lambda d: bounded(d, shape, low, high))


def _away_from(kinks, margin, low, high):
    return arguments(lambda d: away_from(d, SHAPE, kinks, margin=margin, low=low, high=high))


def gelu_tanh(x):
    """``gelu(x, approximate=True)``: the tanh approximation."""
    return jax.nn.gelu(x, approximate=True)


def gelu_exact(x):
    """``gelu(x, approximate=False)``: through erf."""
    return jax.nn.gelu(x, approximate=False)


def logsumexp_rows(x):
    """``jax.nn.logsumexp`` over the last axis."""
    return jax.nn.logsumexp(x, axis=-1)


def attention(q, k, v):
    """Scaled dot-product attention, ``softmax(q k^T / sqrt(d)) v`` per head (B T N H layout).

    Written out rather than ``jax.nn.dot_product_attention``, which carries out the softmax in
    float32 whatever the input dtype (by design), so its float64 results are float32-accurate.
    """
    logits = jnp.einsum("btnh,bsnh->bnts", q, k) / jnp.sqrt(q.shape[-1]).astype(q.dtype)
    return jnp.einsum("bnts,bsnh->btnh", jax.nn.softmax(logits, axis=-1), v)


NN: tuple[Entry, ...] = (
    Entry("softplus", jax.nn.softplus, vector(-50.0, 50.0), order=2, domain="[-50, 50]"),
    Entry("softmax", jax.nn.softmax, vector(-20.0, 20.0, (4,)), domain="[-20, 20]^4"),
    Entry("log_softmax", jax.nn.log_softmax, _bounded(-20.0, 20.0, (2, 4)), order=2,
          domain="[-20, 20]^(2x4)"),
    Entry("nn.logsumexp", logsumexp_rows, _bounded(-50.0, 50.0, (2, 4)), order=2,
          domain="[-50, 50]^(2x4)"),
    Entry("sigmoid", jax.nn.sigmoid, _bounded(-30.0, 30.0), order=2, domain="[-30, 30]"),
    Entry("log_sigmoid", jax.nn.log_sigmoid, _bounded(-30.0, 30.0), order=2,
          domain="[-30, 30]"),
    Entry("silu", jax.nn.silu, _bounded(-30.0, 30.0), order=2, domain="[-30, 30]"),
    Entry("gelu", gelu_tanh, _bounded(-10.0, 10.0), order=2, domain="[-10, 10]"),
    Entry("gelu_exact", gelu_exact, _bounded(-10.0, 10.0), order=2, domain="[-10, 10]"),
    Entry("mish", jax.nn.mish, _bounded(-10.0, 10.0), order=2, domain="[-10, 10]"),
    Entry("relu", jax.nn.relu, _away_from(0.0, 0.05, -10.0, 10.0), order=2, kinks="x = 0",
          domain="[-10, 10], 0.05 from 0"),
    Entry("leaky_relu", jax.nn.leaky_relu, _away_from(0.0, 0.05, -10.0, 10.0), order=2,
          kinks="x = 0", domain="[-10, 10], 0.05 from 0"),
    Entry("elu", jax.nn.elu, _away_from(0.0, 0.05, -10.0, 10.0), order=2,
          kinks="x = 0 (in the second derivative)", domain="[-10, 10], 0.05 from 0"),
    Entry("selu", jax.nn.selu, _away_from(0.0, 0.05, -10.0, 10.0), order=2, kinks="x = 0",
          domain="[-10, 10], 0.05 from 0"),
    Entry("celu", jax.nn.celu, _away_from(0.0, 0.05, -10.0, 10.0), order=2,
          kinks="x = 0 (in the second derivative)", domain="[-10, 10], 0.05 from 0"),
    Entry("hard_tanh", jax.nn.hard_tanh, _away_from([-1.0, 1.0], 0.05, -3.0, 3.0),
          kinks="x = -1 and x = 1", domain="[-3, 3], 0.05 from +-1"),
    Entry("squareplus", jax.nn.squareplus, _bounded(-10.0, 10.0), order=2, domain="[-10, 10]"),
    Entry("glu", jax.nn.glu, _bounded(-10.0, 10.0, (2, 4)), order=2, domain="[-10, 10]^(2x4)"),
    Entry("standardize", jax.nn.standardize, _bounded(-10.0, 10.0, (6,)),
          domain="[-10, 10]^6", why="(x - mean) / sqrt(var + 1e-5): smooth at equal elements"),
    Entry("log1mexp", jax.nn.log1mexp, arguments(lambda d: positive(d, SHAPE, min_value=0.01,
                                                                     max_value=30.0)),
          order=2, kinks="pole at 0", domain="[0.01, 30]"),
    Entry("attention", attention,
          arguments(*(lambda d: bounded(d, (1, 3, 2, 4), -2.0, 2.0),) * 3),
          domain="q, k, v in [-2, 2]^(1x3x2x4)"),
)
