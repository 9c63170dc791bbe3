"""Each named property passes on right functions and fails on a wrong rule that violates it.

Every wrong rule below is the kind of mistake people make in custom derivative rules (a wrong
factor, a primal that disagrees with the function, a rule that mishandles symbolic zeros or
breaks under jit, a wrong batching or transpose rule, PyTorch's complex convention).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.custom_batching import custom_vmap
from jax.custom_derivatives import SymbolicZero

import harness
import properties

X = np.float64([0.3, 1.2, -2.0])
X32 = X.astype(np.float32)
Z = np.complex128([0.3 + 0.4j, -1.2 + 0.5j])


def _custom_jvp(primal, rule):
    f = jax.custom_jvp(primal)
    f.defjvp(lambda p, t: rule(p[0], t[0]))
    return f


def _custom_vjp(primal, forward, backward):
    f = jax.custom_vjp(primal)
    f.defvjp(forward, backward)
    return f


# Wrong rules -----------------------------------------------------------------------------

sine_jvp_5_percent_off = _custom_jvp(jnp.sin, lambda x, t: (jnp.sin(x), 1.05 * jnp.cos(x) * t))
sine_vjp_sign_flipped = _custom_vjp(jnp.sin, lambda x: (jnp.sin(x), x),
                                    lambda x, g: (-g * jnp.cos(x),))
sine_jvp_not_linear = _custom_jvp(jnp.sin, lambda x, t: (jnp.sin(x), jnp.cos(x) * (t + t ** 2)))
sine_jvp_wrong_primal = _custom_jvp(jnp.sin, lambda x, t: (jnp.sin(x) + 1, jnp.cos(x) * t))
sine_vjp_wrong_primal = _custom_vjp(jnp.sin, lambda x: (jnp.cos(x), x),
                                    lambda x, g: (g * jnp.cos(x),))


@jax.custom_jvp
def product_wrong_for_symbolic_zeros(x, b):
    return jnp.sum(x * b)


def _product_rule(primals, tangents):
    x, b = primals
    tx, tb = tangents
    if isinstance(tb, SymbolicZero):  # wrong: b held fixed is not a reason to double x's term
        return product_wrong_for_symbolic_zeros(x, b), jnp.sum(2 * b * tx)
    tx = jnp.zeros_like(x) if isinstance(tx, SymbolicZero) else tx
    return product_wrong_for_symbolic_zeros(x, b), jnp.sum(b * tx + x * tb)


product_wrong_for_symbolic_zeros.defjvp(_product_rule, symbolic_zeros=True)


@jax.custom_vjp
def layer_swaps_gradients(params):
    return jnp.sum(jnp.tanh(params["W"]) * 2.0) + jnp.sum(params["b"] ** 2)


layer_swaps_gradients.defvjp(
    lambda p: (layer_swaps_gradients(p), p),
    lambda p, g: ({"W": g * 2 * p["b"], "b": g * 2.0 / jnp.cosh(p["W"]) ** 2},))

# Built inside each trace: a float64 NumPy constant closed over and passed to an inner jit
# (jnp.linalg.solve is one) trips JAX 0.10 once traced both with x64 on and off.
A_ROWS = [[3.0, 1.0, 0.0], [0.5, 2.0, 0.2], [0.1, 0.0, 4.0]]


def _solve(b):
    return jnp.linalg.solve(jnp.asarray(A_ROWS, dtype=b.dtype), b)


def solve_with_wrong_transpose(b):
    """A linear solve whose transpose solve forgot to transpose: JVP right, VJP wrong."""
    a = jnp.asarray(A_ROWS, dtype=b.dtype)
    return lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: jnp.linalg.solve(a, r),
                                   transpose_solve=lambda mv, r: jnp.linalg.solve(a, r))


@custom_vmap
def doubled(x):
    return 2.0 * x


@doubled.def_vmap
def _doubled_reversed_batch(axis_size, in_batched, x):
    return 2.0 * x[::-1], in_batched[0]  # wrong: mixes up the examples of the batch


sine_vjp_through_batching_bug = _custom_vjp(jnp.sin, lambda x: (jnp.sin(x), x),
                                            lambda x, g: (doubled(g) * jnp.cos(x) / 2.0,))
sine_jvp_through_batching_bug = _custom_jvp(
    jnp.sin, lambda x, t: (jnp.sin(x), doubled(t) * jnp.cos(x) / 2.0))
sine_vjp_breaks_under_jit = _custom_vjp(
    jnp.sin, lambda x: (jnp.sin(x), x),
    lambda x, g: (jnp.asarray(np.asarray(g) * np.cos(np.asarray(x))),))


def _branching_rule(x, t):
    if float(jnp.sum(x)) > -100.0:  # Python control flow on a value: only runs eagerly
        return jnp.sin(x), jnp.cos(x) * t
    return jnp.sin(x), -jnp.cos(x) * t


sine_jvp_breaks_under_jit = _custom_jvp(jnp.sin, _branching_rule)
product_with_asymmetric_rule = _custom_jvp(
    lambda x: x[0] * x[1] + jnp.sum(x ** 2),
    lambda x, t: (x[0] * x[1] + jnp.sum(x ** 2),
                  x[1] * t[0] + 2.0 * x[0] * t[1] + jnp.sum(2 * x * t)))
cos_with_wrong_derivative = _custom_jvp(jnp.cos, lambda x, t: (jnp.cos(x), jnp.sin(x) * t))
sine_wrong_second_derivative = _custom_jvp(
    jnp.sin, lambda x, t: (jnp.sin(x), cos_with_wrong_derivative(x) * t))
neg_sin_wrong = _custom_jvp(lambda x: -jnp.sin(x), lambda x, t: (-jnp.sin(x), jnp.cos(x) * t))
cos_third_wrong = _custom_jvp(jnp.cos, lambda x, t: (jnp.cos(x), neg_sin_wrong(x) * t))
sine_wrong_third_derivative = _custom_jvp(jnp.sin,
                                          lambda x, t: (jnp.sin(x), cos_third_wrong(x) * t))
complex_sine_jvp_off = _custom_jvp(jnp.sin, lambda z, t: (jnp.sin(z), 1.05 * jnp.cos(z) * t))
conjugate_with_holomorphic_rule = _custom_jvp(jnp.conj, lambda z, t: (jnp.conj(z), t))
squared_modulus_pytorch_rule = _custom_vjp(
    lambda z: jnp.real(z * jnp.conj(z)), lambda z: (jnp.real(z * jnp.conj(z)), z),
    lambda z, g: (g * 2 * z,))  # PyTorch's convention: JAX wants 2 conj(z)
complex_sine_pytorch_rule = _custom_vjp(jnp.sin, lambda z: (jnp.sin(z), z),
                                        lambda z, g: (g * jnp.conj(jnp.cos(z)),))


def jacfwd_without_transpose(f):
    """A hand-built forward Jacobian that forgot the notebooks' final transpose."""
    return lambda x: jax.vmap(lambda s: jax.jvp(f, (x,), (s,))[1], in_axes=1)(
        jnp.eye(len(x), dtype=x.dtype))


def _sum(f):
    return lambda *args: jnp.sum(f(*args))


def _tall(x):
    return jnp.concatenate([jnp.sin(x), x[:1] * x[1:2]])


# Which property each wrong rule violates: (property, fn, args, options). ------------------

WRONG = [
    (properties.grad_matches_oracle, _sum(sine_vjp_sign_flipped), (X,), {}),
    (properties.value_and_grad_matches, _sum(sine_vjp_wrong_primal), (X32,), {}),
    (properties.grad_argnums_agree, product_wrong_for_symbolic_zeros,
     (X32, np.float32([0.5, 3.0, 1.0])), {}),
    (properties.grad_pytree_matches_oracle, layer_swaps_gradients,
     ({"W": X, "b": np.float64([0.5, -1.0, 2.0])},), {}),
    (properties.has_aux_grad_matches, _sum(sine_jvp_wrong_primal), (X32,), {}),
    (properties.jvp_matches_oracle, sine_jvp_5_percent_off, (X,), {}),
    (properties.jvp_is_linear, sine_jvp_not_linear, (X32,), {}),
    (properties.jvp_primal_matches, sine_jvp_wrong_primal, (X32,), {}),
    (properties.vjp_matches_oracle, sine_vjp_sign_flipped, (X,), {}),
    (properties.jvp_vjp_transposition, solve_with_wrong_transpose, (X,), {}),
    (properties.vmap_vjp_matches_loop, sine_vjp_through_batching_bug, (X32,), {}),
    (properties.vmap_jvp_matches_loop, sine_jvp_through_batching_bug, (X32,), {}),
    (properties.jit_vjp_matches_eager, sine_vjp_breaks_under_jit, (X32,), {}),
    (properties.jacfwd_matches_jacrev, solve_with_wrong_transpose, (X32,), {}),
    (properties.vmap_jacobians_match_builtin, _tall, (X32,),
     {"forward": jacfwd_without_transpose}),
    (properties.jacobian_matches_oracle, solve_with_wrong_transpose, (X,), {}),
    (properties.hessian_is_symmetric, product_with_asymmetric_rule, (X32,), {}),
    (properties.hvp_strategies_agree, product_with_asymmetric_rule, (X32,), {}),
    (properties.hvp_matches_oracle, _sum(sine_wrong_second_derivative), (X,), {}),
    (properties.nth_derivative_matches_oracle, sine_wrong_third_derivative,
     (np.float64(0.7),), {"order": 3}),
    (properties.holomorphic_grad_matches_oracle, _sum(complex_sine_jvp_off), (Z,), {}),
    (properties.cauchy_riemann, jnp.conj, (Z,), {"holomorphic": True}),
    (properties.real_of_complex_grad_convention, squared_modulus_pytorch_rule,
     (np.complex128(3 + 4j),), {}),
    (properties.complex_jvp_convention, conjugate_with_holomorphic_rule, (Z,), {}),
    (properties.complex_vjp_convention, complex_sine_pytorch_rule, (Z,), {}),
    (properties.derivatives_unchanged_under_jit, sine_jvp_breaks_under_jit, (X32,), {}),
]

BATCH = [(X32,), (np.float32([2.0, -0.5, 1.0]),), (np.float32([0.1, 0.2, 0.3]),)]

# A right function for each property: (property, fn, args, options).
RIGHT = [
    (properties.grad_matches_oracle, _sum(jnp.sin), (X,), {}),
    (properties.value_and_grad_matches, _sum(jnp.sin), (X32,), {}),
    (properties.grad_argnums_agree, lambda x, b: jnp.sum(x * b), (X32, X32 + 1), {}),
    (properties.grad_pytree_matches_oracle,
     lambda p: jnp.sum(jnp.tanh(p["W"]) * 2.0) + jnp.sum(p["b"] ** 2),
     ({"W": X, "b": np.float64([0.5, -1.0, 2.0])},), {}),
    (properties.has_aux_grad_matches, _sum(jnp.sin), (X32,), {}),
    (properties.jvp_matches_oracle, jnp.sin, (X,), {}),
    (properties.jvp_is_linear, jnp.sin, (X32,), {}),
    (properties.jvp_primal_matches, jnp.sin, (X32,), {}),
    (properties.vjp_matches_oracle, jnp.sin, (X,), {}),
    (properties.jvp_vjp_transposition, _solve, (X,), {}),
    (properties.vmap_vjp_matches_loop, jnp.sin, (X32,), {}),
    (properties.vmap_jvp_matches_loop, jnp.sin, (X32,), {}),
    (properties.jit_vjp_matches_eager, jnp.sin, (X32,), {}),
    (properties.jacfwd_matches_jacrev, _solve, (X32,), {}),
    (properties.vmap_jacobians_match_builtin, _tall, (X32,), {}),
    (properties.jacobian_matches_oracle, _solve, (X,), {}),
    (properties.hessian_is_symmetric, lambda x: x[0] * x[1] + jnp.sum(x ** 2), (X32,), {}),
    (properties.hvp_strategies_agree, lambda x: x[0] * x[1] + jnp.sum(x ** 2), (X32,), {}),
    (properties.hvp_matches_oracle, _sum(jnp.sin), (X,), {}),
    (properties.nth_derivative_matches_oracle, jnp.sin, (np.float64(0.7),), {"order": 3}),
    (properties.holomorphic_grad_matches_oracle, _sum(jnp.sin), (Z,), {}),
    (properties.cauchy_riemann, jnp.conj, (Z,), {"holomorphic": False}),
    (properties.real_of_complex_grad_convention, lambda z: jnp.real(z * jnp.conj(z)),
     (np.complex128(3 + 4j),), {}),
    (properties.complex_jvp_convention, jnp.conj, (Z,), {}),
    (properties.complex_vjp_convention, jnp.sin, (Z,), {}),
    (properties.derivatives_unchanged_under_jit, jnp.sin, (X32,), {}),
]


def _id(case) -> str:
    return case[0].__name__


def test_every_property_has_a_wrong_rule_and_a_right_function():
    names = {name for name in properties.__all__ if any(
        name == rule.name for rule in properties.RULES)}
    tested = {case[0].__name__ for case in WRONG} | {"vmap_grad_matches_per_example"}
    assert names == tested
    assert {case[0].__name__ for case in RIGHT} | {"vmap_grad_matches_per_example"} == names


@pytest.mark.parametrize("case", WRONG, ids=_id)
def test_property_fails_on_a_wrong_rule(case):
    prop, fn, args, options = case
    with pytest.raises(harness.DerivativeMismatch, match=prop.__name__) as caught:
        prop(fn, args, **options)
    text = str(caught.value)
    assert "FAILED" in text or "PyTorch" in text or "structure" in text


@pytest.mark.parametrize("case", RIGHT, ids=_id)
def test_property_passes_on_a_right_function(case):
    prop, fn, args, options = case
    report = prop(fn, args, **options)
    assert report.ok and report.checks


def test_vmap_grad_per_example_fails_on_a_wrong_batching_rule():
    with pytest.raises(harness.DerivativeMismatch, match="vmap_grad_matches_per_example"):
        properties.vmap_grad_matches_per_example(
            lambda x: jnp.sum(sine_vjp_through_batching_bug(x) ** 2), BATCH)
    assert properties.vmap_grad_matches_per_example(_sum(jnp.sin), BATCH).ok


def test_pytorch_convention_is_named():
    for prop, fn, args in [
        (properties.real_of_complex_grad_convention, squared_modulus_pytorch_rule,
         (np.complex128(3 + 4j),)),
        (properties.complex_vjp_convention, complex_sine_pytorch_rule, (Z,)),
    ]:
        with pytest.raises(harness.DerivativeMismatch, match="PyTorch's conjugate convention"):
            prop(fn, args)


def test_seed_complex_conventions():
    """The notebooks' cells: grad of x^2 + y^2 at 3+4j is 6-8j; conj is not holomorphic."""
    report = properties.real_of_complex_grad_convention(
        lambda z: jnp.real(z) ** 2 + jnp.imag(z) ** 2, (np.complex64(3 + 4j),))
    assert report.ok
    assert properties.is_holomorphic(jnp.sin, (np.complex64(3 + 4j),))
    assert not properties.is_holomorphic(jnp.conjugate, (np.complex64(3 + 4j),))
    with pytest.raises(harness.DerivativeMismatch, match="not complex-differentiable"):
        properties.cauchy_riemann(jnp.conjugate, (np.complex64(3 + 4j),))
    with pytest.raises(harness.DerivativeMismatch, match="declared not holomorphic"):
        properties.cauchy_riemann(jnp.sin, (np.complex64(3 + 4j),), holomorphic=False)


def test_hvp_strategies_compute_the_same_product():
    f = lambda x: jnp.sum(jnp.tanh(x) ** 2)
    x, v = jnp.asarray(X), jnp.asarray(X[::-1])
    values = [properties.hvp(f, x, v, s) for s in properties.HVP_STRATEGIES]
    for value in values[1:]:
        np.testing.assert_allclose(value, values[0], rtol=1e-5)
    with pytest.raises(harness.InvalidArgument, match="strategy must be one of"):
        properties.hvp(f, x, v, "sideways")


def test_failure_message_reproduces():
    with pytest.raises(harness.DerivativeMismatch) as caught:
        properties.jacfwd_matches_jacrev(solve_with_wrong_transpose, (X32,), seed=4)
    text = str(caught.value)
    assert "Reproduce with:" in text
    assert "properties.jacfwd_matches_jacrev(" in text and "seed=4" in text


@pytest.mark.parametrize("prop", ["jacfwd_matches_jacrev", "jvp_matches_oracle",
                                  "derivatives_unchanged_under_jit", "jvp_is_linear"])
def test_a_function_that_raises_fails_every_property_with_its_error(prop):
    def total(x):
        return jnp.sum(x, axes=0)  # a plain bug: jnp.sum takes axis

    with pytest.raises(harness.FunctionRaised, match="a bug in fn.*unexpected keyword") as raised:
        getattr(properties, prop)(total, (np.float32([1.0, 2.0]),))
    assert isinstance(raised.value.__cause__, TypeError)


def test_not_applicable_and_undefined_are_explained():
    with pytest.raises(harness.NotApplicable, match="one real number"):
        properties.value_and_grad_matches(jnp.sin, (X32,))
    with pytest.raises(harness.NotApplicable, match="forward-mode"):
        properties.jvp_is_linear(sine_vjp_sign_flipped, (X32,))
    with pytest.raises(harness.UndefinedPoint, match="undefined|nan or inf"):
        properties.jacfwd_matches_jacrev(jnp.log, (np.float32([-1.0, 2.0]),))
    with pytest.raises(harness.InvalidArgument, match="list of at least two points"):
        properties.vmap_grad_matches_per_example(jnp.sin, (X32,))
