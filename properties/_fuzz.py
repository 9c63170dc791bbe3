"""``fuzz``: run the properties on generated programs for a while; keep one reproducer per failure.

Each round runs every selected rule on a few programs that ``harness.strategies.programs``
draws (a new Hypothesis seed per round and rule, derived from ``seed``), until the time is up.
A failure is shrunk, then keyed by the property and the primitives of the shrunk program that
are not plumbing (``STRUCTURAL``): each new key becomes ``<property>--<primitives>.py`` in the
output folder, a standalone file that re-runs the failing property. Keys already there from
earlier runs are not written again.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
import zlib
from collections.abc import Callable, Sequence

import hypothesis
import hypothesis.errors
import hypothesis.reporting
import hypothesis.strategies as st
import jax

import properties
from harness._errors import DerivativeMismatch, InvalidArgument, NotApplicable, UndefinedPoint
from harness._files import write_atomically
from harness.plugin._profiles import PROFILES
from harness.programs._program import FUNCTION_NAME, Program
from harness.programs._rules import CustomRule
from harness.results._reproduce import literal
from harness.strategies import programs
from harness.verify._check import check

from ._generated import BATCH_POINTS, HIGHER_ORDER, program_rules, programs_for

CHECK = "check"  # the pseudo-rule: harness.check at order 2 in the program's modes
ROUND_EXAMPLES = 10  # programs per rule and round, times the rule's example share
SHRINK_SECONDS = 30.0  # shrinking a failure stops this long after it was found
SEPARATOR = "--"
MAX_KEY_LENGTH = 120  # longer primitive lists are cut and ended by a checksum
# Primitives that move, combine or convert values in nearly every program: a failure's key
# names the others.
STRUCTURAL = frozenset({
    "broadcast_in_dim", "reshape", "convert_element_type", "squeeze", "expand_dims",
    "transpose", "slice", "dynamic_slice", "concatenate", "rev", "mul", "add", "add_any", "sub",
    "neg", "select_n", "eq", "ne", "lt", "le", "gt", "ge", "iota", "jit", "pjit", "copy",
    "copy_p", "stop_gradient", "reduce_sum", "dot_general",
})
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
# Options some properties take from the program's facts, passed the same way by the fuzzer and
# by the reproducers it writes.
OPTIONS: dict[str, Callable[[Program], dict]] = {
    "nth_derivative_matches_oracle": lambda p: {"order": HIGHER_ORDER},
    "derivatives_unchanged_under_jit": lambda p: {"forward": p.forward_mode,
                                                  "reverse": p.reverse_mode},
    "cauchy_riemann": lambda p: {"holomorphic": p.holomorphic},
}


@dataclasses.dataclass(frozen=True)
class Failure:
    """A distinct failure: the rule, the primitives it is keyed by, and its reproducer."""

    rule: str
    primitive: str
    path: str
    new: bool  # written by this run, not already in the folder
    message: str = dataclasses.field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.rule}{SEPARATOR}{self.primitive}"


@dataclasses.dataclass(frozen=True)
class FuzzSummary:
    """What a ``fuzz`` run did: rounds begun, programs checked, distinct failures, seconds, the
    rules run, and whether it was interrupted (Ctrl-C) rather than out of time."""

    rounds: int
    programs: int
    failures: tuple[Failure, ...]
    seconds: float
    rules: tuple[str, ...] = ()
    interrupted: bool = False

    @property
    def written(self) -> tuple[str, ...]:
        """The reproducers this run wrote (new keys only)."""
        return tuple(f.path for f in self.failures if f.new)


@dataclasses.dataclass(frozen=True)
class _Case:
    program: Program
    points: list | None  # a batch rule's points, the program's own first
    seed: int


@dataclasses.dataclass(frozen=True)
class _Found:
    case: _Case
    message: str


class _OutOfTime(BaseException):
    """Ends a Hypothesis run at once, without shrinking (not an Exception, so not a failure)."""


def fuzzable_rules() -> tuple[str, ...]:
    """The rules ``fuzz`` can run: ``"check"``, then every property generated programs meet.

    Example:
        >>> fuzzable_rules()[:2]
        ('check', 'grad_matches_oracle')
    """
    return (CHECK,) + tuple(r.name for r in program_rules())


def fuzz(
    *,
    seconds: float,
    out: str | os.PathLike,
    seed: int = 0,
    rules: Sequence[str] | None = None,
    max_examples: int = PROFILES["thorough"]["max_examples"],
    known_bugs: bool = False,
    progress: Callable[[str], None] | None = print,
    custom_rules: Sequence[CustomRule] = (),
    ops: Sequence[str] | None = None,
) -> FuzzSummary:
    """Run the rules on generated programs for ``seconds``; write a reproducer per new failure.

    A ``KeyboardInterrupt`` (Ctrl-C) ends the run as the time limit does: the failure being
    shrunk is written as it stands, and the summary says the run was interrupted.

    Args:
        seconds: how long to search; a failure found near the end is still shrunk (for up to
            ``SHRINK_SECONDS``), so the run can last one program and that much longer.
        out: the folder for the reproducers (created if missing); files already there count
            as failures seen before.
        seed: the run's seed; each round and rule draws from a seed derived from it.
        rules: names from ``fuzzable_rules()``; None runs them all.
        max_examples: stop a rule after this many programs, if the time lasts.
        known_bugs: also draw programs today's JAX is known to get wrong.
        progress: called with a line per round and rule, and per reproducer written.
        custom_rules, ops: passed to ``programs`` (a rule to check in many contexts, the
            operations to draw).

    Returns:
        A ``FuzzSummary``; ``summary.failures`` holds each distinct failure found, new or not.

    Raises:
        InvalidArgument: a bad duration, folder, rule name or bound.

    Example:
        >>> import tempfile
        >>> summary = fuzz(seconds=1, out=tempfile.mkdtemp(), rules=["jvp_matches_oracle"],
        ...                progress=None)
        >>> summary.failures
        ()
    """
    _validate(seconds, max_examples, seed)
    folder = _folder(out)
    targets = _targets(rules, custom_rules=custom_rules, ops=ops, known_bugs=known_bugs)
    say = progress or (lambda line: None)
    start = time.monotonic()
    deadline = start + seconds
    seen = keys_in(folder)
    found: dict[str, Failure] = {}
    done = dict.fromkeys((t.name for t in targets), 0)
    rounds = checked = 0
    interrupted = False
    try:
        while (not interrupted and time.monotonic() < deadline
               and any(n < max_examples for n in done.values())):
            rounds += 1
            for target in targets:
                count = min(target.per_round, max_examples - done[target.name])
                if time.monotonic() >= deadline:
                    break
                if count <= 0:
                    continue
                run_seed = zlib.crc32(f"{seed}:{rounds}:{target.name}".encode())
                ran, failure, interrupted = target.run_round(count, run_seed, deadline)
                done[target.name] += ran
                checked += ran
                if failure is not None:
                    result = _record(target.name, failure, folder, seen,
                                     found=f"seed {seed}, round {rounds}")
                    if result.key not in found:
                        found[result.key] = result
                        if result.new:
                            say(f"wrote {result.path}")
                        else:
                            say(f"found again: {result.path}")
                if interrupted:
                    break
                say(f"round {rounds:<4} {target.name:<34} {done[target.name]:>6} programs  "
                    f"{len(found)} failures so far")
    except KeyboardInterrupt:  # between rounds, or while a reproducer was written
        interrupted = True
    return FuzzSummary(rounds, checked, tuple(found.values()), time.monotonic() - start,
                       rules=tuple(t.name for t in targets), interrupted=interrupted)


def _validate(seconds: float, max_examples: int, seed: int) -> None:
    if (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
            or not math.isfinite(seconds) or seconds <= 0):
        raise InvalidArgument(f"fuzz: seconds={seconds!r} must be a finite number > 0")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise InvalidArgument(f"fuzz: max_examples={max_examples!r} must be an int >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidArgument(f"fuzz: seed={seed!r} must be an integer")


def _folder(out: str | os.PathLike) -> str:
    folder = os.fspath(out)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InvalidArgument(f"fuzz: out={folder!r} is a file; name a folder for the "
                              "reproducers (it is created if missing)")
    os.makedirs(folder, exist_ok=True)
    return folder


def keys_in(folder: str) -> set[str]:
    """The failure keys (``<property>--<primitives>``) with a reproducer in ``folder``."""
    return {name[:-3] for name in os.listdir(folder)
            if name.endswith(".py") and SEPARATOR in name and not name.startswith(".")}


@dataclasses.dataclass(frozen=True)
class _Target:
    """One rule (or ``check``) and the programs it is run on."""

    name: str
    strategy: st.SearchStrategy
    per_round: int

    def call(self, case: _Case) -> None:
        program = case.program
        if self.name == CHECK:
            check(program.fn, program.args, order=HIGHER_ORDER, modes=program.modes,
                  seed=case.seed).raise_if_failed()
            return
        args = case.points if case.points is not None else program.args
        options = OPTIONS.get(self.name, lambda p: {})(program)
        getattr(properties, self.name)(program.fn, args, seed=case.seed, **options)

    def run_round(self, count: int, run_seed: int,
                  deadline: float) -> tuple[int, _Found | None, bool]:
        """Run ``count`` programs (fewer if the deadline passes or Ctrl-C stops it).

        Returns:
            How many programs ran, the failure found (shrunk as far as it got), and whether a
            ``KeyboardInterrupt`` ended the round.
        """
        state = {"limit": deadline, "ran": 0, "found": None}

        @hypothesis.settings(database=None, deadline=None, max_examples=count,
                             derandomize=False, report_multiple_bugs=False, print_blob=False,
                             phases=(hypothesis.Phase.generate, hypothesis.Phase.shrink),
                             suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.seed(run_seed)
        @hypothesis.given(self.strategy)
        def body(case: _Case) -> None:
            if time.monotonic() > state["limit"]:
                raise _OutOfTime
            state["ran"] += 1
            try:
                self.call(case)
            except UndefinedPoint:
                hypothesis.reject()
            except NotApplicable:
                return
            except Exception as error:  # a wrong derivative, or an error worth a report too
                if state["found"] is None:
                    state["limit"] = time.monotonic() + SHRINK_SECONDS
                message = str(error) if isinstance(error, DerivativeMismatch) else \
                    f"{type(error).__name__}: {error}"
                state["found"] = _Found(case, message)  # the last one seen is the smallest
                raise

        interrupted = False
        with hypothesis.reporting.with_reporter(lambda text: None):
            try:
                body()
            except _OutOfTime:
                pass
            except KeyboardInterrupt:  # Ctrl-C: keep what was found, let the caller stop
                interrupted = True
            except hypothesis.errors.Unsatisfiable:  # every program undefined at its point
                pass
            except Exception:
                if state["found"] is None:
                    raise
        return state["ran"], state["found"], interrupted


def _targets(rules: Sequence[str] | None, *, custom_rules, ops, known_bugs) -> list[_Target]:
    valid = fuzzable_rules()
    if isinstance(rules, str):
        rules = [rules]
    names = list(valid) if rules is None else list(dict.fromkeys(rules))
    for name in names:
        if name not in valid:
            raise InvalidArgument(f"fuzz: unknown rule {name!r}; choose from "
                                  f"{', '.join(valid)}")
    if not names:
        raise InvalidArgument("fuzz: rules is empty; pass None to run them all")
    by_name = {r.name: r for r in program_rules()}
    targets = []
    for name in names:
        rule = by_name.get(name)
        options = {"ops": ops, "known_bugs": known_bugs}
        if rule is None or "complex" not in rule.needs:  # custom rules are real functions
            options["custom_rules"] = custom_rules
        drawn = programs(**options) if rule is None else programs_for(rule, **options)
        share = rule.example_share if rule else 1.0
        targets.append(_Target(name, _cases(drawn, bool(rule and rule.batch)),
                               max(1, round(ROUND_EXAMPLES * share))))
    return targets


@st.composite
def _cases(draw, drawn: st.SearchStrategy[Program], batch: bool) -> _Case:
    program = draw(drawn)
    points = None
    if batch:
        more = st.tuples(*program.arguments)
        points = [program.args] + [draw(more) for _ in range(BATCH_POINTS - 1)]
    return _Case(program, points, draw(SEEDS))


def failing_primitives(program: Program) -> str:
    """The primitives a failure of ``program`` is keyed by, sorted and joined by ``+``: those
    that are not plumbing (``STRUCTURAL``), or all of them when only plumbing is left."""
    try:
        names = program.primitives()
    except Exception:  # a program that cannot be traced still gets a key
        return "untraceable"
    key = "+".join(sorted(names - STRUCTURAL) or sorted(names)) or "none"
    if len(key) > MAX_KEY_LENGTH:
        key = f"{key[:MAX_KEY_LENGTH - 9]}+{zlib.crc32(key.encode()):08x}"
    return key


def _record(name: str, failure: _Found, folder: str, seen: set[str], *, found: str) -> Failure:
    primitive = failing_primitives(failure.case.program)
    key = f"{name}{SEPARATOR}{primitive}"
    path = os.path.join(folder, f"{key}.py")
    new = key not in seen
    if new:
        write_atomically(path, reproducer(name, failure.case, failure.message, primitive=primitive,
                                found=found))
        seen.add(key)
    return Failure(name, primitive, path, new, failure.message)


def reproducer(name: str, case: _Case, message: str, *, primitive: str, found: str) -> str:
    """A standalone Python file that re-runs rule ``name`` on the failing program."""
    program = case.program
    header = [
        f"adharness fuzz: {name} fails on a generated program.",
        "",
        f"property:   {name}",
        f"primitives: {primitive}",
        f"operations: {', '.join(program.ops)}",
        f"dtype:      {program.dtype}, modes {'+'.join(program.modes)}",
        f"jax {jax.__version__}, jaxlib {_jaxlib_version()}, backend {jax.default_backend()}",
        f"found with {found}",
        "",
        "Run this file to reproduce the failure.",
    ]
    comments = [("# " + line).rstrip() for line in message.splitlines()]
    lines = ['"""' + "\n".join(header) + '\n"""', "", "# The failure:", *comments, "", "",
             program.reproducer().rstrip(), ""]
    if name == CHECK:
        lines += ["import harness", "",
                  f"harness.check({FUNCTION_NAME}, args, order={HIGHER_ORDER}, "
                  f"modes={program.modes!r}, seed={case.seed}).raise_if_failed()"]
    else:
        options = OPTIONS.get(name, lambda p: {})(program)
        extra = "".join(f", {k}={v!r}" for k, v in options.items())
        args = "args"
        if case.points is not None:
            lines.append(f"points = [args, {', '.join(literal(p) for p in case.points[1:])}]")
            args = "points"
        lines += ["import properties", "",
                  f"properties.{name}({FUNCTION_NAME}, {args}, seed={case.seed}{extra})"]
    return "\n".join(lines) + "\n"


def _jaxlib_version() -> str:
    try:
        import jaxlib

        return jaxlib.__version__
    except (ImportError, AttributeError):
        return "unknown"


