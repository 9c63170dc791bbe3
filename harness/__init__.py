"""Property-based verification of JAX derivatives against trustworthy oracles.

>>> import numpy as np, jax.numpy as jnp, harness
>>> harness.check(jnp.sin, (np.float64(0.5),), order=2).ok
True
"""

from harness import strategies as strategies
from harness._check import check as check
from harness._errors import DerivativeMismatch as DerivativeMismatch
from harness._errors import FunctionRaised as FunctionRaised
from harness._errors import HarnessError as HarnessError
from harness._errors import InvalidArgument as InvalidArgument
from harness._errors import NotApplicable as NotApplicable
from harness._errors import UndefinedPoint as UndefinedPoint
from harness._report import Check as Check
from harness._report import Report as Report
from harness._search import search as search
from harness._structure import on_structure as on_structure

__all__ = [
    "Check",
    "DerivativeMismatch",
    "FunctionRaised",
    "HarnessError",
    "InvalidArgument",
    "NotApplicable",
    "Report",
    "UndefinedPoint",
    "check",
    "on_structure",
    "search",
    "strategies",
]
