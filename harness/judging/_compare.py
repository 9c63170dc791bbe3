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
    ORACLE_FLOOR_CAP,
    ORACLE_RELATIVE_FLOOR,
    ORACLE_SAFETY,
    TRUSTED_RELATIVE,
)
from harness.judging._estimates import Estimate
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, Check


def in_place(values) -> bool:
    """Whether ``values`` is a real array that an elementwise result may overwrite (a
    ufunc of 0-d arrays returns a scalar, which cannot): at millions of elements each new
    array counts."""
    return isinstance(values, np.ndarray) and values.ndim > 0 and values.dtype.kind == "f"


def pairing(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """``Re sum(a * b)`` over leaves: a float, or a long double where an estimate beyond
    float64's range (``_differences.WIDE``) makes it one."""
    # inf * 0 from an AD result that is inf is nan, judged as a failure: not a warning
    with np.errstate(invalid="ignore", over="ignore"):
        total = sum(np.real(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(a, b))
        if np.isfinite(total) and abs(total) > np.finfo(np.float64).max:
            return total
        return float(total)


def abs_pairing(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    with np.errstate(invalid="ignore", over="ignore"):
        return float(sum(np.sum(np.abs(x) * np.abs(y)) for x, y in zip(a, b)))


def max_abs(leaves: Sequence[np.ndarray]) -> float:
    return max((float(np.max(np.abs(v))) for v in leaves if np.size(v)), default=0.0)


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
    # Where the oracle's value is trusted (``trusted``): there the floor is capped at
    # ``ORACLE_FLOOR_CAP`` of the element's own |J||t|.
    trusted: np.ndarray | None = None

    @functools.cached_property
    def largest_scale(self) -> float:
        """The largest finite |J||t|: an element whose scale is not finite (the oracle found
        no derivative there), or beyond float64's range (log'' at 2.2e-308 is -2e615, held
        as float64's largest number), sets no floor for the others."""
        scale = np.asarray(self.scale)
        top = float(np.finfo(np.float64).max)
        if scale.size and scale.dtype.kind == "f":  # the common case, without a new array
            largest = max(abs(float(np.max(scale))), abs(float(np.min(scale))))
            if largest < top:
                return largest
        scale = np.abs(np.asarray(scale, dtype=np.float64))
        return float(np.max(np.where(scale < top, scale, 0.0), initial=0.0))

    @property
    def capped_floor(self) -> np.ndarray | float:
        """The oracle floor, a fraction of the leaf's largest |J||t| (Richardson's error
        estimate can be optimistic: fresnel at x = -1e6, where steps of 60 periods alias to
        -7e-11 +- 7e-12 for a derivative of 0), capped at ``ORACLE_FLOOR_CAP`` of the
        element's own |J||t| where the oracle is trusted (``trusted``): in a leaf whose
        elements span many decades (log'' at x = (1e-5, 1.5) is (-1e10, -0.44)) the floor of
        the largest alone excused any error at the others."""
        floor = self.oracle_floor * self.largest_scale
        if self.trusted is None or not np.any(self.trusted):
            return floor
        scale = np.asarray(self.scale)
        if not scale.ndim:
            return min(floor, ORACLE_FLOOR_CAP * abs(float(scale))) if self.trusted else floor
        if floor <= ORACLE_FLOOR_CAP * float(np.min(np.abs(scale))):
            return floor
        with np.errstate(invalid="ignore", over="ignore"):
            capped = np.fmin(floor, ORACLE_FLOOR_CAP * np.abs(scale.astype(np.float64)))
            return np.where(self.trusted, capped, floor)

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
        add(self.capped_floor + self.absolute)
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
                f"{self.largest_scale:.2e} (oracle floor; at most {ORACLE_FLOOR_CAP:g} x |J||t| "
                "where the oracle holds six digits)")
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


NOISY_NOTE = (f"fn is noisy here (a solver's tolerance, cancellation inside fn, or a kink or "
              "jump within the offsets of the noise probes): AD "
              "differs from the finite differences by more than their stated error but within "
              f"{NOISE_TAIL:g} times it, and that error comes from fn's measured noise, an "
              "estimate and not a bound")


def on_a_side(got: np.ndarray, est: Estimate, rounding_amount) -> np.ndarray:
    """Where ``got`` matches one of the oracle's one-sided derivatives within its error."""
    matches = np.zeros(np.shape(got), bool)
    with np.errstate(invalid="ignore", over="ignore"):
        for side, side_err in est.one_sided:
            matches |= np.abs(got - side) <= ORACLE_SAFETY * side_err + rounding_amount
    return matches


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
    if not np.any(est.error) and not np.all(within):
        # An identity of two AD results (grad = vjp(1)): the same infinity on both sides.
        same = np.isinf(got) & (got == est.value)
        within |= same
        oracle_undefined &= ~same
    if np.all(within):  # every AD result finite: none rounded to inf, none overflowed
        rounded_to_inf = overflowed = np.zeros(ratio.shape, bool)
    else:
        rounded_to_inf, overflowed = _overflow(got, est.value, oracle_error, largest)
        within |= rounded_to_inf
    if np.all(within):
        kink = matches_side = disagree = np.zeros(ratio.shape, bool)
    else:
        kink, disagree = est.kink, est.disagree
        matches_side = on_a_side(got, est, rounding_amount)
    at_kink = kink & ~within
    fails = ~within & ~oracle_undefined & ~at_kink & ~disagree
    fails &= ~overflowed
    # AD's infinity of the other sign where the derivative is beyond the dtype's range is
    # wrong (a nan there may come from inf - inf inside a right rule: not judged).
    fails |= overflowed & np.isinf(got) & ~rounded_to_inf
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
            note = (f"the derivative, {_magnitude(est.value[index])} in magnitude, "
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
    elif status == FAILED and overflowed[index]:
        note = (f"AD returned {got[index]} where the derivative, {_magnitude(est.value[index])}"
                f" in magnitude, overflows the largest number of AD's dtype ({largest:.3g}) "
                "with the other sign")
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
    elif overflowed and np.isinf(got):
        status, note = FAILED, (f"AD returned {got} where the value, {_magnitude(expected)} in "
                                f"magnitude, overflows the largest number of AD's dtype "
                                f"({largest:.3g}) with the other sign")
    elif overflowed:
        status, note = INCONCLUSIVE, (f"the value, {_magnitude(expected)} in magnitude, overflows "
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


def trusted(est: Estimate) -> np.ndarray:
    """Where the oracle's estimate is the exact complex step, or holds more than six digits
    (``TRUSTED_RELATIVE``): there ``Rounding.capped_floor`` caps the oracle floor."""
    with np.errstate(invalid="ignore"):
        return np.asarray(est.exact) | (np.asarray(est.error)
                                        <= TRUSTED_RELATIVE * np.abs(est.value))


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


def _magnitude(value) -> str:
    """|value| in three digits, a long double beyond float64's range included."""
    return np.format_float_scientific(np.abs(np.real(value)), precision=2, trim="-")


def _item(value):
    value = np.asarray(value)
    return complex(value) if np.iscomplexobj(value) else float(value)


def _relative(err: float, expected) -> float:
    scale = abs(complex(expected)) if np.isfinite(expected) else float("nan")
    if scale == 0:
        return float("inf") if err > 0 else 0.0
    return float(err) / scale
