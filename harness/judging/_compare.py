"""Turn AD results and oracle estimates into verdicts: passed, failed or inconclusive.

Arrays here are host NumPy arrays in float64 or complex128. The pairing of a derivative with a
direction is JAX's: ``Re sum(a * b)`` with no conjugation, so that for every function, complex
or not, ``<vjp(c), t> = <c, jvp(t)>``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np

from harness.error_model._budget import (
    MEASURED_SAFETY,
    NOISE_TAIL,
    ORACLE_RELATIVE_FLOOR,
    ORACLE_SAFETY,
)
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, Check

EPS64 = float(np.finfo(np.float64).eps)
KINK_RELATIVE = 1e-6


def in_place(values) -> bool:
    """Whether ``values`` is a real array that an elementwise result may overwrite (a
    ufunc of 0-d arrays returns a scalar, which cannot): at millions of elements each new
    array counts."""
    return isinstance(values, np.ndarray) and values.ndim > 0 and values.dtype.kind == "f"


def pairing(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    # inf * 0 from an AD result that is inf is nan, judged as a failure: not a warning
    with np.errstate(invalid="ignore", over="ignore"):
        return float(sum(np.real(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(a, b)))


def abs_pairing(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    with np.errstate(invalid="ignore", over="ignore"):
        return float(sum(np.sum(np.abs(x) * np.abs(y)) for x, y in zip(a, b)))


def max_abs(leaves: Sequence[np.ndarray]) -> float:
    return max((float(np.max(np.abs(v))) for v in leaves if np.size(v)), default=0.0)


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
             complex_step: float = 1e-20, trusted_step: bool = False) -> Estimate:
    """Combine the central, one-sided and complex-step estimates of one (point, direction).

    A kink is where the one-sided derivatives differ by more than their errors and by more
    than a millionth of the largest derivative in the leaf. ``trusted_step``: the complex
    step is exact here (fn evaluates every operation accurately at complex points, and the
    imaginary step is far below every element it moves), so it stands in where differences
    do not resolve the derivative (sin at 1e15, whose period no step fits).
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
            stands_in = (np.isfinite(step) & both_sides
                         & (_unresolved(value, error) | floored))
            use |= stands_in
        disagree = np.isfinite(step) & np.isfinite(value) & ~agree & ~use
        value = np.where(use, step, value)
        error = np.where(use, step_err, error)
        if np.any(use):
            oracle = f"complex step, confirmed by central differences ({source})"
    # No usable step at all (every quotient non-finite or off its displacement): no estimate.
    value = np.where(np.isfinite(error), value, np.nan)
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


def add_estimates(parts: Sequence[Estimate]) -> Estimate:
    """The estimate along t1 + t2 + ... from estimates along each part."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    total = lambda get: sum(get(p) for p in parts)
    return Estimate(
        total(lambda p: p.value), total(lambda p: p.error), first.center,
        lambda: np.logical_or.reduce([p.kink for p in parts]),
        lambda: np.logical_or.reduce([p.disagree for p in parts]),
        lambda: tuple((total(lambda p, i=i: p.one_sided[i][0]),
                       total(lambda p, i=i: p.one_sided[i][1])) for i in range(2)),
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


@dataclasses.dataclass
class Rounding:
    """The non-oracle part of the budget for one output leaf, elementwise."""

    relative: float
    relative_source: str
    absolute: float
    scale: np.ndarray  # |J||t| estimate
    floor: np.ndarray  # |y| |t| / L
    measured: np.ndarray | float = 0.0  # |AD in the caller's dtype - AD in the float64 copy|
    inherited: np.ndarray | float = 0.0  # relative rounding of the values this level derives
    oracle_floor: float = ORACLE_RELATIVE_FLOOR
    measured_source: str = "|AD - AD in float64 copy| {:.2e} (measured rounding of this derivative)"

    @functools.cached_property
    def largest_scale(self) -> float:
        """The largest finite |J||t|: an element whose scale is not finite (the oracle found
        no derivative there) sets no floor for the others."""
        scale = np.asarray(self.scale)
        if scale.size and scale.dtype.kind == "f":  # the common case, without a new array
            largest = max(abs(float(np.max(scale))), abs(float(np.min(scale))))
            if np.isfinite(largest):
                return largest
        scale = np.abs(np.asarray(scale, dtype=np.float64))
        return float(np.max(np.where(np.isfinite(scale), scale, 0.0), initial=0.0))

    @functools.cached_property
    def amount(self) -> np.ndarray:
        # In place after the first product: at millions of elements each temporary counts.
        total = np.multiply(self.relative + self.inherited, self.scale, dtype=np.float64)

        def add(term):
            nonlocal total
            if np.ndim(total) and np.shape(np.asarray(term)) in ((), np.shape(total)):
                total += term
            else:
                total = total + term

        if np.any(self.floor) or np.shape(self.floor) != np.shape(total):
            add(self.relative * np.asarray(self.floor))
        add(self.oracle_floor * self.largest_scale + self.absolute)
        if np.any(self.measured) or np.shape(self.measured) != np.shape(total):
            add(MEASURED_SAFETY * np.asarray(self.measured))
        return total

    @property
    def relative_amount(self) -> np.ndarray:
        """This budget relative to the derivative's magnitude, capped at 2 (no digit right).

        A value known to 100% may be anything from 0 to twice itself, and so may the AD of it.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (self.amount - self.absolute) / self.scale
        return np.minimum(np.where(np.isfinite(ratio), ratio, 2.0), 2.0)

    def describe(self, index) -> str:
        pick = lambda a: float(np.asarray(a)[index]) if np.ndim(a) else float(a)
        text = (f"{self.relative_source} x (|J||t| {pick(self.scale):.2e} + |y||t|/L "
                f"{pick(self.floor):.2e}) + {self.oracle_floor:g} x max |J||t| "
                f"{self.largest_scale:.2e} (oracle floor)")
        if np.any(self.inherited):
            text += (" + relative rounding of the derivative this one is taken of "
                     f"{pick(self.inherited):.2e} x |J||t|")
        if np.any(self.measured):
            text += (f" + {MEASURED_SAFETY:g} x "
                     + self.measured_source.format(pick(self.measured)))
        if self.absolute:
            text += f" + atol {self.absolute:.2e}"
        return text


def output_resolution(main: Estimate, second: np.ndarray, t, x) -> np.ndarray:
    """|y| |t| / L: the finest derivative the rounding of the value y can support.

    L is the length over which y changes on its own scale: |J t| / |t'' H t| (the curvature
    length along t), kept between 1 and |x| + 1, so that x^2 at 1e6 gets L = 1e6 while tanh at
    8 (where 1 - tanh^2 cancels to nothing in float32) gets L = 1.
    """
    t_max, x_max = max_abs(t), max_abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        curvature_length = np.abs(main.value) / np.abs(second) * t_max
    length = np.where(np.isfinite(curvature_length), curvature_length, x_max + 1.0)
    length = np.clip(length, 1.0, x_max + 1.0)
    return np.abs(main.center) * t_max / length


def _status(fails: np.ndarray, unsure: np.ndarray) -> str:
    if np.any(fails):
        return FAILED
    if np.any(unsure):
        return INCONCLUSIVE
    return PASSED


NOISY_NOTE = (f"fn is noisy here (a solver's tolerance, or cancellation inside fn): AD "
              "differs from the finite differences by more than their stated error but within "
              f"{NOISE_TAIL:g} times it, and that error comes from fn's measured noise, an "
              "estimate and not a bound")


def compare_elements(*, prop: str, chain: str, order: int, leaf: str, got: np.ndarray,
                     est: Estimate, rounding: Rounding) -> Check:
    """Elementwise comparison of an AD result with the oracle's estimate."""
    largest = dtype_largest(got)
    got = np.asarray(got, dtype=np.result_type(got, np.float64))
    rounding_amount = rounding.amount
    # An identity's estimate has no error (often a broadcast 0): no array to add then.
    if np.any(est.error):
        oracle_error = ORACLE_SAFETY * est.error
        budget = oracle_error + rounding_amount
    else:
        oracle_error, budget = 0.0, np.broadcast_to(rounding_amount, np.shape(got))
    finite_got = np.isfinite(got)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        err = np.subtract(got, est.value)
        if in_place(err):
            np.abs(err, out=err)
        else:  # complex, or 0-d (whose ufuncs give scalars): a float64 array of its own
            err = np.array(np.abs(err), dtype=np.float64).reshape(np.shape(got))
        # An AD result that is inf or nan is never within a budget (which may be inf itself
        # when it scales with |AD|).
        within = err <= budget
        within &= finite_got
        # err / budget, in err's place (the reported error is found again at the worst
        # element); where the budget is 0 (or nan), inf for an error and 0 for none.
        positive = budget > 0
        infinite = ~positive & (err > 0)
        ratio = np.divide(err, budget, out=err, where=positive)
        ratio[~positive] = 0.0
        ratio[infinite] = np.inf
        del err
    oracle_undefined = ~np.isfinite(est.value)
    if np.all(within):  # every AD result finite: none rounded to inf, none overflowed
        rounded_to_inf = overflowed = np.zeros(ratio.shape, bool)
    else:
        rounded_to_inf, overflowed = _overflow(got, est.value, oracle_error, largest)
        within |= rounded_to_inf
    if np.all(within):
        kink = matches_side = disagree = np.zeros(ratio.shape, bool)
    else:
        kink, disagree = est.kink, est.disagree
        matches_side = np.zeros(ratio.shape, bool)
        with np.errstate(invalid="ignore", over="ignore"):
            for side, side_err in est.one_sided:
                matches_side |= np.abs(got - side) <= ORACLE_SAFETY * side_err + rounding_amount
    at_kink = kink & ~within
    fails = ~within & ~oracle_undefined & ~at_kink & ~disagree
    fails &= ~overflowed
    # Beyond a budget that fn's measured noise sets, but within NOISE_TAIL times it: the noise
    # is an estimate, not a bound, so the mismatch is not decided.
    # Only what would fail: a kink whose one-sided derivative AD matches stays passed.
    noisy_miss = fails & est.noisy & (ratio <= NOISE_TAIL)
    fails &= ~noisy_miss
    # Unconverged differences are no estimate, but they bound one: an AD result that is not
    # finite would need fn to change by more than its rounding along steps on the element's
    # own scale (jnp.sinc at 1e-25: AD gives -inf, fn is 1 at every step).
    blown = ~finite_got & est.flat
    if np.any(blown):
        blown &= bounded_estimate(est.value, oracle_error, largest)
        blown &= ~at_kink
        fails |= blown
    # AD on a resolved one-sided derivative at a kink passes, as in ``compare_scalar``, also
    # where the central differences did not converge: beside an element far below 1 they
    # step over the kink at 0 (i0e at 4e-28, whose own-scale steps see fn flat).
    unsure = (oracle_undefined | (at_kink & ~matches_side)
              | (disagree & ~within & ~(at_kink & matches_side)) | (overflowed & ~within)
              | noisy_miss)
    status = _status(fails, unsure)
    if got.size == 0:
        return Check(prop, chain, order, PASSED, leaf, note="empty leaf")
    focus = fails if status == FAILED else (unsure if status == INCONCLUSIVE else None)
    scored = ratio
    scored[np.isnan(scored)] = np.inf
    if focus is not None:
        scored = np.where(focus, scored, -1.0)
    flat = int(np.argmax(scored))
    index = tuple(int(i) for i in np.unravel_index(flat, got.shape)) if got.shape else ()
    note = ""
    if status == INCONCLUSIVE:
        if overflowed[index] and not within[index]:
            note = (f"the derivative, {float(np.abs(est.value[index])):.3g} in magnitude, "
                    f"overflows the largest number of AD's dtype ({largest:.3g}): AD's "
                    f"{got[index]} is not judged")
        elif noisy_miss[index]:
            note = NOISY_NOTE
        elif est.unprobed[index]:
            note = ("no normal step fits here: steps on the scale of 1 step over what lies "
                    "between 0 and an element far below 1, and steps on that element's own "
                    "scale would be subnormal numbers, which XLA flushes to zero (the element "
                    "is near the bottom of its dtype's normal range); no finite difference and no "
                    "exact complex step decides this derivative")
        elif oracle_undefined[index]:
            note = ("the oracle is not finite here: no step along the direction gave a finite "
                    "difference quotient (fn is not finite, or not differentiable, next to this "
                    "point)")
        elif kink[index]:
            note = ("one-sided derivatives differ here (a kink): AD matches neither one-sided "
                    "derivative nor their average")
        elif est.unconverged[index]:
            note = ("the finite differences did not converge: steps on the scale of 1 step over "
                    "what lies between 0 and an element far below 1, and steps on that "
                    "element's own scale do not resolve fn; or fn's measured noise leaves "
                    "unresolved what ladders without it resolve (a solver's noise, or features "
                    "of fn shorter than the noise probe's span)")
        else:
            note = "complex step and finite differences disagree beyond their error estimates"
    elif status == PASSED and np.any(rounded_to_inf):
        note = (f"AD is inf where the derivative overflows its dtype (beyond {largest:.3g}): "
                "the correctly rounded value")
    elif status == PASSED and np.any(kink & ~within):
        note = "matches a one-sided derivative where the function has a kink"
    elif status == PASSED and _measured_over_a_hundredth(rounding, scratch=scored):
        where = np.argmax(np.broadcast_to(rounding.measured, got.shape) - 0.01 * rounding.scale)
        lost = float(np.broadcast_to(rounding.measured, got.shape).reshape(-1)[where])
        note = (f"low precision: AD differs from the same AD on the float64 copy by {lost:.2e} "
                "somewhere in this leaf, over 1% of the derivative")
    elif status == FAILED and blown[index]:
        note = (f"AD returned {got[index]} where fn is finite and the finite differences, "
                "though unconverged beside an element far below 1, stay far below the dtype's "
                "largest number: fn does not change by more than its rounding along steps on "
                "that element's own scale")
    elif status == FAILED and not np.isfinite(got[index]):
        note = f"AD returned {got[index]} where the oracle is finite"
    expected, value = est.value[index], got[index]
    with np.errstate(invalid="ignore", over="ignore"):
        abs_error = float(np.abs(value - expected))
    return Check(
        property=prop, mode_chain=chain, order=order, status=status, leaf=leaf,
        index=index or None, expected=_item(expected), got=_item(value),
        abs_error=abs_error, rel_error=_relative(abs_error, expected),
        budget=float(budget[index]),
        budget_source=(f"{ORACLE_SAFETY:g} x oracle error {float(est.error[index]):.2e} + "
                       + rounding.describe(index)),
        oracle=est.oracle, note=note,
    )


def _measured_over_a_hundredth(rounding: Rounding, *, scratch: np.ndarray) -> bool:
    """Whether the measured rounding is over 1% of |J||t| somewhere; ``scratch``, an array
    of the scale's shape that is no longer needed, holds the hundredth (no new array)."""
    measured = np.asarray(rounding.measured)
    if not np.any(measured):
        return False
    scale = np.asarray(rounding.scale)
    if in_place(scratch) and scratch.shape == scale.shape:
        return bool(np.any(measured > np.multiply(scale, 0.01, out=scratch)))
    return bool(np.any(measured > 0.01 * scale))


def compare_scalar(*, prop: str, chain: str, order: int, leaf: str, got: complex, expected: complex,
                   budget: float, budget_source: str, oracle: str, unsure: bool = False,
                   unsure_note: str = "", one_sided: Sequence[complex] = (),
                   largest: float = float("inf"), expected_error: float | None = None,
                   exact: bool = False) -> Check:
    """Comparison of two numbers (an inner product, say) against a budget.

    At a kink, ``one_sided`` holds the same quantity from one-sided derivatives; matching one
    of them passes, since AD may legitimately follow either branch. Where ``expected``
    (within ``expected_error``, by default the budget) is beyond ``largest``, the largest
    number of AD's dtype, an AD result of the same infinity passes. ``exact``: both sides are
    AD results (an identity), so the same infinity on both passes.
    """
    err = abs(got - expected) if np.isfinite(got) and np.isfinite(expected) else float("inf")
    rounded_to_inf, overflowed = _overflow(
        got, expected, budget if expected_error is None else expected_error, largest)
    if exact and np.isinf(got) and got == expected:
        status, note = PASSED, "both sides of the identity overflow to the same infinity"
    elif not np.isfinite(expected):
        status, note = INCONCLUSIVE, "the oracle is not finite here"
    elif rounded_to_inf:
        status, note = PASSED, (f"AD is inf where the value overflows its dtype (beyond "
                                f"{largest:.3g}): the correctly rounded value")
    elif overflowed:
        status, note = INCONCLUSIVE, (f"the value, {abs(expected):.3g} in magnitude, overflows "
                                      f"the largest number of AD's dtype ({largest:.3g}): AD's "
                                      f"{got} is not judged")
    elif err <= budget and np.isfinite(got):
        status, note = PASSED, ""
    elif any(abs(got - side) <= budget for side in one_sided):
        status, note = PASSED, "matches a one-sided derivative (a kink)"
    elif unsure:
        status, note = INCONCLUSIVE, unsure_note
    else:
        status = FAILED
        note = "" if np.isfinite(got) else f"AD returned {got} where the oracle is finite"
    return Check(prop, chain, order, status, leaf, None, _item(expected), _item(got),
                 float(err), _relative(err, expected), float(budget), budget_source, oracle, note)


def bounded_estimate(value, error, largest: float) -> np.ndarray:
    """Where an estimate and its error are finite and stay below ``largest`` together: no
    derivative there overflows, so an AD result that is not finite is wrong."""
    with np.errstate(invalid="ignore", over="ignore"):
        value, error = np.asarray(value), np.asarray(error)
        return np.isfinite(value) & np.isfinite(error) & (np.abs(value) + error < largest)


def dtype_largest(values) -> float:
    """The largest finite magnitude of the dtype ``values`` come in (inf if not floating)."""
    dt = np.asarray(values).dtype
    if dt.kind == "c":
        dt = np.finfo(dt).dtype
    return float(np.finfo(dt).max) if dt.kind == "f" else float("inf")


def _overflow(got, value, error, largest: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the derivative is finite but beyond ``largest`` by more than its ``error`` and AD
    is not finite (``overflowed``), and where AD gives the inf of its sign there
    (``rounded_to_inf``), the correctly rounded result: real and imaginary parts alike."""
    with np.errstate(invalid="ignore", over="ignore"):
        got, value = np.asarray(got), np.asarray(value)
        if not np.any(np.abs(value) > 0.5 * largest):  # the common case, in one pass
            nowhere = np.zeros(np.shape(got), bool)
            return nowhere, nowhere
        # Without a finite error (the budget of an AD result that overflowed is inf), the
        # value must be beyond twice the largest number.
        error = np.where(np.isfinite(error), error, 0.5 * np.abs(value))
        parts = [(np.real(got), np.real(value))]
        if np.iscomplexobj(got) or np.iscomplexobj(value):
            parts.append((np.imag(got), np.imag(value)))
        beyond = np.zeros(np.shape(got), bool)
        right = np.ones(np.shape(got), bool)
        for g, v in parts:
            big = np.isfinite(v) & (np.abs(v) - error > largest)
            beyond |= big
            right &= np.where(big, np.isinf(g) & (np.sign(g) == np.sign(v)),
                              np.isfinite(g) & (np.abs(g - v) <= error))
        overflowed = beyond & ~np.isfinite(got)
    return overflowed & right, overflowed


def _item(value):
    value = np.asarray(value)
    return complex(value) if np.iscomplexobj(value) else float(value)


def _relative(err: float, expected) -> float:
    scale = abs(complex(expected)) if np.isfinite(expected) else float("nan")
    if scale == 0:
        return float("inf") if err > 0 else 0.0
    return float(err) / scale
