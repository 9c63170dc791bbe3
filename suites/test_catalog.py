"""Every catalog entry at each of its dtypes passes ``harness.search``.

The example count comes from the active Hypothesis profile (``--adh-profile dev|ci|thorough``).
Entries whose functions use Python control flow on values run eagerly, example by example, so
they are marked slow and try a fifth as many points.
"""

from __future__ import annotations

import hypothesis
import pytest

import harness
from harness.catalog import ENTRIES, Entry

EAGER_PREFIX = "seed.piecewise"


def _cases() -> list:
    cases = []
    for entry in ENTRIES:
        marks = [pytest.mark.slow] if entry.name.startswith(EAGER_PREFIX) else []
        for dtype in entry.dtypes:
            cases.append(pytest.param(entry, dtype, id=f"{entry.name}-{dtype}", marks=marks))
    return cases


def _max_examples(entry: Entry) -> int:
    n = hypothesis.settings().max_examples
    return max(3, n // 5) if entry.name.startswith(EAGER_PREFIX) else n


@pytest.mark.parametrize(("entry", "dtype"), _cases())
def test_catalog_entry(entry: Entry, dtype: str) -> None:
    harness.search(
        entry.fn, *entry.arguments(dtype), order=entry.order, holomorphic=entry.holomorphic,
        max_examples=_max_examples(entry),
    ).raise_if_failed()
