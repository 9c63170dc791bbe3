"""Catalog entries for functions with hand-written ``custom_jvp`` and ``custom_vjp`` rules.

Every rule here is right; the catalog checks that the harness agrees and that JAX composes them
(higher orders differentiate the rules themselves). ``custom_vjp`` functions have no forward
mode.
"""

from __future__ import annotations

from functools import partial

import hypothesis.strategies as st
import jax
import jax.numpy as jnp

from harness.catalog._arguments import arguments, away_from_origin, static
from harness.catalog._entry import Entry
from harness.strategies import bounded, positive

SHAPE = (3,)


# ---- custom_jvp -------------------------------------------------------------------------------

@jax.custom_jvp
def log1pexp_jvp(x):
    """``log(1 + exp(x))`` with the stable derivative ``sigmoid(x)``."""
    return jnp.logaddexp(x, 0.0)


@log1pexp_jvp.defjvp
def _log1pexp_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp_jvp(x), jax.nn.sigmoid(x) * t


@partial(jax.custom_jvp, nondiff_argnums=(0,))
def integer_power(n, x):
    """``x**n`` for a static int n (a nondiff argument of the custom_jvp)."""
    return x**n


@integer_power.defjvp
def _integer_power_rule(n, primals, tangents):
    (x,), (t,) = primals, tangents
    return integer_power(n, x), n * x ** (n - 1) * t


@jax.custom_jvp
def affine_tanh(params, x):
    """``tanh(w * x + b)`` of a dict ``{'w', 'b'}`` and x: a pytree argument of a custom_jvp."""
    return jnp.tanh(params["w"] * x + params["b"])


@affine_tanh.defjvp
def _affine_tanh_rule(primals, tangents):
    # The slope is sech(z)^2, not 1 - tanh(z)^2, which cancels where tanh saturates.
    (params, x), (dparams, dx) = primals, tangents
    z = params["w"] * x + params["b"]
    slope = 1 / jnp.cosh(z) ** 2
    return jnp.tanh(z), slope * (dparams["w"] * x + params["w"] * dx + dparams["b"])


@jax.custom_jvp
def scaled_log(x, y):
    """``x * log(y)`` with one rule per argument (``defjvps``)."""
    return x * jnp.log(y)


scaled_log.defjvps(lambda t, ans, x, y: t * jnp.log(y), lambda t, ans, x, y: t * x / y)


# ---- custom_vjp -------------------------------------------------------------------------------

@jax.custom_vjp
def log1pexp_vjp(x):
    """``log(1 + exp(x))`` with the cotangent rule ``g * sigmoid(x)`` (the README's example)."""
    return jnp.logaddexp(x, 0.0)


def _log1pexp_fwd(x):
    return log1pexp_vjp(x), x


def _log1pexp_bwd(x, g):
    return (g * jax.nn.sigmoid(x),)


log1pexp_vjp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


@jax.custom_vjp
def tree_tanh(params, x):
    """``tanh(w * x + b)`` of a dict ``{'w', 'b'}``: the pullback returns a dict cotangent."""
    return jnp.tanh(params["w"] * x + params["b"])


def _tree_tanh_fwd(params, x):
    y = tree_tanh(params, x)
    return y, (params, x, y)


def _tree_tanh_bwd(residuals, g):
    params, x, y = residuals
    gz = g * (1 - y**2)
    return {"w": gz * x, "b": gz}, gz * params["w"]


tree_tanh.defvjp(_tree_tanh_fwd, _tree_tanh_bwd)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def scaled_tanh(scale, x):
    """``scale * tanh(x / scale)`` for a static int scale (a nondiff argument)."""
    return scale * jnp.tanh(x / scale)


def _scaled_tanh_fwd(scale, x):
    y = scaled_tanh(scale, x)
    return y, y


def _scaled_tanh_bwd(scale, y, g):
    return (g * (1 - (y / scale) ** 2),)


scaled_tanh.defvjp(_scaled_tanh_fwd, _scaled_tanh_bwd)


@jax.custom_vjp
def stable_norm(x):
    """``sqrt(sum(x**2))`` computed with a scaling by max |x|, with the pullback ``g x / |x|``."""
    scale = jnp.max(jnp.abs(x))
    return scale * jnp.sqrt(jnp.sum((x / scale) ** 2))


def _stable_norm_fwd(x):
    y = stable_norm(x)
    return y, (x, y)


def _stable_norm_bwd(residuals, g):
    x, y = residuals
    return (g * x / y,)


stable_norm.defvjp(_stable_norm_fwd, _stable_norm_bwd)


def _parameters(dtype):
    return st.fixed_dictionaries({"w": bounded(dtype, SHAPE, -2.0, 2.0),
                                  "b": bounded(dtype, SHAPE, -2.0, 2.0)})


CUSTOM_RULES: tuple[Entry, ...] = (
    Entry("custom_jvp.log1pexp", log1pexp_jvp, arguments(lambda d: bounded(d, SHAPE, -50, 50)),
          order=2, domain="[-50, 50]^3"),
    Entry("custom_jvp.integer_power", integer_power,
          arguments(static((2, 3)), lambda d: bounded(d, SHAPE, -10.0, 10.0)), order=2,
          domain="n in {2, 3} (static), x in [-10, 10]^3", why="nondiff_argnums=(0,)"),
    Entry("custom_jvp.affine_tanh", affine_tanh,
          arguments(_parameters, lambda d: bounded(d, SHAPE, -3.0, 3.0)), order=2,
          domain="w, b in [-2, 2]^3, x in [-3, 3]^3", why="a dict argument"),
    Entry("custom_jvp.defjvps", scaled_log,
          arguments(lambda d: bounded(d, SHAPE, -3.0, 3.0),
                    lambda d: positive(d, SHAPE, min_value=0.1, max_value=10.0)), order=2,
          kinks="y = 0", domain="x in [-3, 3]^3, y in [0.1, 10]^3"),
    Entry("custom_vjp.log1pexp", log1pexp_vjp, arguments(lambda d: bounded(d, SHAPE, -50, 50)),
          order=2, forward_mode=False, domain="[-50, 50]^3"),
    Entry("custom_vjp.tree_tanh", tree_tanh,
          arguments(_parameters, lambda d: bounded(d, SHAPE, -3.0, 3.0)), order=2,
          forward_mode=False, domain="w, b in [-2, 2]^3, x in [-3, 3]^3",
          why="a dict argument and a dict cotangent"),
    Entry("custom_vjp.scaled_tanh", scaled_tanh,
          arguments(static((1, 3)), lambda d: bounded(d, SHAPE, -5.0, 5.0)), order=2,
          forward_mode=False, domain="scale in {1, 3} (static), x in [-5, 5]^3",
          why="nondiff_argnums=(0,)"),
    Entry("custom_vjp.stable_norm", stable_norm,
          arguments(away_from_origin(SHAPE, margin=0.5, high=10.0)), forward_mode=False,
          kinks="x = 0", domain="[-10, 10]^3 with |x_0| >= 0.5"),
)
