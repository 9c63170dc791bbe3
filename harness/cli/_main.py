"""The ``adharness`` command line.

``adharness verify`` runs ``harness.search`` over the built-in catalog, one search per entry and
dtype, prints a line as each finishes, then a summary and the full report of every failure::

    adharness verify                              # everything, 25 examples each
    adharness verify --only 'seed.*' --dtype float32 --max-examples 100
    adharness verify --list                       # what would run
    adharness verify --report verify.json         # also a JSON summary
    adharness verify --suites --profile ci --junit suites.xml   # the property suites (pytest)

``adharness fuzz`` runs the properties on randomly generated programs for a while and writes
each distinct failure (a property and the primitives it fails on) as a standalone reproducer::

    adharness fuzz --out failures/                # 5 minutes, every rule
    adharness fuzz --out failures/ --minutes 60 --seed 7 --rule jvp_matches_oracle

``adharness bench``, ``report``, ``compare`` and ``history`` run the benchmarks and read their
results (see ``harness.cli._reports``).

Exit status: 0 when nothing failed, 1 when a derivative failed or an entry could not be checked
(verify) or a failure was found, written now or already in the folder (fuzz), 2 for a usage
error.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from importlib import metadata

import harness
from harness._files import write_atomically
from harness.catalog import ENTRIES, Entry
from harness.cli import _reports

ERROR = "error"
KNOWN_BUG = "known-bug"  # fails as the entry's xfail says today's JAX does


@dataclasses.dataclass
class Outcome:
    """What one search of one catalog entry at one dtype found."""

    name: str
    dtype: str
    verdict: str
    examples: int
    seconds: float
    failures: str = ""
    error: str = ""


def _version() -> str:
    try:
        return metadata.version("adharness")
    except metadata.PackageNotFoundError:
        return "unknown"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of minutes > 0, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adharness", description="Property-based verification of JAX derivatives."
    )
    parser.add_argument("--version", action="version", version=f"adharness {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    verify = commands.add_parser(
        "verify", help="check every catalog function's derivatives",
        description="Search each catalog entry, at each of its dtypes, for wrong derivatives.",
    )
    verify.add_argument("--max-examples", type=_positive, default=25, metavar="N",
                        help="points to try per entry and dtype (default 25)")
    verify.add_argument("--seed", type=int, default=0, metavar="S",
                        help="Hypothesis seed; the same seed replays the same run (default 0)")
    verify.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="entries to run: an exact name, a substring or a shell pattern "
                             "such as 'seed.*' (repeatable)")
    verify.add_argument("--dtype", action="append", default=[], metavar="NAME",
                        help="dtypes to run, e.g. float32 (repeatable)")
    verify.add_argument("--order", type=_positive, metavar="K",
                        help="check at most this derivative order (default: each entry's own)")
    verify.add_argument("--list", action="store_true", help="list the selected entries and exit")
    verify.add_argument("--report", metavar="FILE", help="write a JSON summary to FILE")
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
    fuzz = commands.add_parser(
        "fuzz", help="check randomly generated programs for a while",
        description="Run the properties on randomly generated programs until the time is up; "
                    "write each distinct failure (property and primitives) to a reproducer file.",
    )
    fuzz.add_argument("--minutes", type=_minutes, default=5.0, metavar="M",
                      help="how long to search (default 5)")
    fuzz.add_argument("--out", required=True, metavar="DIR",
                      help="folder for the reproducers, created if missing; failures with a "
                           "file there already are not written again")
    fuzz.add_argument("--seed", type=int, default=0, metavar="S",
                      help="seed of the generated programs (default 0)")
    fuzz.add_argument("--rule", action="append", default=[], metavar="NAME",
                      help="run only this rule, or 'check' for harness.check (repeatable; "
                           "default: all that apply to generated programs)")
    fuzz.add_argument("--known-bugs", action="store_true",
                      help="also generate what today's JAX is known to get wrong")
    fuzz.set_defaults(subparser=fuzz)
    _reports.add_commands(commands)
    return parser


def _matches(name: str, pattern: str) -> bool:
    return pattern in name or fnmatch.fnmatchcase(name, pattern)


def _select(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[tuple[Entry, str]]:
    entries = list(ENTRIES)
    if args.only:
        chosen = set()
        for pattern in args.only:
            exact = [e.name for e in entries if e.name == pattern]
            found = exact or [e.name for e in entries if _matches(e.name, pattern)]
            if not found:
                parser.error(f"--only {pattern!r} matches no catalog entry; "
                             "see 'adharness verify --list' for the names")
            chosen.update(found)
        entries = [e for e in entries if e.name in chosen]
    known = {dtype for e in ENTRIES for dtype in e.dtypes}
    for dtype in args.dtype:
        if dtype not in known:
            parser.error(f"--dtype {dtype!r} is not a catalog dtype; "
                         f"choose from {', '.join(sorted(known))}")
    selected = [(e, d) for e in entries for d in e.dtypes if not args.dtype or d in args.dtype]
    if not selected:
        parser.error("no catalog entry has the chosen dtypes")
    return selected


def _run_one(entry: Entry, dtype: str, args: argparse.Namespace) -> Outcome:
    order = min(entry.order, args.order) if args.order else entry.order
    start = time.perf_counter()
    modes = tuple(m for m, on in (("fwd", entry.forward_mode), ("rev", entry.reverse_mode))
                  if on)
    try:
        report = harness.search(
            entry.fn, *entry.arguments(dtype), order=order, holomorphic=entry.holomorphic,
            modes=modes, max_examples=args.max_examples, seed=args.seed, tangents=entry.tangents,
        )
    except harness.InvalidArgument as error:
        return Outcome(entry.name, dtype, ERROR, 0, time.perf_counter() - start, error=str(error))
    verdict, failures = report.verdict, "" if report.ok else str(report)
    known = entry.expected_failure("*", oracle=True)
    if known and report.failures:
        verdict, failures = KNOWN_BUG, f"known JAX bug: {known}\n{report}"
    return Outcome(entry.name, dtype, verdict, report.examples,
                   time.perf_counter() - start, failures=failures)


def _line(o: Outcome) -> str:
    return f"{o.name:<28} {o.dtype:<11} {o.verdict:<13} {o.examples:>8} {o.seconds:>8.2f}s"


def _check_report_path(path: str, force: bool, parser: argparse.ArgumentParser) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        parser.error(f"--report {path!r} is a folder; name a file")
    if os.path.exists(path) and not force:
        parser.error(f"--report {path!r} exists; pass --force to overwrite it")
    if not os.path.isdir(folder):
        parser.error(f"--report {path!r}: folder {folder!r} does not exist")


def _write_report(path: str, outcomes: list[Outcome], args: argparse.Namespace,
                  seconds: float) -> None:
    summary = {
        "adharness": _version(), "seed": args.seed, "max_examples": args.max_examples,
        "order": args.order, "seconds": round(seconds, 3),
        "results": [dataclasses.asdict(o) | {"seconds": round(o.seconds, 3)} for o in outcomes],
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


def verify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness verify``; returns the exit status."""
    if args.suites:
        return _verify_suites(args, parser)
    if args.profile or args.backend or args.junit:
        parser.error("--profile, --backend and --junit go with --suites")
    selected = _select(args, parser)
    if args.list:
        for entry in {id(e): e for e, _ in selected}.values():
            dtypes = ",".join(d for e, d in selected if e is entry)
            flags = f"order {entry.order}" + (", holomorphic" if entry.holomorphic else "")
            print(f"{entry.name:<28} {dtypes:<22} {flags:<20} {entry.why}".rstrip())
        return 0
    if args.report:
        _check_report_path(args.report, args.force, parser)
    _compile_fast_on_the_cpu()
    print(f"{'entry':<28} {'dtype':<11} {'verdict':<13} {'examples':>8} {'time':>9}", flush=True)
    start = time.perf_counter()
    outcomes = []
    for entry, dtype in selected:
        outcome = _run_one(entry, dtype, args)
        outcomes.append(outcome)
        print(_line(outcome), flush=True)
        if outcome.error:
            print(f"  error: {entry.name} ({dtype}) could not be checked: {outcome.error}",
                  flush=True)
    seconds = time.perf_counter() - start
    counts = {v: sum(o.verdict == v for o in outcomes)
              for v in ("passed", "failed", "inconclusive", KNOWN_BUG, ERROR)}
    print(f"\n{counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['inconclusive']} inconclusive, {counts[KNOWN_BUG]} known JAX bugs, "
          f"{counts[ERROR]} errors in {seconds:.1f}s", flush=True)
    for outcome in outcomes:
        if outcome.failures:
            print(f"\n{outcome.name} ({outcome.dtype}):\n{outcome.failures}", flush=True)
    if args.report:
        _write_report(args.report, outcomes, args, seconds)
        print(f"\nwrote {args.report}", flush=True)
    return 1 if counts["failed"] or counts[ERROR] else 0


def fuzz(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness fuzz``; returns the exit status."""
    from properties import _fuzz

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"--out {args.out!r} is a file; name a folder for the reproducers "
                     "(it is created if missing)")
    valid = _fuzz.fuzzable_rules()
    for name in args.rule:
        if name not in valid:
            parser.error(f"--rule {name!r} is not a rule fuzz can run; choose from "
                         f"{', '.join(valid)}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        parser.error(f"--out {args.out!r}: cannot create the folder ({error.strerror})")
    _compile_fast_on_the_cpu()
    print(f"fuzzing for {args.minutes:g} minutes, seed {args.seed}; reproducers go to "
          f"{args.out}", flush=True)
    summary = _fuzz.fuzz(seconds=args.minutes * 60, out=args.out, seed=args.seed,
                         rules=args.rule or None, known_bugs=args.known_bugs,
                         progress=lambda line: print(line, flush=True))
    new = len(summary.written)
    print(f"\n{summary.programs} programs in {summary.rounds} rounds, "
          f"{len(summary.failures)} failures ({new} new, {len(summary.failures) - new} already "
          f"in {args.out}) in {summary.seconds:.1f}s", flush=True)
    for failure in summary.failures:
        print(f"  {failure.key}: {failure.path}", flush=True)
    return 1 if summary.failures else 0


def _compile_fast_on_the_cpu() -> None:
    """The checks compile many small programs: on the CPU, ask XLA for little optimization."""
    from harness.plugin._jax import compile_mode, set_compile_mode

    set_compile_mode(compile_mode(None, checks_run=True, timing=False), asked=False)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``adharness`` console script; returns the exit status instead of exiting."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        command = {"verify": verify, "fuzz": fuzz, **_reports.COMMANDS}[args.command]
        return command(args, args.subparser)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 2)


if __name__ == "__main__":
    sys.exit(main())
