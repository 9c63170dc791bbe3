"""A SQLite history of benchmark runs, keyed by commit, machine, backend and device.

>>> import pathlib, tempfile, pandas as pd
>>> db = pathlib.Path(tempfile.mkdtemp()) / "history.sqlite"
>>> frame = pd.DataFrame({"source": ["a.json"], "name": ["b"], "commit": ["c1"],
...     "datetime": ["2026-01-01T00:00:00"], "node": ["box"], "jax_backend": ["cpu"],
...     "device": ["cpu:cpu"], "jax_version": ["0.10.2"], "median": [1.5], "iqr": [0.1]})
>>> record(db, frame)
1
>>> record(db, frame)  # the same run again is not added twice
0
>>> trend(db)[["name", "commit", "median"]].values.tolist()
[['b', 'c1', 1.5]]
"""

from __future__ import annotations

import fnmatch
import os
import sqlite3

import pandas as pd

DEFAULT_PATH = os.path.join(".adharness", "history.sqlite")
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    commit_id TEXT NOT NULL, machine TEXT NOT NULL, backend TEXT NOT NULL, device TEXT NOT NULL,
    started TEXT NOT NULL, jax_version TEXT, source TEXT,
    UNIQUE (commit_id, machine, backend, device, started)
);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL,
    family TEXT, workload TEXT, strategy TEXT, size REAL, mode TEXT,
    median REAL, iqr REAL, min REAL, rounds INTEGER, compile_s REAL,
    PRIMARY KEY (run_id, name)
);
"""
RESULT_COLUMNS = ("family", "workload", "strategy", "size", "mode", "median", "iqr", "min",
                  "rounds", "compile_s")


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    return connection


def _value(row: pd.Series, key: str):
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def record(path: str | os.PathLike, frame: pd.DataFrame) -> int:
    """Add every run in ``frame`` (one per source file) to the database; returns how many were
    new. A run already there (same commit, machine, backend, device and start) is skipped.
    Each run goes in one transaction, so the database never holds half a run."""
    added = 0
    with _connect(path) as connection:
        for source, run in frame.groupby("source", sort=False):
            first = run.iloc[0]
            key = (str(_value(first, "commit") or "unknown"), str(_value(first, "node") or ""),
                   str(_value(first, "jax_backend") or ""), str(_value(first, "device") or ""),
                   str(_value(first, "datetime") or ""))
            cursor = connection.execute(
                "INSERT OR IGNORE INTO runs (commit_id, machine, backend, device, started, "
                "jax_version, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, _value(first, "jax_version"), str(source)))
            if cursor.rowcount == 0:
                continue
            run_id = cursor.lastrowid
            connection.executemany(
                f"INSERT OR REPLACE INTO results (run_id, name, {', '.join(RESULT_COLUMNS)}) "
                f"VALUES (?, ?, {', '.join('?' for _ in RESULT_COLUMNS)})",
                [(run_id, row["name"], *(_value(row, c) for c in RESULT_COLUMNS))
                 for _, row in run.iterrows()])
            added += 1
    return added


def trend(path: str | os.PathLike, *, name: str = "*", device: str = "*") -> pd.DataFrame:
    """Each matching benchmark's median over the recorded runs, oldest first.

    ``name`` and ``device`` are shell patterns (``'*hvp*'``).
    """
    if not os.path.exists(path):
        return pd.DataFrame(columns=["name", "device", "commit", "started", "median", "iqr"])
    with _connect(path) as connection:
        table = pd.read_sql_query(
            "SELECT results.name, runs.device, runs.commit_id AS 'commit', runs.started, "
            "runs.machine, results.median, results.iqr, results.compile_s FROM results "
            "JOIN runs ON runs.id = results.run_id ORDER BY results.name, runs.started",
            connection)
    keep = table["name"].map(lambda n: fnmatch.fnmatchcase(n, name)) & table["device"].map(
        lambda d: fnmatch.fnmatchcase(d, device))
    return table[keep].reset_index(drop=True)
