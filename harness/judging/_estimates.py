"""The oracle's estimate of one output leaf along one direction: central differences, their
one-sided halves and the complex step combined, with the doubts that come with them (a kink,
oracles that disagree, differences that did not converge, fn's measured noise)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

EPS64 = float(np.finfo(np.float64).eps)
KINK_RELATIVE = 1e-6


class Estimate:
    """The oracle's directional derivative of one output leaf along one direction.

    ``kink``, ``disagree`` and ``one_sided`` may be given as functions: they are needed only
    where AD and the central estimate disagree, and are computed on first use.
    """

    def __init__(self, value, error, center, kink, disagree, one_sided, oracle: str,
                 exact=None, unconverged=None, flat=None, unprobed=None, noisy=None):
        self.value, self.error, self.center, self.oracle = value, error, center, oracle
        # Where the value is the complex step of a real-analytic function: exact to rounding.
        self.exact = np.zeros(np.shape(value), bool) if exact is None else exact
        # Where no ladder converged beside an element far below 1 (``_ladders.mark_unconverged``):
        # a mismatch there is inconclusive, as where the oracles disagree.
        self.unconverged = (np.zeros(np.shape(value), bool) if unconverged is None
                            else unconverged)
        # Those of them where fn changed by no more than its rounding along normal steps on
        # the element's own scale: no derivative there overflows.
        self.flat = np.zeros(np.shape(value), bool) if flat is None else flat
        # Those of them beside an element so small that its own-scale steps are subnormal:
        # no normal step fits there (XLA's CPU backend flushes subnormal numbers to zero).
        self.unprobed = np.zeros(np.shape(value), bool) if unprobed is None else unprobed
        # Where fn's measured noise sets the error: an estimate, not a bound (``NOISE_TAIL``).
        self.noisy = np.zeros(np.shape(value), bool) if noisy is None else noisy
        self._lazy = {"kink": kink, "disagree": disagree, "one_sided": one_sided}

    def _get(self, name: str):
        value = self._lazy[name]
        if callable(value):
            value = self._lazy[name] = value()
        return value

    kink = property(lambda self: self._get("kink"))
    disagree = property(lambda self: self._get("disagree"))
    one_sided = property(lambda self: self._get("one_sided"))


UNDERFLOW_GUARD = 1e-280


def estimate(fd: dict, cs: np.ndarray | None, pair: int, *, source: str,
             complex_step: float = 1e-20, trusted_step: bool = False,
             step_disputes: bool = True) -> Estimate:
    """Combine the central, one-sided and complex-step estimates of one (point, direction).

    A kink is where the one-sided derivatives differ by more than their errors and by more
    than a millionth of the largest derivative in the leaf. ``trusted_step``: the complex
    step is exact here (fn evaluates every operation accurately at complex points, and the
    imaginary step is far below every element it moves), so it stands in where differences
    do not resolve the derivative (sin at 1e15, whose period no step fits).
    ``step_disputes``: False where the imaginary step could not be made far smaller than
    every element (``complex_step_clamped``): beside 2.2e-308 it steps past the branch point
    of log at 0, and its value disputes nothing.
    """
    value, error = fd["central"][pair], fd["central_err"][pair]
    largest = np.max(np.where(np.isfinite(value), np.abs(value), 0.0), initial=0.0)
    # A kink's scale, from the derivatives the differences resolve: at a jump (LU's pivot at
    # a tie), quotients across it grow as 1 / step and would set a scale no kink beside them
    # exceeds.
    resolved_largest = np.max(np.where(_unresolved(value, error), 0.0, np.abs(value)),
                              initial=0.0)
    # Steps raised to the spacing floor alias an oscillation shorter than themselves to a
    # stable value that holds few digits; differences that hold six (of the leaf's largest
    # derivative, where this one is 0) do not alias.
    with np.errstate(invalid="ignore"):
        floored = (np.zeros(np.shape(value), bool) if fd.get("floored") is None
                   else np.asarray(fd["floored"][pair])
                   & ~(error <= 1e-6 * np.fmax(np.abs(value), largest)))

    def kink():
        fwd, fwd_err = fd["forward"][pair], fd["forward_err"][pair]
        bwd, bwd_err = fd["backward"][pair], fd["backward_err"][pair]
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(fwd - bwd)
            return np.isfinite(gap) & (gap > 4 * (fwd_err + bwd_err) + KINK_RELATIVE * (
                np.maximum(np.maximum(np.abs(fwd), np.abs(bwd)), resolved_largest)))

    def one_sided():
        return ((fd["forward"][pair], fd["forward_err"][pair]),
                (fd["backward"][pair], fd["backward_err"][pair]))

    disagree = np.zeros(value.shape, bool)
    use = stands_in = np.zeros(value.shape, bool)
    oracle = f"central differences with Richardson extrapolation ({source})"
    noisy = (np.zeros(value.shape, bool) if fd.get("noisy") is None
             else np.asarray(fd["noisy"][pair], bool))
    if cs is not None:
        step = cs[pair]
        # An imaginary part near the underflow threshold has lost its digits.
        step = np.where(np.abs(step) * complex_step >= UNDERFLOW_GUARD, step, np.nan)
        step_err = 16 * EPS64 * np.abs(step)
        with np.errstate(invalid="ignore"):
            gap = np.abs(step - value)
            # Differences confirm the step only where they converged: log at 2.2e-308, where
            # the imaginary step (1e-290, the smallest kept) passes far beyond the branch
            # point, gave pi/2 / 1e-290 = 1.6e290, which "agreed" with unconverged
            # differences of 0 +- 1.2e296 where the derivative is 4.5e307.
            agree = gap <= 2 * (error + step_err)
            if fd.get("unconverged") is not None:
                agree &= ~fd["unconverged"][pair]
            # The step's truncation error is not known; where it agrees with the differences,
            # the part of their gap the differences cannot resolve is charged to it.
            step_err = np.fmax(step_err, np.where(np.isfinite(value), np.fmin(gap, error), 0.0))
        # Unconfirmed, the step stands in only where fn is finite on both sides of the point:
        # at the edge of fn's domain (sqrt at 0) it is not analytic, and sqrt(i h) / h is no
        # derivative.
        both_sides = (np.isfinite(fd["forward"][pair]) & np.isfinite(fd["backward"][pair]))
        use = np.isfinite(step) & (agree | (~np.isfinite(value) & both_sides))
        if trusted_step:
            # Differences that are finite but weak, and that the step contradicts beyond
            # their error, are a conflict of two oracles, not a gap the exact one fills: an
            # oscillation of fn far below every step (a solver's stopping error of 1e-9 that
            # changes on a scale of 1e-9) has a derivative of its own, which the complex step
            # takes and the differences, like AD, leave out.
            missing = ~np.isfinite(value) | ~np.isfinite(error)
            stands_in = np.isfinite(step) & both_sides & (missing | floored)
            stands_in &= ~noisy
            use |= stands_in
        # Where fn's measured noise is far above its rounding, fn holds a part that changes
        # below every step (a solver's stopping error), whose derivative the complex step takes
        # and the differences, like AD, leave out: there it neither stands in for them nor
        # disputes them.
        disagree = (np.isfinite(step) & np.isfinite(value) & ~agree & ~use & ~noisy
                    if step_disputes else np.zeros(np.shape(value), bool))
        value = np.where(use, step, value)
        error = np.where(use, step_err, error)
        if np.any(use):
            oracle = f"complex step, confirmed by central differences ({source})"
    # No usable step at all (every quotient non-finite or off its displacement): no estimate.
    value = np.where(np.isfinite(error), value, np.nan)
    if fd.get("sided") is not None and np.any(fd["sided"][pair] & ~use):
        oracle += "; one-sided where the other side gives no difference at all"
    marked = lambda name: (np.zeros(value.shape, bool) if fd.get(name) is None
                           else fd[name][pair] & ~use)
    # Differences from steps raised to the spacing floor are evidence only where the exact
    # step stands in for them or AD is within their error.
    unconverged = marked("unconverged") | (floored & ~use)
    # Differences that alias an oscillation look like a kink; the exact step says there is
    # none where it stands in for them.
    estimate = Estimate(value, error, fd["center"][pair],
                        (lambda: kink() & ~stands_in) if np.any(stands_in) else kink,
                        None, one_sided, oracle,
                        exact=use & np.isfinite(value), unconverged=unconverged,
                        flat=marked("flat"), unprobed=marked("unprobed"),
                        noisy=marked("noisy"))
    estimate._lazy["disagree"] = lambda: (disagree & ~estimate.kink) | unconverged
    return estimate


def _unresolved(value: np.ndarray, error: np.ndarray) -> np.ndarray:
    """Differences that hold less than three digits of the derivative, or none at all."""
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(value) | ~np.isfinite(error) | (error > 1e-3 * np.abs(value))


def add_estimates(parts: Sequence[Estimate],
                  away: Sequence[Callable[[], int | None]] | None = None) -> Estimate:
    """The estimate along t1 + t2 + ... from estimates along each part.

    ``away``: per part, which side (0 forward, 1 backward) moves every element of the part
    away from 0, or None (``away_from_zero``). Beside a kink at 0, a part's one-sided
    derivative is that side's: the other side's steps cross 0. Sums of one-sided derivatives
    then also take each such part's side away from 0 (i0e at (-2.3e-161, 0.097, 4.1e-28): the
    forward steps of the first element and the backward of the last cross the kink, so
    neither all-forward nor all-backward sums matched AD's VJP).
    """
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    total = lambda get: sum(get(p) for p in parts)

    def one_sided():
        sides = [(total(lambda p, i=i: p.one_sided[i][0]),
                  total(lambda p, i=i: p.one_sided[i][1])) for i in range(2)]
        chosen = [None if get is None else get() for get in (away or ())]
        if any(c is not None for c in chosen):
            for base in range(2):
                picks = [base if c is None else c for c in chosen]
                sides.append(tuple(sum(p.one_sided[pick][k] for p, pick in zip(parts, picks))
                                   for k in range(2)))
        return tuple(sides)

    return Estimate(
        total(lambda p: p.value), total(lambda p: p.error), first.center,
        lambda: np.logical_or.reduce([p.kink for p in parts]),
        lambda: np.logical_or.reduce([p.disagree for p in parts]),
        one_sided,
        first.oracle + ", summed over parts of t of different scale",
        exact=np.logical_and.reduce([p.exact for p in parts]),
        unconverged=np.logical_or.reduce([p.unconverged for p in parts]),
        # Bounded only where every part is: flat, or converged (its value and error bound
        # it). A flat part beside one that did not converge bounds nothing (1/x at [2.2e-308,
        # 1.5]: out[0] is flat along x[1] and unbounded along x[0], where 1/x^2 overflows).
        flat=(np.logical_or.reduce([p.flat for p in parts])
              & np.logical_and.reduce([p.flat | ~p.unconverged for p in parts])),
        unprobed=np.logical_or.reduce([p.unprobed for p in parts]),
        noisy=np.logical_or.reduce([p.noisy for p in parts]))


def away_from_zero(x: Sequence, t: Sequence) -> int | None:
    """The side along ``t`` (0 forward, 1 backward) that moves every moving element of real
    ``x`` away from 0, or None where no side does (elements on both sides of 0, or at 0).

    >>> away_from_zero([np.array([-1e-30, 2.0])], [np.array([-1.0, 0.0])])
    0
    >>> away_from_zero([np.array([-1e-30, 2.0])], [np.array([1.0, 1.0])]) is None
    True
    """
    found = set()
    for xv, tv in zip(x, t):
        xv, tv = np.asarray(xv), np.asarray(tv)
        if np.iscomplexobj(xv) or np.iscomplexobj(tv):
            return None
        moving = tv != 0
        product = np.sign(xv[moving]) * np.sign(tv[moving])
        if np.any(product == 0):
            return None
        found.update(np.unique(product).tolist())
    return {1.0: 0, -1.0: 1}.get(found.pop()) if len(found) == 1 else None
