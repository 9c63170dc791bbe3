"""Properties on generated programs: which rules apply, what to draw for each, and one run.

Generated programs (``harness.strategies.programs``) are traceable functions of arrays of one
dtype, real or complex. Each rule draws programs with what it needs: forward or reverse mode,
one real output, complex inputs, holomorphic operations, higher derivatives. Only the rule on
pytree arguments has no generated programs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import hypothesis
import hypothesis.strategies as st

from harness._errors import NotApplicable, UndefinedPoint
from harness.catalog import Entry
from harness.programs._program import FUNCTION_NAME, Program
from harness.strategies import programs

from ._registry import RULES, Rule

# What every generated program is; "scalar_output", "forward", "reverse" and "higher_order" are
# chosen per rule through the strategy's options.
PROGRAM_FACTS = frozenset({"traceable", "real", "complex", "complex_output", "holomorphic",
                           "single_dtype", "forward", "reverse", "scalar_output",
                           "higher_order"})
COMPLEX = ("complex64", "complex128")
BATCH_POINTS = 3
HIGHER_ORDER = 2


def program_rules(rules: Sequence[Rule] = RULES) -> list[Rule]:
    """The rules that apply to generated programs (all but those needing pytree arguments)."""
    return [rule for rule in rules if not rule.missing(PROGRAM_FACTS)]


def programs_for(rule: Rule, **options) -> st.SearchStrategy[Program]:
    """``programs(**options)`` restricted to what ``rule`` needs (AD modes, a scalar output,
    complex inputs, holomorphic operations)."""
    modes = tuple(m for m, fact in (("fwd", "forward"), ("rev", "reverse")) if fact in rule.needs)
    output = "scalar" if "scalar_output" in rule.needs else options.pop("output", "any")
    if "complex" in rule.needs:
        options["dtypes"] = COMPLEX
        options["holomorphic"] = "holomorphic" in rule.needs
    return programs(modes=modes, output=output, **options)


def program_entry(program: Program, *, order: int = 1) -> Entry:
    """The program as a catalog ``Entry`` drawing from the same domain (for the rules)."""
    arguments = program.arguments
    return Entry(FUNCTION_NAME, program.fn, lambda dtype: arguments, dtypes=(program.dtype,),
                 order=order, holomorphic=program.holomorphic,
                 forward_mode=program.forward_mode, reverse_mode=program.reverse_mode,
                 domain="generated program's input bounds")


def run_on_program(rule: Rule, program: Program, seed: int,
                   more_points: Callable[[], tuple] | None = None) -> None:
    """Run ``rule`` on ``program`` at its point (and, for batch rules, at ``more_points()``).

    Raises:
        DerivativeMismatch: the rule fails (the message holds the program's source).
        UndefinedPoint: the program is not finite there.
        NotApplicable: the rule does not apply to this program.
    """
    order = HIGHER_ORDER if "higher_order" in rule.needs else 1
    entry = program_entry(program, order=order)
    if rule.batch:
        extra = [more_points() for _ in range(BATCH_POINTS - 1)] if more_points else []
        rule.run(program.fn, [program.args] + extra, entry, seed)
    else:
        rule.run(program.fn, program.args, entry, seed)


SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def program_test(rule: Rule, **options) -> Callable:
    """A pytest test checking ``rule`` on the profile's number of generated programs."""

    @hypothesis.given(programs_for(rule, **options), SEEDS, st.data())
    def test(program: Program, seed: int, data: st.DataObject) -> None:
        try:
            run_on_program(rule, program, seed,
                           lambda: data.draw(st.tuples(*program.arguments), label="point"))
        except (UndefinedPoint, NotApplicable):
            hypothesis.reject()

    examples = max(2, int(hypothesis.settings().max_examples * rule.example_share))
    test = hypothesis.settings(max_examples=examples)(test)
    test.__name__ = test.__qualname__ = f"test_{rule.name}"
    test.__doc__ = f"{rule.name} on generated programs."
    return test
