"""A corpus that measures a derivative checker: wrong rules it must catch, right functions it
must pass."""

from ._case import Case as Case
from ._points import draws as draws
from ._points import is_eager as is_eager
from ._points import rule_is_wrong_at as rule_is_wrong_at
from .correct import CORRECT as CORRECT
from .mutants import MUTANTS as MUTANTS

__all__ = ["CORRECT", "MUTANTS", "Case", "draws", "is_eager", "rule_is_wrong_at"]
