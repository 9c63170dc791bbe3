"""Small builders of ``Entry.arguments``: functions of the dtype name giving one strategy each.

>>> from harness.strategies import bounded
>>> make = arguments(lambda d: bounded(d, (3,), -1.0, 1.0), fixed_int((0, 1)))
>>> len(make("float32"))
2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import hypothesis.strategies as st
import numpy as np

from harness.strategies import (
    arrays,
    away_from,
    away_from_branch_cuts,
    bounded,
    complex_plane,
)

Arguments = Callable[[str], tuple[st.SearchStrategy, ...]]
Maker = Callable[[str], st.SearchStrategy]

_COMPONENT = {"complex64": "float32", "complex128": "float64"}


def arguments(*makers: Maker) -> Arguments:
    """``Entry.arguments`` from one strategy maker (a function of the dtype) per argument."""
    return lambda dtype: tuple(make(dtype) for make in makers)


def vector(low: float | None = None, high: float | None = None,
           shape: tuple[int, ...] = (3,)) -> Arguments:
    """One array argument of ``shape`` in ``[low, high]`` (either side may be open)."""
    return lambda dtype: (arrays(dtype, shape, min_value=low, max_value=high),)


def scalar(low: float | None = None, high: float | None = None) -> Arguments:
    """One 0-d array argument in ``[low, high]``."""
    return vector(low, high, ())


def box(shape: tuple[int, ...], low: float, high: float) -> Maker:
    """Arrays in ``[low, high]``; for complex dtypes both parts are in it."""
    return lambda dtype: arrays(dtype, shape, min_value=low, max_value=high)


def component(dtype: str) -> str:
    """The real dtype of a complex dtype's parts (a real dtype is its own)."""
    return _COMPONENT.get(dtype, dtype)


def fixed_int(values: Sequence[int]) -> Maker:
    """An int32 0-d array drawn from ``values``: an integer leaf the checks hold fixed."""
    return lambda dtype: st.sampled_from(tuple(values)).map(lambda v: np.array(v, np.int32))


def static(values: Sequence[object]) -> Maker:
    """A Python value drawn from ``values``: closed over by the checks, like a static argument."""
    return lambda dtype: st.sampled_from(tuple(values))


def away_from_origin(shape: tuple[int, ...], *, margin: float, high: float) -> Maker:
    """Arrays whose first element is at least ``margin`` from 0: the norm is never below it."""
    size = int(np.prod(shape))

    def make(dtype: str) -> st.SearchStrategy:
        if dtype in _COMPONENT:
            first = away_from_branch_cuts(dtype, (1,), cut="origin", margin=margin, radius=high)
            rest = complex_plane(dtype, (size - 1,), radius=high)
        else:
            first = away_from(dtype, (1,), 0.0, margin=margin, low=-high, high=high)
            rest = bounded(dtype, (size - 1,), -high, high)
        return st.tuples(first, rest).map(lambda p: np.concatenate(p).reshape(shape))

    return make


def separated(shape: tuple[int, ...], *, gap: float, low: float, high: float) -> Maker:
    """Real arrays whose elements are pairwise at least ``gap`` apart, from ``low`` up to about
    ``high + size * gap``: ties and near ties are kinks of max, min and sort.

    Distinct values are drawn in ``[low, high]``; going up in sorted order, each one closer than
    ``gap`` to the one below is moved up to ``gap`` above it.
    """

    def make(dtype: str) -> st.SearchStrategy:
        def spread(x: np.ndarray) -> np.ndarray:
            flat = x.astype(np.float64).ravel()
            order = np.argsort(flat, kind="stable")
            values = flat[order]
            for k in range(1, values.size):
                values[k] = max(values[k], values[k - 1] + gap)
            out = np.empty_like(flat)
            out[order] = values
            return out.reshape(x.shape).astype(x.dtype)

        return bounded(dtype, shape, low, high, unique=True).map(spread)

    return make


def lower_triangular(n: int, *, low: float = 1.0, high: float = 3.0) -> Maker:
    """Lower triangular ``n x n`` matrices: off-diagonal entries in [-1, 1], diagonal in
    ``[low, high]`` (so the matrix is invertible and well conditioned)."""

    def make(dtype: str) -> st.SearchStrategy:
        below = arrays(dtype, (n, n), min_value=-1.0, max_value=1.0)
        diagonal = bounded(component(dtype), (n,), low, high)

        def build(parts: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
            a, d = parts
            out = np.tril(a, -1)
            out[np.arange(n), np.arange(n)] = d
            return out

        return st.tuples(below, diagonal).map(build)

    return make
