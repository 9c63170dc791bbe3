"""Wrong derivative rules: functions whose primal is right and whose custom rule is wrong.

Each case's `reference` computes the same primal with JAX's own differentiation rules, which are
trusted; `order` is the lowest derivative order at which the case is wrong. Custom VJP rules have
no forward mode, so their cases list only "rev".
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._case import (
    NON_SYMMETRIC_4X4,
    Case,
    complex_vectors,
    elementwise_jvp,
    elementwise_vjp,
    normal,
    normal_arrays,
    signed,
    signed_vectors,
    tanh_cumprod_scan,
    uniform,
    well_conditioned,
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


def _expm1_loop(expm1):
    return lambda x: lax.fori_loop(0, 4, lambda i, y: jnp.sin(y) + 0.3 * expm1(0.3 * y), x)


MUTANTS: tuple[Case, ...] = (
    Case(
        "sin_jvp_sign_flipped",
        sin_sign_flipped,
        signed_vectors(5),
        reference=jnp.sin,
        why="JVP rule returns -cos(x) t.",
    ),
    Case(
        "tanh_vjp_sign_flipped",
        tanh_sign_flipped,
        normal_arrays(4),
        modes=("rev",),
        reference=jnp.tanh,
        why="VJP rule returns -(1 - tanh(x)^2) g.",
    ),
    Case(
        "softplus_scalar_jvp_scaled_1pct",
        softplus_scaled_1pct,
        lambda rng, d: (normal(rng, d, scale=2.0),),
        reference=jax.nn.softplus,
        why="Scalar function; JVP rule is 1.01 times the true derivative (1% wrong).",
    ),
    Case(
        "tanh_array_jvp_scaled_0p1pct",
        tanh_scaled_0p1pct,
        normal_arrays(6),
        reference=jnp.tanh,
        why="Array function; JVP rule is 1.001 times the true derivative (0.1% wrong).",
    ),
    Case(
        "tanh_of_matvec_vjp_transposed_jacobian",
        tanh_of_matvec_transposed,
        lambda rng, d: (normal(rng, d, (4,), scale=0.5),),
        modes=("rev",),
        reference=lambda x: jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x),
        why="x -> tanh(A x), A 4x4 non-symmetric; the VJP multiplies by A where A.T is due.",
    ),
    Case(
        "abs2_plus_z_vjp_missing_conj",
        abs2_plus_z_missing_conj,
        complex_vectors(3),
        modes=("rev",),
        reference=lambda z: z * jnp.conj(z) + z,
        why="Non-holomorphic z conj(z) + z. JAX's VJP is g (conj(z) + 1) + conj(g z); the rule "
        "returns g (conj(z) + 1) + g z, missing the conj on the d/dconj(z) term.",
    ),
    Case(
        "cube_vjp_pytorch_convention",
        cube_pytorch_convention,
        complex_vectors(3),
        modes=("rev",),
        holomorphic=True,
        reference=lambda z: z**3,
        why="Holomorphic z^3. JAX's VJP is g f'(z) with no conjugation; the rule returns "
        "g conj(f'(z)), PyTorch's conjugate-Wirtinger convention.",
    ),
    Case(
        "exp_vjp_result_conjugated",
        exp_vjp_conjugated,
        complex_vectors(3),
        modes=("rev",),
        holomorphic=True,
        reference=jnp.exp,
        why="Holomorphic exp(z); the VJP returns conj(g exp(z)) instead of g exp(z).",
    ),
    Case(
        "sin_complex_jvp_conjugated_derivative",
        complex_sin_conjugated,
        complex_vectors(3),
        holomorphic=True,
        reference=jnp.sin,
        why="Holomorphic sin(z); the JVP rule multiplies t by conj(cos(z)) instead of cos(z).",
    ),
    Case(
        "sin_jvp_stop_gradient_breaks_order2",
        sin_stop_gradient,
        signed_vectors(5),
        order=2,
        reference=jnp.sin,
        why="Tangent cos(stop_gradient(x)) t: first derivative right, second derivative 0.",
    ),
    Case(
        "softplus_jvp_asymptote_above_2",
        softplus_asymptote_above_2,
        lambda rng, d: (normal(rng, d, (8,), scale=2.0),),
        reference=jax.nn.softplus,
        why="For x > 2 the rule uses the asymptotic slope 1 instead of sigmoid(x): wrong only "
        "there (about 0.12 at x = 2); a draw of 8 normals times 2 hits it 3 times in 4.",
    ),
    Case(
        "sum_squares_jvp_drops_tail_for_odd_length",
        sum_squares_pairwise,
        lambda rng, d: (normal(rng, d, (2, 3)),),
        reference=lambda x: jnp.sum(x**2, axis=-1),
        why="Pairwise tangent reduction over the last axis drops the last element when its "
        "length is odd; right for even lengths. Drawn with length 3.",
    ),
    Case(
        "tanh_jvp_5pct_wrong_on_1000_plus_elements",
        tanh_large_array_path,
        lambda rng, d: (normal(rng, d, (40, 25)),),
        reference=jnp.tanh,
        why="Rule 5% too large on arrays of 1000 or more elements, right on smaller ones. "
        "Drawn with 1000 elements.",
    ),
    Case(
        "sinc_jvp_wrong_at_zero",
        sinc_wrong_at_zero,
        signed_vectors(3, low=0.3, high=2.0),
        reference=jnp.sinc,
        fixed_args=(np.array([0.0, 0.5, -1.25]),),
        why="Rule returns slope 1 where x == 0 exactly (true slope 0); right elsewhere, so "
        "random draws miss it: check fixed_args.",
    ),
    Case(
        "softplus_jvp_wrong_at_order2",
        softplus_wrong_at_order_2,
        lambda rng, d: (normal(rng, d, (5,), scale=2.0),),
        order=2,
        reference=jax.nn.softplus,
        why="Tangent sigmoid(x) t is right, but that sigmoid's own rule is s (1 + s) instead of "
        "s (1 - s): the second derivative is wrong.",
    ),
    Case(
        "sin_jvp_wrong_at_order3",
        sin_wrong_at_order_3,
        signed_vectors(5),
        order=3,
        reference=jnp.sin,
        why="First and second derivatives right; the third derivative has its sign flipped by "
        "a wrong rule two levels down.",
    ),
    Case(
        "x_exp_y_jvp_wrong_in_second_argument",
        x_exp_y_wrong_in_y,
        lambda rng, d: (signed(rng, d, (3,)), normal(rng, d, (3,), scale=0.7)),
        reference=lambda x, y: x * jnp.exp(y),
        why="f(x, y) = x exp(y); the y tangent term is exp(y) ty instead of x exp(y) ty.",
    ),
    Case(
        "tanh_layer_jvp_drops_bias_leaf",
        tanh_layer_drops_bias,
        lambda rng, d: (
            {"w": normal(rng, d, (4,)), "b": normal(rng, d, (4,))},
            normal(rng, d, (4,)),
        ),
        reference=lambda p, x: jnp.tanh(p["w"] * x + p["b"]),
        why="f({'w', 'b'}, x) = tanh(w x + b); the rule ignores the tangent of leaf 'b'.",
    ),
    Case(
        "sin_cos_pair_jvp_second_output_wrong",
        sin_cos_pair,
        signed_vectors(4),
        reference=lambda x: (jnp.sin(x), jnp.cos(x)),
        why="Tuple output (sin, cos); the tangent of cos is sin(x) t, missing its minus.",
    ),
    Case(
        "softmax_vjp_ignores_last_cotangent",
        softmax_ignores_last_cotangent,
        normal_arrays(5),
        modes=("rev",),
        reference=jax.nn.softmax,
        why="The VJP zeroes the cotangent of the last output before using it.",
    ),
    Case(
        "x_sin_x_jvp_drops_product_term",
        x_sin_x_missing_term,
        signed_vectors(5),
        reference=lambda x: x * jnp.sin(x),
        why="x sin(x); the product rule misses the sin(x) t term.",
    ),
    Case(
        "cumsum_jvp_rolled_by_one",
        cumsum_rolled,
        normal_arrays(6),
        reference=jnp.cumsum,
        why="Tangent is roll(cumsum(t), 1): off by one index.",
    ),
    Case(
        "scan_tanh_product_inner_rule_wrong",
        tanh_cumprod_scan(tanh_missing_square),
        signed_vectors(5, low=0.3, high=2.0),
        reference=tanh_cumprod_scan(jnp.tanh),
        why="Cumulative product of tanh in lax.scan; the body's tanh rule is (1 - y) t "
        "instead of (1 - y^2) t.",
    ),
    Case(
        "fori_loop_expm1_rule_off_by_one",
        _expm1_loop(expm1_derivative_off_by_one),
        signed_vectors(4, low=0.1, high=2.0),
        reference=_expm1_loop(jnp.expm1),
        why="lax.fori_loop body y -> sin(y) + 0.3 expm1(0.3 y); the expm1 rule uses expm1(x) "
        "for its derivative instead of exp(x).",
    ),
    Case(
        "vmap_rowwise_logsumexp_rule_unnormalised",
        lambda x: jax.vmap(logsumexp_unnormalised)(x),
        lambda rng, d: (normal(rng, d, (2, 4)),),
        reference=lambda x: jax.nn.logsumexp(x, axis=-1),
        why="Row-wise logsumexp under jax.vmap; the rule weights t by exp(x - max x), which "
        "does not sum to 1.",
    ),
    Case(
        "inv_vjp_missing_transpose",
        inv_missing_transpose,
        lambda rng, d: (well_conditioned(rng, d),),
        modes=("rev",),
        reference=jnp.linalg.inv,
        why="Matrix inverse; VJP is -A^-1 G A^-1 instead of -A^-T G A^-T.",
    ),
    Case(
        "logabsdet_jvp_missing_transpose",
        logabsdet_missing_transpose,
        lambda rng, d: (well_conditioned(rng, d),),
        reference=lambda a: jnp.linalg.slogdet(a)[1],
        why="log|det A|; tangent sum(A^-1 * T) = trace(A^-T T) instead of trace(A^-1 T).",
    ),
    Case(
        "sinh_vjp_stale_residual",
        sinh_from_stale_residual,
        signed_vectors(4, low=0.5, high=3.0),
        modes=("rev",),
        reference=jnp.sinh,
        why="The forward pass saves x * 1.0001 as residual: relative error about 1e-4 x tanh(x).",
    ),
    Case(
        "arcsinh_jvp_off_by_1e-3_absolute",
        arcsinh_plus_1e_3,
        signed_vectors(4),
        reference=jnp.arcsinh,
        why="Derivative 1/sqrt(1 + x^2) + 1e-3: an absolute error of 1e-3 on a slope in [0.3, 1].",
    ),
    Case(
        "tanh_jvp_1pct_wrong_only_in_float32",
        tanh_1pct_wrong_only_in_float32,
        signed_vectors(4),
        reference=jnp.tanh,
        dtypes=("float32",),
        why="The rule branches on dtype and is 1% too large on the float32 path only: the "
            "float64 copy the oracle runs is right, and so the distance between the two is the "
            "bug, not rounding.",
    ),
    Case(
        "sin_jvp_tangent_clipped_at_norm_10",
        sin_tangent_clipped_at_norm_10,
        signed_vectors(4),
        modes=("fwd",),  # JAX cannot transpose a rule that is not linear
        reference=jnp.sin,
        why="The rule clips its tangent at norm 10: right along small directions, not linear.",
    ),
    Case(
        "tanh_vjp_cotangent_clipped_at_norm_10",
        tanh_cotangent_clipped_at_norm_10,
        signed_vectors(4),
        modes=("rev",),
        reference=jnp.tanh,
        why="The backward rule clips its cotangent at norm 10: not linear in the cotangent.",
    ),
    Case(
        "exp_jvp_1e-3_relative_on_large_values",
        exp_relative_1e_3,
        lambda rng, d: (uniform(rng, d, (4,), low=2.0, high=5.0),),
        reference=jnp.exp,
        why="exp on [2, 5] (values up to 148); the rule is relatively 1e-3 too large.",
    ),
)
