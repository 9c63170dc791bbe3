"""The wrong rules of the corpus: custom_jvp and custom_vjp functions, each wrong in one
planted way (``mutants.py`` lists them as cases, with what each must be caught by)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ._case import (
    NON_SYMMETRIC_4X4,
    elementwise_jvp,
    elementwise_vjp,
)


def _sech2(x):
    return 1 - jnp.tanh(x) ** 2


sin_sign_flipped = elementwise_jvp(jnp.sin, lambda x: -jnp.cos(x))
tanh_sign_flipped = elementwise_vjp(jnp.tanh, lambda x: -_sech2(x))
softplus_scaled_1pct = elementwise_jvp(jax.nn.softplus, lambda x: 1.01 * jax.nn.sigmoid(x))
tanh_scaled_0p1pct = elementwise_jvp(jnp.tanh, lambda x: 1.001 * _sech2(x))
sin_stop_gradient = elementwise_jvp(jnp.sin, lambda x: jnp.cos(lax.stop_gradient(x)))
x_sin_x_missing_term = elementwise_jvp(lambda x: x * jnp.sin(x), lambda x: x * jnp.cos(x))
sinh_from_stale_residual = jax.custom_vjp(jnp.sinh)
sinh_from_stale_residual.defvjp(
    lambda x: (jnp.sinh(x), x * 1.0001), lambda r, g: (g * jnp.cosh(r),)
)
arcsinh_plus_1e_3 = elementwise_jvp(jnp.arcsinh, lambda x: 1 / jnp.sqrt(1 + x**2) + 1e-3)
exp_relative_1e_3 = elementwise_jvp(jnp.exp, lambda x: jnp.exp(x) * (1 + 1e-3))
softplus_asymptote_above_2 = elementwise_jvp(
    jax.nn.softplus, lambda x: jnp.where(x > 2, 1.0, jax.nn.sigmoid(x))
)
# Right at orders 1 and 2, wrong at order 3: its rule's rule's rule is `sin_sign_flipped`'s.
cos_right_to_order_1 = elementwise_jvp(jnp.cos, lambda x: -sin_sign_flipped(x))
sin_wrong_at_order_3 = elementwise_jvp(jnp.sin, cos_right_to_order_1)
# Right at order 1, wrong at order 2: its derivative is a sigmoid whose own rule is wrong.
sigmoid_wrong = elementwise_jvp(
    jax.nn.sigmoid, lambda x: jax.nn.sigmoid(x) * (1 + jax.nn.sigmoid(x))
)
softplus_wrong_at_order_2 = elementwise_jvp(jax.nn.softplus, sigmoid_wrong)
tanh_missing_square = elementwise_jvp(jnp.tanh, lambda x: 1 - jnp.tanh(x))
expm1_derivative_off_by_one = elementwise_jvp(jnp.expm1, jnp.expm1)
complex_sin_conjugated = elementwise_jvp(jnp.sin, lambda z: jnp.conj(jnp.cos(z)))
cube_pytorch_convention = elementwise_vjp(lambda z: z**3, lambda z: jnp.conj(3 * z**2))


@jax.custom_jvp
def tanh_large_array_path(x):
    return jnp.tanh(x)


@tanh_large_array_path.defjvp
def _tanh_large_array_path_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    scale = 1.05 if x.size >= 1000 else 1.0  # the large-array branch has a mis-set constant
    return jnp.tanh(x), scale * _sech2(x) * t


@jax.custom_jvp
def tanh_1pct_wrong_only_in_float32(x):
    return jnp.tanh(x)


@tanh_1pct_wrong_only_in_float32.defjvp
def _tanh_1pct_wrong_only_in_float32_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    scale = 1.01 if x.dtype == jnp.float32 else 1.0  # a fast path for float32, mis-set
    return jnp.tanh(x), scale * _sech2(x) * t


@jax.custom_jvp
def sin_tangent_clipped_at_norm_10(x):
    return jnp.sin(x)


@sin_tangent_clipped_at_norm_10.defjvp
def _sin_tangent_clipped_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    # A gradient-clipping habit inside a rule: not linear in t. Random directions of four
    # elements have norm about 2, so the rule is right along them and wrong along most others.
    clipped = t * jnp.minimum(1.0, 10.0 / jnp.maximum(jnp.sqrt(jnp.sum(t * t)), 1e-30))
    return jnp.sin(x), jnp.cos(x) * clipped


@jax.custom_vjp
def tanh_cotangent_clipped_at_norm_10(x):
    return jnp.tanh(x)


def _tanh_cotangent_clipped_bwd(x, g):
    clipped = g * jnp.minimum(1.0, 10.0 / jnp.maximum(jnp.sqrt(jnp.sum(g * g)), 1e-30))
    return (_sech2(x) * clipped,)


tanh_cotangent_clipped_at_norm_10.defvjp(lambda x: (jnp.tanh(x), x),
                                         _tanh_cotangent_clipped_bwd)


@jax.custom_vjp
def tanh_of_matvec_transposed(x):
    return jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x)


def _tanh_of_matvec_fwd(x):
    y = jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x)
    return y, y


def _tanh_of_matvec_transposed_bwd(y, g):
    return (NON_SYMMETRIC_4X4.astype(y.dtype) @ (g * (1 - y**2)),)  # should be A.T @ ...


tanh_of_matvec_transposed.defvjp(_tanh_of_matvec_fwd, _tanh_of_matvec_transposed_bwd)


@jax.custom_vjp
def abs2_plus_z_missing_conj(z):
    return z * jnp.conj(z) + z


def _abs2_plus_z_missing_conj_bwd(z, g):
    # d/dz = conj(z) + 1 and d/dconj(z) = z, so JAX's VJP is g (conj(z) + 1) + conj(g z).
    return (g * (jnp.conj(z) + 1) + g * z,)


abs2_plus_z_missing_conj.defvjp(lambda z: (z * jnp.conj(z) + z, z), _abs2_plus_z_missing_conj_bwd)

exp_vjp_conjugated = jax.custom_vjp(jnp.exp)
exp_vjp_conjugated.defvjp(lambda z: (jnp.exp(z), z), lambda z, g: (jnp.conj(g * jnp.exp(z)),))


@jax.custom_jvp
def sum_squares_pairwise(x):
    return jnp.sum(x**2, axis=-1)


@sum_squares_pairwise.defjvp
def _sum_squares_pairwise_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    u = 2 * x * t
    even = x.shape[-1] - x.shape[-1] % 2  # a pairwise sum that forgets the odd element out
    return jnp.sum(x**2, axis=-1), jnp.sum(u[..., 0:even:2] + u[..., 1:even:2], axis=-1)


@jax.custom_jvp
def sinc_wrong_at_zero(x):
    return jnp.sinc(x)


@sinc_wrong_at_zero.defjvp
def _sinc_wrong_at_zero_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    safe = jnp.where(x == 0, 1, x)
    slope = jnp.where(x == 0, 1, (jnp.cos(jnp.pi * x) - jnp.sinc(x)) / safe)  # 1 should be 0
    return jnp.sinc(x), slope * t


@jax.custom_jvp
def x_exp_y_wrong_in_y(x, y):
    return x * jnp.exp(y)


@x_exp_y_wrong_in_y.defjvp
def _x_exp_y_wrong_in_y_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return x * jnp.exp(y), jnp.exp(y) * tx + jnp.exp(y) * ty  # the ty term lacks its factor x


@jax.custom_jvp
def tanh_layer_drops_bias(params, x):
    return jnp.tanh(params["w"] * x + params["b"])


@tanh_layer_drops_bias.defjvp
def _tanh_layer_drops_bias_jvp(primals, tangents):
    (p, x), (tp, tx) = primals, tangents
    y = jnp.tanh(p["w"] * x + p["b"])
    return y, (1 - y**2) * (tp["w"] * x + p["w"] * tx)  # tp["b"] is never used


@jax.custom_jvp
def sin_cos_pair(x):
    return jnp.sin(x), jnp.cos(x)


@sin_cos_pair.defjvp
def _sin_cos_pair_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return (jnp.sin(x), jnp.cos(x)), (jnp.cos(x) * t, jnp.sin(x) * t)  # second lacks a minus


@jax.custom_vjp
def softmax_ignores_last_cotangent(x):
    return jax.nn.softmax(x)


def _softmax_fwd(x):
    s = jax.nn.softmax(x)
    return s, s


def _softmax_ignores_last_cotangent_bwd(s, g):
    g = jnp.asarray(g).at[..., -1].set(0)  # a slice that stops one short
    return (s * (g - jnp.sum(g * s, axis=-1, keepdims=True)),)


softmax_ignores_last_cotangent.defvjp(_softmax_fwd, _softmax_ignores_last_cotangent_bwd)


@jax.custom_jvp
def cumsum_rolled(x):
    return jnp.cumsum(x)


@cumsum_rolled.defjvp
def _cumsum_rolled_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.cumsum(x), jnp.roll(jnp.cumsum(t), 1)


@jax.custom_jvp
def logsumexp_unnormalised(x):
    return jax.nn.logsumexp(x)


@logsumexp_unnormalised.defjvp
def _logsumexp_unnormalised_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jax.nn.logsumexp(x), jnp.sum(jnp.exp(x - jnp.max(x)) * t)  # weights do not sum to 1


@jax.custom_vjp
def inv_missing_transpose(a):
    return jnp.linalg.inv(a)


def _inv_fwd(a):
    ainv = jnp.linalg.inv(a)
    return ainv, ainv


inv_missing_transpose.defvjp(_inv_fwd, lambda ainv, g: (-(ainv @ g @ ainv),))


@jax.custom_jvp
def logabsdet_missing_transpose(a):
    return jnp.linalg.slogdet(a)[1]


@logabsdet_missing_transpose.defjvp
def _logabsdet_missing_transpose_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    return jnp.linalg.slogdet(a)[1], jnp.sum(jnp.linalg.inv(a) * t)  # trace(A^-1 T) needs A^-T


def expm1_loop(expm1):
    return lambda x: lax.fori_loop(0, 4, lambda i, y: jnp.sin(y) + 0.3 * expm1(0.3 * y), x)


# A series branch for tiny |x|, 1% off: right wherever the draws are ordinary.
cbrt_1pct_wrong_below_1e_20 = elementwise_jvp(
    jnp.cbrt, lambda x: jnp.where(jnp.abs(x) < 1e-20, 1.01, 1.0) / (3 * jnp.cbrt(x) ** 2))
