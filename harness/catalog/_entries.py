"""The catalog: every family's entries, gathered in one tuple; what ``adharness verify --all``
checks."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from harness.catalog._complex import COMPLEX_FUNCTIONS
from harness.catalog._control_flow import CONTROL_FLOW
from harness.catalog._custom_rules import CUSTOM_RULES
from harness.catalog._elementwise import ELEMENTWISE
from harness.catalog._entry import COMPLEX as COMPLEX
from harness.catalog._entry import REAL as REAL
from harness.catalog._entry import Entry as Entry
from harness.catalog._linalg import LINALG
from harness.catalog._nn import NN
from harness.catalog._notebooks import NOTEBOOKS
from harness.catalog._reductions import REDUCTIONS

FAMILIES: Mapping[str, tuple[Entry, ...]] = MappingProxyType({
    "notebooks": NOTEBOOKS,
    "elementwise": ELEMENTWISE,
    "reductions": REDUCTIONS,
    "linalg": LINALG,
    "nn": NN,
    "control_flow": CONTROL_FLOW,
    "custom_rules": CUSTOM_RULES,
    "complex": COMPLEX_FUNCTIONS,
})

ENTRIES: tuple[Entry, ...] = tuple(entry for family in FAMILIES.values() for entry in family)
