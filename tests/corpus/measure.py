"""Print the checker's detection and false-alarm rates on the corpus.

    python tests/corpus/measure.py [--draws N]

Per mutant and dtype: the share of points (the fixed point and N draws) at which the wrong
rule is reported, of all and of those where its derivatives differ from its reference's (a
rule wrong only in a region is right elsewhere). Per right function and dtype: the number
of draws reported as failures (false alarms) and as inconclusive.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import harness  # noqa: E402
from corpus import CORRECT, MUTANTS, draws, is_eager, rule_is_wrong_at  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    count = parser.parse_args().draws
    start = time.perf_counter()
    caught_cases = flagged = points = flagged_wrong = wrong_points = 0
    for case in MUTANTS:
        caught_in = []
        for dtype in case.dtypes:
            chosen = draws(case, dtype, count)
            reports = [harness.check(case.fn, args, order=case.order, modes=case.modes,
                                     holomorphic=case.holomorphic, seed=i)
                       for i, args in enumerate(chosen)]
            wrong = [case.reference is None or rule_is_wrong_at(case, args) for args in chosen]
            hits = sum(not r.ok for r in reports)
            hits_wrong = sum(not r.ok for r, w in zip(reports, wrong) if w)
            flagged, points = flagged + hits, points + len(reports)
            flagged_wrong, wrong_points = flagged_wrong + hits_wrong, wrong_points + sum(wrong)
            caught_in.append(hits > 0)
            print(f"mutant  {case.name:44} {dtype:8} caught at {hits:3}/{len(reports)} points; "
                  f"at {hits_wrong}/{sum(wrong)} of those where the rule is wrong")
        caught_cases += all(caught_in)
    print(f"mutants caught: {caught_cases}/{len(MUTANTS)}; per-point detection "
          f"{flagged}/{points} = {flagged / points:.1%}; where the rule is wrong "
          f"{flagged_wrong}/{wrong_points} = {flagged_wrong / max(wrong_points, 1):.1%}")
    alarms = inconclusive = checked = 0
    for case in CORRECT:
        for dtype in case.dtypes:
            n = max(1, count // 4) if is_eager(case) else count
            for i, args in enumerate(draws(case, dtype, n)):
                report = harness.check(case.fn, args, order=case.order, modes=case.modes,
                                       holomorphic=case.holomorphic, seed=i)
                alarms += not report.ok
                inconclusive += bool(report.inconclusive)
                checked += 1
                if not report.ok:
                    print(report)
    print(f"right functions: {len(CORRECT)}; false alarms {alarms}/{checked} draws, "
          f"inconclusive {inconclusive}/{checked}")
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
