"""Hypothesis strategy for numpy arrays aimed at the inputs where derivatives go wrong.

Each float element is drawn from a weighted mixture of value classes. One
bounded integer draw picks the class, so Hypothesis shrinks towards the first
class, exact zero (and, within a class, towards its simplest value):

========  ======  ===========================================================
class     weight  values
========  ======  ===========================================================
zero      1       ``0.0`` (and ``-0.0`` when negatives are allowed)
small     4       ±1, ±2, ±3 and the half-integers ±0.5, ±1.5, ±2.5
tiny      2       ``m * 10**-e``, ``m`` in [1, 10), ``e`` in 9..30, so
                  1e-30 <= |x| < 1e-8 (float16: ``e`` in 4..5)
decade    2       ``m * 10**-e``, ``e`` in 1..8, so 1e-8 <= |x| < 1: every decade
                  between the tiny and the ordinary values, where a series branch
                  for small arguments hands over (float16: ``e`` in 1..3)
bound     3       each given bound, its inward neighbour in the dtype and the
                  points ``1e-6`` and ``1e-3`` (relative) inside it
large     2       ``m * 10**e``, ``m`` in [1, 10), ``e`` in 4..14 (bfloat16:
                  4..5, float16: 2..3), so always below the cap
ordinary  5       ``st.floats`` over the allowed range clipped to [-10, 10]
wide      2       ``st.floats`` over the whole allowed range
========  ======  ===========================================================

Hypothesis draws the smallest index of a bounded integer more often than the
others, so in practice about a fifth of the elements are zero. Classes that
cannot occur inside the bounds are left out; every value is moved inside the
bounds (sign flip first, then clipping), rounded to the dtype and, when it would
be subnormal, replaced by the smallest normal value of the same sign (or zero)
if the bounds allow it, since backends may flush subnormals to zero.

Ties: with weight 2 against the sum of the fresh weights above, an element is a
copy of one of the first two elements, so sort/max/argmax ties and repeated
eigenvalues occur; shrinking a copied value shrinks every copy with it.
``unique=True`` forbids ties.

Complex dtypes draw the real and the imaginary part independently from the
mixture of the component dtype (float32 or float64); the bounds apply to both
parts. Integer dtypes use zero (1), small integers -3..3 (4), the given bounds
and the two integers inside each (3), ``st.integers`` over [-10, 10] (5) and
over the whole allowed range (4). Bool uses ``st.booleans``.

An unbounded side is capped so that every value is finite and still meaningful
for derivative checks: at ``_CAPS`` (float16: 1e4, bfloat16: 1e6,
float32/float64: 1e15), or at ten times the magnitude of the other bound when
that is larger, and never beyond the dtype's largest finite value. NaN and
infinities are never produced.

Arrays with at most ``_DENSE_LIMIT`` (128) elements draw every element as
above. Larger ones use Hypothesis' sparse mode (``fill``): a few drawn elements
over one repeated fill value, which keeps the data per example small.
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness._errors import InvalidArgument

__all__ = ["arrays"]

_BFLOAT16 = np.dtype(jnp.bfloat16)
_FLOAT_DTYPES = (np.dtype(np.float16), _BFLOAT16, np.dtype(np.float32), np.dtype(np.float64))
_COMPONENT = {np.dtype(np.complex64): np.dtype(np.float32),
              np.dtype(np.complex128): np.dtype(np.float64)}
_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}

# Magnitude of an unbounded side, per float dtype (see the module docstring).
_CAPS = {np.dtype(np.float16): 1e4, _BFLOAT16: 1e6,
         np.dtype(np.float32): 1e15, np.dtype(np.float64): 1e15}
# Exponent ranges (inclusive) for the "tiny" (10**-e) and "large" (10**e) classes.
_TINY_EXPONENTS = {np.dtype(np.float16): (4, 5)}
_DEFAULT_TINY_EXPONENTS = (9, 30)
_DECADE_EXPONENTS = {np.dtype(np.float16): (1, 3)}
_DEFAULT_DECADE_EXPONENTS = (1, 8)
_LARGE_EXPONENTS = {np.dtype(np.float16): (2, 3), _BFLOAT16: (4, 5)}
_DEFAULT_LARGE_EXPONENTS = (4, 14)

_SMALL_VALUES = (1, -1, 2, -2, 3, -3, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5)
_ORDINARY_MAGNITUDE = 10.0

_W_ZERO, _W_SMALL, _W_TINY, _W_BOUND, _W_LARGE, _W_ORDINARY, _W_WIDE, _W_TIE = (
    1, 4, 2, 3, 2, 5, 2, 2)
_W_DECADE = 2
_W_INT_WIDE = 4

# Largest array drawn element by element (see the module docstring).
_DENSE_LIMIT = 128


def arrays(
    dtype: npt.DTypeLike,
    shape: int | Sequence[int],
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for numpy arrays biased towards the values derivative bugs hide behind.

    Elements mix exact zeros, small integers and half-integers, tiny and large
    magnitudes, every decade between them, the bounds and points just
    inside them, ordinary values, and repeats of other elements (ties);
    failures shrink towards zeros and small integers. Values are always
    finite, exactly representable in ``dtype`` and inside the bounds.

    Args:
        dtype: a float (float16, bfloat16, float32, float64), complex
            (complex64, complex128), integer or bool dtype, in any form numpy
            accepts (``"float32"``, ``np.float16``, ``jnp.bfloat16``, ...).
        shape: an int or a sequence of non-negative ints; ``()`` gives 0-d arrays.
        min_value: inclusive lower bound, or None for unbounded. For complex
            dtypes it bounds the real and the imaginary part.
        max_value: inclusive upper bound, or None for unbounded.
        unique: if true, no two elements are equal.

    Returns:
        A strategy producing ``numpy.ndarray`` of exactly ``dtype`` and ``shape``.

    Raises:
        InvalidArgument: for an unknown or unsupported dtype, a bad shape,
            bounds that are non-finite, not real numbers, out of order, not
            representable in ``dtype`` or given for bool, or ``unique=True``
            with more elements than distinct values inside the bounds.

    Example:
        >>> arrays("float32", (3,), min_value=0.0).example().shape
        (3,)
        >>> arrays("bfloat16", 4, min_value=-1, max_value=1).example().dtype
        dtype(bfloat16)
    """
    dt = _resolve_dtype(dtype)
    shape_t = _resolve_shape(shape)
    if not isinstance(unique, (bool, np.bool_)):
        raise InvalidArgument(f"unique={unique!r} is not a bool; pass True or False")
    unique = bool(unique)
    size = math.prod(shape_t)

    if dt.kind == "b":
        if min_value is not None or max_value is not None:
            raise InvalidArgument(
                f"min_value={min_value!r}, max_value={max_value!r} were given for dtype bool, "
                "which has no order to bound; drop the bounds or use an integer dtype")
        _check_unique_size(unique, size, 2, dt, None, None)
        elements: st.SearchStrategy[Any] = st.booleans()
        if unique:
            return hnp.arrays(dt, shape_t, elements=elements, unique=True)
        return hnp.arrays(dt, shape_t, elements=elements,
                          fill=elements if size > _DENSE_LIMIT else st.nothing())

    lo, hi = _as_bound("min_value", min_value), _as_bound("max_value", max_value)
    _check_order(lo, hi)
    if dt.kind in "iu":
        domain: _IntDomain | _FloatDomain = _IntDomain.make(dt, lo, hi)
    else:
        domain = _FloatDomain.make(_COMPONENT.get(dt, dt), lo, hi)
    count = domain.count()
    if dt.kind == "c":
        count *= count
    _check_unique_size(unique, size, count, dt, lo, hi)

    fresh, fresh_weight = domain.mixture()
    if dt.kind == "c":
        fresh = st.builds(complex, fresh, fresh)

    if unique:
        if count < 4 * size + 16:
            # Few candidates: sample without replacement from all of them rather
            # than rejecting repeats from the mixture.
            values = domain.enumerate()
            if dt.kind == "c":
                values = sorted((complex(a, b) for a in values for b in values),
                                key=lambda z: (abs(z.real) + abs(z.imag), z.real < 0, z.imag < 0))
            listed = st.lists(st.sampled_from(values), min_size=size, max_size=size, unique=True)
            return listed.map(lambda xs: np.array(xs, dtype=dt).reshape(shape_t))
        return hnp.arrays(dt, shape_t, elements=fresh, unique=True)

    if size > _DENSE_LIMIT:
        # Hypothesis' sparse mode: a few drawn elements over a common fill value.
        return hnp.arrays(dt, shape_t, elements=fresh, fill=fresh)
    return _dense(dt, shape_t, size, fresh, fresh_weight)


def _dense(dt: np.dtype, shape: tuple[int, ...], size: int,
           fresh: st.SearchStrategy[Any], fresh_weight: int) -> st.SearchStrategy[np.ndarray]:
    """Arrays with a freshly drawn value per element, or a copy of an earlier one.

    An element is a tie (a copy of one of the first ``_W_TIE`` elements) with
    weight ``_W_TIE`` against ``fresh_weight``; a single bounded integer picks
    between the fresh classes and the tie sources, and shrinks to a fresh value.
    """
    pick = st.integers(0, fresh_weight + _W_TIE - 1)

    @st.composite
    def draw_array(draw: Callable[[st.SearchStrategy[Any]], Any]) -> np.ndarray:
        values: list[Any] = []
        for i in range(size):
            k = draw(pick) if i else 0
            if k < fresh_weight:
                values.append(draw(fresh))  # the fresh mixture redraws its own class
            else:
                values.append(values[(k - fresh_weight) % i])
        return np.array(values, dtype=dt).reshape(shape)

    return draw_array()


def _check_unique_size(unique: bool, size: int, count: int, dt: np.dtype,
                       lo: object, hi: object) -> None:
    if unique and size > count:
        where = "" if lo is None and hi is None else f" in [{lo!r}, {hi!r}]"
        raise InvalidArgument(
            f"unique=True needs {size} distinct values but dtype {dt}{where} has only "
            f"{count}; widen the bounds, shrink the shape or pass unique=False")


def _weighted(choices: list[tuple[st.SearchStrategy[Any], int]]) -> st.SearchStrategy[Any]:
    """Pick one of ``choices`` with probability ~ its weight; shrinks to the first."""
    choices = [(s, w) for s, w in choices if w > 0]
    if len(choices) == 1:
        return choices[0][0]
    strategies = [s for s, _ in choices]
    cumulative = list(accumulate(w for _, w in choices))

    @st.composite
    def pick(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Any:
        k = draw(st.integers(0, cumulative[-1] - 1))
        return draw(strategies[bisect_right(cumulative, k)])

    return pick()


def _resolve_dtype(dtype: object) -> np.dtype:
    supported = ("float16, bfloat16, float32, float64, complex64, complex128, "
                 "a signed or unsigned integer dtype, or bool")
    if dtype is None:
        raise InvalidArgument(f"dtype=None is not a dtype; pass one of {supported}")
    try:
        dt = np.dtype(dtype)  # type: ignore[call-overload]
    except (TypeError, ValueError) as err:
        raise InvalidArgument(f"unknown dtype {dtype!r}; pass one of {supported}") from err
    if dt in _FLOAT_DTYPES or dt in _COMPONENT or dt.kind in "biu":
        return dt
    raise InvalidArgument(f"unsupported dtype {dtype!r} ({dt}); pass one of {supported}")


def _resolve_shape(shape: object) -> tuple[int, ...]:
    entries = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise InvalidArgument(
            f"shape={shape!r} is not a shape; pass an int or a tuple of non-negative ints")
    result = []
    for n in entries:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise InvalidArgument(
                f"shape={shape!r} has the non-integer entry {n!r}; "
                "pass an int or a tuple of non-negative ints")
        if n < 0:
            raise InvalidArgument(
                f"shape={shape!r} has the negative entry {n!r}; "
                "pass non-negative dimensions")
        result.append(int(n))
    return tuple(result)


def _as_bound(name: str, value: object) -> int | float | None:
    """``value`` as a Python int or float (numpy and 0-d array scalars accepted)."""
    if value is None:
        return None
    number: int | float | None = None
    if isinstance(value, (bool, np.bool_)):
        number = None
    elif isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf if value > 0 else -math.inf
    elif hasattr(value, "__array__") and np.ndim(value) == 0:  # e.g. a jax scalar
        array = np.asarray(value)
        if array.dtype.kind in "iu":
            number = int(array)
        elif array.dtype.kind == "f" or array.dtype == _BFLOAT16:
            number = float(array)
    if number is None:
        raise InvalidArgument(f"{name}={value!r} is not a real number; pass a finite "
                              "int or float, or None for no bound")
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidArgument(f"{name}={value!r} is not finite; pass a finite bound, "
                              "or None to leave that side unbounded (values stay finite)")
    return number


def _check_order(lo: float | None, hi: float | None) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise InvalidArgument(f"min_value={lo!r} is greater than max_value={hi!r}; "
                              "swap them or widen the interval")


@dataclass
class _IntDomain:
    lo: int
    hi: int
    given_lo: bool
    given_hi: bool

    @classmethod
    def make(cls, dt: np.dtype, min_value: float | None, max_value: float | None) -> _IntDomain:
        info = np.iinfo(dt)
        lo = int(info.min) if min_value is None else math.ceil(min_value)
        hi = int(info.max) if max_value is None else math.floor(max_value)
        for name, value, rounded in (("min_value", min_value, lo), ("max_value", max_value, hi)):
            if value is not None and not info.min <= rounded <= info.max:
                raise InvalidArgument(
                    f"{name}={value!r} is not representable in {dt} "
                    f"(range [{info.min}, {info.max}]); pass a bound inside that range "
                    "or a wider dtype")
        if lo > hi:
            raise InvalidArgument(
                f"no {dt} value lies in [min_value={min_value!r}, max_value={max_value!r}]; "
                "widen the interval so that it contains an integer")
        return cls(lo, hi, min_value is not None, max_value is not None)

    def count(self) -> int:
        return self.hi - self.lo + 1

    def enumerate(self) -> list[int]:
        return sorted(range(self.lo, self.hi + 1), key=lambda x: (abs(x), x < 0))

    def _fit(self, v: int) -> int:
        if not self.lo <= v <= self.hi and self.lo <= -v <= self.hi:
            return -v
        return min(max(v, self.lo), self.hi)

    def mixture(self) -> tuple[st.SearchStrategy[int], int]:
        """The element strategy and the sum of its class weights."""
        lo, hi = self.lo, self.hi
        choices: list[tuple[st.SearchStrategy[int], int]] = []
        if lo <= 0 <= hi:
            choices.append((st.just(0), _W_ZERO))
        small = [v for v in (1, -1, 2, -2, 3, -3) if lo <= v <= hi]
        if small:
            choices.append((st.sampled_from(small), _W_SMALL))
        near = []
        for given, bound, inward in ((self.given_lo, lo, 1), (self.given_hi, hi, -1)):
            if given:
                near += [bound, bound + inward, bound + 2 * inward]
        if near:
            near = list(dict.fromkeys(self._fit(v) for v in near))
            choices.append((st.sampled_from(near), _W_BOUND))
        a, b = max(lo, -10), min(hi, 10)
        if a <= b:
            choices.append((st.integers(a, b), _W_ORDINARY))
        choices.append((st.integers(lo, hi), _W_INT_WIDE))
        return _weighted(choices), sum(w for _, w in choices)


@dataclass
class _FloatDomain:
    dt: np.dtype
    lo: float  # effective bounds: exact values of dt
    hi: float
    given_lo: bool
    given_hi: bool
    smallest_normal: float

    @classmethod
    def make(cls, dt: np.dtype, min_value: float | None, max_value: float | None,
             ) -> _FloatDomain:
        finfo = jnp.finfo(dt)
        largest = float(finfo.max)
        for name, value in (("min_value", min_value), ("max_value", max_value)):
            if value is not None and not abs(value) <= largest:
                raise InvalidArgument(
                    f"{name}={value!r} is not representable in {dt} (largest finite "
                    f"magnitude {largest:g}); pass a bound of smaller magnitude or a wider dtype")

        cap = _CAPS[dt]
        lo = None if min_value is None else float(min_value)
        hi = None if max_value is None else float(max_value)
        if lo is None:
            lo = -min(largest, max(cap, 10 * abs(hi))) if hi is not None else -cap
        elif hi is None:
            hi = min(largest, max(cap, 10 * abs(lo)))
        if hi is None:
            hi = cap
        lo_eff, hi_eff = _round_up(lo, dt), _round_down(hi, dt)
        if lo_eff > hi_eff:
            raise InvalidArgument(
                f"no {dt} value lies in [min_value={min_value!r}, max_value={max_value!r}]; "
                f"widen the interval or use a more precise dtype")
        return cls(dt, lo_eff, hi_eff, min_value is not None, max_value is not None,
                   float(finfo.tiny))

    def count(self) -> int:
        return _ordinal(self.hi, self.dt) - _ordinal(self.lo, self.dt) + 1

    def enumerate(self) -> list[float]:
        first, last = _ordinal(self.lo, self.dt), _ordinal(self.hi, self.dt)
        values = {_from_ordinal(k, self.dt) for k in range(first, last + 1)}
        return sorted(values, key=lambda x: (abs(x), x < 0))

    def _fit(self, v: float) -> float:
        """Move ``v`` inside the bounds and round it to the dtype."""
        lo, hi = self.lo, self.hi
        if not lo <= v <= hi:
            v = -v if lo <= -v <= hi else min(max(v, lo), hi)
        v = _cast(v, self.dt)
        v = min(max(v, lo), hi)  # rounding stays inside, but make sure
        if 0 < abs(v) < self.smallest_normal:
            # Subnormals are flushed to zero by some backends; use the nearest
            # normal value of the same sign instead, or zero, when allowed.
            normal = math.copysign(self.smallest_normal, v)
            if lo <= normal <= hi:
                v = normal
            elif lo <= 0 <= hi:
                v = 0.0
        return v

    def mixture(self) -> tuple[st.SearchStrategy[float], int]:
        """The element strategy and the sum of its class weights."""
        lo, hi, dt = self.lo, self.hi, self.dt
        fit = self._fit
        choices: list[tuple[st.SearchStrategy[float], int]] = []
        if lo <= 0 <= hi:
            choices.append((st.sampled_from([0.0, -0.0]) if lo < 0 else st.just(0.0), _W_ZERO))
        small = [float(v) for v in _SMALL_VALUES if lo <= v <= hi]
        if small:
            choices.append((st.sampled_from(small), _W_SMALL))

        signs = st.sampled_from([1.0, -1.0])
        mantissa = st.floats(1.0, 10.0, exclude_max=True)
        t_lo, t_hi = _TINY_EXPONENTS.get(dt, _DEFAULT_TINY_EXPONENTS)
        threshold = 10.0 ** -(t_lo - 1)
        if lo < threshold and hi > -threshold and not lo == hi == 0:
            tiny = st.builds(lambda s, m, e: fit(s * m * 10.0 ** -e),
                             signs, mantissa, st.integers(t_lo, t_hi))
            choices.append((tiny, _W_TINY))
        d_lo, d_hi = _DECADE_EXPONENTS.get(dt, _DEFAULT_DECADE_EXPONENTS)
        if lo < 0.1 and hi > -0.1 and not lo == hi == 0:
            decade = st.builds(lambda s, m, e: fit(s * m * 10.0 ** -e),
                               signs, mantissa, st.integers(d_lo, d_hi))
            choices.append((decade, _W_DECADE))

        near = []
        for given, bound, inward in ((self.given_lo, lo, math.inf), (self.given_hi, hi, -math.inf)):
            if given:
                scale = max(abs(bound), 1.0)
                step = math.copysign(scale, inward)
                near += [bound, _next(bound, dt, inward > 0),
                         bound + 1e-6 * step, bound + 1e-3 * step]
        if near:
            near = list(dict.fromkeys(fit(v) for v in near))
            choices.append((st.sampled_from(near), _W_BOUND))

        g_lo, g_hi = _LARGE_EXPONENTS.get(dt, _DEFAULT_LARGE_EXPONENTS)
        if hi >= 10.0 ** g_lo or lo <= -(10.0 ** g_lo):
            large = st.builds(lambda s, m, e: fit(s * m * 10.0 ** e),
                              signs, mantissa, st.integers(g_lo, g_hi))
            choices.append((large, _W_LARGE))

        a, b = max(lo, -_ORDINARY_MAGNITUDE), min(hi, _ORDINARY_MAGNITUDE)
        if a <= b:
            choices.append((st.floats(a, b).map(fit), _W_ORDINARY))
        choices.append((st.floats(lo, hi).map(fit), _W_WIDE))
        return _weighted(choices), sum(w for _, w in choices)


def _cast(v: float, dt: np.dtype) -> float:
    if dt == np.float64:
        return float(v)
    return float(np.asarray(v, dtype=np.float64).astype(dt))


def _ordinal(v: float, dt: np.dtype) -> int:
    """Position of ``v`` on the integer line of ``dt`` values (0.0 and -0.0 are both 0)."""
    bits = int(np.asarray(v, dtype=dt).view(_UINT[dt.itemsize]))
    sign = 1 << (8 * dt.itemsize - 1)
    return -(bits & (sign - 1)) if bits & sign else bits


def _from_ordinal(k: int, dt: np.dtype) -> float:
    sign = 1 << (8 * dt.itemsize - 1)
    bits = k if k >= 0 else sign | -k
    return float(np.asarray(bits, dtype=_UINT[dt.itemsize]).view(dt))


def _next(v: float, dt: np.dtype, up: bool) -> float:
    """The neighbour of the dt value ``v`` towards +inf (``up``) or -inf."""
    return _from_ordinal(_ordinal(v, dt) + (1 if up else -1), dt)


def _round_up(v: float, dt: np.dtype) -> float:
    """The smallest ``dt`` value >= ``v`` (``v`` within the finite range)."""
    r = _cast(v, dt)
    return _next(r, dt, True) if r < v else r


def _round_down(v: float, dt: np.dtype) -> float:
    """The largest ``dt`` value <= ``v`` (``v`` within the finite range)."""
    r = _cast(v, dt)
    return _next(r, dt, False) if r > v else r
