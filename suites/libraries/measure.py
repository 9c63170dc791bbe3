"""Print the checker's verdicts on the library suite's entries at many drawn points.

    python suites/libraries/measure.py [--draws N] [--only NAME] [--dtypes float32 float64]

Every entry of the library suite that installs here (its ``ENTRIES`` and the flax BatchNorm
pair) is checked by ``harness.check`` at its own order and modes, at ``N`` points per dtype
drawn from its domain by Hypothesis (derandomized: the same points on every run). Per entry
and dtype it prints how many draws passed, failed, were inconclusive or undefined, with the
reason of each non-pass in one line; entries whose mismatch is expected by design (an
``xfail`` on every rule) are counted apart. The last line gives the totals and the time.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import harness  # noqa: E402
from harness.catalog import Entry  # noqa: E402

MODULES = ("test_optax", "test_flax", "test_equinox", "test_lineax", "test_optimistix",
           "test_jaxopt", "test_diffrax", "test_numpyro")


def library_entries() -> list[Entry]:
    """The entries of every library test module whose library imports here."""
    found = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - pytest.importorskip raises Skipped, not ImportError
            print(f"{name}: its library does not import here; skipped")
            continue
        entries = list(getattr(module, "ENTRIES", ()))
        entries += [v for k, v in vars(module).items() if k.isupper() and isinstance(v, Entry)]
        found += list({e.name: e for e in entries}.values())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10, help="points per entry and dtype")
    parser.add_argument("--only", default="", help="check only entries whose name has this")
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"],
                        help="the dtypes to draw in")
    options = parser.parse_args()
    start = time.perf_counter()
    totals, expected = collections.Counter(), collections.Counter()
    for entry in library_entries():
        if options.only not in entry.name:
            continue
        modes = tuple(m for m, ok in (("fwd", entry.forward_mode), ("rev", entry.reverse_mode))
                      if ok)
        by_design = "*" in entry.xfail
        for dtype in (d for d in options.dtypes if d in entry.dtypes):
            counts, lines = collections.Counter(), []
            for seed, args in enumerate(entry.points(dtype, options.draws)):
                try:
                    report = harness.check(entry.checked_fn, args, order=entry.order,
                                           modes=modes, seed=seed)
                except harness.UndefinedPoint as error:  # the suite rejects such points
                    counts["rejected"] += 1
                    lines.append(f"    draw {seed}: rejected: {str(error)[:160]}")
                    continue
                counts[report.verdict] += 1
                if report.verdict != "passed":
                    lines.append(f"    draw {seed}: {report.verdict}: {report.reason}")
            (expected if by_design else totals).update(counts)
            summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
            print(f"{entry.name:44} {dtype:8} order {entry.order}  {summary}"
                  + ("  (expected by design)" if by_design else ""), flush=True)
            for line in lines[:5]:
                print(line, flush=True)
    checked = sum(totals.values())
    print(f"totals over {checked} draws: "
          + ", ".join(f"{n} {verdict}" for verdict, n in sorted(totals.items()))
          + f"; by design: {dict(expected)}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
