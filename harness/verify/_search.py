"""``harness.search``: Hypothesis draws the points and directions, and shrinks what fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import hypothesis
import hypothesis.errors
import hypothesis.strategies as st
import numpy as np

from harness._errors import InvalidArgument
from harness.inputs._arguments import validate_callable, validate_order_and_modes
from harness.results._report import FAILED, INCONCLUSIVE, Check, Report
from harness.results._reproduce import function_name
from harness.verify._check import check

DIRECTION_SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


class _Found(Exception):
    def __init__(self, report: Report):
        super().__init__("derivative mismatch")
        self.report = report


@dataclasses.dataclass
class _Tally:
    examples: int = 0
    undefined: int = 0
    inconclusive: int = 0
    worst: dict = dataclasses.field(default_factory=dict)
    last: Report | None = None
    found: bool = False

    def add(self, report: Report) -> None:
        if self.found:  # shrinking replays variations of the failure: not new examples
            return
        self.examples += 1
        self.last = report
        if report.inconclusive:
            self.inconclusive += 1
        for c in report.checks:
            key = (c.property, c.mode_chain, c.leaf)
            held = self.worst.get(key)
            if held is None or _rank(c) > _rank(held):
                self.worst[key] = c


def _rank(c: Check) -> tuple:
    ratio = c.ratio if np.isfinite(c.ratio) else 0.0
    return ({FAILED: 2, INCONCLUSIVE: 1}.get(c.status, 0), ratio)


def search(
    fn: Callable,
    *arg_strategies: st.SearchStrategy,
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    holomorphic: bool = False,
    max_examples: int = 100,
    seed: int = 0,
    rtol: float | dict | None = None,
    atol: float | dict | None = None,
    tangents: dict | Sequence | None = None,
    accuracy: str = "fail",
) -> Report:
    """Check ``fn`` at points Hypothesis draws, shrinking any failure to a minimal one.

    Each example draws one value per positional argument from ``arg_strategies`` and a seed
    for the random directions, then runs ``harness.check``. Points where ``fn`` is undefined
    are rejected. The first failure is shrunk (smaller values, simpler directions) and its
    report returned; otherwise the report holds the worst check of each kind over all examples.

    Args:
        fn: the function, as for ``harness.check``.
        *arg_strategies: one Hypothesis strategy per positional argument of ``fn``.
        order, modes, holomorphic, rtol, atol, tangents, accuracy: as for ``harness.check``.
        max_examples: how many points to try.
        seed: Hypothesis's seed; the same seed replays the same search.

    Returns:
        A ``Report``: on failure the shrunk example's, with ``args`` and ``seed`` that replay it
        through ``harness.check``.

    Raises:
        InvalidArgument: bad options, or strategies that only draw points where fn is undefined.

    Example:
        >>> import jax.numpy as jnp, harness
        >>> from harness.strategies import arrays
        >>> harness.search(jnp.sin, arrays("float64", (3,)), max_examples=5).ok
        True
    """
    validate_callable(fn)
    modes = validate_order_and_modes(order, modes)
    if not arg_strategies:
        raise InvalidArgument(
            "search needs one Hypothesis strategy per positional argument of fn, e.g. "
            "harness.search(fn, harness.strategies.arrays('float32', (3,)))."
        )
    for i, strategy in enumerate(arg_strategies):
        if not isinstance(strategy, st.SearchStrategy):
            raise InvalidArgument(
                f"argument {i} after fn is a {type(strategy).__name__}, not a Hypothesis "
                "strategy. Pass strategies such as harness.strategies.arrays('float32', (3,)); "
                "to check one fixed point, call harness.check(fn, args)."
            )
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise InvalidArgument(f"max_examples must be an integer >= 1; got {max_examples!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgument(f"seed must be an integer; got {seed!r}.")
    tally = _Tally()
    options = dict(order=order, modes=modes, holomorphic=holomorphic, rtol=rtol, atol=atol,
                   tangents=tangents, accuracy=accuracy)

    @hypothesis.settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
        phases=(hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink),
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(int(seed))
    @hypothesis.given(st.tuples(*arg_strategies), DIRECTION_SEEDS)
    def probe(args: tuple, direction_seed: int) -> None:
        report = check(fn, args, seed=direction_seed, **options)
        if report.undefined:
            tally.undefined += 1
            hypothesis.reject()
        tally.add(report)
        if not report.ok:
            tally.found = True
            raise _Found(report)

    try:
        probe()
    except _Found as found:
        minimal = found.report
        note = (f"found by harness.search (seed={seed}) after {tally.examples} examples and "
                "shrunk to the smallest failing point Hypothesis could find")
        return dataclasses.replace(minimal, notes=minimal.notes + (note,),
                                   examples=tally.examples)
    except hypothesis.errors.Unsatisfiable:
        raise InvalidArgument(
            f"every point the strategies drew was one where {function_name(fn)} is undefined "
            f"(returned nan or inf; {tally.undefined} rejected). Narrow the strategies "
            "to fn's domain, e.g. arrays('float32', (3,), min_value=0.1) for a logarithm."
        ) from None
    notes = [f"{tally.examples} examples passed"]
    if tally.undefined:
        notes.append(f"{tally.undefined} drawn points where fn is undefined were rejected")
    if tally.inconclusive:
        notes.append(f"{tally.inconclusive} examples had inconclusive checks (kinks, or oracles "
                     "that disagree)")
    notes.append("each check below is the worst of its kind over all examples")
    last = tally.last
    return Report(
        function=function_name(fn), checks=tuple(tally.worst.values()), order=order,
        modes=modes, holomorphic=holomorphic, seed=int(seed), args=None,
        notes=tuple(notes), backend=last.backend if last else "", examples=tally.examples,
        fn=fn,
    )
