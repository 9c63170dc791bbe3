"""Real domains: strategies for arrays whose every element lies in a set where fn is smooth.

Each is built on ``arrays``, so it keeps its value classes (zeros, small integers, tiny and large
magnitudes, the bounds and points just inside them, ties) wherever they fall inside the domain.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness._errors import InvalidArgument
from harness.strategies._arrays import arrays
from harness.strategies._dtypes import float_dtype

__all__ = ["away_from", "bounded", "positive", "real_line", "unit_interval"]

Shape = int | Sequence[int]


def real_line(
    dtype: npt.DTypeLike, shape: Shape = (), *, max_magnitude: float | None = None,
    unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for real arrays anywhere on the line, or within ``max_magnitude`` of zero.

    Args:
        dtype: a real float dtype (float16, bfloat16, float32, float64).
        shape: the array shape.
        max_magnitude: if given, every element x has ``|x| <= max_magnitude``; otherwise the
            cap of ``arrays`` (1e15 in float32 and float64) keeps values finite.
        unique: no two elements equal.

    Raises:
        InvalidArgument: a complex or unknown dtype, or a max_magnitude that is not positive.

    Example:
        >>> x = real_line("float32", (3,), max_magnitude=2.0).example()
        >>> bool(abs(x).max() <= 2.0)
        True
    """
    dt = float_dtype(dtype, "real_line", kind="real")
    if max_magnitude is None:
        return arrays(dt, shape, unique=unique)
    cap = _number("real_line", "max_magnitude", max_magnitude)
    if cap <= 0:
        raise InvalidArgument(f"real_line: max_magnitude={max_magnitude!r} must be positive; "
                              "pass None for the whole line")
    return arrays(dt, shape, min_value=-cap, max_value=cap, unique=unique)


def positive(
    dtype: npt.DTypeLike, shape: Shape = (), *, min_value: float | None = None,
    max_value: float | None = None, unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for arrays of positive numbers in ``[min_value, max_value]``.

    Args:
        dtype: a real float dtype.
        shape: the array shape.
        min_value: the smallest value, > 0; by default the smallest normal number of ``dtype``.
        max_value: the largest value; by default the cap of ``arrays`` (1e15 in float32).
        unique: no two elements equal.

    Raises:
        InvalidArgument: a complex or unknown dtype, ``min_value <= 0``, or
            ``max_value <= min_value``.

    Example:
        >>> bool(positive("float64", (4,), min_value=1e-3).example().min() >= 1e-3)
        True
    """
    dt = float_dtype(dtype, "positive", kind="real")
    low = float(jnp.finfo(dt).tiny) if min_value is None else _number(
        "positive", "min_value", min_value)
    if low <= 0:
        raise InvalidArgument(f"positive: min_value={min_value!r} must be above 0; pass a "
                              "positive lower bound such as 1e-3, or None for the smallest "
                              "normal number")
    high = None
    if max_value is not None:
        high = _number("positive", "max_value", max_value)
        if high <= low:
            raise InvalidArgument(f"positive: max_value={max_value!r} must be above "
                                  f"min_value={low!r}")
    return arrays(dt, shape, min_value=low, max_value=high, unique=unique)


def bounded(
    dtype: npt.DTypeLike, shape: Shape, low: float, high: float, *, unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for real arrays in the closed interval ``[low, high]``.

    Args:
        dtype: a real float dtype.
        shape: the array shape.
        low, high: the bounds, finite, ``low < high``.
        unique: no two elements equal.

    Raises:
        InvalidArgument: a complex or unknown dtype, or bounds that are not finite or not in
            order.

    Example:
        >>> x = bounded("float32", (2, 2), -1.0, 1.0).example()
        >>> bool((-1 <= x).all() and (x <= 1).all())
        True
    """
    dt = float_dtype(dtype, "bounded", kind="real")
    lo, hi = _number("bounded", "low", low), _number("bounded", "high", high)
    if not lo < hi:
        raise InvalidArgument(f"bounded: low={low!r} must be below high={high!r}; swap them or "
                              "widen the interval")
    return arrays(dt, shape, min_value=lo, max_value=hi, unique=unique)


def unit_interval(
    dtype: npt.DTypeLike, shape: Shape = (), *, margin: float = 1e-3, unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for arrays in the open interval (0, 1), at least ``margin`` from both ends.

    Args:
        dtype: a real float dtype.
        shape: the array shape.
        margin: the distance kept from 0 and from 1, in (0, 0.5).
        unique: no two elements equal.

    Raises:
        InvalidArgument: a complex or unknown dtype, or a margin outside (0, 0.5).

    Example:
        >>> x = unit_interval("float32", (3,), margin=0.01).example()
        >>> bool((0.01 <= x).all() and (x <= 0.99).all())
        True
    """
    dt = float_dtype(dtype, "unit_interval", kind="real")
    m = _number("unit_interval", "margin", margin)
    if not 0 < m < 0.5:
        raise InvalidArgument(f"unit_interval: margin={margin!r} must be in (0, 0.5): it is "
                              "kept from both 0 and 1")
    return arrays(dt, shape, min_value=m, max_value=1.0 - m, unique=unique)


def away_from(
    dtype: npt.DTypeLike, shape: Shape, kinks: float | Sequence[float], *, margin: float,
    low: float | None = None, high: float | None = None, unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for real arrays whose every element is at least ``margin`` from each kink.

    The allowed set, ``[low, high]`` without the open intervals ``(k - margin, k + margin)``,
    falls into pieces; each element picks a piece and is drawn there by ``arrays``, so the
    points exactly ``margin`` from a kink are among the edge cases.

    Args:
        dtype: a real float dtype.
        shape: the array shape.
        kinks: a point or a sequence of points where the function is not smooth.
        margin: the distance kept from every kink, > 0.
        low, high: optional bounds of the whole domain.
        unique: no two elements equal.

    Raises:
        InvalidArgument: a complex or unknown dtype, no kinks, a margin that is not positive,
            bounds out of order, or a margin that leaves nothing inside the bounds.

    Example:
        >>> x = away_from("float32", (5,), [0.0], margin=0.1, low=-1, high=1).example()
        >>> bool((abs(x) >= 0.1).all() and (abs(x) <= 1).all())
        True
    """
    dt = float_dtype(dtype, "away_from", kind="real")
    points = [kinks] if isinstance(kinks, numbers.Real) or np.ndim(kinks) == 0 else kinks
    if not isinstance(points, (Sequence, np.ndarray)) or len(points) == 0:
        raise InvalidArgument(f"away_from: kinks={kinks!r} must be a number or a non-empty "
                              "sequence of numbers")
    centres = sorted(_number("away_from", "kinks", k) for k in points)
    m = _number("away_from", "margin", margin)
    if m <= 0:
        raise InvalidArgument(f"away_from: margin={margin!r} must be positive")
    lo = -math.inf if low is None else _number("away_from", "low", low)
    hi = math.inf if high is None else _number("away_from", "high", high)
    if not lo < hi:
        raise InvalidArgument(f"away_from: low={low!r} must be below high={high!r}")
    edges = [lo, *(e for k in centres for e in (k - m, k + m)), hi]
    pieces = []
    for a, b in zip(edges[0::2], edges[1::2]):
        a, b = max(a, lo), min(b, hi)
        if a <= b:
            try:
                pieces.append(arrays(dt, shape, min_value=None if a == -math.inf else a,
                                     max_value=None if b == math.inf else b, unique=unique))
            except InvalidArgument:  # no value of dt in [a, b]
                continue
    if not pieces:
        raise InvalidArgument(
            f"away_from: margin={margin!r} around the kinks {centres} leaves no {dt.name} "
            f"value inside [low={low!r}, high={high!r}]; reduce the margin or widen the bounds")
    if len(pieces) == 1:
        return pieces[0]
    choice = hnp.arrays(np.int8, shape, elements=st.integers(0, len(pieces) - 1))
    return st.tuples(choice, *pieces).map(lambda drawn: np.choose(drawn[0], drawn[1:]))


def _number(domain: str, name: str, value: object) -> float:
    """``value`` as a finite float, or InvalidArgument naming the domain and the option."""
    if isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, numbers.Real) or np.ndim(value) == 0 and hasattr(value, "dtype")
            and np.asarray(value).dtype.kind in "iuf"):
        raise InvalidArgument(f"{domain}: {name}={value!r} is not a real number")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise InvalidArgument(f"{domain}: {name}={value!r} is not finite; pass a finite number")
    return number
