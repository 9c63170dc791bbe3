"""No false alarms: every right function of the corpus passes at 20 draws per dtype.

Right functions include plain jax.numpy code and correct custom_jvp / custom_vjp rules, real
and complex, up to order 3. The draws are seeded, so a failure here replays exactly. Functions
with Python control flow on values are checked eagerly (slowly) and at 5 draws.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from corpus import CORRECT, draws, is_eager

import harness

DRAWS = 20
EAGER_DRAWS = 5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CORRECT, ids=[c.name for c in CORRECT])
def test_right_function_passes(case, dtype):
    if dtype not in case.dtypes:
        pytest.skip(f"{case.name} is defined for {case.dtypes}")
    count = EAGER_DRAWS if is_eager(case) else DRAWS
    alarms = []
    for i, args in enumerate(draws(case, dtype, count)):
        report = harness.check(case.fn, args, order=case.order, modes=case.modes,
                               holomorphic=case.holomorphic, seed=i)
        if not report.ok:
            alarms.append(str(report))
    assert not alarms, f"{len(alarms)} false alarm(s) on {case.name}:\n\n" + "\n\n".join(alarms)


def test_second_order_grad_checks_of_a_one_element_output_shaped_1():
    """The output is one number shaped (1,) and the inputs have other shapes: the grad checks of
    the JVP level used to index the output's inherited rounding with the input's index (found by
    a generated program)."""
    def program(x0, x1):
        return jnp.cosh(x1) + jnp.sum(jnp.arctan2(x1, x0))

    args = (np.float32([0.5, 1.6256738, 2.0]), np.float32([-0.0]))
    assert harness.check(program, args, order=2).ok


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_custom_rule_with_an_integer_array_argument_is_checked(dtype):
    """jax.scipy.special.expn is a custom_jvp whose n is a non-differentiable argument; given
    as an array, its tracer escaped when check replayed fn's jaxpr (UnexpectedTracerError), so
    check now traces fn itself for such functions. (Its second derivative raises inside JAX,
    jax-ml/jax#20889: a rule that closes over a traced nondiff argument.)"""
    from jax.scipy.special import expn

    x = np.asarray([0.5, 1.5, 2.5], dtype=dtype)
    for n in (np.int32([1, 2, 3]), np.int32(2)):
        report = harness.check(expn, (n, x))
        assert report.ok and report.verdict == "passed", report


@pytest.mark.parametrize("fn", [
    lambda x, y: jax.lax.dot(x, y, preferred_element_type=jnp.float32),
    lambda x, y: jnp.sin(jax.lax.dot(x, y, preferred_element_type=jnp.float32)),
    lambda x, y: jnp.tanh(x.astype(jnp.float32)) * y,
], ids=["dot-float32-out", "sin-of-dot-float32", "float32-inside"])
def test_a_function_that_computes_in_float32_on_float64_inputs_is_judged_at_float32(fn):
    """A function that pins float32 inside (preferred_element_type, a layer with dtype=float32)
    on float64 inputs: its float64 copy returns float32, so its cotangents are float32 (the copy
    used to fail, and the oracle fell back to the inputs' dtypes, claiming an error a million
    times too small), and every budget is float32's."""
    x = np.asarray([[0.5, 1.5, -0.3], [1.0, 2.0, 0.7]])
    y = np.asarray([2.0, -1.0, 0.25])
    report = harness.check(fn, (x, y), order=2)
    assert report.verdict == "passed", report
    assert not any("float64 copy of fn failed" in note for note in report.notes), report.notes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x0", [29.3, 30.0, 31.7])
def test_fresnel_far_out_where_the_first_ladder_is_longer_than_its_period(x0, dtype):
    """S'(x) = sin(pi x^2 / 2) oscillates with period about 2 / x: at x = 31.7 the first
    ladder's steps (0.67 down to 0.0013) settle on -0.014 with an error estimate of 5e-7, where
    the derivative is 0.985 (mpmath). The next ladder down disagrees, and is taken."""
    from jax.scipy.special import fresnel

    report = harness.check(lambda x: fresnel(x)[0], (np.asarray([x0, 1.0], dtype=dtype),))
    assert report.verdict == "passed", report


def _gammaln_of_a_determinant_near_one(x):
    """arctan(gammaln(det(I + tanh(X) tanh(X)^T / n))): det rounds to 1 +- eps at X ~ 1e-8,
    and gammaln has a root at 1, so f is about 1e-16 and each evaluation is off by about eps."""
    t = jnp.tanh(x)
    inner = jnp.eye(x.shape[0], dtype=x.dtype) + t @ t.T / x.shape[1]
    return jnp.arctan(jax.scipy.special.gammaln(jnp.linalg.det(inner)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2, 3), (4, 4)])
@pytest.mark.parametrize("seed", range(3))
def test_interior_cancellation_makes_the_oracle_noisy_not_the_derivative_wrong(shape, dtype,
                                                                                 seed):
    """At X = 1e-8 everywhere, AD's JVP matches mpmath's derivative to 1e-15 (2x3, seed 2's
    direction), while central differences are off by 1e-4 relative: their noise is eps / step,
    not eps |f| / step. Measured at equally spaced tiny offsets, the noise widens the oracle's
    error, and a note says fn is noisy."""
    x = np.full(shape, 1e-8, dtype=dtype)
    report = harness.check(_gammaln_of_a_determinant_near_one, (x,), seed=seed)
    assert report.verdict == "passed", report


def test_a_wrong_rule_still_fails_where_fn_is_noisy():
    @jax.custom_jvp
    def wrong(x):
        return _gammaln_of_a_determinant_near_one(x)

    @wrong.defjvp
    def _wrong_jvp(primals, tangents):
        y, dy = jax.jvp(_gammaln_of_a_determinant_near_one, primals, tangents)
        return y, dy * 1.02

    x = np.full((2, 3), 1e-8)
    report = harness.check(wrong, (x,), seed=2)
    assert report.verdict == "failed" and report.failures, report
    assert any("fn is noisy here" in note for note in report.notes)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("order", [1, 2])
def test_xlogy_at_x_0_y_1_where_the_rounding_of_y_grows_along_the_step(dtype, order):
    """x log y at (0, 1): every derivative of order 1 is exactly 0, and on the stencil
    f = s a log(1 + s b) is about s^2, but the rounding of 1 + s b moves it by eps s |a|, so
    the central differences carry eps |a| of noise at every step. Judged by eps |f| / step,
    the oracle claimed -5.1e-18 +- 3e-19 against AD's exact 0; the running-error bound of the
    stencil's values, the rounding of x + s t included, counts it."""
    x = np.zeros(3, dtype), np.ones(3, dtype)
    report = harness.check(jax.scipy.special.xlogy, x, order=order)
    assert report.verdict == "passed", report


def test_a_wrong_xlogy_rule_at_y_1_still_fails():
    @jax.custom_jvp
    def wrong(x, y):
        return jax.scipy.special.xlogy(x, y)

    @wrong.defjvp
    def _wrong_jvp(primals, tangents):
        (x, y), (dx, dy) = primals, tangents
        return wrong(x, y), jnp.log(y) * dx + 1.01 * x / y * dy

    report = harness.check(wrong, (np.float32([0.5, -2.0, 3.0]), np.ones(3, np.float32)))
    assert report.verdict == "failed" and report.failures, report


@pytest.mark.parametrize("x0", [6.71875, 8.0, 11.5])
@pytest.mark.parametrize("order", [1, 2])
def test_tanh_derivative_where_its_rule_cancels_passes(x0, order):
    """``grad(tanh)`` is ``1 - tanh(x)^2``: at x = 6.7 each evaluation is off by eps while the
    value is 6e-6. mpmath's tanh''(6.71875) = -1.1674958653970e-05 and JAX's is right to 1e-11;
    central differences, off by 5e-8 relative, used to claim 8e-17. The noise probe measured
    the noise and then rejected it: its slope at the widest offset carries a step-squared
    truncation (3e-11 here) far above the noise it is compared against."""
    report = harness.check(jax.grad(jnp.tanh), (np.float64(x0),), order=order)
    assert report.verdict == "passed", report


def test_a_slightly_wrong_rule_still_fails_where_the_tanh_rule_cancels():
    @jax.custom_jvp
    def wrong(x):
        return jax.grad(jnp.tanh)(x)

    @wrong.defjvp
    def _wrong_jvp(primals, tangents):
        y, dy = jax.jvp(jax.grad(jnp.tanh), primals, tangents)
        return y, dy * 1.001

    report = harness.check(wrong, (np.float64(6.71875),))
    assert report.verdict == "failed" and report.failures, report


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", [jnp.cbrt, jnp.log2, jnp.reciprocal, lambda x: jnp.sum(jnp.cbrt(x))],
                         ids=["cbrt", "log2", "reciprocal", "sum_cbrt"])
def test_an_element_far_below_1_beside_its_pole_gets_steps_of_its_own_scale(fn, dtype):
    """cbrt at x = -1e-30 beside 3.16 and 5.4e14: every ladder on the scale of 1 (0.1 down to
    2e-13) stepped over the pole at 0 and gave -4.77 +- 2 where the derivative is 3.3e19; log2
    at 4e-28 found no finite quotient at all. Tiny elements get parts and ladders of their own.
    Beside a sum of 8e4 no step resolves cbrt's 3.3e19 (its change is below the sum's
    rounding): there the check is inconclusive, not failed on the ladder that straddled 0."""
    x = np.array([5.4e14, 3.16, 4.1e-28 if fn is jnp.log2 else -1e-30], dtype)
    report = harness.check(fn, (x,), order=2, seed=2)
    if fn in (jnp.cbrt, jnp.log2, jnp.reciprocal):
        assert report.ok, str(report)
    else:
        assert report.verdict == "inconclusive", str(report)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_rounding_bound_of_a_float32_rule_does_not_overflow_beside_a_pole(dtype):
    """In float32, the bound of 1 / (3 cbrt(x)^2) at x = -1e-30 was inf (its derivative in the
    divisor, 1e39, overflows), which excused a rule 1% wrong there: bounds are carried in
    float64."""

    @jax.custom_jvp
    def cbrt(x):
        return jnp.cbrt(x)

    @cbrt.defjvp
    def _cbrt_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return cbrt(x), jnp.where(jnp.abs(x) < 1e-20, 1.01, 1.0) / (3 * jnp.cbrt(x) ** 2) * t

    x = np.array([5.4e14, 3.16, -1e-30], dtype)
    report = harness.check(cbrt, (x,), order=1, seed=0)
    assert report.verdict == "failed", str(report)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", [jnp.floor_divide, lambda x, y: jnp.divmod(x, y)[0]],
                         ids=["floor_divide", "divmod"])
def test_a_jump_that_only_the_wide_noise_probe_spans(fn, dtype):
    """floor_divide(-19.999, 1) is constant within 1e-3 of the point. The wide probe spans the
    jump at -20 and measured 0.25 of noise; as the floor of every step it hid the ladder
    below the jump (exactly 0) and kept -29.7 +- 7.4 from steps across it (error/budget
    1.01). Steps within the tiny probe's span take that probe's noise."""
    x, y = np.full(3, -19.999, dtype), np.ones(3, dtype)
    report = harness.check(lambda a: fn(a[0], a[1]), (np.stack([x, y]),), order=2, seed=0)
    assert report.ok, str(report)


def test_a_wrong_rule_beside_a_jump_still_fails():
    @jax.custom_jvp
    def floor(x):
        return jnp.floor(x)

    floor.defjvp(lambda p, t: (floor(p[0]), 0.01 * t[0]))  # 0.01 where the slope is 0
    report = harness.check(floor, (np.full(3, -19.999),), order=1, seed=0)
    assert report.verdict == "failed", str(report)


def test_fresnel_where_a_retry_ladder_is_longer_than_its_period():
    """fresnel at x = 5.3e5 in float32 (period 3.8e-6): the second ladder, steps of 1e-3 down
    to 3e-6, resolved S' to -9.8e-5 +- 7e-8 where it is -0.0432; the ladder below a retry's
    now confirms its estimates, as it does the first ladder's."""
    x = np.array([530500.25, -3.2057623863220215, -1000000.0], np.float32)
    report = harness.check(jax.scipy.special.fresnel, (x,), order=2, seed=2)
    assert report.ok, str(report)
