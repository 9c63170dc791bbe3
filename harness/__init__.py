"""Property-based verification of JAX derivatives against trustworthy oracles.

>>> import numpy as np, jax.numpy as jnp, harness
>>> harness.check(jnp.sin, (np.float64(0.5),), order=2).ok
True
"""

from harness import strategies as strategies
from harness._errors import DerivativeMismatch as DerivativeMismatch
from harness._errors import FunctionRaised as FunctionRaised
from harness._errors import HarnessError as HarnessError
from harness._errors import InvalidArgument as InvalidArgument
from harness._errors import NotApplicable as NotApplicable
from harness._errors import UndefinedPoint as UndefinedPoint
from harness.inputs._structure import on_structure as on_structure
from harness.results._report import Check as Check
from harness.results._report import Report as Report
from harness.verify._check import check as check
from harness.verify._search import search as search

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
