"""The body's jax.numpy functions: elementwise, reductions, sorting and statistics."""

from __future__ import annotations

import math

import jax.numpy as jnp

from harness.catalog._known_bugs import SINC_NEAR_ZERO

from ._domains import (
    COMPLEX,
    END,
    apart,
    below_overflow,
    box,
    complex_apart,
    entry,
    line,
    off,
    pos,
    ratio_apart_from_integers,
)
from ._jax_bugs import (
    HYPOT_HESSIAN_AT_TIE,
    KAISER_FLOAT32_LARGE_BETA,
    LDEXP_AT_ZERO,
    PROD_JVP_FLUSHED,
)

INTEGERS = list(range(-20, 21))
HALVES = [k + 0.5 for k in range(-20, 20)]
LOG_MAX32 = math.log(3.4e38)


def _binary(fn):
    """``fn(xy[0], xy[1])``: a function of two arguments drawn jointly."""
    return lambda xy: fn(xy[0], xy[1])


def _elementwise():
    one = [
        # Entire functions on the whole line (up to overflow).
        ("sin", jnp.sin, line()), ("cos", jnp.cos, line()),
        ("sinh", jnp.sinh, below_overflow()), ("cosh", jnp.cosh, below_overflow()),
        ("tanh", jnp.tanh, line()), ("arctan", jnp.arctan, line()),
        ("arcsinh", jnp.arcsinh, line()), ("exp", jnp.exp, below_overflow()),
        ("expm1", jnp.expm1, below_overflow()),
        ("exp2", jnp.exp2, below_overflow(math.log(2.0))),
        ("square", jnp.square, line(cap=1e15)), ("negative", jnp.negative, line()),
        ("positive", jnp.positive, line()), ("conj", jnp.conj, line()),
        ("conjugate", jnp.conjugate, line()), ("real", jnp.real, line()),
        ("imag", jnp.imag, line()),
        ("deg2rad", jnp.deg2rad, line()), ("degrees", jnp.degrees, line(cap=1e30)),
        ("rad2deg", jnp.rad2deg, line(cap=1e30)), ("radians", jnp.radians, line()),
        ("i0", jnp.i0, box(-700.0, 700.0)),
        # Poles and branch points kept at a distance.
        ("tan", jnp.tan, off([k * math.pi + math.pi / 2 for k in range(-10, 10)], 1e-2,
                             -30.0, 30.0)),
        ("arcsin", jnp.arcsin, box(-1 + END, 1 - END)),
        ("arccos", jnp.arccos, box(-1 + END, 1 - END)),
        ("arctanh", jnp.arctanh, box(-1 + END, 1 - END)),
        ("arccosh", jnp.arccosh, pos(1 + END)), ("asin", jnp.asin, box(-1 + END, 1 - END)),
        ("acos", jnp.acos, box(-1 + END, 1 - END)), ("atan", jnp.atan, line()),
        ("asinh", jnp.asinh, line()), ("atanh", jnp.atanh, box(-1 + END, 1 - END)),
        ("acosh", jnp.acosh, pos(1 + END)),
        ("frexp", lambda x: jnp.frexp(x)[0], off([2.0**k for k in range(-7, 8)], 1e-4, 0.01,
                                                 100.0)), ("log", jnp.log, pos()),
        ("log2", jnp.log2, pos()), ("log10", jnp.log10, pos()),
        ("log1p", jnp.log1p, pos(-1 + END)), ("sqrt", jnp.sqrt, pos()),
        ("cbrt", jnp.cbrt, off(0.0, 1e-30)), ("reciprocal", jnp.reciprocal, off(0.0, 1e-30)),
        # Piecewise smooth: kinks kept at a distance.
        ("abs", jnp.abs, off(0.0)), ("absolute", jnp.absolute, off(0.0)),
        ("fabs", jnp.fabs, off(0.0)), ("sign", jnp.sign, off(0.0)),
        ("floor", jnp.floor, off(INTEGERS, low=-20.0, high=20.0)),
        ("ceil", jnp.ceil, off(INTEGERS, low=-20.0, high=20.0)),
        ("trunc", jnp.trunc, off(INTEGERS, low=-20.0, high=20.0)),
        ("rint", jnp.rint, off(HALVES, low=-20.0, high=20.0)),
        ("round", jnp.round, off(HALVES, low=-20.0, high=20.0)),
        ("around", jnp.around, off(HALVES, low=-20.0, high=20.0)),
        ("modf", jnp.modf, off(INTEGERS, low=-20.0, high=20.0)),
        ("angle", jnp.angle, off(0.0)),
        ("unwrap", jnp.unwrap, box(-3.0, 3.0)),
        ("nan_to_num", jnp.nan_to_num, line()),
        ("clip", lambda x: jnp.clip(x, -1.0, 1.0), off([-1.0, 1.0], low=-10.0, high=10.0)),
        ("heaviside", lambda x: jnp.heaviside(x, 0.5), off(0.0)),
    ]
    entries = [entry(f"jnp.{name}", fn, make, order=2) for name, fn, make in one]
    two = [
        ("add", jnp.add, line(), line()), ("subtract", jnp.subtract, line(), line()),
        ("multiply", jnp.multiply, line(cap=1e15), line(cap=1e15)),
        ("divide", jnp.divide, line(cap=1e15), off(0.0, 1e-15)),
        ("true_divide", jnp.true_divide, line(cap=1e15), off(0.0, 1e-15)),
        ("arctan2", jnp.arctan2, off(0.0), line()), ("atan2", jnp.atan2, off(0.0), line()),
        ("meshgrid", jnp.meshgrid, line(), line((2,))),
        ("logaddexp", jnp.logaddexp, line(), line()),
        ("logaddexp2", jnp.logaddexp2, line(), line()),
        ("power", jnp.power, pos(1e-3, 1e3), box(-10.0, 10.0)),
        ("pow", jnp.pow, pos(1e-3, 1e3), box(-10.0, 10.0)),
        ("float_power", jnp.float_power, pos(1e-3, 1e3), box(-10.0, 10.0)),
        ("copysign", jnp.copysign, line(), off(0.0)),
    ]
    entries += [entry(f"jnp.{name}", fn, *makes, order=2) for name, fn, *makes in two]
    entries.append(entry("jnp.hypot", jnp.hypot, off(0.0), line(), order=2,
                         xfail={"*": HYPOT_HESSIAN_AT_TIE}))
    entries.append(entry("jnp.sinc", jnp.sinc, line(), order=2, xfail={"*": SINC_NEAR_ZERO}))
    entries.append(entry("jnp.ldexp", lambda x: jnp.ldexp(x, 3), line(cap=1e30), order=2,
                         xfail={"*": LDEXP_AT_ZERO}))
    stacked = [
        ("maximum", jnp.maximum), ("minimum", jnp.minimum), ("fmax", jnp.fmax),
        ("fmin", jnp.fmin),
    ]
    entries += [entry(f"jnp.{name}", _binary(fn), apart((2, 3)), order=2,
                      domain="pairs at least 1e-3 apart")
                for name, fn in stacked]
    entries += [entry(f"jnp.{name}", _binary(fn), ratio_apart_from_integers(), order=2,
                      domain="y in [0.25, 4], x / y 1e-3 from the integers")
                for name, fn in (("mod", jnp.mod), ("fmod", jnp.fmod),
                                 ("remainder", jnp.remainder),
                                 ("divmod", jnp.divmod), ("floor_divide", jnp.floor_divide))]
    entries.append(entry("jnp.kaiser", lambda beta: jnp.kaiser(6, beta), pos(1e-3, 50.0, ()),
                         order=2, domain="beta in [1e-3, 50], 6 points",
                         xfail={"*": KAISER_FLOAT32_LARGE_BETA}))
    entries.append(entry("jnp.sort_complex", jnp.sort_complex, complex_apart(), dtypes=COMPLEX,
                         domain="real parts 1e-3 apart (ties are kinks of the order)"))
    return entries


def _reductions():
    smooth = [
        ("sum", jnp.sum), ("mean", jnp.mean), ("var", jnp.var), ("nansum", jnp.nansum),
        ("nanmean", jnp.nanmean), ("nanvar", jnp.nanvar), ("cumsum", jnp.cumsum),
        ("cumulative_sum", jnp.cumulative_sum), ("nancumsum", jnp.nancumsum),
        ("average", jnp.average), ("trapezoid", jnp.trapezoid), ("diff", jnp.diff),
        ("ediff1d", jnp.ediff1d), ("gradient", jnp.gradient),
    ]
    entries = [entry(f"jnp.{name}", fn, line((4,), cap=1e6), order=2) for name, fn in smooth]
    products = [("cumprod", jnp.cumprod), ("cumulative_prod", jnp.cumulative_prod),
                ("nancumprod", jnp.nancumprod)]
    entries += [entry(f"jnp.{name}", fn, line((4,), cap=1e6), order=2)
                for name, fn in products]
    entries += [entry(f"jnp.{name}", fn, line((4,), cap=1e6), order=2,
                      xfail={"*": PROD_JVP_FLUSHED})
                for name, fn in (("prod", jnp.prod), ("nanprod", jnp.nanprod))]
    ties = [
        ("max", jnp.max), ("min", jnp.min), ("amax", jnp.amax), ("amin", jnp.amin),
        ("nanmax", jnp.nanmax), ("nanmin", jnp.nanmin), ("ptp", jnp.ptp), ("sort", jnp.sort),
        ("median", jnp.median), ("nanmedian", jnp.nanmedian),
        ("percentile", lambda x: jnp.percentile(x, 30.0)),
        ("nanpercentile", lambda x: jnp.nanpercentile(x, 30.0)),
        ("quantile", lambda x: jnp.quantile(x, 0.3)),
        ("nanquantile", lambda x: jnp.nanquantile(x, 0.3)),
        ("partition", lambda x: jnp.partition(x, 2)),
        ("std", jnp.std), ("nanstd", jnp.nanstd),
    ]
    entries += [entry(f"jnp.{name}", fn, apart((5,)), order=2,
                      domain="[-100, 100]^5, elements 1e-3 apart")
                for name, fn in ties]
    statistics = [("cov", jnp.cov), ("corrcoef", jnp.corrcoef)]
    entries += [entry(f"jnp.{name}", fn, apart((2, 5)), domain="2x5, elements 1e-3 apart")
                for name, fn in statistics]
    return entries


NUMPY = tuple(_elementwise() + _reductions())
