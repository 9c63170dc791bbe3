"""Every wrong derivative rule of the corpus is caught.

A mutant counts as caught in a dtype when ``harness.check`` fails on at least one of its
points: its fixed point if it has one, else three seeded draws (the draws are realistic, so a
bug confined to a region is missed by draws that fall outside it). Per-draw detection rates
are printed by ``python tests/corpus/measure.py``.
"""

from __future__ import annotations

import pytest
from corpus import MUTANTS, draws

import harness

DRAWS = 3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", MUTANTS, ids=[c.name for c in MUTANTS])
def test_mutant_is_caught(case, dtype):
    if dtype not in case.dtypes:
        pytest.skip(f"{case.name} is defined for {case.dtypes}")
    points = [draws(case, dtype, 0)[0]] if case.fixed_args is not None else draws(
        case, dtype, DRAWS)
    reports = [
        harness.check(case.fn, args, order=case.order, modes=case.modes,
                      holomorphic=case.holomorphic, seed=i)
        for i, args in enumerate(points)
    ]
    assert any(r.failures for r in reports), (
        f"{case.name} ({case.why}) passed at every point:\n\n" + "\n\n".join(map(str, reports)))
    for report in reports:
        if report.failures:
            with pytest.raises(harness.DerivativeMismatch):
                report.raise_if_failed()
