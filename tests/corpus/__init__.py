"""A corpus that measures a derivative checker: wrong rules it must catch, right functions it
must pass."""

from ._case import Case as Case
from .correct import CORRECT as CORRECT
from .mutants import MUTANTS as MUTANTS

__all__ = ["CORRECT", "MUTANTS", "Case"]
