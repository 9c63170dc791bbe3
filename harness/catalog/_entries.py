"""The catalog: every family's entries, gathered in one tuple; what ``adharness verify`` checks."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._complex import COMPLEX_FUNCTIONS
from ._control_flow import CONTROL_FLOW
from ._custom_rules import CUSTOM_RULES
from ._elementwise import ELEMENTWISE
from ._entry import COMPLEX as COMPLEX
from ._entry import REAL as REAL
from ._entry import Entry as Entry
from ._linalg import LINALG
from ._nn import NN
from ._notebooks import NOTEBOOKS
from ._reductions import REDUCTIONS

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
