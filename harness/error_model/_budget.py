"""The error budget: how far an AD result may sit from its oracle before it counts as wrong.

budget = oracle safety x oracle error estimate + 1e-9 x 10^(order-1) x max over the leaf of |J| |t|
       + rounding multiple x eps(dtype) x (|J| |t| + |y| |t| / L)
       + inherited relative rounding x |J| |t|
       + measured safety x |AD in dtype - AD in the float64 copy|

|J| |t| is estimated from the oracle along the tangent with random signs flipped (so that
cancellation between Jacobian terms cannot shrink it). |y| |t| / L is the resolution of the
function's own output, L the curvature length along t: a derivative computed from a rounded
value, such as 1 - tanh(x)^2, cannot be finer. At order k the values being differentiated are
themselves derivatives, known only to the relative budget of order k - 1, which is inherited.
For float32, bfloat16 and float16 the same derivative program also runs on the float64 copy;
the distance between the two is the rounding of that program in the low dtype, measured at
this very point (it catches unstable formulations such as 0.5 (tanh(x / 2) + 1) far out in the
tails, where the primal itself has lost every digit). A rule that is wrong is wrong in both
programs, so this term does not hide it; a rule wrong only in the low dtype would be hidden, and
the check says so in a note whenever the term exceeds 1% of the derivative. Nothing in the
budget grows with the number of elements.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp
import numpy as np

from harness._errors import InvalidArgument

ROUNDING_MULTIPLE = 32.0
MEASURED_SAFETY = 2.0
ORACLE_SAFETY = 4.0
# fn's measured noise (a solver's stopping error, cancellation inside fn) is a statistical
# estimate, not a bound: its largest excursions along the ladder's steps exceed it. Where it
# sets the oracle's error, AD beyond the budget but within this many times it is not decided
# (optimistix's BFGS: noise measured at 2e-9, differences off by 4.7e-7 where they claimed
# 9e-8, AD right to 8e-12 against the analytic implicit derivative); beyond it, it fails.
NOISE_TAIL = 10.0
# Richardson's error estimate is the smallest of many noisy ones, so it can be optimistic, and
# float64 AD itself loses digits to cancellation that nothing measures: in float64 neither is
# trusted below this fraction of the leaf's largest |J||t|. On 45 correct functions up to order
# 3 the worst disagreement was 2.4e-11 of it; the notebooks' logistic loss at W = [-3, 1, -3],
# b = -3 (1 - sigmoid cancelling) reaches 2e-10.
ORACLE_RELATIVE_FLOOR = 1e-9
# The floor is the leaf's, but where the oracle's estimate holds more than six digits (or is
# the exact complex step) it never excuses more than this fraction of the element's own
# |J||t|: in a leaf whose elements span many decades (log'' at x = [1e-5, 1] is -1e10 and -1;
# log' at [2.2e-308, 1.5]) a floor of the largest alone excused any error at the others. An
# estimate 100 times more optimistic than it claims is still within the cap.
ORACLE_FLOOR_CAP = 1e-4
TRUSTED_RELATIVE = 1e-6


def _dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


def _per_dtype(value: Any, name: str) -> dict[str, float] | float | None:
    if value is None:
        return None
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            try:
                key_name = _dtype_name(key)
            except TypeError:
                raise InvalidArgument(
                    f"{name} keys must be dtypes such as np.float32 or 'float64'; got {key!r}."
                ) from None
            out[key_name] = _nonnegative(v, f"{name}[{key_name!r}]")
        return out
    return _nonnegative(value, name)


def _nonnegative(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number < 0:
        raise InvalidArgument(
            f"{name} must be a finite number >= 0 (or a dict from dtype to such numbers); "
            f"got {value!r}."
        )
    return number


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """The rounding part of the budget per dtype, with the caller's ``rtol``/``atol`` overrides."""

    rtol: dict[str, float] | float | None = None
    atol: dict[str, float] | float | None = None

    @classmethod
    def from_user(cls, rtol: Any, atol: Any) -> Tolerance:
        return cls(_per_dtype(rtol, "rtol"), _per_dtype(atol, "atol"))

    @staticmethod
    def _lookup(table, dtype) -> float | None:
        if table is None:
            return None
        if isinstance(table, dict):
            return table.get(_dtype_name(dtype))
        return table

    def relative(self, dtype: Any) -> tuple[float, str]:
        """The factor on the magnitude terms, and a phrase saying where it came from."""
        given = self._lookup(self.rtol, dtype)
        if given is not None:
            return given, f"rtol={given:g} (given for {_dtype_name(dtype)})"
        eps = float(jnp.finfo(dtype).eps)
        return ROUNDING_MULTIPLE * eps, f"{ROUNDING_MULTIPLE:g} eps({_dtype_name(dtype)})"

    def absolute(self, dtype: Any) -> float:
        return self._lookup(self.atol, dtype) or 0.0


def lowest_precision(dtypes) -> np.dtype:
    """The dtype with the largest epsilon among ``dtypes`` (complex counts as its real part)."""
    return max((np.dtype(d) for d in dtypes), key=lambda d: float(jnp.finfo(d).eps))
