"""The correctness matrix: property x function x dtype x backend, from ``pytest suites`` runs.

Run the suites with ``--junitxml=FILE``; every test of a property on a catalog entry is named
``test_<property>[<entry>-<dtype>]`` and carries the JAX backend as a property, so the JUnit
XML holds the whole matrix. Outcomes: ``pass``, ``FAIL``, ``xfail`` (an expected failure: a
known JAX bug), ``skip``.

>>> import pathlib, tempfile
>>> xml = pathlib.Path(tempfile.mkdtemp()) / "run.xml"
>>> _ = xml.write_text('<testsuites><testsuite><testcase classname="suites.t" '
...     'name="test_jvp_matches_oracle[tanh-float32]"><properties><property name="jax_backend" '
...     'value="cpu"/></properties></testcase></testsuite></testsuites>')
>>> load_junit([xml])[["property", "function", "dtype", "backend", "outcome"]].values.tolist()
[['jvp_matches_oracle', 'tanh', 'float32', 'cpu', 'pass']]
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable

import pandas as pd

from reports._load import ReportInputError

_NAME = re.compile(r"^test_(?P<property>\w+)\[(?P<function>.+)-(?P<dtype>(?:float|complex|"
                   r"bfloat|int)\d+)\]$")


def _outcome(case: ElementTree.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "FAIL"
    skipped = case.find("skipped")
    if skipped is not None:
        return "xfail" if skipped.get("type") == "pytest.xfail" else "skip"
    return "pass"


def load_junit(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """One row per property test in the JUnit XML files of ``pytest suites`` runs.

    Raises:
        ReportInputError: a file is missing, not XML, not JUnit, or holds no property tests.
    """
    rows = []
    for path in map(os.fspath, paths):
        if not os.path.isfile(path):
            raise ReportInputError(f"{path}: no such file; write one with "
                                   "`pytest suites --junitxml=FILE`")
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as error:
            raise ReportInputError(f"{path}: is not valid XML ({error}); the file is "
                                   "truncated or corrupt") from None
        if root.tag not in ("testsuites", "testsuite"):
            raise ReportInputError(f"{path}: is XML but not JUnit results (root <{root.tag}>)")
        found = 0
        for case in root.iter("testcase"):
            match = _NAME.match(case.get("name", ""))
            if not match:
                continue
            backend = next((p.get("value") for p in case.iter("property")
                            if p.get("name") == "jax_backend"), "unknown")
            rows.append({**match.groupdict(), "backend": backend, "outcome": _outcome(case),
                         "source": path})
            found += 1
        if not found:
            raise ReportInputError(f"{path}: holds no property tests (test_<property>[<entry>-"
                                   "<dtype>]); was it written by `pytest suites`?")
    return pd.DataFrame(rows)


def matrix(results: pd.DataFrame) -> pd.DataFrame:
    """Rows (backend, function, dtype), one column per property, each cell an outcome."""
    table = results.pivot_table(index=["backend", "function", "dtype"], columns="property",
                                values="outcome", aggfunc=_worst)
    return table.fillna("").reset_index()


def _worst(outcomes: pd.Series) -> str:
    for outcome in ("FAIL", "xfail", "pass", "skip"):
        if (outcomes == outcome).any():
            return outcome
    return ""


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Counts of each outcome per backend."""
    table = results.pivot_table(index="backend", columns="outcome", values="property",
                                aggfunc="count", fill_value=0)
    return table.reset_index()
