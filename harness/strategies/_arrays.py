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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness._errors import InvalidArgument
from harness.strategies._value_classes import _BFLOAT16, _W_TIE, FloatDomain, IntDomain

__all__ = ["arrays"]

_FLOAT_DTYPES = (np.dtype(np.float16), _BFLOAT16, np.dtype(np.float32), np.dtype(np.float64))
_COMPONENT = {np.dtype(np.complex64): np.dtype(np.float32),
              np.dtype(np.complex128): np.dtype(np.float64)}

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
        domain: IntDomain | FloatDomain = IntDomain.make(dt, lo, hi)
    else:
        domain = FloatDomain.make(_COMPONENT.get(dt, dt), lo, hi)
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
