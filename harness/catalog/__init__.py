"""The built-in catalog: named functions with their domains, checked by ``adharness verify``."""

from harness.catalog._entries import ENTRIES as ENTRIES
from harness.catalog._entries import Entry as Entry

__all__ = ["ENTRIES", "Entry"]
