"""``check`` (every derivative of a function at one point) and ``search`` (Hypothesis draws the
points and shrinks what fails): the stages above, run in order."""

from harness.verify._check import check as check
from harness.verify._search import search as search

__all__ = ["check", "search"]
