"""JVPs are linear in the tangent and VJPs in the cotangent: an identity of every rule.

A custom rule that is not linear (a tangent clipped at a norm, a cotangent squared) can agree
with the oracle along the one random direction a check draws, and still be wrong along most
others. ``check`` therefore also evaluates the derivatives of ``f`` along ``s t`` and ``s c``
with ``s = -1024``: a power of two, so that scaling commutes with rounding and only the order
in which XLA happens to add terms up can differ between the two (twice the rounding budget of
the derivative covers that); negative, so that a rule that uses ``|t|`` is caught too. Only
the derivatives of ``f`` itself need this: deeper levels differentiate a rule's output with
respect to the point, in which they are linear whatever the rule does with its tangent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.computations._levels import LINEARITY_SCALE
from harness.judging._compare import _item, _relative
from harness.results._report import FAILED, PASSED, SKIPPED, Check

# The two evaluations round independently: each within the derivative's rounding budget.
LINEARITY_SAFETY = 2.0
JVP_PROPERTY, JVP_CHAIN = "jvp_is_linear_in_t", "JVP along -1024 t vs -1024 x JVP along t"
VJP_PROPERTY, VJP_CHAIN = "vjp_is_linear_in_c", "VJP of -1024 c vs -1024 x VJP of c"
ORACLE = "identity: linearity, no finite differences"
OVERFLOWS = "not judged: the derivative or an intermediate overflows along the scaled direction"


def jvp_linearity(jvp: Sequence, jvp_scaled: Sequence, paths: Sequence[str],
                  budgets: Sequence[np.ndarray], budget_source: str) -> list[Check]:
    """One check per output leaf: ``jvp(s t) / s`` against ``jvp(t)``, element by element.

    >>> import numpy as np
    >>> [c.status for c in jvp_linearity([np.ones(2)], [np.full(2, -1024.0)], ["out"],
    ...                                  [np.full(2, 1e-7)], "rounding")]
    ['passed']
    """
    checks = []
    for leaf, a, b, budget in zip(paths, jvp, jvp_scaled, budgets):
        a = np.asarray(a, dtype=np.result_type(a, np.float64))
        got = np.asarray(b, dtype=np.result_type(b, np.float64)) / LINEARITY_SCALE
        budget = np.broadcast_to(LINEARITY_SAFETY * np.asarray(budget, np.float64), a.shape)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            err = np.abs(got - a)
            # A value or an intermediate past the dtype's largest overflows along s t for a
            # linear rule too (log'(1e-38) = 1e38 in float32): such elements are not judged.
            fits = np.isfinite(a) & np.isfinite(got)
            fails = fits & ~(err <= budget)
            ratio = np.where(budget > 0, err / budget, np.where(err > 0, np.inf, 0.0))
        if a.size == 0:
            checks.append(Check(JVP_PROPERTY, JVP_CHAIN, 1, PASSED, leaf, note="empty leaf"))
            continue
        if not np.any(fits):
            checks.append(Check(JVP_PROPERTY, JVP_CHAIN, 1, SKIPPED, leaf, note=OVERFLOWS))
            continue
        scored = np.where(fits & np.isfinite(a), np.where(np.isnan(ratio), np.inf, ratio), -1)
        flat = int(np.argmax(scored))
        index = tuple(int(i) for i in np.unravel_index(flat, a.shape)) if a.shape else ()
        checks.append(Check(
            JVP_PROPERTY, JVP_CHAIN, 1, FAILED if np.any(fails) else PASSED, leaf,
            index or None, _item(a[index]), _item(got[index]), float(err[index]),
            _relative(float(err[index]), a[index]), float(budget[index]),
            f"{LINEARITY_SAFETY:g} x ({budget_source})", ORACLE,
            "the rule is not linear in its tangent" if np.any(fails) else ""))
    return checks


def vjp_linearity(along: float, along_scaled: float, budget: float,
                  budget_source: str) -> Check:
    """``<vjp(s c) / s, t>`` against ``<vjp(c), t>``.

    >>> vjp_linearity(0.5, -512.0, 1e-7, "rounding").status
    'passed'
    """
    got, budget = along_scaled / LINEARITY_SCALE, LINEARITY_SAFETY * budget
    leaf = "<vjp(s c) / s, t> vs <vjp(c), t>"
    if not (np.isfinite(got) and np.isfinite(along)):
        return Check(VJP_PROPERTY, VJP_CHAIN, 1, SKIPPED, leaf, note=OVERFLOWS)
    err = abs(got - along)
    status = PASSED if err <= budget else FAILED
    return Check(VJP_PROPERTY, VJP_CHAIN, 1, status, leaf, None,
                 float(along), float(got), float(err), _relative(err, along), float(budget),
                 f"{LINEARITY_SAFETY:g} x ({budget_source})", ORACLE,
                 "the rule is not linear in its cotangent" if status == FAILED else "")

