"""``adharness verify``: ``harness.search`` over the catalog, watched as it goes.

By default a few entries of every catalog family (``harness.catalog.QUICK``), 10 examples each;
``--all`` runs the whole catalog at 25. A live line shows what is being checked and the time
left; a line per entry and dtype stays as each finishes; the summary comes last, with one line
of why for each verdict but passed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import textwrap
import time

import harness
from harness._files import write_atomically
from harness.catalog import ENTRIES, QUICK, Entry
from harness.cli import _outcomes
from harness.cli._common import compile_fast_on_the_cpu, positive, version
from harness.cli._progress import Progress

QUICK_EXAMPLES = 10
ALL_EXAMPLES = 25
# Measured on 2 shared CPU cores (README, "Checking the catalog"): with --all, 11 min 54 s.
QUICK_TIME = "about 1 to 2 minutes on 2 CPU cores"
ALL_TIME = "about 12 minutes on 2 CPU cores"
_WIDTH = 78


def verdicts_help() -> str:
    """What each verdict means, for ``adharness verify --help``."""
    lines = ["what the verdicts mean:"]
    for verdict in ("passed", "failed", "inconclusive", "undefined", "skipped", "known-bug",
                    "error"):
        lines.append(textwrap.fill(_outcomes.MEANINGS[verdict], width=_WIDTH,
                                   initial_indent=f"  {verdict:<14}",
                                   subsequent_indent=" " * 16))
    return "\n".join(lines)


def add_command(commands) -> None:
    """Add ``verify`` to ``adharness``'s subparsers."""
    verify = commands.add_parser(
        "verify", help="check the catalog functions' derivatives",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Search catalog entries, at each of their dtypes, for wrong derivatives. By "
            f"default a few entries of every family, {QUICK_EXAMPLES} examples each "
            f"({QUICK_TIME}); --all runs the whole catalog ({ALL_TIME}). A live line shows "
            "what is being checked and the time left, a line per entry and dtype stays as "
            "each finishes, and the summary comes last, with one line of why for each "
            "verdict but passed.", width=_WIDTH),
        epilog=verdicts_help() + "\n\n" + textwrap.fill(
            "exit status: 0 when nothing failed (inconclusive and known bugs included), 1 on a "
            "failure or an error, 2 for a usage error, 130 when interrupted.", width=_WIDTH))
    verify.add_argument("--all", action="store_true",
                        help=f"the whole catalog, {ALL_EXAMPLES} examples per entry and dtype "
                             f"({ALL_TIME})")
    verify.add_argument("--max-examples", type=positive, metavar="N",
                        help=f"points to try per entry and dtype (default {QUICK_EXAMPLES}, "
                             f"or {ALL_EXAMPLES} with --all)")
    verify.add_argument("--seed", type=int, default=0, metavar="S",
                        help="Hypothesis seed; the same seed replays the same run (default 0)")
    verify.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="entries to run, from the whole catalog: an exact name, a "
                             "substring or a shell pattern such as 'seed.*' (repeatable)")
    verify.add_argument("--dtype", action="append", default=[], metavar="NAME",
                        help="dtypes to run, e.g. float32 (repeatable)")
    verify.add_argument("--order", type=positive, metavar="K",
                        help="check at most this derivative order (default: each entry's own)")
    verify.add_argument("--list", action="store_true", help="list the selected entries and exit")
    verify.add_argument("--report", metavar="FILE",
                        help="also write the results as JSON to FILE, each with its verdict "
                             "and why")
    verify.add_argument("--force", action="store_true", help="let --report overwrite FILE")
    verify.add_argument("--suites", action="store_true",
                        help="run the property suites (`pytest suites`: every property on "
                             "every catalog entry and dtype, and the generated programs) instead")
    verify.add_argument("--profile", choices=("dev", "ci", "thorough"),
                        help="with --suites: the Hypothesis profile (default ci when CI is set)")
    verify.add_argument("--backend", choices=("cpu", "gpu", "tpu"),
                        help="with --suites: the JAX backend")
    verify.add_argument("--junit", metavar="FILE",
                        help="with --suites: also write JUnit XML (for `adharness report "
                             "--correctness`)")
    verify.set_defaults(subparser=verify)


def _matches(name: str, pattern: str) -> bool:
    return pattern in name or fnmatch.fnmatchcase(name, pattern)


def _entries(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[Entry]:
    entries = list(ENTRIES)
    if args.only:
        chosen = set()
        for pattern in args.only:
            exact = [e.name for e in entries if e.name == pattern]
            found = exact or [e.name for e in entries if _matches(e.name, pattern)]
            if not found:
                parser.error(f"--only {pattern!r} matches no catalog entry; "
                             "see 'adharness verify --list --all' for the names")
            chosen.update(found)
        return [e for e in entries if e.name in chosen]
    if args.all:
        return entries
    quick = {name for names in QUICK.values() for name in names}
    return [e for e in entries if e.name in quick]


def select(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[tuple[Entry, str]]:
    """The (entry, dtype) pairs to check, in catalog order."""
    entries = _entries(args, parser)
    known = {dtype for e in ENTRIES for dtype in e.dtypes}
    for dtype in args.dtype:
        if dtype not in known:
            parser.error(f"--dtype {dtype!r} is not a catalog dtype; "
                         f"choose from {', '.join(sorted(known))}")
    selected = [(e, d) for e in entries for d in e.dtypes if not args.dtype or d in args.dtype]
    if not selected:
        parser.error("no catalog entry has the chosen dtypes")
    return selected


def _counted(strategies: tuple, progress: Progress) -> tuple:
    """The entry's strategies, the first counting each example Hypothesis draws."""
    first = strategies[0] if strategies else None
    if not hasattr(first, "map"):
        return strategies

    def count(value):
        progress.step()
        return value

    return (first.map(count), *strategies[1:])


def run_one(entry: Entry, dtype: str, args: argparse.Namespace,
            progress: Progress) -> _outcomes.Outcome:
    """``harness.search`` on one entry at one dtype."""
    order = min(entry.order, args.order) if args.order else entry.order
    start = time.perf_counter()
    try:
        report = harness.search(
            entry.fn, *_counted(entry.arguments(dtype), progress), order=order,
            holomorphic=entry.holomorphic, modes=entry.modes(), max_examples=args.max_examples,
            seed=args.seed, tangents=entry.tangents,
        )
    except harness.InvalidArgument as error:
        return _outcomes.error(entry, dtype, str(error), time.perf_counter() - start)
    return _outcomes.from_report(entry, dtype, report, time.perf_counter() - start)


def _check_report_path(path: str, force: bool, parser: argparse.ArgumentParser) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        parser.error(f"--report {path!r} is a folder; name a file")
    if os.path.exists(path) and not force:
        parser.error(f"--report {path!r} exists; pass --force to overwrite it")
    if not os.path.isdir(folder):
        parser.error(f"--report {path!r}: folder {folder!r} does not exist")


def _write_report(path: str, outcomes: list[_outcomes.Outcome], args: argparse.Namespace,
                  seconds: float, scope: str) -> None:
    summary = {
        "adharness": version(), "scope": scope, "seed": args.seed,
        "max_examples": args.max_examples, "order": args.order, "seconds": round(seconds, 3),
        "summary": _outcomes.counts_line(outcomes, seconds),
        "results": [_outcomes.record(o) for o in outcomes],
    }
    write_atomically(path, json.dumps(summary, indent=2) + "\n")


def _verify_suites(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``pytest suites`` with the profile and backend asked for; pytest's exit status."""
    import pathlib
    import subprocess

    suites = pathlib.Path(harness.__file__).resolve().parents[1] / "suites"
    if not suites.is_dir():
        parser.error(f"{suites} not found: --suites runs the suites of a source checkout "
                     "(pip install -e .)")
    command = [sys.executable, "-m", "pytest", str(suites), "-p", "no:cacheprovider"]
    for option, value in (("--adh-profile", args.profile), ("--adh-backend", args.backend),
                          ("--junitxml", args.junit and os.path.abspath(args.junit))):
        if value:
            command += [option, value]
    print("running: " + " ".join(command), flush=True)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    return subprocess.call(command, cwd=suites.parent, env=environment)


def _list(selected: list[tuple[Entry, str]]) -> int:
    for entry in {id(e): e for e, _ in selected}.values():
        dtypes = ",".join(d for e, d in selected if e is entry)
        flags = f"order {entry.order}" + (", holomorphic" if entry.holomorphic else "")
        print(f"{entry.name:<28} {dtypes:<22} {flags:<20} {entry.why}".rstrip())
    return 0


def _scope(args: argparse.Namespace, selected: list[tuple[Entry, str]]) -> tuple[str, str]:
    """The run's scope ("quick", "all" or "only") and the header line that says what runs."""
    entries = len({e.name for e, _ in selected})
    each = f"{args.max_examples} examples each"
    if args.only:
        return "only", f"{len(selected)} checks: {entries} entries chosen by --only, {each}"
    if args.all:
        return "all", f"{len(selected)} checks: the whole catalog ({entries} entries), {each}"
    everything = sum(len(e.dtypes) for e in ENTRIES)
    return "quick", (f"{len(selected)} checks: {entries} entries drawn from all "
                     f"{len(QUICK)} families of the catalog, {each}; the whole catalog "
                     f"({everything} checks, {ALL_TIME}) is 'adharness verify --all'")


def verify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness verify``; returns the exit status."""
    if args.suites:
        return _verify_suites(args, parser)
    if args.profile or args.backend or args.junit:
        parser.error("--profile, --backend and --junit go with --suites")
    if args.max_examples is None:
        args.max_examples = ALL_EXAMPLES if args.all else QUICK_EXAMPLES
    selected = select(args, parser)
    if args.list:
        return _list(selected)
    if args.report:
        _check_report_path(args.report, args.force, parser)
    scope, header = _scope(args, selected)
    print(f"adharness verify: {header}", flush=True)
    compile_fast_on_the_cpu()
    live = sys.stderr if sys.stderr.isatty() else None
    outcomes = []
    start = time.perf_counter()
    with Progress(len(selected), out=sys.stdout, status=live) as progress:
        progress.say(_outcomes.table_header())
        for entry, dtype in selected:
            progress.begin(f"{entry.name} ({dtype})", planned=args.max_examples)
            outcome = run_one(entry, dtype, args, progress)
            outcomes.append(outcome)
            progress.finish(_outcomes.table_line(outcome), verdict=outcome.verdict)
            if outcome.error:
                progress.say(f"  error: {entry.name} ({dtype}) could not be checked: "
                             f"{outcome.error}")
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        if outcome.failures:
            print(f"\n{outcome.name} ({outcome.dtype}): {outcome.verdict}\n{outcome.failures}",
                  flush=True)
    if args.report:
        _write_report(args.report, outcomes, args, seconds, scope)
        print(f"\nwrote {args.report}", flush=True)
    print("\n".join(_outcomes.summary(outcomes, seconds)), flush=True)
    failed = any(o.verdict in (_outcomes.FAILED, _outcomes.ERROR) for o in outcomes)
    return 1 if failed else 0
