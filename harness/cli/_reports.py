"""``adharness bench``, ``report``, ``compare`` and ``history``: benchmarks and what they show.

::

    adharness bench --out run.json                    # the quick preset on JAX's default backend
    adharness bench --out gpu.json --preset full --backend gpu
    adharness report run.json [more.json ...] --out report/
    adharness compare baseline.json run.json          # exit 1 when something got slower
    adharness history --name '*hvp*'                  # a benchmark's median over recorded runs

Runs that ``bench`` writes are recorded in the history database (``--history PATH``, by
default ``.adharness/history.sqlite``); ``history --add FILE`` records others.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys

import harness


def add_commands(commands) -> None:
    """Add the four subcommands to ``adharness``'s subparsers."""
    from reports._history import DEFAULT_PATH

    bench = commands.add_parser(
        "bench", help="run the benchmark suites and write their JSON",
        description="Run suites/bench through pytest-benchmark in one process and write the "
                    "results as JSON (pytest-benchmark's format, with the raw rounds).")
    bench.add_argument("--out", required=True, metavar="FILE",
                       help="the JSON file to write (its folder is created if need be)")
    bench.add_argument("--preset", choices=("quick", "full"), default="quick",
                       help="benchmark sizes (default quick)")
    bench.add_argument("--backend", choices=("cpu", "gpu", "tpu"), default=None,
                       help="JAX backend (default: JAX's own choice)")
    bench.add_argument("--only", metavar="EXPRESSION",
                       help="a pytest -k expression selecting benchmarks, e.g. 'hvp and jit'")
    bench.add_argument("--history", default=DEFAULT_PATH, metavar="PATH",
                       help=f"record the run in this SQLite database (default {DEFAULT_PATH})")
    bench.add_argument("--no-history", action="store_true", help="do not record the run")
    bench.add_argument("--force", action="store_true", help="let --out overwrite FILE")
    bench.set_defaults(subparser=bench)

    report = commands.add_parser(
        "report", help="tables and plots from benchmark JSON files",
        description="Write report.md, index.html, results.csv (and .parquet with pyarrow) and "
                    "PNG plots from one or more pytest-benchmark JSON files.")
    report.add_argument("runs", nargs="*", metavar="RUN.json",
                        help="pytest-benchmark JSON files (from adharness bench or "
                             "--benchmark-json), any number, from any devices")
    report.add_argument("--correctness", nargs="+", default=[], metavar="JUNIT.xml",
                        help="JUnit XML of `pytest suites --junitxml=FILE` runs: adds the "
                             "property x function x dtype x backend matrix")
    report.add_argument("--out", required=True, metavar="DIR", help="the report's folder")
    report.add_argument("--force", action="store_true", help="replace DIR if it exists")
    report.add_argument("--title", default="adharness report", metavar="TEXT",
                        help="the title of report.md and index.html (default 'adharness "
                             "report')")
    report.set_defaults(subparser=report)

    compare = commands.add_parser(
        "compare", help="which benchmarks got slower between two runs",
        description="Match benchmarks by name; a benchmark is slower when its median grew by "
                    "more than --min-change and a Mann-Whitney U test on the rounds says the "
                    "growth is significant. Exit status 1 when any got slower.")
    compare.add_argument("base", metavar="BASE.json",
                         help="the baseline run (pytest-benchmark JSON)")
    compare.add_argument("new", metavar="NEW.json",
                         help="the run to judge against the baseline")
    compare.add_argument("--min-change", type=float, default=0.05, metavar="F",
                         help="smallest relative change that counts (default 0.05)")
    compare.add_argument("--alpha", type=float, default=0.01, metavar="P",
                         help="significance level of the test (default 0.01)")
    compare.add_argument("--cross-device", action="store_true",
                         help="compare runs from different devices or backends anyway")
    compare.set_defaults(subparser=compare)

    history = commands.add_parser(
        "history", help="benchmark medians over the recorded runs",
        description="Show each benchmark's median over the runs in the history database.")
    history.add_argument("--db", default=DEFAULT_PATH, metavar="PATH",
                         help=f"the SQLite database (default {DEFAULT_PATH})")
    history.add_argument("--add", nargs="+", default=[], metavar="RUN.json",
                         help="record these runs first")
    history.add_argument("--name", default="*", metavar="PATTERN",
                         help="benchmarks to show, a shell pattern (default all)")
    history.add_argument("--device", default="*", metavar="PATTERN",
                         help="devices to show, a shell pattern on backend:device such as "
                              "'cpu:*' or '*H100*' (default all)")
    history.set_defaults(subparser=history)


def _refuse_bad_input(run, parser: argparse.ArgumentParser):
    from reports._load import ReportInputError

    try:
        return run()
    except ReportInputError as error:
        parser.exit(2, f"adharness {parser.prog.split()[-1]}: error: {error}\n")


def bench(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness bench``; returns pytest's exit status."""
    suites = pathlib.Path(harness.__file__).resolve().parents[1] / "suites" / "bench"
    if not suites.is_dir():
        parser.error(f"{suites} not found: adharness bench runs the suites of a source "
                     "checkout (pip install -e .)")
    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        parser.error(f"--out {args.out!r} is a folder; name the JSON file to write")
    if os.path.exists(out) and not args.force:
        parser.error(f"--out {args.out!r} exists; pass --force to overwrite it")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    command = [sys.executable, "-m", "pytest", str(suites), "-p", "no:cacheprovider",
               "--benchmark-only", f"--benchmark-json={out}", "--adh-bench-preset", args.preset]
    if args.backend:
        command += ["--adh-backend", args.backend]
    if args.only:
        command += ["-k", args.only]
    print("running: " + " ".join(command), flush=True)
    # Started from inside an xdist worker, the child would think it is one and not time.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    status = subprocess.call(command, cwd=suites.parents[1], env=environment)
    if status == 0 and not args.no_history:
        from reports._history import record
        from reports._load import load_runs

        added = record(args.history, load_runs([out]))
        print(f"recorded {added} run in {args.history}", flush=True)
    return status


def report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness report``."""
    from reports._correctness import load_junit
    from reports._load import load_runs
    from reports._render import write_report

    if not args.runs and not args.correctness:
        parser.error("give benchmark JSON files, --correctness JUnit XML files, or both")

    def run():
        frame = load_runs(args.runs) if args.runs else None
        correctness = load_junit(args.correctness) if args.correctness else None
        names = write_report(frame, args.out, force=args.force, title=args.title,
                             correctness=correctness)
        print(f"{0 if frame is None else len(frame)} benchmarks, "
              f"{0 if correctness is None else len(correctness)} property tests; wrote "
              f"{', '.join(names)} to {args.out}")
        return 0

    return _refuse_bad_input(run, parser)


def compare(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness compare``; 1 when any benchmark got significantly slower."""
    from reports._compare import compare_runs
    from reports._load import load_runs
    from reports._render import markdown_table

    if not 0 < args.alpha < 1 or args.min_change < 0:
        parser.error("--alpha must lie in (0, 1) and --min-change must not be negative")

    def run():
        table = compare_runs(load_runs([args.base]), load_runs([args.new]),
                             min_change=args.min_change, alpha=args.alpha,
                             cross_device=args.cross_device)
        print(markdown_table(table))
        counts = table["verdict"].value_counts()
        print("\n" + ", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
        return 1 if counts.get("slower", 0) else 0

    return _refuse_bad_input(run, parser)


def history(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness history``."""
    from reports._history import record, trend
    from reports._load import load_runs
    from reports._render import markdown_table

    def run():
        if args.add:
            added = record(args.db, load_runs(args.add))
            print(f"recorded {added} new run(s) in {args.db}")
        table = trend(args.db, name=args.name, device=args.device)
        if table.empty:
            print(f"no recorded results match in {args.db}")
        else:
            print(markdown_table(table))
        return 0

    return _refuse_bad_input(run, parser)


COMMANDS = {"bench": bench, "report": report, "compare": compare, "history": history}
