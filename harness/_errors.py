"""The exceptions the harness raises."""


class HarnessError(Exception):
    """Base class of every error the harness raises on purpose."""


class InvalidArgument(HarnessError, TypeError):
    """A caller passed something the harness cannot use; the message says how to fix it."""


class DerivativeMismatch(HarnessError, AssertionError):
    """A derivative disagrees with its oracle beyond the error budget."""


class UndefinedPoint(HarnessError, ValueError):
    """The function (or the derivative a property needs) is nan or inf at this point."""


class NotApplicable(HarnessError):
    """The property does not apply to this function (a mode that does not exist, say)."""


class FunctionRaised(HarnessError, RuntimeError):
    """The function itself raised: a bug in it, not in its derivatives (the cause is chained)."""


for _error in (HarnessError, InvalidArgument, DerivativeMismatch, UndefinedPoint, NotApplicable,
               FunctionRaised):
    _error.__module__ = "harness"  # tracebacks name the public path, harness.InvalidArgument
del _error
