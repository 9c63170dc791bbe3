"""The value classes of one array element: integer and float domains, each a weighted mixture
that shrinks towards its simplest value (see ``harness.strategies._arrays`` for the table).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

from harness._errors import InvalidArgument

_BFLOAT16 = np.dtype(jnp.bfloat16)
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


def weighted(choices: list[tuple[st.SearchStrategy[Any], int]]) -> st.SearchStrategy[Any]:
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


@dataclass
class IntDomain:
    lo: int
    hi: int
    given_lo: bool
    given_hi: bool

    @classmethod
    def make(cls, dt: np.dtype, min_value: float | None, max_value: float | None) -> IntDomain:
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
        return weighted(choices), sum(w for _, w in choices)


@dataclass
class FloatDomain:
    dt: np.dtype
    lo: float  # effective bounds: exact values of dt
    hi: float
    given_lo: bool
    given_hi: bool
    smallest_normal: float

    @classmethod
    def make(cls, dt: np.dtype, min_value: float | None, max_value: float | None,
             ) -> FloatDomain:
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
        lo_eff, hi_eff = round_up(lo, dt), round_down(hi, dt)
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
        return weighted(choices), sum(w for _, w in choices)


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


def round_up(v: float, dt: np.dtype) -> float:
    """The smallest ``dt`` value >= ``v`` (``v`` within the finite range)."""
    r = _cast(v, dt)
    return _next(r, dt, True) if r < v else r


def round_down(v: float, dt: np.dtype) -> float:
    """The largest ``dt`` value <= ``v`` (``v`` within the finite range)."""
    r = _cast(v, dt)
    return _next(r, dt, False) if r > v else r
