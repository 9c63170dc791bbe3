"""Accuracy as a verdict: a derivative that is within its rule's budget but has lost its own
relative accuracy, where an exact reference shows what the accurate value is.

The rule checks allow a derivative the resolution of the value it is computed from
(``|y||t|/L``): ``sigmoid'(40) = s (1 - s)`` rounds to 0, because ``s`` rounds to 1, and that is
within the rounding of ``s``. It is still wrong by 100% of itself, and a formulation without
the cancellation (``exp(-x) / (1 + exp(-x))^2``) is accurate there. Where the reference is exact
(the complex step on a real-analytic function, or finite differences whose error is far below
the loss), the derivative is large enough to be representable, and it is tiny against the
value's resolution, a relative error above ``accuracy_tolerance(dtype)`` (1.1e-3 in float64,
0.05 in float32: the derivative kept under a fifth of its digits) beyond what a backward-stable
evaluation would show (``32 eps (1 + cond)``, cond the derivative's own condition number) fails
as ``derivative_accuracy``.

Example:
    >>> import numpy as np
    >>> import jax, harness
    >>> report = harness.check(jax.nn.sigmoid, (np.array([40.0, 1.0]),))
    >>> [(c.property, c.index) for c in report.failures]
    [('derivative_accuracy', (0,))]
    >>> harness.check(jax.nn.sigmoid, (np.array([40.0, 1.0]),), accuracy="note").ok
    True
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from harness.error_model._budget import ORACLE_SAFETY, ROUNDING_MULTIPLE
from harness.judging._compare import Estimate, Rounding, max_abs
from harness.results._report import FAILED, Check

PROPERTY = "derivative_accuracy"
ACCURACY_EXPONENT = 3 / 16
# A reference counts as exact where its error is under this fraction of the loss it judges.
REFERENCE_FRACTION = 0.01
MODES = ("fail", "note")
STEP_ROUNDING = 16.0
EPS64 = float(np.finfo(np.float64).eps)


def accuracy_tolerance(dtype) -> float:
    """The relative error at which a derivative has lost its accuracy: eps^(3/16)."""
    return float(jnp.finfo(dtype).eps) ** ACCURACY_EXPONENT


def lost_accuracy(*, chain: str, order: int, leaf: str, got: np.ndarray, est: Estimate,
                  rounding: Rounding, second: np.ndarray, t, x, dtype,
                  step_exact: bool = True) -> Check | None:
    """A failed ``derivative_accuracy`` check for the worst element of one leaf, or None.

    ``step_exact``: whether the complex step ran in float64 (not where fn pins a narrower
    dtype inside); only then is it exact to its own rounding, ``16 eps64 |value|``.
    """
    got = np.asarray(got, dtype=np.result_type(got, np.float64))
    if got.size == 0 or np.iscomplexobj(got) or np.iscomplexobj(est.value):
        return None
    finfo = jnp.finfo(dtype)
    eps, tol = float(finfo.eps), accuracy_tolerance(dtype)
    scale = np.broadcast_to(np.asarray(rounding.scale, np.float64), got.shape)
    reference = est.value
    # The estimate charges the complex step with its gap to finite differences that cannot
    # resolve it; on a real-analytic function at a step of 1e-20 |x| its truncation is nil,
    # and its error is its rounding.
    step = est.exact & step_exact
    reference_error = ORACLE_SAFETY * np.where(step, STEP_ROUNDING * EPS64 * np.abs(reference),
                                               est.error)
    t_max, x_max = max(max_abs(t), 1e-300), max_abs(x)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        condition = x_max * np.abs(second) / (t_max * scale)
        condition = np.where(np.isfinite(condition), condition, np.inf)
        allowed = (tol + ROUNDING_MULTIPLE * eps * (1.0 + condition)) * scale
        error = np.abs(got - reference)
        # Finite differences are a reference only of a function that has its digits: of a lower
        # derivative that has lost them (1 - s at x = 30), they see a staircase, slope 0.
        inherited = np.asarray(rounding.inherited)
        exact = step | ((reference_error <= REFERENCE_FRACTION * tol * scale)
                        & (inherited < REFERENCE_FRACTION * tol))
        lost = (np.isfinite(got) & np.isfinite(reference) & exact
                & (scale >= float(finfo.tiny) / eps)  # representable with every digit
                # tiny against the resolution of the value it is computed from, or taken of
                # a lower derivative that has itself lost its digits
                & ((scale <= tol * rounding.floor) | (inherited >= tol))
                & (error > allowed + reference_error))
        ratio = np.where(lost, error / (allowed + reference_error), -1.0)
    if not np.any(lost):
        return None
    flat = int(np.argmax(ratio))
    index = tuple(int(i) for i in np.unravel_index(flat, got.shape)) if got.shape else ()
    ref, value = float(reference[index]), float(got[index])
    note = (f"the derivative {ref:.3g} is tiny against the resolution of the value it is "
            f"computed from (|y||t|/L {float(np.asarray(rounding.floor)[index]):.2e}) and "
            f"likely cancels: AD gives {value:.6g}, a relative error of "
            f"{error[index] / scale[index]:.2g} where {np.dtype(dtype).name} allows {tol:.2g}; "
            "the exact reference says "
            f"{ref:.10g}, and a formulation without the cancellation would be accurate "
            "(accuracy='note' reports this as a note instead)")
    return Check(
        property=PROPERTY, mode_chain=chain, order=order, status=FAILED, leaf=leaf,
        index=index or None, expected=ref, got=value, abs_error=float(error[index]),
        rel_error=float(error[index] / abs(ref)) if ref else float("inf"),
        budget=float(allowed[index] + reference_error[index]),
        budget_source=(f"(eps^(3/16) {tol:.2g} + {ROUNDING_MULTIPLE:g} eps "
                       f"x (1 + condition {float(condition[index]):.2g})) x |J||t| "
                       f"{float(scale[index]):.2e} + {ORACLE_SAFETY:g} x reference error"),
        oracle=est.oracle, note=note)


def as_note(check: Check) -> str:
    """The text of a ``derivative_accuracy`` failure reported as a note."""
    where = f"{check.leaf} at {list(check.index)}" if check.index else check.leaf
    return f"{PROPERTY} [{check.mode_chain}] {where}: {check.note.split(' (accuracy=')[0]}"
