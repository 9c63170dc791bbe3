"""Load pytest-benchmark JSON files into one tidy pandas DataFrame: one row per benchmark.

Columns: the file and machine (``source``, ``jax_backend``, ``device_kind``, ``device_count``,
``jax_version``, ``jaxlib_version``, ``x64``, ``XLA_FLAGS``, ``commit``, ``datetime``), the
benchmark (``name``, ``group``, ``params``) and our ``extra_info`` keys (``family``,
``workload``, ``strategy``, ``size``, ``mode``, ``compile_s``, ``flops`` ...), and its timing
statistics in seconds (``min``, ``median``, ``mean``, ``iqr``, ``q1``, ``q3``, ``stddev``,
``rounds``, ``iterations``); the raw per-round times, where the file holds them, stay in the
``data`` column for significance tests.

>>> import json, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.json"
>>> _ = path.write_text(json.dumps({"machine_info": {}, "benchmarks": []}))
>>> load_runs([path])
Traceback (most recent call last):
...
reports._load.ReportInputError: ...empty.json: holds no benchmarks (an empty run); ...
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

import pandas as pd

from harness._errors import HarnessError

STATS = ("min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "rounds", "iterations",
         "ops")
MACHINE = ("node", "jax_backend", "device_kind", "device_count", "jax_version", "jaxlib_version",
           "x64", "matmul_precision", "XLA_FLAGS")


class ReportInputError(HarnessError, ValueError):
    """A results file is missing, unreadable, not pytest-benchmark's JSON, or empty."""


def read_run(path: str | os.PathLike) -> dict:
    """The parsed JSON of one pytest-benchmark results file, checked for its shape.

    Raises:
        ReportInputError: naming the file and what is wrong with it.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        if os.path.exists(f"{path}.partial"):
            raise ReportInputError(
                f"{path}: no such file, but {os.path.basename(path)}.partial is there: the run "
                "was stopped before pytest-benchmark wrote FILE; pass the .partial file, which "
                "holds the benchmarks it finished")
        raise ReportInputError(f"{path}: no such file; pass the JSON that "
                               "`pytest suites/bench --benchmark-json=FILE` wrote")
    if os.path.isdir(path):
        raise ReportInputError(f"{path}: is a folder; pass the JSON files in it")
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ReportInputError(f"{path}: cannot be read as text: {error}") from None
    if not text.strip():
        raise ReportInputError(
            f"{path}: is empty; pytest-benchmark writes it only when the run ends, so a run "
            f"that was stopped leaves it empty (look for {os.path.basename(path)}.partial)")
    try:
        run = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportInputError(
            f"{path}: is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}); the file is truncated or corrupt") from None
    if not isinstance(run, dict) or not isinstance(run.get("benchmarks"), list) \
            or not isinstance(run.get("machine_info"), dict):
        raise ReportInputError(
            f"{path}: is JSON but not pytest-benchmark's results (it needs a 'benchmarks' list "
            "and a 'machine_info' object); write one with --benchmark-json=FILE")
    if not run["benchmarks"]:
        raise ReportInputError(f"{path}: holds no benchmarks (an empty run); did the run "
                               "select any, and did it use --benchmark-only?")
    for i, bench in enumerate(run["benchmarks"]):
        if not isinstance(bench, dict) or not isinstance(bench.get("stats"), dict) \
                or "name" not in bench:
            raise ReportInputError(f"{path}: benchmark {i} has no name or no stats; the file "
                                   "is not pytest-benchmark's results")
    return run


def tidy(run: dict, *, source: str) -> pd.DataFrame:
    """One row per benchmark of a parsed run."""
    machine = run["machine_info"]
    commit = run.get("commit_info") or {}
    rows = []
    for bench in run["benchmarks"]:
        stats = bench["stats"]
        row = {"source": source, "name": bench["name"], "fullname": bench.get("fullname", ""),
               "group": bench.get("group") or "", "params": json.dumps(bench.get("params"))}
        row.update({key: machine.get(key) for key in MACHINE})
        row["commit"] = commit.get("id") or ""
        row["datetime"] = run.get("datetime") or ""
        row.update(bench.get("extra_info") or {})
        row.update({key: stats.get(key) for key in STATS})
        row["data"] = stats.get("data")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "jax_backend" in frame and frame["jax_backend"].isna().all():
        frame["jax_backend"] = machine.get("system", "unknown")
    frame["device"] = _device_label(frame)
    return frame


def _device_label(frame: pd.DataFrame) -> pd.Series:
    kind = frame["device_kind"].fillna("") if "device_kind" in frame else ""
    backend = frame["jax_backend"].fillna("unknown")
    return backend.where(kind == "", backend + ":" + kind.astype(str))


def load_runs(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """All benchmarks of the given pytest-benchmark JSON files, as one tidy frame.

    Raises:
        ReportInputError: for no files, or a file that is missing, corrupt, foreign or empty.
    """
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ReportInputError("no results files given; pass one or more JSON files written "
                               "by `pytest suites/bench --benchmark-json=FILE`")
    frames = [tidy(read_run(p), source=p) for p in paths]
    return pd.concat(frames, ignore_index=True)
