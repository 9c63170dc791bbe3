"""Print the checker's verdicts on right functions nobody tuned it for, per class and dtype.

    python tests/body/measure.py [--draws N] [--programs N] [--classes ...] [--dtypes ...]
                                 [--only TEXT] [--csv FILE]

Classes of right functions (all checked by ``harness.check`` at their own order and modes):

* ``body``: every differentiable public function of jax.numpy (linalg, fft), jax.nn,
  jax.scipy.special and jax.scipy.linalg on its natural domain (``tests/body``), N points each;
* ``catalog``: the built-in catalog's entries whose derivative JAX computes right, N points;
* ``corpus``: the right functions of ``tests/corpus`` (custom rules among them), N points;
* ``programs``: generated programs (``harness.strategies.programs``) drawn at seeds the
  suites do not use, one point each;
* ``libraries``: the library suite's entries that install here (``suites/libraries``), N
  points (BacksolveAdjoint and diffrax's adaptive steps, wrong by design, left out).

A failed verdict on a right function is a false alarm, unless the function has a known JAX
bug that the running JAX still has (counted as "known bug"; catalog entries whose derivative
JAX gets wrong are left out). A known bug that says where it shows (``KnownBug.shows_at``)
excuses only the draws there, an inconclusive verdict included (JAX is wrong at that draw:
it is no right draw), and at every other draw a failure is a false alarm. A failure whose
failed checks are all ``derivative_accuracy`` (AD's result lost its digits against an exact
reference) is counted as "accuracy loss". Points where fn is not finite are counted as
undefined, not checked. Each non-pass prints one line with its
reason; the totals per class and dtype come last. With ``--csv`` every draw is written
(atomically) to FILE. Functions are measured in ``--jobs`` processes at once; one whose
draws take longer than ``--timeout`` seconds (a JAX function that does not return) is
stopped and counted as "hung".
"""

from __future__ import annotations

import argparse
import collections
import csv
import functools
import io
import multiprocessing
import os
import pathlib
import sys
import time
from collections.abc import Callable, Iterator
from queue import Empty

import hypothesis

ROOT = pathlib.Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests", ROOT / "suites" / "libraries"):
    sys.path.insert(0, str(path))

import harness  # noqa: E402
from harness._files import write_atomically  # noqa: E402
from harness.catalog import ENTRIES, Entry, KnownBug  # noqa: E402

CLASSES = ("body", "catalog", "corpus", "programs", "libraries")
# Seeds of the programs drawn here: the suites draw theirs from Hypothesis' own.
PROGRAM_SEED = 20261204
CHECKED = ("passed", "failed", "inconclusive", "error", "crashed", "accuracy loss")

# (class, function, draw, check, where a known JAX bug of the function shows: ``bug_at``)
Job = tuple[str, str, int, Callable[[], harness.Report], str]
# What one draw gave: class, dtype, function, draw, verdict, seconds, reason.
Row = tuple[str, str, str, int, str, float, str]


def entry_jobs(kind: str, entries: list[Entry], dtype: str, draws: int) -> Iterator[Job]:
    """One job per drawn point of each entry that applies to ``dtype``."""
    for entry in entries:
        if dtype not in _dtypes_of(entry):
            continue
        try:
            points = entry.points(_entry_dtype(entry, dtype), draws)
        except harness.InvalidArgument as error:
            yield kind, entry.name, 0, _raiser(error), ""
            continue
        for i, args in enumerate(points):
            yield kind, entry.name, i, _checker(entry.checked_fn, args, entry.order,
                                                entry.modes(), entry.holomorphic, i), \
                bug_at(entry, args)


def bug_at(entry: Entry, args: tuple) -> str:
    """Where the entry's live known JAX bug shows, as seen from the draw ``args``: "here"
    (its ``shows_at`` holds), "anywhere" (a live bug that does not say where), "elsewhere"
    (a live bug that shows at other draws), or "" (none is live)."""
    bug = entry.xfail.get("*")
    if bug is None or not entry.derivative_is_wrong():
        return ""
    if not isinstance(bug, KnownBug) or bug.shows_at is None:
        return "anywhere"
    return "here" if bug.shows_at(*args) else "elsewhere"


def _dtypes_of(entry: Entry) -> tuple[str, ...]:
    """The precisions an entry applies to, named by their real dtype."""
    real = {"complex64": "float32", "complex128": "float64"}
    return tuple(real.get(d, d) for d in entry.dtypes)


def _entry_dtype(entry: Entry, dtype: str) -> str:
    """The entry's own dtype of the precision ``dtype`` (real or complex)."""
    if dtype in entry.dtypes:
        return dtype
    return {"float32": "complex64", "float64": "complex128"}[dtype]


def _checker(fn, args, order, modes, holomorphic, seed) -> Callable[[], harness.Report]:
    return lambda: harness.check(fn, args, order=order, modes=modes, holomorphic=holomorphic,
                                 seed=seed)


def _raiser(error: Exception) -> Callable[[], harness.Report]:
    def fail() -> harness.Report:
        raise error

    return fail


def corpus_jobs(dtype: str, draws: int, name: str) -> Iterator[Job]:
    from corpus import CORRECT
    from corpus import draws as corpus_draws

    for case in CORRECT:
        if dtype not in case.dtypes or case.name != name:
            continue
        for i, args in enumerate(corpus_draws(case, dtype, draws)):
            yield "corpus", case.name, i, _checker(case.fn, args, case.order, case.modes,
                                                   case.holomorphic, i), ""


@functools.cache
def drawn_programs(dtype: str, count: int) -> tuple:
    """``count`` generated programs in ``dtype``, the same on every run."""
    from harness.strategies import programs

    drawn = []

    @hypothesis.settings(max_examples=count, database=None, deadline=None,
                         phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.seed(PROGRAM_SEED + len(dtype))
    @hypothesis.given(programs(dtypes=(dtype,)))
    def collect(program) -> None:
        drawn.append(program)

    collect()
    return tuple(drawn)


def program_jobs(dtype: str, count: int, name: str) -> Iterator[Job]:
    i = int(name.split()[-1])
    program = drawn_programs(dtype, count)[i]
    modes = tuple(m for m, ok in (("fwd", program.forward_mode),
                                  ("rev", program.reverse_mode)) if ok)
    yield "programs", name, 0, _checker(program.fn, program.args, 1, modes,
                                        program.holomorphic, i), ""


@functools.cache
def entries_of(kind: str) -> tuple[Entry, ...]:
    """The entries of an entry class (body, catalog, libraries)."""
    if kind == "body":
        from body import BODY
        return tuple(BODY)
    if kind == "catalog":
        return tuple(e for e in ENTRIES if not e.derivative_is_wrong())
    import measure as libraries
    return tuple(e for e in libraries.library_entries() if "*" not in e.xfail)


def names(kind: str, dtype: str, options: argparse.Namespace) -> list[str]:
    """The functions of a class that apply to ``dtype``, each measured as one task."""
    if kind == "programs":
        return [f"program {i}" for i in range(len(drawn_programs(dtype, options.programs)))]
    if kind == "corpus":
        from corpus import CORRECT
        found = [c.name for c in CORRECT if dtype in c.dtypes]
    else:
        found = [e.name for e in entries_of(kind) if dtype in _dtypes_of(e)]
    return [n for n in found if options.only in n]


def jobs(kind: str, dtype: str, name: str, options: argparse.Namespace) -> Iterator[Job]:
    if kind == "programs":
        return program_jobs(dtype, options.programs, name)
    if kind == "corpus":
        return corpus_jobs(dtype, options.draws, name)
    chosen = [e for e in entries_of(kind) if e.name == name]
    return entry_jobs(kind, chosen, dtype, options.draws)


def run(job: Job) -> tuple[str, str]:
    """The verdict and its reason; a point where fn is not finite is "undefined", a failure
    of a function with a known JAX bug at this draw "known bug" (``bug_at``)."""
    try:
        report = job[3]()
    except harness.UndefinedPoint as error:
        return "undefined", str(error).splitlines()[0][:200]
    except harness.InvalidArgument as error:
        return "invalid", str(error).splitlines()[0][:200]
    if (job[4] == "anywhere" and report.verdict in ("failed", "error")
            or job[4] == "here" and report.verdict in ("failed", "error", "inconclusive")):
        return "known bug", report.reason
    failed = [c for c in report.checks if c.status == "failed"]
    if failed and all(c.property == "derivative_accuracy" for c in failed):
        # A derivative that AD computes with its digits lost against an exact reference
        # (sigmoid' at 40 is 0 in float32 where it is 4.2e-18): a finding of its own kind.
        return "accuracy loss", report.reason
    return report.verdict, report.reason


def measure(task: tuple[str, str, str], options: argparse.Namespace) -> list[Row]:
    """Every draw of one function: ``task`` is (class, dtype, function)."""
    kind, dtype, name = task
    rows = []
    for job in jobs(kind, dtype, name, options):
        began = time.perf_counter()
        verdict, reason = run(job)
        rows.append((kind, dtype, name, job[2], verdict, time.perf_counter() - began, reason))
    return rows


def _worker(tasks, results, options) -> None:
    """Measure tasks from the queue until it hands out None (a spawned process imports this
    module first, whose top level puts the project's folders on sys.path)."""
    while (item := tasks.get()) is not None:
        number, task = item
        results.put(("start", number, os.getpid()))
        try:
            rows = measure(task, options)
        except Exception as error:  # noqa: BLE001 - reported as the task's verdict
            rows = [(*task, 0, "crashed", 0.0, f"{type(error).__name__}: {error}"[:200])]
        results.put(("done", number, rows))


def measure_all(tasks: list[tuple[str, str, str]], options: argparse.Namespace,
                report: Callable[[list[Row]], None]) -> None:
    """Run ``tasks`` in ``options.jobs`` processes; a task that runs past ``options.timeout``
    seconds (a function that does not return) is stopped and reported as "hung"."""
    context = multiprocessing.get_context("spawn")
    queue, results = context.Queue(), context.Queue()
    for item in enumerate(tasks):
        queue.put(item)
    workers: dict[int, tuple] = {}  # pid -> (process, task number, start time)

    def spawn() -> None:
        process = context.Process(target=_worker, args=(queue, results, options), daemon=True)
        process.start()
        workers[process.pid] = (process, None, None)

    for _ in range(min(options.jobs, len(tasks))):
        spawn()
    left = len(tasks)
    while left:
        try:
            kind, number, payload = results.get(timeout=5)
        except Empty:
            now = time.perf_counter()
            for pid, (process, current, began) in list(workers.items()):
                if current is not None and now - began > options.timeout:
                    process.kill()
                    del workers[pid]
                    report([(*tasks[current], 0, "hung", now - began,
                             f"did not return within {options.timeout:.0f} s")])
                    left -= 1
                    spawn()
            continue
        if kind == "start":
            workers[payload] = (workers[payload][0], number, time.perf_counter())
        else:
            report(payload)
            left -= 1
            for pid, (process, current, _) in workers.items():
                if current == number:
                    workers[pid] = (process, None, None)
    for _ in workers:
        queue.put(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5, help="points per entry and dtype")
    parser.add_argument("--programs", type=int, default=100,
                        help="generated programs per dtype")
    parser.add_argument("--classes", nargs="+", default=list(CLASSES), choices=CLASSES)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"],
                        choices=["float32", "float64"],
                        help="precisions (complex entries run in the complex dtype of each)")
    parser.add_argument("--only", default="", help="check only functions whose name has this")
    parser.add_argument("--csv", default="", help="write every draw to this CSV file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes measuring at once")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds one function's draws may take before it counts as hung")
    options = parser.parse_args()
    start = time.perf_counter()
    tasks = [(kind, dtype, name) for kind in options.classes for dtype in options.dtypes
             for name in names(kind, dtype, options)]
    totals: dict[tuple[str, str], collections.Counter] = {
        (kind, dtype): collections.Counter() for kind in options.classes
        for dtype in options.dtypes}
    lines = ["class,dtype,function,draw,verdict,seconds,reason"]

    def report(rows: list[Row]) -> None:
        for kind, dtype, name, draw, verdict, seconds, reason in rows:
            totals[(kind, dtype)][verdict] += 1
            # Names hold commas (betainc[a=0.5, b=3.0]) and reasons anything: csv quotes them.
            line = io.StringIO()
            csv.writer(line, lineterminator="").writerow(
                [kind, dtype, name, draw, verdict, f"{seconds:.3f}", reason])
            lines.append(line.getvalue())
            if verdict != "passed":
                print(f"{kind:9} {dtype:8} {name:40} draw {draw:3}: {verdict}: {reason}",
                      flush=True)
        if options.csv:
            write_atomically(options.csv, "\n".join(lines) + "\n")

    print(f"{len(tasks)} functions to measure in {options.jobs} processes", flush=True)
    measure_all(tasks, options, report)
    print("totals:")
    for (kind, dtype), counts in totals.items():
        print("  " + _summary(kind, dtype, counts))
    overall = sum(totals.values(), collections.Counter())
    print("  " + _summary("all", "both", overall))
    print(f"{time.perf_counter() - start:.0f} s")


def _summary(kind: str, dtype: str, counts: collections.Counter) -> str:
    checked = sum(counts[v] for v in CHECKED)
    alarms = counts["failed"] + counts["error"] + counts["crashed"]
    rate = lambda n: f"{n} ({n / checked:.2%})" if checked else str(n)  # noqa: E731
    rest = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()) if v not in CHECKED)
    return (f"{kind} {dtype}: {checked} checked, false alarms {rate(alarms)}, inconclusive "
            f"{rate(counts['inconclusive'])}, accuracy losses {counts['accuracy loss']}"
            + (f"; not checked: {rest}" if rest else ""))


if __name__ == "__main__":
    main()
