"""Properties as pytest tests: which rules apply to a function, and the Hypothesis loop.

The suites and users' own test files share this: a catalog ``Entry`` (a function, its domain
and facts) becomes one test per applicable rule and dtype, each drawing points from the
domain with Hypothesis under the active profile (``--adh-profile``).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable, Sequence

import hypothesis
import hypothesis.errors
import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from harness._errors import FunctionRaised, InvalidArgument, NotApplicable, UndefinedPoint
from harness.catalog import Entry

from ._registry import RULES, Rule
from ._run import Subject
from .grad import pytree_positions

BATCH_POINTS = 3
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


_FACTS: dict[tuple[int, str], tuple[Entry, frozenset[str]]] = {}


def _facts(entry: Entry, dtype: str) -> frozenset[str]:
    args = entry.example(dtype)
    try:
        subject = Subject.of(entry.checked_fn, args)
    except InvalidArgument as error:
        raise InvalidArgument(f"catalog entry {entry.name!r} ({dtype}): {error}") from None
    if not entry.eager and not subject.traceable():
        raise InvalidArgument(
            f"catalog entry {entry.name!r} ({dtype}) cannot be traced (Python control flow on "
            "values?): set eager=True so that it runs op by op and the rules that need jit or "
            "vmap are left out")
    try:
        out = jax.tree_util.tree_leaves(subject.output())
    except (UndefinedPoint, FunctionRaised) as error:
        hint = ("set eager=True if it uses Python control flow on values" if not entry.eager
                else "check that it runs on the drawn point")
        raise InvalidArgument(
            f"catalog entry {entry.name!r} ({dtype}) cannot be traced or run at the point "
            f"drawn from its domain, {_short(args)}: {error}; {hint}") from None
    if not out or not all(jnp.issubdtype(o.dtype, jnp.inexact) for o in out):
        raise InvalidArgument(
            f"catalog entry {entry.name!r} ({dtype}) returns no floating-point output "
            f"({', '.join(str(o.dtype) for o in out) or 'nothing'}): nothing to differentiate")
    facts = set()
    if entry.forward_mode:
        facts.add("forward")
    if entry.reverse_mode:
        facts.add("reverse")
    if not entry.eager:
        facts.add("traceable")
    diff = subject.diff
    facts.add("complex" if any(np.iscomplexobj(x) for x in diff) else "real")
    if len({np.asarray(x).dtype for x in diff}) == 1:
        facts.add("single_dtype")
    if len(out) == 1 and out[0].shape == () and jnp.issubdtype(out[0].dtype, jnp.floating):
        facts.add("scalar_output")
    if all(jnp.issubdtype(o.dtype, jnp.complexfloating) for o in out):
        facts.add("complex_output")
    if entry.holomorphic:
        facts.add("holomorphic")
    if pytree_positions(args):
        facts.add("pytree")
    if entry.order >= 2:
        facts.add("higher_order")
    return frozenset(facts)


def facts(entry: Entry, dtype: str) -> frozenset[str]:
    """What is true of ``entry`` at ``dtype`` (its output is found by tracing one point).

    Raises:
        InvalidArgument: naming the entry, when its domain draws nothing, its function cannot
            be traced (or run, for eager entries) there, or it has no float output.
    """
    key = (id(entry), dtype)  # entries hold dicts, so they are not hashable themselves
    if key not in _FACTS:
        _FACTS[key] = (entry, _facts(entry, dtype))  # the entry is kept, so its id stays its own
    return _FACTS[key][1]


def _short(args) -> str:
    return ", ".join(f"{np.asarray(v).dtype}{list(np.shape(v))}"
                     for v in jax.tree_util.tree_leaves(args))


def applicable_rules(entry: Entry, dtype: str, rules: Sequence[Rule] = RULES) -> list[Rule]:
    known = facts(entry, dtype)
    return [rule for rule in rules if not rule.missing(known)]


def case_id(entry: Entry, dtype: str) -> str:
    return f"{entry.name}-{dtype}"


def known_failure(rule: Rule, entry: Entry) -> str | None:
    """Why the running JAX fails ``rule`` on ``entry``, or None."""
    return entry.expected_failure(rule.name, oracle=rule.oracle)


def marks_for(rule: Rule, entry: Entry) -> list:
    marks = []
    why = known_failure(rule, entry)
    if why:
        marks.append(pytest.mark.xfail(reason=why, strict=True))
    elif entry.derivative_is_wrong():
        marks.append(pytest.mark.skip(reason=(
            "today's JAX computes this entry's derivative wrongly (see its xfail): identities "
            "between two AD computations of it say nothing")))
    if entry.eager:
        marks.append(pytest.mark.slow)
    return marks


def params_for(rule: Rule, entries: Iterable[Entry]) -> list:
    """``pytest.param(entry, dtype)`` for every entry and dtype ``rule`` applies to."""
    out = []
    for entry in entries:
        for dtype in entry.dtypes:
            if rule in applicable_rules(entry, dtype):
                out.append(pytest.param(entry, dtype, id=case_id(entry, dtype),
                                        marks=marks_for(rule, entry)))
    return out


def examples_for(rule: Rule, entry: Entry) -> int:
    """The profile's example count, times the rule's share; a fifth for eager entries."""
    n = hypothesis.settings().max_examples * rule.example_share
    return max(2, int(n // 5 if entry.eager else n))


# Drawn once per process: every rule of an entry and dtype sees the same points in a run (so the
# rules judged against the oracles share one check per point), and other runs see others.
# A derandomized profile (ci) fixes it, so that CI runs are reproducible.
_RUN_SEED = random.SystemRandom().getrandbits(32)


def points_seed(entry: Entry, dtype: str) -> int:
    """The Hypothesis seed of an entry and dtype: shared by its rules, fixed under ``ci``."""
    run = 0 if hypothesis.settings().derandomize else _RUN_SEED
    return run ^ zlib.crc32(f"{entry.name}-{dtype}".encode())


def run_rule(rule: Rule, entry: Entry, dtype: str) -> None:
    """Check ``rule`` on ``entry`` at points Hypothesis draws from its domain in ``dtype``.

    Points where the function is undefined are rejected; a failure is shrunk and re-raised
    as ``DerivativeMismatch`` with the report and a reproducer.
    """
    point = st.tuples(*entry.arguments(dtype))
    drawn = st.lists(point, min_size=BATCH_POINTS, max_size=BATCH_POINTS) if rule.batch \
        else point
    state = {"not_applicable": None}

    # A known JAX bug is expected to fail: shrinking its example would only cost time.
    phases = ([hypothesis.Phase.explicit, hypothesis.Phase.generate]
              if known_failure(rule, entry) else hypothesis.settings().phases)

    @hypothesis.settings(max_examples=examples_for(rule, entry), phases=phases)
    @hypothesis.seed(points_seed(entry, dtype))
    @hypothesis.given(drawn, SEEDS)
    def check(args, seed: int) -> None:
        try:
            rule.run(entry.checked_fn, list(args) if rule.batch else args, entry, seed)
        except UndefinedPoint:
            hypothesis.reject()
        except NotApplicable as error:
            state["not_applicable"] = str(error)

    check()
    if state["not_applicable"]:
        pytest.skip(state["not_applicable"])


def tests_for(*entries: Entry, rules: Sequence[Rule] = RULES) -> Callable:
    """One parametrized pytest test running every applicable rule on ``entries``.

    Assign it to a ``test_`` name in a test module; the test ids read
    ``test_x[vjp_matches_oracle-my_function-float32]``.

    Example:
        >>> import jax.numpy as jnp
        >>> from harness.catalog import Entry
        >>> from harness.strategies import arrays
        >>> entry = Entry("tanh", jnp.tanh, lambda dtype: (arrays(dtype, (3,)),))
        >>> test_tanh = tests_for(entry)
    """
    if not entries or not all(isinstance(e, Entry) for e in entries):
        raise InvalidArgument("tests_for takes harness.catalog.Entry objects, e.g. "
                              "tests_for(Entry('my_fn', my_fn, lambda dtype: (arrays(dtype, "
                              "(3,)),)))")
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise InvalidArgument(f"entry names must be unique; got {names}")
    cases = []
    for entry in entries:
        for dtype in entry.dtypes:
            for rule in applicable_rules(entry, dtype, rules):
                cases.append(pytest.param(rule, entry, dtype,
                                          id=f"{rule.name}-{case_id(entry, dtype)}",
                                          marks=marks_for(rule, entry)))

    @pytest.mark.parametrize(("rule", "entry", "dtype"), cases)
    def test_properties(rule: Rule, entry: Entry, dtype: str) -> None:
        run_rule(rule, entry, dtype)

    return test_properties


def suite_tests(entries: Sequence[Entry], rules: Sequence[Rule] = RULES) -> dict[str, Callable]:
    """``{"test_<rule>": test}``: one parametrized test per rule, ids ``entry-dtype``."""
    tests = {}
    for rule in rules:
        @pytest.mark.parametrize(("entry", "dtype"), params_for(rule, entries))
        def test(entry: Entry, dtype: str, rule: Rule = rule) -> None:
            run_rule(rule, entry, dtype)

        test.__name__ = test.__qualname__ = f"test_{rule.name}"
        test.__doc__ = (rule.run.__doc__ or "").strip() or f"{rule.name} over the catalog."
        tests[test.__name__] = test
    return tests
