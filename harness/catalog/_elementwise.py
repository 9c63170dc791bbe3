"""Catalog entries for elementwise functions of jax.numpy and jax.scipy.special."""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from harness.catalog._arguments import arguments, vector
from harness.catalog._entry import Entry
from harness.catalog._known_bugs import LOG_NDTR_FAR_LEFT, SINC_NEAR_ZERO
from harness.strategies import away_from, bounded, positive, real_line, unit_interval

SHAPE = (3,)
HALF_PI = math.pi / 2
LOG_WHY = ("x >= 1e-6: below it, log'' = -1/x^2 overflows float32 (at 5e-20) long before "
           "the domain ends; near 0 a step ladder must not straddle the pole, and an element "
           "whose estimate is poor for its own size is retried on smaller steps")


def _bounded(low, high):
    return arguments(lambda d: bounded(d, SHAPE, low, high))


def _positive(low, high):
    return arguments(lambda d: positive(d, SHAPE, min_value=low, max_value=high))


def _away_from(kinks, margin, low=None, high=None):
    return arguments(lambda d: away_from(d, SHAPE, kinks, margin=margin, low=low, high=high))


# Properties that compare two ways of computing the derivative fail too where it is infinite.
SMALL = 0.5  # below this, jnp.sinc's derivatives lose accuracy (see SINC_NEAR_ZERO)
# Where jax.grad(jnp.sinc) is infinite: (lowest, highest) magnitude per dtype.
SINC_INFINITE = {"float32": (1e-30, 1e-20), "float64": (1e-300, 1e-160)}


def _flush_small(x):
    """``x`` with the elements below ``SMALL`` in magnitude replaced by 0."""
    return np.where(np.abs(x) < SMALL, np.zeros_like(x), x)


def _sinc_infinite(dtype):
    lowest, highest = SINC_INFINITE[dtype]
    return (away_from(dtype, SHAPE, 0.0, margin=lowest, low=-highest, high=highest),)


def cube(x):
    """``x**3``."""
    return x**3


def power_two_and_a_half(x):
    """``x**2.5``, for x > 0."""
    return x**2.5


ELEMENTWISE: tuple[Entry, ...] = (
    # Trigonometric.
    Entry("sin", jnp.sin, vector(-1e3, 1e3), order=2, domain="[-1e3, 1e3]"),
    Entry("cos", jnp.cos, _bounded(-1e3, 1e3), order=2, domain="[-1e3, 1e3]"),
    Entry("tan", jnp.tan, _away_from([-HALF_PI, HALF_PI], 0.1, -3.0, 3.0), order=2,
          kinks="poles at pi/2 + k pi", domain="[-3, 3], 0.1 from the poles +-pi/2"),
    Entry("arcsin", jnp.arcsin, _bounded(-0.95, 0.95), order=2,
          kinks="infinite slope at +-1", domain="[-0.95, 0.95]"),
    Entry("arccos", jnp.arccos, _bounded(-0.95, 0.95), order=2,
          kinks="infinite slope at +-1", domain="[-0.95, 0.95]"),
    Entry("arctan", jnp.arctan, vector(), order=2, domain="the real line"),
    Entry("arctan2", jnp.arctan2,
          arguments(lambda d: bounded(d, SHAPE, -10.0, 10.0),
                    lambda d: positive(d, SHAPE, min_value=0.1, max_value=10.0)), order=2,
          kinks="the origin; a jump across y = 0 where x < 0",
          domain="y in [-10, 10], x in [0.1, 10]"),
    Entry("arctan2_left_half_plane", jnp.arctan2,
          arguments(lambda d: away_from(d, SHAPE, 0.0, margin=0.1, low=-10.0, high=10.0),
                    lambda d: bounded(d, SHAPE, -10.0, -0.1)), order=2,
          kinks="the origin; a jump across y = 0 where x < 0",
          domain="x in [-10, -0.1], y in [-10, 10] at least 0.1 from 0"),
    # Hyperbolic.
    Entry("sinh", jnp.sinh, _bounded(-20.0, 20.0), order=2, domain="[-20, 20]"),
    Entry("cosh", jnp.cosh, _bounded(-20.0, 20.0), order=2, domain="[-20, 20]"),
    Entry("tanh", jnp.tanh, _bounded(-20.0, 20.0), order=2, domain="[-20, 20]"),
    Entry("arcsinh", jnp.arcsinh, arguments(lambda d: real_line(d, SHAPE, max_magnitude=1e6)),
          order=2, domain="[-1e6, 1e6]"),
    Entry("arccosh", jnp.arccosh, _positive(1.05, 1e6), order=2,
          kinks="infinite slope at 1", domain="[1.05, 1e6]"),
    Entry("arctanh", jnp.arctanh, _bounded(-0.95, 0.95), order=2,
          kinks="poles at +-1", domain="[-0.95, 0.95]"),
    # Exponentials and logarithms.
    Entry("exp", jnp.exp, vector(-30.0, 30.0), order=2, domain="[-30, 30]"),
    Entry("expm1", jnp.expm1, _bounded(-30.0, 30.0), order=2, domain="[-30, 30]"),
    Entry("exp2", jnp.exp2, _bounded(-30.0, 30.0), order=2, domain="[-30, 30]"),
    Entry("log", jnp.log, _positive(1e-6, 1e6), order=2, kinks="pole at 0",
          domain="[1e-6, 1e6]", why=LOG_WHY),
    Entry("log1p", jnp.log1p, _bounded(-0.99, 1e6), order=2, kinks="pole at -1",
          domain="[-0.99, 1e6]"),
    Entry("log2", jnp.log2, _positive(1e-6, 1e6), order=2, kinks="pole at 0",
          domain="[1e-6, 1e6]", why=LOG_WHY),
    Entry("log10", jnp.log10, _positive(1e-6, 1e6), order=2, kinks="pole at 0",
          domain="[1e-6, 1e6]", why=LOG_WHY),
    Entry("logaddexp", jnp.logaddexp,
          arguments(lambda d: bounded(d, SHAPE, -50.0, 50.0),
                    lambda d: bounded(d, SHAPE, -50.0, 50.0)), order=2,
          domain="[-50, 50] twice", why="a custom_jvp in JAX"),
    # Powers.
    Entry("square", jnp.square, arguments(lambda d: real_line(d, SHAPE, max_magnitude=1e3)),
          order=3, domain="[-1e3, 1e3]"),
    Entry("cube", cube, arguments(lambda d: real_line(d, SHAPE, max_magnitude=100.0)),
          order=3, domain="[-100, 100]"),
    Entry("sqrt", jnp.sqrt, vector(1e-3, 1e6), order=2, kinks="infinite slope at 0",
          domain="[1e-3, 1e6]"),
    Entry("cbrt", jnp.cbrt, _away_from(0.0, 0.05, -1e3, 1e3), order=2,
          kinks="infinite slope at 0", domain="[-1e3, 1e3], 0.05 from 0"),
    Entry("reciprocal", jnp.reciprocal, _away_from(0.0, 0.05, -1e3, 1e3), order=2,
          kinks="pole at 0", domain="[-1e3, 1e3], 0.05 from 0"),
    Entry("power_2_5", power_two_and_a_half, _positive(1e-3, 1e3), order=2,
          kinks="x = 0 (the third derivative is infinite)", domain="[1e-3, 1e3]"),
    Entry("power", jnp.power,
          arguments(lambda d: positive(d, SHAPE, min_value=0.1, max_value=10.0),
                    lambda d: bounded(d, SHAPE, -3.0, 3.0)), order=2,
          kinks="x = 0", domain="x in [0.1, 10], y in [-3, 3]"),
    Entry("abs", jnp.abs, _away_from(0.0, 0.05), order=2, kinks="x = 0",
          domain="the real line, 0.05 from 0"),
    # Special functions.
    Entry("erf", jsp.erf, vector(-5.0, 5.0), order=2, domain="[-5, 5]"),
    Entry("erfc", jsp.erfc, _bounded(-5.0, 5.0), order=2, domain="[-5, 5]"),
    Entry("erfinv", jsp.erfinv, _bounded(-0.95, 0.95), order=2, kinks="poles at +-1",
          domain="[-0.95, 0.95]"),
    Entry("gammaln", jsp.gammaln, _positive(0.1, 50.0), order=2,
          kinks="poles at 0, -1, -2, ...", domain="[0.1, 50]"),
    Entry("digamma", jsp.digamma, _positive(0.1, 50.0), kinks="poles at 0, -1, -2, ...",
          domain="[0.1, 50]"),
    Entry("xlogy", jsp.xlogy,
          arguments(lambda d: bounded(d, SHAPE, -3.0, 3.0),
                    lambda d: positive(d, SHAPE, min_value=0.01, max_value=100.0)),
          order=2, kinks="y = 0", domain="x in [-3, 3], y in [0.01, 100]",
          why="x log y, defined as 0 at x = 0: a custom_jvp in JAX"),
    Entry("sinc", jnp.sinc, arguments(lambda d: bounded(d, SHAPE, -5.0, 5.0).map(_flush_small)),
          order=2, domain="[-5, 5], |x| < 0.5 moved to 0",
          why="0 / 0 at x = 0, where JAX uses a Maclaurin series (custom_jvp); small nonzero x "
              "are left to sinc_near_zero"),
    Entry("sinc_near_zero", jnp.sinc, _sinc_infinite,
          domain="1e-30 <= |x| <= 1e-20 (float32), 1e-300 <= |x| <= 1e-160 (float64)",
          xfail={"*": SINC_NEAR_ZERO}),
    Entry("i0e", jsp.i0e, _away_from(0.0, 0.05, -20.0, 20.0), order=2,
          kinks="x = 0 (exp(-|x|))", domain="[-20, 20], 0.05 from 0"),
    Entry("i1e", jsp.i1e, _away_from(0.0, 0.05, -20.0, 20.0), order=2,
          kinks="x = 0 in the second derivative (exp(-|x|))", domain="[-20, 20], 0.05 from 0"),
    Entry("logit", jsp.logit, arguments(lambda d: unit_interval(d, SHAPE, margin=0.01)),
          order=2, kinks="poles at 0 and 1", domain="[0.01, 0.99]"),
    Entry("log_ndtr", jsp.log_ndtr, _away_from(-10.0, 0.05, -19.9, 4.0), order=2,
          kinks="small jumps where JAX switches formulas: x = -20 and 8 (float64), -10 and 5 "
                "(float32)", domain="[-19.9, 4], 0.05 from -10",
          why="x <= 4: above, log(ndtr(x)) cancels and JAX's float64 value is off (by 3.5% at "
              "7.9), so its differences disagree with the (right) custom_jvp; x < -20 is "
              "log_ndtr_far_left"),
    Entry("log_ndtr_far_left", jsp.log_ndtr, _bounded(-21.0, -20.05), ("float64",),
          domain="[-21, -20.05]", xfail={"*": LOG_NDTR_FAR_LEFT}),
)
