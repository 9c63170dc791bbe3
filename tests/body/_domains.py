"""Natural domains for the body's functions: makers of one strategy per argument and dtype.

Each maker is a function of the dtype name returning a Hypothesis strategy (the form
``Entry.arguments`` takes one of per argument). The domains are where each function is defined
and smooth: the real line up to overflow, a half line, an open interval kept 1e-3 from its
ends, and kinks (ties, zeros, integers) kept at a margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np

from harness.catalog import Entry
from harness.catalog._arguments import (
    away_from_origin,
    fixed_int,
    lower_triangular,
    separated,
    static,
)
from harness.strategies import (
    arrays,
    away_from,
    bounded,
    complex_plane,
    distinct_singular_values,
    positive,
    real_line,
    spd_matrices,
    symmetric_distinct_eigenvalues,
    well_conditioned_matrices,
)

Maker = Callable[[str], st.SearchStrategy]
VECTOR = (3,)
REAL = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
# Open intervals keep this far from their ends: the derivative is infinite there.
END = 1e-3
# Kinks (ties, zeros, jumps) keep this far away.
KINK = 1e-3

__all__ = [
    "COMPLEX", "END", "KINK", "REAL", "VECTOR", "apart", "below_overflow", "box",
    "complex_apart", "entry", "fixed_int", "invertible", "line", "lower", "nonzero_first",
    "off", "plane", "pos", "ratio_apart_from_integers", "spd", "static", "svd_apart",
    "symmetric",
]


def entry(name: str, fn: Callable, *makers: Maker, order: int = 1, dtypes=REAL,
          domain: str = "", **facts) -> Entry:
    """An ``Entry`` of the body: ``makers`` give one strategy per positional argument."""
    return Entry(name, fn, lambda dtype: tuple(make(dtype) for make in makers), dtypes,
                 order=order, domain=domain, **facts)


def line(shape: Sequence[int] = VECTOR, cap: float | None = None) -> Maker:
    """The real line (up to ``cap`` in magnitude, else arrays' own cap of 1e15); for complex
    dtypes, both parts on it."""

    def make(d: str) -> st.SearchStrategy:
        if d in COMPLEX:
            low = None if cap is None else -cap
            return arrays(d, tuple(shape), min_value=low, max_value=cap)
        return real_line(d, tuple(shape), max_magnitude=cap)

    return make


def box(low: float, high: float, shape: Sequence[int] = VECTOR) -> Maker:
    """``[low, high]``; for complex dtypes, both parts in it."""

    def make(d: str) -> st.SearchStrategy:
        if d in COMPLEX:
            return arrays(d, tuple(shape), min_value=low, max_value=high)
        return bounded(d, tuple(shape), low, high)

    return make


def pos(low: float | None = None, high: float | None = None,
        shape: Sequence[int] = VECTOR) -> Maker:
    """``[low, high]``, by default from the smallest normal number up (low may be negative:
    a half line such as log1p's x > -1)."""

    def make(d: str) -> st.SearchStrategy:
        if low is not None and low <= 0:
            return arrays(d, tuple(shape), min_value=low, max_value=high)
        return positive(d, tuple(shape), min_value=low, max_value=high)

    return make


def off(kinks: float | Sequence[float], margin: float = KINK, low: float | None = None,
        high: float | None = None, shape: Sequence[int] = VECTOR) -> Maker:
    """``[low, high]`` at least ``margin`` from every kink."""
    return lambda d: away_from(d, tuple(shape), kinks, margin=margin, low=low, high=high)


def apart(shape: Sequence[int] = VECTOR, gap: float = KINK, low: float = -100.0,
          high: float = 100.0) -> Maker:
    """Elements pairwise at least ``gap`` apart: ties are kinks of max, sort and median."""
    return separated(tuple(shape), gap=gap, low=low, high=high)


def below_overflow(scale: float = 1.0, low: float | None = None,
                   shape: Sequence[int] = VECTOR) -> Maker:
    """The line up to where ``exp(scale x)`` overflows the dtype (0.99 of it)."""

    def make(d: str) -> st.SearchStrategy:
        high = 0.99 * math.log(float(jnp.finfo(d).max)) / scale
        return bounded(d, tuple(shape), -high if low is None else low, high)

    return make


def plane(radius: float = 10.0, shape: Sequence[int] = VECTOR) -> Maker:
    """Complex numbers of modulus up to ``radius``."""
    return lambda d: complex_plane(d, tuple(shape), radius=radius)


def spd(n: int = 3) -> Maker:
    """Symmetric (Hermitian) positive definite ``n x n``, condition number <= 10."""
    return lambda d: spd_matrices(d, n)


def invertible(n: int = 3) -> Maker:
    """``n x n`` with condition number <= 10."""
    return lambda d: well_conditioned_matrices(d, n)


def symmetric(n: int = 3, gap: float = 0.1) -> Maker:
    """Symmetric ``n x n`` whose eigenvalues are at least ``gap`` apart."""
    return lambda d: symmetric_distinct_eigenvalues(d, n, gap=gap)


def svd_apart(m: int = 4, n: int = 3, gap: float = 0.1) -> Maker:
    """``m x n`` whose singular values are at least ``gap`` apart and from 0."""
    return lambda d: distinct_singular_values(d, m, n, gap=gap)


def lower(n: int = 3) -> Maker:
    """Lower triangular ``n x n``, diagonal in [1, 3]."""
    return lower_triangular(n)


def ratio_apart_from_integers(low: float = 0.25, high: float = 4.0, quotients: float = 20.0,
                              shape: Sequence[int] = VECTOR) -> Maker:
    """Pairs (x, y) stacked on axis 0, with y in [low, high] and x / y at least 1e-3 from
    every integer in [-quotients, quotients]: where mod, fmod and remainder are smooth."""

    def make(d: str) -> st.SearchStrategy:
        q = away_from("float64", tuple(shape), list(range(-int(quotients), int(quotients) + 1)),
                      margin=KINK, low=-quotients, high=quotients)
        y = bounded("float64", tuple(shape), low, high)
        return st.tuples(q, y).map(lambda p: np.stack([p[0] * p[1], p[1]]).astype(d))

    return make


def nonzero_first(shape: Sequence[int] = VECTOR, margin: float = KINK,
                  cap: float = 1e6) -> Maker:
    """Arrays in ``[-cap, cap]`` (both parts, for complex) whose first element is at least
    ``margin`` from 0: never the zero array (the kink of a norm), and a leading coefficient
    that is not 0 (companion matrices)."""
    return away_from_origin(tuple(shape), margin=margin, high=cap)


def complex_apart(shape: Sequence[int] = VECTOR, gap: float = KINK,
                  radius: float = 10.0) -> Maker:
    """Complex arrays whose real parts are pairwise ``gap`` apart (ties are kinks of the
    lexicographic order) and whose imaginary parts are in ``[-radius, radius]``."""
    real = separated(tuple(shape), gap=gap, low=-radius, high=radius)

    def make(d: str) -> st.SearchStrategy:
        part = {"complex64": "float32", "complex128": "float64"}[d]
        return st.tuples(real(part), bounded(part, tuple(shape), -radius, radius)).map(
            lambda p: (p[0] + 1j * p[1]).astype(d))

    return make
