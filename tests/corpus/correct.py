"""Right functions: plain jax.numpy code, and custom rules that are the true derivative.

Custom-rule cases carry in `reference` a plain implementation of the same function, whose JAX
derivative they must match. Points are drawn away from kinks, singularities and branch
boundaries, with magnitudes mostly in [0.1, 3].
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from ._case import (
    NON_SYMMETRIC_4X4,
    REAL_TO_COMPLEX,
    Case,
    complex_vectors,
    normal,
    normal_arrays,
    signed,
    signed_vectors,
    spd,
    tanh_cumprod_scan,
    uniform,
    well_conditioned,
)
from .correct_functions import (
    HERMITIAN_PD,
    INPUTS,
    abs2_plus_z,
    checkpointed,
    cholesky_sin_residual,
    complex_abs_squared,
    cond_sin_or_cos,
    cube_holomorphic_vjp,
    cumsum_vjp,
    damped_fori_loop,
    inv_vjp,
    log1pexp,
    logabsdet,
    logsumexp,
    loss,
    loss2,
    mlp,
    piecewise_cubic_or_linear,
    piecewise_try_except,
    predict,
    safe_norm,
    sigmoid,
    sigmoid_vjp,
    sin_cos_pair,
    sinc,
    sinh_vjp,
    softmax_vjp,
    sum_tanh_squared,
    tanh_from_output,
    tanh_layer,
    tanh_of_matvec,
    tanh_scan_product,
    x_exp_y,
    x_sin_x,
)

# --- Point draws --------------------------------------------------------------------------------


def _scalar_away_from_zero(rng, dtype):
    return (signed(rng, dtype, low=0.3, high=2.0),)


def _scalar_either_side_of_3(rng, dtype):
    x = rng.uniform(0.3, 2.7) if rng.random() < 0.5 else rng.uniform(3.3, 5.0)
    return (np.asarray(x, dtype),)


def _logistic_params(rng, dtype):
    return normal(rng, dtype, (3,)), normal(rng, dtype)


def _mlp_args(rng, dtype):
    params = {
        "W1": normal(rng, dtype, (4, 3), scale=0.7),
        "b1": normal(rng, dtype, (4,), scale=0.3),
        "W2": normal(rng, dtype, (2, 4), scale=0.7),
        "b2": normal(rng, dtype, (2,), scale=0.3),
    }
    return params, normal(rng, dtype, (3,))


def _sum_away_from_zero(rng, dtype):
    x = rng.standard_normal(4)
    x += (np.sign(x.sum()) or 1.0) * max(0.0, 0.5 - abs(x.sum())) / 4  # |sum(x)| >= 0.5
    return (np.asarray(x, dtype),)


def _hermitian_pd(rng, dtype):
    b = 0.2 * (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)))
    x = HERMITIAN_PD + (1.5 + rng.random()) * np.eye(3) + (b + b.conj().T) / 2
    return (np.asarray(x, REAL_TO_COMPLEX[dtype]),)


def _solve_args(rng, dtype):
    return well_conditioned(rng, dtype), normal(rng, dtype, (3,))


_SEED = "From the seed notebooks. "
_PYTHON_CONTROL_FLOW = " Python control flow: not jittable or vmappable."

CORRECT: tuple[Case, ...] = (
    # Elementwise
    Case("sin", jnp.sin, normal_arrays(5, scale=2.0), order=2),
    Case("tanh", jnp.tanh, normal_arrays(5), order=3, why=_SEED + "Derivatives to order 3."),
    Case(
        "exp_bounded", jnp.exp, lambda rng, d: (uniform(rng, d, (5,), low=-2.0, high=2.0),), order=2
    ),
    Case(
        "log_positive",
        jnp.log,
        lambda rng, d: (uniform(rng, d, (5,), low=0.2, high=3.0),),
        order=2,
        why="Singular at 0: drawn on [0.2, 3].",
    ),
    Case(
        "sqrt_positive",
        jnp.sqrt,
        lambda rng, d: (uniform(rng, d, (5,), low=0.2, high=3.0),),
        why="Singular at 0: drawn on [0.2, 3].",
    ),
    Case(
        "sigmoid_tanh_form",
        sigmoid,
        normal_arrays(5, scale=2.0),
        order=2,
        why=_SEED + "sigmoid(x) = 0.5 (tanh(x / 2) + 1).",
    ),
    Case("softplus", jax.nn.softplus, normal_arrays(5, scale=2.0), order=2),
    Case("erf", jsp.erf, normal_arrays(5)),
    Case("arctan", jnp.arctan, normal_arrays(5, scale=2.0)),
    Case("cube", lambda x: x**3, signed_vectors(5), order=3),
    Case(
        "reciprocal_away_from_zero",
        lambda x: 1 / x,
        signed_vectors(5, low=0.3, high=3.0),
        order=2,
        why="Pole at 0: magnitudes drawn on [0.3, 3].",
    ),
    Case(
        "three_x_squared",
        lambda x: 3 * x**2,
        signed_vectors(4),
        order=2,
        why=_SEED + "lambda x: 3 * x**2.",
    ),
    # Reductions
    Case("sum", jnp.sum, normal_arrays(6)),
    Case(
        "prod_moderate",
        jnp.prod,
        signed_vectors(5, low=0.5, high=1.5),
        order=2,
        why="Magnitudes in [0.5, 1.5] keep the product and its partial products O(1).",
    ),
    Case("logsumexp_plain", jax.nn.logsumexp, normal_arrays(5), order=2),
    Case("mean_of_squares", lambda x: jnp.mean(x**2), normal_arrays(6), order=2),
    Case(
        "norm_away_from_zero",
        jnp.linalg.norm,
        signed_vectors(4, low=0.3, high=2.0),
        order=2,
        why="Kink at 0: every element has magnitude >= 0.3.",
    ),
    Case(
        "sum_tanh_squared",
        sum_tanh_squared,
        normal_arrays(3, 4),
        order=2,
        why=_SEED + "f(X) = sum(tanh(X)**2), used there for Hessian-vector products.",
    ),
    # Linear algebra
    Case(
        "matmul_fixed_matrix",
        lambda x: NON_SYMMETRIC_4X4.astype(x.dtype)[:3] @ x,
        normal_arrays(4, 2),
        why="A 3x4 fixed matrix times a 4x2 argument.",
    ),
    Case(
        "solve",
        jnp.linalg.solve,
        _solve_args,
        why="A = 3 I + 0.5 N(0, 1): well conditioned and non-symmetric.",
    ),
    Case("inv", jnp.linalg.inv, lambda rng, d: (well_conditioned(rng, d),), order=2),
    Case("det", jnp.linalg.det, lambda rng, d: (well_conditioned(rng, d),), order=2),
    Case(
        "slogdet_logabsdet",
        lambda a: jnp.linalg.slogdet(a)[1],
        lambda rng, d: (well_conditioned(rng, d),),
    ),
    Case(
        "cholesky_spd",
        jnp.linalg.cholesky,
        lambda rng, d: (spd(rng, d),),
        why="Drawn SPD (B B^T + I). jnp.linalg.cholesky symmetrises its input, so "
        "non-symmetric tangents are fine.",
    ),
    Case("softmax", jax.nn.softmax, normal_arrays(5), order=2),
    Case("log_softmax", jax.nn.log_softmax, normal_arrays(5)),
    Case("cumsum", jnp.cumsum, normal_arrays(6)),
    Case(
        "mlp_dict_params",
        mlp,
        _mlp_args,
        order=2,
        why="tanh(W2 tanh(W1 x + b1) + b2) with params a dict pytree.",
    ),
    # Seed functions
    Case(
        "logistic_predict",
        predict,
        lambda rng, d: (*_logistic_params(rng, d), np.asarray(INPUTS, d)),
        order=2,
        why=_SEED + "predict(W, b, inputs) on the toy dataset; the seed takes its Hessian.",
    ),
    Case(
        "logistic_loss",
        loss,
        _logistic_params,
        order=2,
        why=_SEED + "Negative log-likelihood on the toy dataset, by argnums.",
    ),
    Case(
        "logistic_loss_dict",
        loss2,
        lambda rng, d: (dict(zip(("W", "b"), _logistic_params(rng, d), strict=True)),),
        order=2,
        why=_SEED + "loss2({'W', 'b'}): the same loss with a dict argument.",
    ),
    Case(
        "piecewise_cubic_or_linear",
        piecewise_cubic_or_linear,
        _scalar_away_from_zero,
        order=3,
        why=_SEED
        + "2 x^3 if x > 0 else 3 x; drawn away from the kink at 0."
        + _PYTHON_CONTROL_FLOW,
    ),
    Case(
        "piecewise_try_except",
        piecewise_try_except,
        _scalar_either_side_of_3,
        order=2,
        why=_SEED
        + "2 x^3 if x < 3 else pi x via try/except; drawn away from 3."
        + _PYTHON_CONTROL_FLOW,
    ),
    # Complex
    Case(
        "complex_abs_squared_xy",
        complex_abs_squared,
        complex_vectors(3),
        why=_SEED + "x^2 + y^2 of z = x + iy: real output of a complex input.",
    ),
    Case(
        "complex_sin",
        jnp.sin,
        complex_vectors(3),
        holomorphic=True,
        why=_SEED + "sin(z), differentiated with holomorphic=True.",
    ),
    Case(
        "cholesky_sin_residual_hermitian",
        cholesky_sin_residual,
        _hermitian_pd,
        why=_SEED + "sum((L - sin L)^2), L = cholesky(X), X Hermitian PD near the seed's "
        "matrix (plus I to keep it well conditioned). Not holomorphic (cholesky "
        "symmetrises X with its conjugate transpose) although the seed called "
        "grad(holomorphic=True) on it.",
    ),
    Case("complex_square", lambda z: z**2, complex_vectors(3), holomorphic=True, order=2),
    Case("complex_exp", jnp.exp, complex_vectors(3), holomorphic=True),
    Case(
        "complex_abs_squared",
        lambda z: jnp.abs(z) ** 2,
        complex_vectors(3),
        why="|z|^2: real output; abs has a kink at 0, so |z| >= 0.3.",
    ),
    Case(
        "complex_z_conj_z",
        lambda z: z * jnp.conj(z),
        complex_vectors(3),
        why="Non-holomorphic, complex output with zero imaginary part.",
    ),
    Case(
        "complex_real_times_imag",
        lambda z: jnp.real(z) * jnp.imag(z),
        complex_vectors(3),
        why="Non-holomorphic, real output.",
    ),
    # Control flow
    Case(
        "cond_sin_or_cos",
        cond_sin_or_cos,
        _sum_away_from_zero,
        why="lax.cond on sum(x) > 0; drawn with |sum(x)| >= 0.5, away from the switch.",
    ),
    Case(
        "scan_tanh_cumprod",
        tanh_cumprod_scan(jnp.tanh),
        signed_vectors(5, low=0.3, high=2.0),
        order=2,
        why="Cumulative product of tanh in lax.scan.",
    ),
    Case(
        "fori_loop_damped",
        damped_fori_loop,
        normal_arrays(4),
        order=2,
        why="Five steps of y - 0.2 sin(y) + 0.05 i in lax.fori_loop.",
    ),
    Case(
        "checkpoint_sin_tanh",
        checkpointed,
        normal_arrays(5),
        order=2,
        why="jax.checkpoint (rematerialisation) of sin(tanh(x) x).",
    ),
    # Custom rules (reference: a plain implementation)
    Case(
        "log1pexp_custom_jvp",
        log1pexp,
        normal_arrays(5, scale=3.0),
        order=2,
        reference=lambda x: jnp.log1p(jnp.exp(x)),
        why="Stable max(x, 0) + log1p(exp(-|x|)) with the rule sigmoid(x) t.",
    ),
    Case(
        "safe_norm_custom_jvp",
        safe_norm,
        signed_vectors(4, low=0.3, high=2.0),
        order=2,
        reference=lambda x: jnp.sqrt(jnp.sum(x**2)),
        why="Norm whose rule is 0 at x = 0 instead of NaN; drawn away from 0.",
    ),
    Case(
        "sigmoid_custom_vjp",
        sigmoid_vjp,
        normal_arrays(5, scale=2.0),
        order=2,
        modes=("rev",),
        reference=lambda x: 1 / (1 + jnp.exp(-x)),
    ),
    Case(
        "tanh_custom_jvp",
        tanh_from_output,
        normal_arrays(5),
        order=3,
        reference=jnp.tanh,
        why="Rule (1 - tanh(x)^2) t, itself differentiable: right to order 3.",
    ),
    Case(
        "logsumexp_custom_jvp",
        logsumexp,
        normal_arrays(5),
        order=2,
        reference=lambda x: jnp.log(jnp.sum(jnp.exp(x))),
        why="Rule sum(softmax(x) t).",
    ),
    Case(
        "cumsum_custom_vjp",
        cumsum_vjp,
        normal_arrays(6),
        modes=("rev",),
        reference=jnp.cumsum,
        why="VJP is the reversed cumulative sum of g.",
    ),
    Case(
        "inv_custom_vjp",
        inv_vjp,
        lambda rng, d: (well_conditioned(rng, d),),
        order=2,
        modes=("rev",),
        reference=jnp.linalg.inv,
        why="VJP -A^-T G A^-T.",
    ),
    Case(
        "logabsdet_custom_jvp",
        logabsdet,
        lambda rng, d: (well_conditioned(rng, d),),
        order=2,
        reference=lambda a: jnp.log(jnp.abs(jnp.linalg.det(a))),
        why="Rule trace(A^-1 T).",
    ),
    Case(
        "cube_holomorphic_custom_vjp",
        cube_holomorphic_vjp,
        complex_vectors(3),
        modes=("rev",),
        holomorphic=True,
        reference=lambda z: z * z * z,
        why="JAX's convention for holomorphic f: VJP g f'(z), no conjugation.",
    ),
    Case(
        "abs2_plus_z_custom_vjp",
        abs2_plus_z,
        complex_vectors(3),
        modes=("rev",),
        reference=lambda z: z * jnp.conj(z) + z,
        why="Non-holomorphic: VJP g (conj(z) + 1) + conj(g z).",
    ),
    Case(
        "tanh_of_matvec_custom_vjp",
        tanh_of_matvec,
        normal_arrays(4, scale=0.5),
        order=2,
        modes=("rev",),
        reference=lambda x: jnp.tanh(NON_SYMMETRIC_4X4.astype(x.dtype) @ x),
        why="x -> tanh(A x), A non-symmetric; VJP A^T (g (1 - y^2)).",
    ),
    Case(
        "x_sin_x_custom_jvp",
        x_sin_x,
        signed_vectors(5),
        order=2,
        reference=lambda x: x * jnp.sin(x),
    ),
    Case(
        "sinc_custom_jvp",
        sinc,
        signed_vectors(3, low=0.3, high=2.0),
        reference=jnp.sinc,
        fixed_args=(np.array([0.0, 0.5, -1.25]),),
        why="Rule with the removable singularity at 0 handled by where: right at order 1 "
        "including x = 0, but its second derivative at 0 is 0 (true: -pi^2 / 3).",
    ),
    Case(
        "softmax_custom_vjp",
        softmax_vjp,
        normal_arrays(5),
        order=2,
        modes=("rev",),
        reference=lambda x: jnp.exp(x) / jnp.sum(jnp.exp(x)),
    ),
    Case(
        "sin_cos_pair_custom_jvp",
        sin_cos_pair,
        signed_vectors(4),
        order=2,
        reference=lambda x: (jnp.sin(x), jnp.cos(x)),
        why="Tuple output.",
    ),
    Case(
        "sinh_custom_vjp",
        sinh_vjp,
        signed_vectors(4, low=0.5, high=3.0),
        order=2,
        modes=("rev",),
        reference=lambda x: (jnp.exp(x) - jnp.exp(-x)) / 2,
    ),
    Case(
        "x_exp_y_custom_jvp",
        x_exp_y,
        lambda rng, d: (signed(rng, d, (3,)), normal(rng, d, (3,), scale=0.7)),
        order=2,
        reference=lambda x, y: x * jnp.exp(y),
        why="Two arguments.",
    ),
    Case(
        "tanh_layer_custom_jvp",
        tanh_layer,
        lambda rng, d: (
            {"w": normal(rng, d, (4,)), "b": normal(rng, d, (4,))},
            normal(rng, d, (4,)),
        ),
        order=2,
        reference=lambda p, x: jnp.tanh(p["w"] * x + p["b"]),
        why="Dict pytree argument {'w', 'b'}.",
    ),
    Case(
        "scan_tanh_cumprod_custom_jvp",
        tanh_scan_product,
        signed_vectors(5, low=0.3, high=2.0),
        order=2,
        reference=tanh_cumprod_scan(jnp.tanh),
        why="Custom tanh rule inside a lax.scan body.",
    ),
)
