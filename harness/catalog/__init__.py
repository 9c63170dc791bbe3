"""The built-in catalog: named functions with their domains, checked by ``adharness verify``
(``QUICK``, a few entries of every family, by default; all of them with ``--all``).

>>> from harness.catalog import ENTRIES, FAMILIES
>>> sorted(FAMILIES) == sorted({"notebooks", "elementwise", "reductions", "linalg", "nn",
...                             "control_flow", "custom_rules", "complex"})
True
"""

from harness.catalog._entries import ENTRIES as ENTRIES
from harness.catalog._entries import FAMILIES as FAMILIES
from harness.catalog._entry import Entry as Entry
from harness.catalog._known_bugs import KnownBug as KnownBug
from harness.catalog._quick import QUICK as QUICK

__all__ = ["ENTRIES", "FAMILIES", "QUICK", "Entry", "KnownBug"]
