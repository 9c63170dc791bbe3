"""Generated JAX programs: the operations with their domains, custom rules, the ``Program``
type and the Hypothesis strategy that draws them."""

from harness.programs._generator import op_names as op_names
from harness.programs._generator import programs as programs
from harness.programs._program import Program as Program
from harness.programs._rules import CustomRule as CustomRule

__all__ = ["CustomRule", "Program", "op_names", "programs"]
