"""Wrong derivative rules: functions whose primal is right and whose custom rule is wrong.

Each case's `reference` computes the same primal with JAX's own differentiation rules, which are
trusted; `order` is the lowest derivative order at which the case is wrong. Custom VJP rules have
no forward mode, so their cases list only "rev".
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._case import (
    NON_SYMMETRIC_4X4,
    Case,
    complex_vectors,
    normal,
    normal_arrays,
    signed,
    signed_vectors,
    tanh_cumprod_scan,
    tiny_beside_ordinary,
    uniform,
    well_conditioned,
)
from .mutant_functions import (
    abs2_plus_z_missing_conj,
    arcsinh_plus_1e_3,
    cbrt_1pct_wrong_below_1e_20,
    complex_sin_conjugated,
    cube_pytorch_convention,
    cumsum_rolled,
    exp_relative_1e_3,
    exp_vjp_conjugated,
    expm1_derivative_off_by_one,
    expm1_loop,
    inv_missing_transpose,
    logabsdet_missing_transpose,
    logsumexp_unnormalised,
    sin_cos_pair,
    sin_sign_flipped,
    sin_stop_gradient,
    sin_tangent_clipped_at_norm_10,
    sin_wrong_at_order_3,
    sinc_wrong_at_zero,
    sinh_from_stale_residual,
    softmax_ignores_last_cotangent,
    softplus_asymptote_above_2,
    softplus_scaled_1pct,
    softplus_wrong_at_order_2,
    sum_squares_pairwise,
    tanh_1pct_wrong_only_in_float32,
    tanh_cotangent_clipped_at_norm_10,
    tanh_large_array_path,
    tanh_layer_drops_bias,
    tanh_missing_square,
    tanh_of_matvec_transposed,
    tanh_scaled_0p1pct,
    tanh_sign_flipped,
    x_exp_y_wrong_in_y,
    x_sin_x_missing_term,
)

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
        "cbrt_jvp_1pct_wrong_below_1e_20",
        cbrt_1pct_wrong_below_1e_20,
        lambda rng, d: (tiny_beside_ordinary(rng, d),),
        reference=jnp.cbrt,
        why="A series branch for |x| < 1e-20 is 1.01 times the derivative. The draws hold such "
        "an element beside ordinary ones, where ladders on the scale of 1 step over the pole "
        "at 0, and in float32 the rounding bound of 1 / (3 cbrt(x)^2) overflowed.",
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
        expm1_loop(expm1_derivative_off_by_one),
        signed_vectors(4, low=0.1, high=2.0),
        reference=expm1_loop(jnp.expm1),
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
