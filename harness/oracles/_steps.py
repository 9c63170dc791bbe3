"""The oracle's steps along a direction: where each ladder of steps begins, and how far a
step really moves the point (``displacement_error``).

Steps are powers of two (times a small integer in the noise probe) and random directions hold
at most ``harness.inputs._directions.DIRECTION_BITS`` significant bits, so that ``x + s t``
rounds once whichever way XLA evaluates it (``power_of_two_at_most``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

LADDER_LEVELS = 10
STEP_SCALE = 0.1


STEP_CAP = 10.0


def ladder(x: Sequence[Any], t: Sequence[Any], *, start: int = 0) -> np.ndarray:
    """Steps along ``t``, halving from ``0.1 min_j min(|x_j| + 1, 10) / |t_j|`` rounded down to
    a power of two (``exact_steps``).

    The scale is absolute plus relative per element (so x = 0 and x = 1e-8 get a step), capped
    at 10 so that a large x cannot stretch the step over the features of an oscillating or
    saturating function (sin at 1e4), and the smallest over the elements that move. Steps too
    small for the float spacing at large x are penalized by ``displacement_error``.

    >>> ladder([np.float64(3.0)], [np.float64(2.0)])[:3]
    array([0.125  , 0.0625 , 0.03125])
    """
    return steps_below(first_step(x, t), start=start)


def first_step(x: Sequence[Any], t: Sequence[Any]) -> float:
    """The first step of ``ladder(x, t)``: at least ``MOVE_SPACINGS`` float spacings of every
    element that moves, where the capped step is shorter (x = 1e17, whose float64 spacing is
    16, is not moved by a step of 1 at all).

    >>> float(first_step([np.array([1e17, 1.0])], [np.array([1.0, 0.0])]))
    65536.0
    """
    return StepScales(x).first(t)


# The first step moves every element by at least this many float spacings: the ladder's
# halvings then keep the realized moves of its first levels within 1% of what was asked.
MOVE_SPACINGS = 4096


class StepScales:
    """What ``first_step`` needs of a point, prepared once for every direction along it (a
    check's directions share their point: at 8M parameters each pass over it counts)."""

    def __init__(self, x: Sequence[Any]):
        self._x = [np.asarray(v) for v in x]
        self._capped: list = [None] * len(self._x)
        self._largest: list = [None] * len(self._x)

    def _leaf(self, i: int) -> tuple[np.ndarray, float]:
        if self._capped[i] is None:
            size = np.abs(self._x[i])
            self._largest[i] = float(np.max(size, initial=0.0))
            self._capped[i] = np.minimum(size + 1.0, STEP_CAP)
        return self._capped[i], self._largest[i]

    def first(self, t: Sequence[Any]) -> float:
        return self.first_and_floored(t)[0]

    def first_and_floored(self, t: Sequence[Any]) -> tuple[float, bool]:
        """The first step along ``t``, and whether the spacing floor raised it above the
        capped step: its ladder then steps over features of fn shorter than the floor (sin
        at 1e15, whose period is 50 float64 spacings), and does not resolve those."""
        smallest, floor = np.inf, 0.0
        for i, tv in enumerate(t):
            if np.size(tv):
                capped, largest = self._leaf(i)
                tv = np.abs(np.asarray(tv))
                with np.errstate(divide="ignore"):  # an element that does not move: inf
                    smallest = min(smallest, float(np.min(capped / tv)))
                if np.spacing(largest) * MOVE_SPACINGS > STEP_SCALE * 1e-3:
                    floor = max(floor, _spacing_floor(np.abs(self._x[i]), tv))
        capped = STEP_SCALE * (smallest if np.isfinite(smallest) else 1.0)
        if floor > capped:
            return power_of_two_at_least(floor), True
        return power_of_two_at_most(capped), False


# Steps are powers of two (times a small integer in the noise probe, ``_noise.noise_steps``)
# and random directions hold at most ``DIRECTION_BITS`` significant bits
# (``harness.inputs._directions``): every ``s t`` is then exact, and ``x + s t`` rounds once,
# whether XLA evaluates it with a fused multiply-add or without. XLA recomputes the moved point
# in every fused kernel that reads it, some contracted and some not (jax issue 3602); a JVP
# rule that compares values bitwise then sees two different points: jnp.min's, which divides
# by the count of elements equal to the minimum, gave inf at a third of the stencil's offsets
# of a point where min is smooth.
def power_of_two_at_most(value: float) -> float:
    """The largest power of two not above ``value`` (positive and finite; else ``value``).

    >>> power_of_two_at_most(0.3), power_of_two_at_most(4.0)
    (0.25, 4.0)
    """
    if not (np.isfinite(value) and value > 0):
        return value
    mantissa, exponent = np.frexp(value)
    return float(np.ldexp(1.0, int(exponent) - 1))


def power_of_two_at_least(value: float) -> float:
    """The smallest power of two not below ``value`` (positive and finite; else ``value``).

    >>> power_of_two_at_least(0.3), power_of_two_at_least(4.0)
    (0.5, 4.0)
    """
    at_most = power_of_two_at_most(value)
    return at_most if at_most == value or not np.isfinite(value) else 2 * at_most


def _spacing_floor(size: np.ndarray, tv: np.ndarray) -> float:
    """``MOVE_SPACINGS`` float spacings of the largest moving element over its ``|t|``."""
    moving = tv != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        floors = np.where(moving, np.spacing(size) * MOVE_SPACINGS / np.where(moving, tv, 1.0),
                          0.0)
    return float(np.max(floors, initial=0.0))


def own_scale_first_step(x: Sequence[Any], t: Sequence[Any]) -> float:
    """The first step of a ladder on the scale of the smallest nonzero element that moves,
    ``0.1 min_j |x_j| / |t_j|`` rounded down to a power of two: where that element is far
    below 1, ``first_step``'s ladders step over what lies between it and 0 (the pole of cbrt
    beside x = -1e-30).

    >>> own_scale_first_step([np.array([-1e-30, 0.0])], [np.array([2.0, 1.0])])
    4.930380657631324e-32
    """
    smallest = np.inf
    for xv, tv in zip(x, t):
        xv, tv = np.abs(np.asarray(xv)).reshape(-1), np.abs(np.asarray(tv)).reshape(-1)
        moving = (tv != 0) & (xv != 0)
        if np.any(moving):
            smallest = min(smallest, float(np.min(xv[moving] / tv[moving])))
    return (power_of_two_at_most(STEP_SCALE * smallest) if np.isfinite(smallest)
            else first_step(x, t))


def steps_below(first: float, *, start: int = 0) -> np.ndarray:
    """``LADDER_LEVELS`` steps halving from ``first`` halved ``start`` times."""
    return first * 2.0 ** -(start + np.arange(LADDER_LEVELS, dtype=np.float64))


# Leaves above this size count their worst elements exactly and bound the rest
# (``_leaf_displacement``).
EXACT_DISPLACEMENT_SIZE = 1 << 16
DISPLACEMENT_CANDIDATES = 1 << 12


def displacement_error(x: Sequence[Any], t: Sequence[Any], steps: np.ndarray) -> np.ndarray:
    """Per step, the worst relative error of the realized move ``(x + s t) - x`` against ``s t``.

    A step too small for the spacing of the floating-point numbers at some element does not
    move that element as asked (at 1e15 a float64 moves by multiples of 0.125); the quotient is
    then off by this relative amount, which joins its error estimate.

    >>> displacement_error([np.array([1e15, 1.0])], [np.array([1.0, 1.0])], np.array([0.1]))
    array([0.25])
    """
    return MoveErrors(x, t)(steps)


class MoveErrors:
    """``displacement_error`` of one (point, direction) pair, prepared once for every ladder.

    ``scaled``: the program moves the point as ``(x 2^k + s t) 2^-k``
    (``harness.oracles._differences.moved_point``), which no subnormal step is flushed out of.

    >>> moves = MoveErrors([np.array([1e15, 1.0])], [np.array([1.0, 1.0])])
    >>> moves(np.array([0.1, 0.05]))
    array([0.25, 1.  ])
    """

    def __init__(self, x: Sequence[Any], t: Sequence[Any], *, scaled: bool = False):
        self._x, self._t, self._leaves, self.scaled = x, t, None, scaled

    def _prepare(self) -> None:
        self._leaves = []
        for xv, tv in zip(self._x, self._t):
            xv, tv = np.asarray(xv).reshape(-1), np.asarray(tv).reshape(-1)
            moving = tv != 0
            if not np.all(moving):
                xv, tv = xv[moving], tv[moving]
            if xv.size:
                self._leaves.append(_LeafMoves(xv, tv, self.scaled))

    def __call__(self, steps: np.ndarray) -> np.ndarray:
        return np.max(self.sides(steps), axis=0)

    def sides(self, steps: np.ndarray) -> np.ndarray:
        """Per side (the steps ``+s``, then ``-s``) and step: (2, steps)."""
        if self._leaves is None:  # on first use: a pair that never runs costs nothing
            self._prepare()
        worst = np.zeros((2,) + steps.shape)
        for leaf in self._leaves:
            worst = np.maximum(worst, leaf(steps))
        return worst


def _exact_displacement(xs: np.ndarray, ts: np.ndarray, steps: np.ndarray,
                        scaled: bool = False) -> np.ndarray:
    """``displacement_error`` of one leaf's moving elements, element by element, per side and
    step: (2, steps)."""
    worst = np.zeros((2,) + steps.shape)
    tiny = float(np.finfo(np.result_type(xs, np.float64)).tiny)
    for side, sign in enumerate((1.0, -1.0)):
        wanted = sign * steps[:, None] * ts[None, :]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if scaled:  # only a moved point below the normal range is flushed
                realized = _flushed(xs[None, :] + wanted, tiny) - xs[None, :]
            else:
                realized = _flushed(_flushed(xs[None, :] + _flushed(wanted, tiny), tiny)
                                    - xs[None, :], tiny)
            rel = np.max(np.abs(realized - wanted) / np.abs(wanted), axis=1)
        worst[side] = np.where(np.isfinite(rel), rel, 1.0)
    return worst


def _flushed(values: np.ndarray, tiny: float) -> np.ndarray:
    """``values`` with subnormal numbers flushed to zero, as XLA's CPU backend computes: a
    step whose ``s t`` is subnormal does not move x there (entr at 2.2e-308, whose steps on
    its own scale left x where it was and gave differences of exactly 0)."""
    return np.where(np.abs(values) < tiny, 0.0, values)


class _LeafMoves:
    """``_exact_displacement`` of a small leaf's moving elements; of a large one, exact on the
    elements that can hold the worst and bounded on the others.

    Two roundings put the realized move of element j within ``eps (|x_j| / |s t_j| + 2)`` of
    ``s t_j``, relatively, and an element at x_j = 0 moves exactly. So the elements of
    largest ``|x_j| / |t_j|`` are counted exactly and the rest by that bound: a leaf of
    millions of parameters costs one pass instead of a (steps, elements) array per sign.
    """

    def __init__(self, xs: np.ndarray, ts: np.ndarray, scaled: bool = False):
        self.scaled = scaled
        self.rest = None  # the largest |x_j| / |t_j| outside the exact elements
        if xs.size <= EXACT_DISPLACEMENT_SIZE or not (
                np.all(np.isfinite(xs)) and np.all(np.isfinite(ts))):
            self.xs, self.ts = xs, ts
            return
        ratio = np.abs(xs)
        np.divide(ratio, np.abs(ts), out=ratio)
        exact = np.argpartition(ratio, -DISPLACEMENT_CANDIDATES)[-DISPLACEMENT_CANDIDATES:]
        self.xs, self.ts = xs[exact], ts[exact]
        ratio[exact] = 0.0
        self.rest = float(np.max(ratio))
        self.eps = float(np.finfo(np.result_type(xs, ts, np.float64)).eps)
        self.t_max = float(np.max(np.abs(ts)))
        self.tiny = float(np.finfo(np.result_type(xs, ts, np.float64)).tiny)
        self.t_min = float(np.min(np.abs(ts)))  # the moving elements' smallest |t_j|

    def __call__(self, steps: np.ndarray) -> np.ndarray:
        found = _exact_displacement(self.xs, self.ts, steps, self.scaled)
        if self.rest is None or not self.rest > 0:
            return found
        if not np.isfinite(self.t_max * np.max(steps)):
            return np.ones((2,) + steps.shape)  # s t overflows: the move is not what was asked
        bound = self.eps * (self.rest / steps * (1 + 4 * self.eps) + 2)
        if not self.scaled:  # a move below the smallest normal number is flushed to zero
            bound = np.where(steps * self.t_min < self.tiny, 1.0, bound)
        return np.maximum(found, bound)


# Below this many times the smallest normal number, an element's own-scale steps can be
# subnormal (0.1 |x| halved 40 times): the program moves the point scaled by a power of two.
SCALED_BELOW = 2.0 ** 60


def needs_scaled_moves(point) -> bool:
    """Whether some real element of ``point`` is so small (but not 0) that steps on its own
    scale are subnormal numbers, which XLA's CPU backend flushes to zero
    (``harness.oracles._differences.moved_point``)."""
    for v in point:
        v = np.asarray(v)
        if np.iscomplexobj(v) or not v.size:
            continue
        tiny = float(np.finfo(v.dtype).tiny)
        size = np.abs(v)
        if np.any((size > 0) & (size < tiny * SCALED_BELOW)):
            return True
    return False


def scaled_steps(steps: np.ndarray, firsts, below: float) -> tuple[np.ndarray, np.ndarray]:
    """(steps times 2^k, k) per pair, k chosen so that a pair whose first step is ``below``
    (far below the normal range) starts near 1; 0 for the others."""
    exponents = np.array([-int(np.frexp(f)[1]) if 0 < f < below else 0 for f in firsts],
                         np.int32)
    return np.ldexp(steps, exponents[:, None]), exponents


def scaling_floor(point) -> float:
    """The first step below which ``scaled_steps`` scales a pair: ``SCALED_BELOW`` times the
    smallest normal number of the point's narrowest real dtype."""
    tiny = [float(np.finfo(np.asarray(v).dtype).tiny) for v in point
            if not np.iscomplexobj(v) and np.asarray(v).size]
    return max(tiny, default=float(np.finfo(np.float64).tiny)) * SCALED_BELOW
