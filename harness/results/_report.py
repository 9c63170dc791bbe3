"""What a check found: one ``Check`` per property, mode chain and leaf, gathered in a ``Report``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from harness._errors import DerivativeMismatch, FunctionRaised, NotApplicable, UndefinedPoint

PASSED, FAILED, INCONCLUSIVE, SKIPPED = "passed", "failed", "inconclusive", "skipped"


@dataclasses.dataclass(frozen=True)
class Check:
    """One property checked at one point: what was compared, how far apart, and the budget.

    ``ratio`` is error / budget: below 1 passes. ``budget_source`` says what the budget is made
    of, ``oracle`` what produced ``expected``.
    """

    property: str
    mode_chain: str
    order: int
    status: str
    leaf: str = ""
    index: tuple[int, ...] | None = None
    expected: Any = None
    got: Any = None
    abs_error: float = float("nan")
    rel_error: float = float("nan")
    budget: float = float("nan")
    budget_source: str = ""
    oracle: str = ""
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.abs_error == 0:
            return 0.0
        if not np.isfinite(self.abs_error):
            return float("inf") if self.status == FAILED else float("nan")
        return self.abs_error / self.budget if self.budget > 0 else float("inf")

    def summary(self) -> str:
        where = f"{self.leaf} at {list(self.index)}" if self.index else self.leaf
        head = f"{self.status.upper():12} {self.property} [{self.mode_chain}] {where}".rstrip()
        if self.status in (SKIPPED,) or self.expected is None:
            return f"{head}: {self.note}" if self.note else head
        return f"{head}: error/budget = {self.ratio:.3g}" + (f" ({self.note})" if self.note else "")

    def details(self) -> str:
        lines = [self.summary()]
        if self.expected is not None:
            lines += [
                f"    expected {_number(self.expected)}  ({self.oracle})",
                f"    got      {_number(self.got)}",
                f"    abs error {self.abs_error:.3e}, rel error {self.rel_error:.3e}, "
                f"budget {self.budget:.3e}",
                f"    budget = {self.budget_source}",
            ]
        return "\n".join(lines)


def _number(value: Any) -> str:
    if isinstance(value, complex) or np.iscomplexobj(value):
        value = complex(value)
        return f"{value.real:.10g}{value.imag:+.10g}j"
    return f"{float(value):.10g}"


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything ``harness.check`` or ``harness.search`` found, printable and replayable.

    ``ok`` is True when something was checked and nothing failed: no check failed, fn did not
    raise (``error``), fn is defined at the point (``undefined``), and not every check was
    skipped. Inconclusive checks do not make a report fail; ``inconclusive`` lists them, each
    with the reason its oracle gave.
    """

    function: str
    checks: tuple[Check, ...]
    order: int
    modes: tuple[str, ...]
    holomorphic: bool
    seed: int
    args: tuple | None = None
    notes: tuple[str, ...] = ()
    undefined: str | None = None
    backend: str = ""
    examples: int = 1
    reproduce: str = ""
    error: str | None = None
    fn: Callable | None = dataclasses.field(default=None, repr=False, compare=False)
    cause: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == FAILED)

    @property
    def skipped(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == SKIPPED)

    @property
    def inconclusive(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == INCONCLUSIVE)

    @property
    def passed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == PASSED)

    @property
    def nothing_checked(self) -> bool:
        """Whether no check ran at all: none was made, or every one was skipped."""
        return all(c.status == SKIPPED for c in self.checks)

    @property
    def ok(self) -> bool:
        return self.verdict in (PASSED, INCONCLUSIVE)

    @property
    def verdict(self) -> str:
        """error, failed, undefined, nothing checked, inconclusive or passed (the first that
        holds)."""
        if self.error:
            return "error"
        if self.failures:
            return FAILED
        if self.undefined:
            return "undefined"
        if self.nothing_checked:
            return "nothing checked"
        if self.inconclusive:
            return INCONCLUSIVE
        return PASSED

    @property
    def reason(self) -> str:
        """Why the verdict is not "passed", in one line ("" when it is).

        The first failed check's summary, else the first inconclusive one's; or fn's error, the
        undefined elements, or why nothing was checked.
        """
        if self.verdict == PASSED:
            return ""
        if self.error:
            return self.error.splitlines()[0][:300]
        for check in self.failures + self.inconclusive:
            return " ".join(check.summary().split())[:300]
        if self.undefined:
            return f"undefined: {self.undefined}"[:300]
        return "nothing checked: " + ("every check was skipped" if self.checks
                                      else "no check applies")

    def __str__(self) -> str:
        counts = ", ".join(
            f"{len(group)} {name}"
            for name, group in (
                ("passed", self.passed),
                ("failed", self.failures),
                ("inconclusive", self.inconclusive),
                ("skipped", self.skipped),
            )
            if group
        )
        lines = [
            f"derivative check of {self.function}: {self.verdict.upper()} "
            f"({counts or 'no checks'})",
            f"  order {self.order}, modes {self.modes}, holomorphic={self.holomorphic}, "
            f"seed {self.seed}, backend {self.backend}"
            + (f", {self.examples} examples" if self.examples != 1 else ""),
        ]
        if self.args is not None:
            lines.append(f"  args: {describe_args(self.args)}")
        if self.error:
            where = ("next to this point, where the oracle evaluates it (its derivatives "
                     "cannot be checked here)" if self.error.startswith(FunctionRaised.__name__)
                     else "at this point (a bug in fn, not in its derivatives)")
            lines.append(f"  fn raised {where}: {self.error}")
        if self.undefined:
            lines.append(f"  undefined at this point: {self.undefined}")
        if self.nothing_checked and not (self.error or self.undefined):
            lines.append("  nothing was checked: " + ("every check was skipped"
                                                      if self.checks else "no check applies"))
        lines += [f"  note: {n}" for n in self.notes]
        for check in self.failures + self.inconclusive:
            lines.append(check.details())
        shown = [c for c in self.checks if c.status not in (FAILED, INCONCLUSIVE)]
        lines += [c.summary() for c in shown]
        if self.reproduce and (self.failures or self.inconclusive):
            lines += ["Reproduce with:", self.reproduce]
        return "\n".join(lines)

    def raise_if_failed(self) -> Report:
        """Raise with this report's text unless it is ``ok``.

        Returns:
            The report itself, so that ``check(...).raise_if_failed()`` can be chained.

        Raises:
            FunctionRaised: fn itself raised (its exception is chained as the cause).
            DerivativeMismatch: a derivative disagreed with its oracle beyond the budget.
            UndefinedPoint: fn is nan or inf at the point, so nothing could be checked.
            NotApplicable: every check was skipped (no mode of fn could be differentiated).
        """
        if self.error:
            raise FunctionRaised(str(self)) from self.cause
        if self.failures:
            raise DerivativeMismatch(str(self))
        if self.undefined:
            raise UndefinedPoint(str(self))
        if self.nothing_checked:
            raise NotApplicable(str(self))
        return self


def describe_args(args: Any) -> str:
    import jax

    leaves = jax.tree_util.tree_leaves(args)
    parts = []
    for leaf in leaves[:8]:
        arr = np.asarray(leaf)
        parts.append(f"{arr.dtype}{list(arr.shape)}")
    more = f" + {len(leaves) - 8} more" if len(leaves) > 8 else ""
    return ", ".join(parts) + more
