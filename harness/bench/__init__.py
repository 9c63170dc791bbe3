"""Benchmarks of JAX derivative strategies, timed correctly for an asynchronous, compiling JAX.

``suites/bench`` runs these through pytest-benchmark; ``cases`` lists what a preset runs,
``run_case`` runs one, ``compile_for_timing`` is the timing discipline on its own.

>>> from harness.bench import cases
>>> sorted({c.strategy for c in cases("hvp", preset="quick", backend="cpu")})
['full_hessian', 'fwd_over_rev', 'grad', 'rev_over_fwd', 'rev_over_rev', 'value']
"""

from harness.bench._cases import FAMILIES as FAMILIES
from harness.bench._cases import PRESETS as PRESETS
from harness.bench._cases import Case as Case
from harness.bench._cases import cases as cases
from harness.bench._machine import machine_info as machine_info
from harness.bench._run import run_case as run_case
from harness.bench._timing import Timed as Timed
from harness.bench._timing import compile_for_timing as compile_for_timing
from harness.bench._timing import dispatch_floor as dispatch_floor
from harness.bench._timing import plan_rounds as plan_rounds

__all__ = ["FAMILIES", "PRESETS", "Case", "Timed", "cases", "compile_for_timing",
           "dispatch_floor", "machine_info", "plan_rounds", "run_case"]
