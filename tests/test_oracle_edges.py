"""The oracle at the edges of floating point: elements far beyond 1 or far below it, values
below the smallest normal number, a float64 copy that computes in float32 inside, a complex
step beyond a branch point."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.oracles import _steps
from harness.oracles._differences import WIDE


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_elements_beyond_1e16_are_moved_by_the_first_step(dtype):
    # The float64 spacing at 6e16 is 8: a step capped at 1 never moved that element, and a
    # linear function beside 3.2 was inconclusive ("the oracle is not finite here").
    x = np.array([-6.36e16, -3.2, -1.28e10], dtype=dtype)
    assert harness.check(jnp.degrees, (x,), order=2).ok
    wrong = jax.custom_jvp(jnp.degrees)
    wrong.defjvp(lambda p, t: (jnp.degrees(p[0]), 1.01 * jnp.degrees(t[0])))
    assert harness.check(wrong, (x,)).verdict == "failed"


def test_an_element_far_below_the_steps_beside_a_kink_at_zero_passes_on_its_side():
    # i0e has a kink at 0; at x = 4.1e-28 fn is 1 to rounding on the element's own scale,
    # and the steps on the scale of 1 cross 0: AD matches the one-sided derivative there.
    x = np.array([4.1e-28, 0.097], dtype=np.float32)
    assert harness.check(jax.scipy.special.i0e, (x,), order=2).ok


def _attention_with_a_float32_softmax(q, k):
    # The softmax in float32 whatever q's dtype, as jax.nn.dot_product_attention does.
    logits = (q @ k.T).astype(jnp.float32)
    return (jax.nn.softmax(logits, axis=-1).astype(q.dtype) @ k) * q.sum()


def test_a_float64_copy_that_computes_in_float32_inside_resolves_only_float32_steps():
    # With elements far below 1 the ladders on their own scale see float32's staircase: its
    # quotients settled on -0.28 +- 9e-7 where the derivative is 0.17. The copy's jaxpr shows
    # the float32 values, and its differences are judged at float32's rounding.
    q = np.array([[4.1e-28, 0.097, -3.0], [2.6e-6, 1.5, 6.8e-8]], np.float32)
    k = np.array([[0.5, -2.9e-24, 1.0], [-1.5, 7.5e-17, 2.0]], np.float32)
    report = harness.check(_attention_with_a_float32_softmax, (q, k))
    assert report.ok, report
    assert any("computes in float32" in c.oracle for c in report.checks if c.oracle)


def test_a_complex_step_beyond_a_branch_point_is_not_confirmed_by_unconverged_differences():
    # log at the smallest normal float64: the imaginary step (1e-290, never subnormal) passes
    # far beyond the branch point at 0 and gave pi/2 / 1e-290, which unconverged differences
    # of 0 +- 1e296 "confirmed" against AD's right 1/x = 4.5e307: a false failure.
    with jax.enable_x64(True):
        report = harness.check(jnp.log, (np.array([2.2250738585072014e-308, 1.0, 1.0]),))
    assert report.verdict != "failed", report


@jax.custom_jvp
def _prod_with_a_doubled_rule(x):
    return jnp.prod(x)


@_prod_with_a_doubled_rule.defjvp
def _prod_with_a_doubled_rule_jvp(primals, tangents):
    value, slope = jax.jvp(jnp.prod, primals, tangents)
    return value, 2.0 * slope


def test_values_below_the_smallest_normal_number_round_to_the_subnormal_spacing():
    # The product underflows to 0 at every step: differences of exactly 0 +- 0 failed AD's
    # right -7.6e-190, where each value is off by up to half of 5e-324.
    x = np.array([-2.27170385e-161, 0.0972494491, 4.1066895e-28, -2.27170385e-161])
    with jax.enable_x64(True):
        assert harness.check(jnp.prod, (x,), order=2).ok
        assert harness.check(_prod_with_a_doubled_rule, (x,)).verdict == "failed"


def test_steps_that_xla_flushes_to_zero_are_not_taken_as_moves():
    # XLA's CPU backend flushes subnormal numbers to zero: at x = 2.2e-308 every step on the
    # element's own scale is subnormal and leaves x where it was; differences of exactly 0
    # failed entr's right derivative, -log(x) - 1 = 707.
    x = np.array([2.2250738585072014e-308, 1.0, 1.0])
    with jax.enable_x64(True):
        report = harness.check(jax.scipy.special.entr, (x,))
    assert report.verdict != "failed", report
    assert not _steps.displacement_error([x[:1]], [np.ones(1)], np.array([1e-310])) < 1


def test_an_oscillation_shorter_than_the_steps_at_huge_x_is_left_to_the_complex_step():
    # At 1e15 no step both moves x accurately and fits sin's period: the differences alias
    # to a stable wrong value (1.2e-4 +- 6e-9 where sin'' is -1.41). The complex step of an
    # analytic fn is exact there; without one the check cannot fail AD.
    x = np.array([-2.6684129e-03, 9.9999999e14, 9.9999999e14], np.float32)
    assert harness.check(jnp.sin, (x,), order=2, seed=7).ok
    assert harness.check(lambda v: jnp.abs(jnp.sin(v)), (x,), seed=7).verdict != "failed"
    wrong = jax.custom_jvp(jnp.sin)
    wrong.defjvp(lambda p, t: (jnp.sin(p[0]), 1.01 * jnp.cos(p[0]) * t[0]))
    assert harness.check(wrong, (x,), seed=7).verdict == "failed"


def test_a_kink_beside_a_jump_is_seen_on_the_scale_of_the_resolved_derivatives():
    # Rows 0 and 1 tie for the second pivot: L and U jump there, and quotients across the jump
    # grow as 1 / step (5e7); as the leaf's scale they hid the kink in U beside them, and AD
    # on a one-sided derivative failed.
    a = np.array([[1.5000303, -2.1315916, 2.4474359], [1.5000303, -2.1315916, -2.738014],
                  [2.6895502, 1.4419922, -0.42954054]], np.float32)
    assert harness.check(jax.scipy.linalg.lu, (a,), seed=4).verdict != "failed"


def test_noise_that_leaves_unresolved_what_quiet_ladders_resolve_decides_nothing():
    # hypot'' at r = 0.002: the noise probe spans 0.006 and sees the curvature as noise; the
    # ladders carrying it gave 7.7 +- 4.6, those without it 464.712 +- 3e-6, AD 464.712.
    x = np.array([0.002, -0.5, -0.001])
    y = np.array([-9.03363450e-07, -2.0, 9.99207322e14])
    with jax.enable_x64(True):
        report = harness.check(jnp.hypot, (x, y), order=2, seed=2)
    assert report.verdict != "failed", report


def test_a_complex_step_through_pow_at_a_negative_base_is_not_exact():
    # jnp.vander computes x ** 3.0: at x = -100 the complex step through exp(3 log z) took
    # its imaginary part from the rounding of 3 pi (4e27 where the slope is 3e4).
    x = np.array([-6.481032, -99.99999, -9.045407, 8.273562e-18], np.float32)
    assert harness.check(jnp.vander, (x,), seed=4).ok


def test_a_derivative_that_overflows_beside_the_smallest_normal_number_passes_as_inf():
    # 1/x at 2.2e-308: -1/x^2 overflows, and AD's -inf is the correctly rounded derivative.
    # Steps on the element's own scale move it (scaled: ``_differences.moved_point``), and the
    # quotients, -2e615, overflow float64 as the derivative does: in a wider type
    # (``_differences.WIDE``) they converge, and AD's -inf passes. Where NumPy has no wider
    # type, they decide nothing and the check is inconclusive (once a false alarm: "AD
    # returned inf where fn is finite"; a part of the direction flat along 1.5 once made the
    # sum look bounded, and an infinite budget once let -inf "fail" against an unconverged
    # estimate).
    tiny = float(np.finfo(np.float64).tiny)
    for x in ([tiny, 1.5], [tiny]):
        report = harness.check(jnp.reciprocal, (np.array(x),))
        assert report.verdict == ("inconclusive" if WIDE is None else "passed"), report.reason
    wrong = jax.custom_jvp(jnp.reciprocal)
    wrong.defjvp(lambda p, t: (1 / p[0], -1.01 * t[0] / p[0] ** 2))
    report = harness.check(wrong, (np.array([tiny, 1.5]),))
    assert report.verdict == "failed", report.reason


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_kink_that_the_noise_probe_measures_as_noise_still_passes_on_its_side(dtype):
    # copysign(x, -1) = -|x| at x = 0: the probe straddles the kink and measures "noise" of
    # 9e-4, so the estimate is marked noisy; AD's -1 matches the forward side and passes, and
    # the noise tail (NOISE_TAIL) leaves undecided only what would otherwise fail.
    x, y = np.zeros(3, dtype), -np.ones(3, dtype)
    assert harness.check(jnp.copysign, (x, y), seed=0).verdict == "passed"


def test_a_rule_that_compares_values_bitwise_sees_one_point_per_offset():
    # XLA computes x + s t in every fused kernel that reads it, with and without a fused
    # multiply-add; jnp.min's JVP divides by the count of elements equal to the minimum, and
    # where the kernels disagree by an ulp that count is 0: the second derivative at this
    # point, where min is smooth, was inconclusive ("the oracle is not finite here").
    x = np.array([1e-3, 0.166, 2e-3, 3e-3, -5.58e-11])
    assert harness.check(jnp.min, (x,), order=2, seed=1).verdict == "passed"
    assert harness.check(jnp.ptp, (x,), order=2, seed=1).verdict == "passed"


def test_every_offset_of_the_stencil_is_exact():
    # s t exact for every step of the ladders and of the noise probe (a power of two times
    # 1..10) and every random direction: x + s t then rounds once, fused or not.
    from fractions import Fraction

    from harness.inputs import _directions
    from harness.oracles import _noise

    rng = np.random.default_rng(0)
    x = [rng.standard_normal(64) * 10.0 ** rng.integers(-12, 12, 64)]
    for dtype in (np.float64, np.float32, np.complex128):
        t = _directions.normal_like(rng, (64,), dtype).astype(np.complex128).view(np.float64)
        first = _steps.first_step(x, [t[:64]])
        steps = np.concatenate([_steps.ladder(x, [t[:64]]), _noise.noise_steps(first),
                                _noise.wide_noise_steps(first),
                                [_steps.own_scale_first_step(x, [t[:64]])]])
        for s in steps:
            assert all(Fraction(float(s)) * Fraction(float(v)) == Fraction(float(s) * float(v))
                       for v in t), (dtype, s)


def test_elements_beside_a_kink_at_zero_on_both_sides_take_the_side_away_from_it():
    # i0e has a kink at 0. Along a direction split by scale, the steps of the part of
    # -2.3e-161 and of the part of 4.1e-28 cross 0 on one side each: neither the forward nor
    # the backward sum over parts matched AD's VJP (inconclusive, error/budget 7).
    x = np.array([-2.271703845999837e-161, 9.724944914638579e-02, 4.106689497704117e-28])
    assert harness.check(jax.scipy.special.i0e, (x,), order=2, seed=1).verdict == "passed"
    wrong = jax.custom_jvp(jax.scipy.special.i0e)
    wrong.defjvp(lambda p, t: (jax.scipy.special.i0e(p[0]),
                               1.01 * jax.jvp(jax.scipy.special.i0e, p, t)[1]))
    assert harness.check(wrong, (x,), seed=1).verdict == "failed"


def test_a_vjp_at_elements_on_and_beside_a_kink_takes_the_sides_the_jvp_follows():
    # copysign(x, -1) = -|x| at x = (1e-9, 0, 0): each element's one-sided derivatives
    # differ, and AD follows a side per element that no sum over one side for all matches
    # (the VJP was inconclusive, error/budget 7). A VJP rule 1% off, without a JVP to pair
    # with, is not passed there, and fails at an ordinary point.
    args = (np.array([1e-9, 0.0, 0.0], np.float32), np.array([-1.0, -1.0, -1.0], np.float32))
    assert harness.check(jnp.copysign, args, order=2, seed=11).verdict == "passed"

    @jax.custom_vjp
    def wrong(x):
        return jnp.copysign(x, -1.0)

    wrong.defvjp(lambda x: (wrong(x), x),
                 lambda x, c: (1.01 * jax.vjp(lambda v: jnp.copysign(v, -1.0), x)[1](c)[0],))
    assert harness.check(wrong, args[:1], seed=11).verdict != "passed"
    assert harness.check(wrong, (np.array([0.5, 0.3, 0.2], np.float32),), seed=11).verdict == (
        "failed")


@pytest.mark.parametrize("fn", [jnp.log, jnp.sqrt, jnp.log1p, jnp.cbrt], ids=lambda f: f.__name__)
def test_the_smallest_normal_number_is_moved_by_steps_on_its_own_scale(fn):
    # Steps on the scale of 2.2e-308 are subnormal and XLA's CPU backend flushes them to 0:
    # x never moved, and log' was inconclusive ("no normal step fits here"). Moved scaled by
    # a power of two, the steps away from 0 are exact; those toward it leave the normal range
    # and give nothing, so the one side stands in. A rule 1% wrong fails there.
    x = np.array([2.2250738585072014e-308, 1.0, 1.0])
    assert harness.check(fn, (x,), seed=1).verdict == "passed"
    wrong = jax.custom_jvp(fn)
    wrong.defjvp(lambda p, t: (fn(p[0]), 1.01 * jax.jvp(fn, p, t)[1]))
    assert harness.check(wrong, (x,), seed=1).verdict == "failed"


def _log_with_second_derivative(scale: float):
    """log whose JVP is right and whose second derivative is ``scale / x^2`` (right: -1)."""
    reciprocal = jax.custom_jvp(lambda x: 1 / x)
    reciprocal.defjvp(lambda p, t: (1 / p[0], scale * t[0] * (1 / p[0]) * (1 / p[0])))
    rule = jax.custom_jvp(jnp.log)
    rule.defjvp(lambda p, t: (jnp.log(p[0]), t[0] * reciprocal(p[0])))
    return rule


@pytest.mark.skipif(WIDE is None, reason="NumPy has no type wider than float64 here")
@pytest.mark.parametrize("x", [[2.2250738585072014e-308], [2.2250738585072014e-308, 1.5, 0.7]])
def test_a_second_derivative_beyond_float64_is_judged_by_its_sign(x):
    # log'' at 2.2e-308 is -2e615: its quotients overflow float64 (the check was inconclusive:
    # "no step gave a finite difference quotient"); in the wider type they converge, AD's
    # -inf is the correctly rounded value and passes, and a rule that gives +inf fails.
    args = (np.array(x),)
    assert harness.check(jnp.log, args, order=2, seed=1).verdict == "passed"
    assert harness.check(_log_with_second_derivative(-1.0), args, order=2,
                         seed=1).verdict == "passed"
    report = harness.check(_log_with_second_derivative(1.0), args, order=2, seed=1)
    assert report.verdict == "failed"
    assert "with the other sign" in report.reason


def test_an_element_far_below_the_largest_of_its_leaf_is_judged_on_its_own_scale():
    # log'' at x = (1e-5, 1.5, 0.7) is (-1e10, -0.44, -2.0): the oracle floor, 1e-8 of the
    # leaf's largest |J||t|, was 100 at every element and passed a second derivative 2% wrong
    # at x = 1.5; capped at ORACLE_FLOOR_CAP of each element's own |J||t|, it fails.
    def second_off(x):
        return jnp.log(x) + 0.005 * (x - jax.lax.stop_gradient(x)) ** 2

    args = (np.array([1e-5, 1.5, 0.7]),)
    assert harness.check(jnp.log, args, order=2, seed=1).verdict == "passed"
    report = harness.check(second_off, args, order=2, seed=1)
    assert report.verdict == "failed", report.reason


def test_an_element_beside_a_pole_whose_ladder_straddles_it_keeps_the_leafs_floor():
    # x / y at y = -1.76e-7 beside elements whose derivatives are 1e24: steps that suit 1
    # straddle the pole at 0 and give -0.006 +- 0.005 where the derivative is 4e7 (mpmath),
    # AD's value. Such an estimate holds no digit: the oracle floor of the leaf stands there
    # (capped, it was a false alarm), while a rule 1% wrong fails at the other elements.
    x = np.array([-9.9999999e+14, 2.6464884e-06, 9.9900000e+14], np.float32)
    y = np.array([5.4963679e+00, -1.7603084e-07, -2.0000100e-05], np.float32)
    assert harness.check(jnp.divide, (x, y), seed=4).verdict == "passed"
    wrong = jax.custom_jvp(jnp.divide)
    wrong.defjvp(lambda p, t: (p[0] / p[1], 1.01 * jax.jvp(jnp.divide, p, t)[1]))
    assert harness.check(wrong, (x, y), seed=4).verdict == "failed"


def test_the_floor_of_a_leaf_still_covers_an_unbounded_float64_rule_that_cancels():
    # dawsn' = 1 - 2 x D(x) at x = 1.2e6 is -3.2e-13, and float64 AD, whose program has an
    # operation without a running-error rule, loses 3.5e-4 of it to that cancellation: with
    # nothing to measure it, the leaf's floor stands (it was a false alarm once capped).
    args = (np.array([-0.4, 1.2e6, 3.0]),)
    assert harness.check(jax.scipy.special.dawsn, args, seed=2).verdict == "passed"


def test_a_vjp_of_infinities_of_both_signs_is_judged_element_by_element():
    # 1/x at x = (1e-3, 1e-30, 1.0000001e-30) in float32: vjp(c) is about 1e60 at the tiny
    # elements, inf in float32 and correctly so, and <vjp(c), t> adds inf and -inf to nan
    # (inconclusive: "AD's nan is not judged"). Each infinite element is judged alone against
    # <c, J e_k> t_k, the finite ones together: it passes; a rule whose infinities have the
    # other sign fails.
    x = np.array([1.0e-3, 1.0e-30, 1.0000001e-30], np.float32)
    report = harness.check(jnp.reciprocal, (x,), seed=5)
    assert report.verdict == "passed", report.reason

    @jax.custom_vjp
    def flipped(v):
        return 1 / v

    flipped.defvjp(lambda v: (1 / v, v), lambda v, g: (
        jnp.where(jnp.abs(v) < 1e-20, 1.0, -1.0) * g * (1 / v) * (1 / v),))
    report = harness.check(flipped, (x,), modes=("rev",), seed=5)
    assert report.verdict == "failed", report.reason
    assert "an infinity of the other sign" in report.reason


BOXCOX_X = np.array([2.5454388, 1.1754945e-38], np.float32)
BOXCOX_LAMBDA = np.array([0.5, -0.025454387], np.float32)


def _boxcox_with_vjp(factor_above_one: float):
    """boxcox in x with a custom VJP, ``factor_above_one`` times wrong where x > 1."""
    @jax.custom_vjp
    def boxcox(x):
        return jax.scipy.special.boxcox(x, BOXCOX_LAMBDA)

    boxcox.defvjp(lambda x: (boxcox(x), x), lambda x, g: (
        g * x ** (BOXCOX_LAMBDA - 1) * jnp.where(x > 1, factor_above_one, 1.0),))
    return boxcox


def test_a_vjp_element_beyond_float32_whose_product_with_t_is_finite_passes_as_inf():
    # d/dx boxcox(x, -0.025) at x = 1.2e-38 is x^-1.025 = 7.9e38 (mpmath), beyond float32:
    # AD's vjp(c) is inf there, correctly rounded, while <c, J t> is a finite -5.7e37 (t_k
    # and c_k are below 1). The infinite element is judged alone, the others together; the
    # transposition identity, whose JVP side is finite, cannot be formed and is skipped.
    x = np.array([2.5454388, 1.1754945e-38, 1.1754945e-38], np.float32)
    lmbda = np.array([0.5, -0.025454387, 0.025454387], np.float32)
    report = harness.check(jax.scipy.special.boxcox, (x, lmbda), seed=12)
    assert report.verdict == "passed", str(report)
    assert any(c.property == "jvp_vjp_transposition" and c.status == "skipped"
               for c in report.checks)
    report = harness.check(_boxcox_with_vjp(1.0), (BOXCOX_X,), modes=("rev",), seed=12)
    assert report.verdict == "passed", str(report)


def test_a_wrong_vjp_beside_an_element_beyond_float32_still_fails():
    report = harness.check(_boxcox_with_vjp(1.02), (BOXCOX_X,), modes=("rev",), seed=12)
    assert report.verdict == "failed", str(report)


def test_a_vjp_beyond_float64_beside_outputs_near_its_largest_number_passes():
    # gamma'' at 171 is 1.9e308 (mpmath: gamma(171) (psi(171)^2 + psi'(171))), beyond
    # float64; the outputs of the other elements are summed beside gamma'(171) = 3.7e307,
    # whose rounding (4e291) swamped their inner product until each output's change from its
    # value at the point was summed instead of its value.
    x = np.array([1.7099999999999997e+02, -9.3250989819446350e-02, -0.5])
    with jax.enable_x64(True):
        report = harness.check(jax.scipy.special.gamma, (x,), order=2, seed=13)
    assert report.verdict == "passed", str(report)


def test_the_elements_beside_infinite_ones_are_judged_on_their_own_outputs():
    # cbrt'' at x = (8.7, 1e-30, 1e-30) in float32: the VJP of the JVP is inf at the tiny
    # elements (about 1e48, beyond float32) and 2.5e-4 at 8.7. The part at 8.7 is judged on
    # the outputs it moves: the others, near 1e19, change by an exact 0 (each output's change
    # is taken from the stencil's own offset 0, which the same code evaluates), so their
    # rounding does not swamp it and the check passes instead of staying undecided.
    x = np.array([8.711393, 1e-30, 1e-30], np.float32)
    report = harness.check(jnp.cbrt, (x,), order=2, seed=11)
    assert report.verdict == "passed", str(report)


@pytest.mark.xfail(strict=True, reason=(
    "a wrong rule 0.001 from a pole passes: the first steps (about 1) cross the pole at "
    "x = -40, the noise probe reads fn's change near it as noise (7.9e3), and the oracle's "
    "error grows past its value (-1.75e6 +- 3.9e7), so a derivative of 0 lies within 4 "
    "times it; where one-sided ladders differ, 0 matches a side known to +-2e3. Seen on "
    "jax.scipy.special.digamma at x = -39.999, whose JAX derivative is -0.025 where "
    "trigamma is 1.0e6 (mpmath). A pass needs an oracle that holds a digit there"))
def test_a_wrong_rule_beside_a_pole_fails():
    @jax.custom_jvp
    def near_pole(x):
        return 1 / (x + 40.0)

    near_pole.defjvp(lambda primals, tangents: (near_pole(primals[0]),
                                                jnp.zeros_like(tangents[0])))
    with jax.enable_x64(True):
        report = harness.check(near_pole, (np.full(3, -39.999),), seed=0)
    assert report.verdict == "failed", str(report)
