"""The right functions of the corpus: the seed notebooks' functions, other plain JAX code,
and custom rules that are the true derivative (``correct.py`` lists them as cases)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._case import (
    NON_SYMMETRIC_4X4,
    elementwise_jvp,
    elementwise_vjp,
    tanh_cumprod_scan,
)

# --- Functions from the seed notebooks --------------------------------------------------------


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


INPUTS = np.array(
    [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]]
)
TARGETS = np.array([True, True, False, True])


def loss(W, b):
    preds = predict(W, b, INPUTS.astype(W.dtype))
    targets = jnp.asarray(TARGETS)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


def loss2(params_dict):
    return loss(params_dict["W"], params_dict["b"])


def sum_tanh_squared(X):
    return jnp.sum(jnp.tanh(X) ** 2)


def piecewise_cubic_or_linear(x):
    if x > 0:
        return 2 * x**3
    else:
        return 3 * x


def piecewise_try_except(x):
    try:
        if x < 3:
            return 2 * x**3
        else:
            raise ValueError
    except ValueError:
        return jnp.pi * x


def complex_abs_squared(z):
    x, y = jnp.real(z), jnp.imag(z)
    return x**2 + y**2


HERMITIAN_PD = np.array([[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]])


def cholesky_sin_residual(X):
    L = jnp.linalg.cholesky(X)
    return jnp.sum((L - jnp.sin(L)) ** 2)


# --- Other plain functions --------------------------------------------------------------------


def mlp(params, x):
    hidden = jnp.tanh(params["W1"] @ x + params["b1"])
    return jnp.tanh(params["W2"] @ hidden + params["b2"])


def cond_sin_or_cos(x):
    return lax.cond(jnp.sum(x) > 0, lambda v: 2 * jnp.sin(v), jnp.cos, x)


def damped_fori_loop(x):
    return lax.fori_loop(0, 5, lambda i, y: y - 0.2 * jnp.sin(y) + 0.05 * i, x)


checkpointed = jax.checkpoint(lambda x: jnp.sin(jnp.tanh(x) * x))

# --- Custom rules that are right --------------------------------------------------------------


def _log1pexp_stable(x):
    return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))


log1pexp = elementwise_jvp(_log1pexp_stable, jax.nn.sigmoid)
sigmoid_vjp = elementwise_vjp(jax.nn.sigmoid, lambda x: jax.nn.sigmoid(x) * (1 - jax.nn.sigmoid(x)))
tanh_from_output = elementwise_jvp(jnp.tanh, lambda x: 1 - jnp.tanh(x) ** 2)
x_sin_x = elementwise_jvp(lambda x: x * jnp.sin(x), lambda x: jnp.sin(x) + x * jnp.cos(x))
cube_holomorphic_vjp = elementwise_vjp(lambda z: z**3, lambda z: 3 * z**2)
sinh_vjp = elementwise_vjp(jnp.sinh, jnp.cosh)
tanh_scan_product = tanh_cumprod_scan(tanh_from_output)


@jax.custom_jvp
def safe_norm(x):
    return jnp.sqrt(jnp.sum(x**2))


@safe_norm.defjvp
def _safe_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    n = jnp.sqrt(jnp.sum(x**2))
    return n, jnp.where(n == 0, 0, jnp.sum(x * t) / jnp.where(n == 0, 1, n))


@jax.custom_jvp
def logsumexp(x):
    return jax.nn.logsumexp(x)


@logsumexp.defjvp
def _logsumexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jax.nn.logsumexp(x), jnp.sum(jax.nn.softmax(x) * t)


@jax.custom_vjp
def cumsum_vjp(x):
    return jnp.cumsum(x)


cumsum_vjp.defvjp(lambda x: (jnp.cumsum(x), None), lambda _, g: (jnp.cumsum(g[::-1])[::-1],))


@jax.custom_vjp
def inv_vjp(a):
    return jnp.linalg.inv(a)


def _inv_vjp_fwd(a):
    ainv = jnp.linalg.inv(a)
    return ainv, ainv


inv_vjp.defvjp(_inv_vjp_fwd, lambda ainv, g: (-(ainv.T @ g @ ainv.T),))


@jax.custom_jvp
def logabsdet(a):
    return jnp.linalg.slogdet(a)[1]


@logabsdet.defjvp
def _logabsdet_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    return jnp.linalg.slogdet(a)[1], jnp.trace(jnp.linalg.solve(a, t))


@jax.custom_vjp
def abs2_plus_z(z):
    return z * jnp.conj(z) + z


abs2_plus_z.defvjp(
    lambda z: (z * jnp.conj(z) + z, z), lambda z, g: (g * (jnp.conj(z) + 1) + jnp.conj(g * z),)
)


@jax.custom_vjp
def tanh_of_matvec(x):
    return jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x)


def _tanh_of_matvec_fwd(x):
    y = jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x)
    return y, y


tanh_of_matvec.defvjp(
    _tanh_of_matvec_fwd, lambda y, g: (NON_SYMMETRIC_4X4.astype(y.dtype).T @ (g * (1 - y**2)),)
)


@jax.custom_jvp
def sinc(x):
    return jnp.sinc(x)


@sinc.defjvp
def _sinc_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    safe = jnp.where(x == 0, 1, x)
    return jnp.sinc(x), jnp.where(x == 0, 0, (jnp.cos(jnp.pi * x) - jnp.sinc(x)) / safe) * t


@jax.custom_vjp
def softmax_vjp(x):
    return jax.nn.softmax(x)


def _softmax_vjp_fwd(x):
    s = jax.nn.softmax(x)
    return s, s


softmax_vjp.defvjp(
    _softmax_vjp_fwd, lambda s, g: (s * (g - jnp.sum(g * s, axis=-1, keepdims=True)),)
)


@jax.custom_jvp
def sin_cos_pair(x):
    return jnp.sin(x), jnp.cos(x)


@sin_cos_pair.defjvp
def _sin_cos_pair_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return (jnp.sin(x), jnp.cos(x)), (jnp.cos(x) * t, -jnp.sin(x) * t)


@jax.custom_jvp
def x_exp_y(x, y):
    return x * jnp.exp(y)


@x_exp_y.defjvp
def _x_exp_y_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    e = jnp.exp(y)
    return x * e, e * tx + x * e * ty


@jax.custom_jvp
def tanh_layer(params, x):
    return jnp.tanh(params["w"] * x + params["b"])


@tanh_layer.defjvp
def _tanh_layer_jvp(primals, tangents):
    (p, x), (tp, tx) = primals, tangents
    y = jnp.tanh(p["w"] * x + p["b"])
    return y, (1 - y**2) * (tp["w"] * x + p["w"] * tx + tp["b"])
