"""What a check found: ``Check`` per property, mode chain and leaf, gathered in a ``Report``,
and the snippet that reproduces it."""

from harness.results._report import Check as Check
from harness.results._report import Report as Report

__all__ = ["Check", "Report"]
