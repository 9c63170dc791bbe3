"""What every property shares: the function at its point, and the two ways a rule is judged.

A rule is judged either against the oracles (``harness.check``, finite differences and the
complex step in float64) or as an exact identity between two AD computations
(``harness.judging._identity``, judged against their measured rounding). Either way the result is a
``harness.Report``, and the property raises ``DerivativeMismatch`` when a check failed,
``UndefinedPoint`` when fn is not finite at the point and ``NotApplicable`` when the rule does
not exist for fn (forward mode of a ``custom_vjp`` function, say).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import harness
from harness._errors import (
    DerivativeMismatch,
    FunctionRaised,
    InvalidArgument,
    NotApplicable,
    UndefinedPoint,
)
from harness.computations import _compiled, _levels
from harness.inputs import _directions
from harness.inputs._arguments import flatten_arguments, validate_callable
from harness.judging import _identity
from harness.results._report import FAILED, SKIPPED, Check, Report
from harness.results._reproduce import call_snippet, describe_exception, function_name


@dataclasses.dataclass(frozen=True)
class Subject:
    """``fn`` at ``args``: the differentiable leaves, the fixed ones, and a cache key."""

    fn: Callable
    args: tuple
    arguments: Any

    @classmethod
    def of(cls, fn: Callable, args: tuple) -> Subject:
        validate_callable(fn)
        return cls(fn, args, flatten_arguments(args))

    @property
    def diff(self) -> list[np.ndarray]:
        return [np.asarray(x) for x in self.arguments.diff]

    @property
    def fixed(self) -> list[np.ndarray]:
        return [np.asarray(x) for x in self.arguments.fixed]

    @property
    def name(self) -> str:
        return function_name(self.fn)

    def call(self, diff: Sequence[Any], fixed: Sequence[Any]) -> Any:
        """fn of the differentiable and fixed leaves (the Python scalars are held as given)."""
        return self.fn(*self.arguments.rebuild(list(diff), list(fixed)))

    def key(self, *extra: Any) -> tuple | None:
        """What a program built for this subject depends on, apart from shapes and dtypes."""
        avals = tuple((np.shape(x), str(np.asarray(x).dtype))
                      for x in self.arguments.diff + self.arguments.fixed)
        key = (self.fn, self.arguments.treedef, self.arguments.kinds,
               self.arguments.static_key, avals) + extra
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def directions(self, seed: int, role: str, like: Sequence[Any]) -> list[np.ndarray]:
        """Standard normal arrays shaped like ``like``, from ``seed`` and a role name."""
        return _directions.normal_leaves(_directions.generator(seed, role), like)

    def traceable(self) -> bool:
        """Whether fn can be traced at these shapes (no Python control flow on values)."""
        try:
            self.output_shape()
        except Exception as error:  # noqa: BLE001
            if _compiled.is_untraceable(error):
                return False
        return True

    def output_shape(self) -> Any:
        key = self.key("output shape")
        with _compiled.x64_for(self.diff):
            return _compiled.PROGRAMS.get(key, lambda: jax.eval_shape(self.call, self.diff,
                                                                        self.fixed))

    def output_leaves(self) -> list[jax.ShapeDtypeStruct]:
        """Shape and dtype of each output leaf (what cotangents and weights are shaped like)."""
        return [jax.ShapeDtypeStruct(leaf.shape, leaf.dtype)
                for leaf in jax.tree_util.tree_leaves(self.output())]

    def output(self) -> Any:
        """Shapes and dtypes of fn's output (without running it where it can be traced)."""
        try:
            return self.output_shape()
        except Exception as error:  # noqa: BLE001 - untraceable: run it
            if not _compiled.is_untraceable(error):
                raise _raised(self.name, error) from error
            try:
                with _compiled.x64_for(self.diff):
                    out = self.call(self.diff, self.fixed)
            except Exception as inner:  # noqa: BLE001
                raise _raised(self.name, inner) from inner
            return jax.tree_util.tree_map(lambda v: jax.ShapeDtypeStruct(
                np.shape(v), jnp.asarray(v).dtype), out)


def _raised(name: str, error: BaseException) -> FunctionRaised:
    return FunctionRaised(f"{name} raised at this point (a bug in fn, not in its "
                          f"derivatives): {describe_exception(error)}")


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return f"fn raised {type(error).__name__}: {text}"


def scalar_real_output(subject: Subject, prop: str) -> jax.ShapeDtypeStruct:
    """fn's output, which ``prop`` needs to be one real number; NotApplicable otherwise."""
    out = subject.output()
    leaves = jax.tree_util.tree_leaves(out)
    if (len(leaves) != 1 or np.size(np.zeros(leaves[0].shape)) != 1
            or not jnp.issubdtype(leaves[0].dtype, jnp.floating)):
        raise NotApplicable(
            f"{prop} needs fn to return one real number; {subject.name} returns "
            + ", ".join(f"{leaf.dtype}{list(leaf.shape)}" for leaf in leaves))
    return leaves[0]


def real_inputs(subject: Subject, prop: str) -> None:
    complex_ = [p for p, x in zip(subject.arguments.diff_paths, subject.diff)
                if np.iscomplexobj(x)]
    if complex_:
        raise NotApplicable(f"{prop} needs real inputs; {', '.join(complex_)} is complex")


def one_dtype(subject: Subject, prop: str) -> np.dtype:
    """The single dtype of fn's differentiable inputs (``prop`` works on one flat vector)."""
    dtypes = {np.asarray(x).dtype for x in subject.diff}
    if len(dtypes) != 1:
        raise NotApplicable(f"{prop} flattens the inputs into one vector, which needs one "
                            f"dtype; got {sorted(str(d) for d in dtypes)}")
    return dtypes.pop()


def _snippet(name: str, subject: Subject, seed: int, options: dict) -> str:
    text = [f"{k}={v!r}" for k, v in options.items()] + [f"seed={seed}"]
    return call_snippet(f"properties.{name}", subject.fn, subject.args, text,
                        module="properties")


def conclude(name: str, report: Report) -> Report:
    """Raise for a failed, undefined or inapplicable property; return the report otherwise."""
    if report.error:
        raise FunctionRaised(f"{name}: {report.function} raised at this point (a bug in fn, "
                             f"not in its derivatives): {report.error}") from report.cause
    if report.undefined:
        raise UndefinedPoint(
            f"{name} cannot be checked where {report.function} is undefined "
            f"({report.undefined}); draw points from fn's domain")
    if report.failures:
        raise DerivativeMismatch(f"{name} fails for {report.function}\n{report}")
    if report.checks and all(c.status == SKIPPED for c in report.checks):
        reasons = "; ".join(dict.fromkeys(c.note for c in report.checks))
        raise NotApplicable(f"{name} does not apply to {report.function}: {reasons}")
    return report


def row_program(subject: Subject, name: str, row: Callable) -> Callable:
    """``row`` compiled once for the subject's structure and shapes, and cached.

    A loop reference (``stack(jvp(t) for t in T)``) calls it once per row, as a user's loop
    would, so that one row is compiled rather than the loop unrolled. ``row`` may depend on
    the subject only through its arguments. Where fn cannot be traced it runs eagerly.
    """
    key = subject.key(name, "row")
    return _compiled.PROGRAMS.get(key, lambda: _compiled.compiled_or_eager(row))


def identity_property(name: str, subject: Subject, *, left: Callable, right: Callable,
                      extra: Any = (), chain: str, relation: str, seed: int, order: int = 1,
                      options: dict | None = None, key: tuple = (), jit_left: bool = True,
                      jit_right: bool = True, check_value: bool = True,
                      reference_jitted: bool = False) -> Report:
    """Judge ``left(diff, fixed, extra) == right(diff, fixed, extra)`` and conclude.

    With ``check_value`` fn's own value is computed alongside, and a point where it is not
    finite raises ``UndefinedPoint``.

    ``key`` names everything the two sides depend on besides the subject's own key; the
    programs are cached under it, so further points of the same shapes reuse them.
    """
    inputs = (subject.diff, subject.fixed, extra)
    cache_key = subject.key(name, jit_left, jit_right, *key) if jit_left or jit_right else None
    # fn's value rides along, traced with a jitted side; beside a side that runs in Python it
    # comes from one compiled program of fn alone rather than from fn run op by op.
    traced_value = (lambda a: subject.call(a[0], a[1])) if check_value else (lambda a: 0.0)
    value_program = row_program(subject, "value", subject.call) if check_value else None
    value = {True: traced_value,
             False: (lambda a: value_program(a[0], a[1])) if check_value else traced_value}
    try:
        checks, notes = _identity.identity_checks(
            name, lambda a: {"rule": left(*a), "fn": value[jit_left](a)},
            lambda a: {"rule": right(*a), "fn": value[jit_right](a)}, inputs, chain=chain,
            relation=relation, order=order, key=cache_key, jit_left=jit_left,
            jit_right=jit_right, allow_eager=not subject.traceable(),
            reference_jitted=reference_jitted)
    except _identity.NotFiniteHere as error:
        return conclude(name, _report(subject, (), seed, order, undefined=str(error)))
    except (InvalidArgument, NotApplicable, UndefinedPoint, FunctionRaised):
        raise
    except Exception as error:  # noqa: BLE001 - a rule that raises is a failed rule
        if _levels.mode_unavailable(error):
            raise NotApplicable(f"{name}: {_describe(error)[10:]}") from error
        undefined = _undefined(subject)
        if undefined:
            raise UndefinedPoint(f"{name} cannot be checked here: {undefined}") from error
        checks = [Check(name, chain, order, FAILED, "out",
                        note=f"computing it raised {_describe(error)[10:]}")]
        notes = []
    # fn's own value rode along only to reject points where fn is not finite.
    checks = [dataclasses.replace(c, leaf="out" + c.leaf[len("out['rule']"):])
              for c in checks if not c.leaf.startswith("out['fn']")]
    report = _report(subject, tuple(checks), seed, order, notes=tuple(notes))
    if report.failures:
        report = dataclasses.replace(report, reproduce=_snippet(name, subject, seed,
                                                                options or {}))
    return conclude(name, report)


def _undefined(subject: Subject) -> str | None:
    """Why fn is undefined at the subject's point, or None when it is finite there."""
    try:
        with _compiled.x64_for(subject.diff):
            out = subject.call(subject.diff, subject.fixed)
    except Exception as error:  # noqa: BLE001 - fn's own error, not an undefined point
        raise _raised(subject.name, error) from error
    bad = [leaf for leaf in jax.tree_util.tree_leaves(out)
           if jnp.issubdtype(jnp.asarray(leaf).dtype, jnp.inexact)
           and not np.all(np.isfinite(np.asarray(leaf)))]
    return "fn is nan or inf here" if bad else None


def _report(subject: Subject, checks: tuple, seed: int, order: int, *, notes=(),
            undefined=None) -> Report:
    return Report(function=subject.name, checks=checks, order=order, modes=(),
                  holomorphic=False, seed=int(seed), args=subject.args, notes=tuple(notes),
                  undefined=undefined, backend=jax.default_backend(), fn=subject.fn)


def oracle_property(name: str, fn: Callable, args: tuple, *, keep: Iterable[str], seed: int,
                    order: int = 1, modes: Sequence[str] = ("fwd", "rev"),
                    holomorphic: bool = False, rename: bool = False,
                    options: dict | None = None, subject: Subject | None = None) -> Report:
    """``harness.check`` keeping the checks of ``keep`` (renamed to ``name`` if asked)."""
    keep = set(keep)
    report = _checked(fn, args, order=order, modes=tuple(modes), holomorphic=holomorphic,
                      seed=seed)
    mine = [c for c in report.checks if c.property in keep]
    if rename:
        mine = [dataclasses.replace(c, property=name) for c in mine]
    if not mine and not report.undefined and not report.error:
        raise NotApplicable(f"{name} found nothing to check for {report.function} "
                            f"(checks run: {sorted({c.property for c in report.checks})})")
    reproduce = report.reproduce
    if any(c.status == FAILED for c in mine):
        reproduce = _snippet(name, subject or Subject.of(fn, args), seed, options or {})
    report = dataclasses.replace(report, checks=tuple(mine), reproduce=reproduce)
    if subject is not None:  # fn was wrapped: report the caller's function and point
        report = dataclasses.replace(report, function=subject.name, args=subject.args,
                                     fn=subject.fn)
    return conclude(name, report)


_REPORTS: collections.OrderedDict = collections.OrderedDict()
REPORTS_KEPT = 32


def _checked(fn: Callable, args: tuple, **options) -> Report:
    """``harness.check``, remembering the last few reports: the properties judged against the
    oracles each keep their part of the same check, so at the same point it runs once."""
    try:
        leaves, treedef = jax.tree_util.tree_flatten(args)
        key = (fn, treedef, tuple(sorted(options.items())),
               tuple((np.asarray(v).dtype.str, np.shape(v), np.asarray(v).tobytes())
                     for v in leaves))
        hash(key)
    except TypeError:
        return harness.check(fn, args, **options)
    if key in _REPORTS:
        _REPORTS.move_to_end(key)
        return _REPORTS[key]
    report = harness.check(fn, args, **options)
    _REPORTS[key] = report
    while len(_REPORTS) > REPORTS_KEPT:
        _REPORTS.popitem(last=False)
    return report


def validate_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgument(f"seed must be an integer; got {seed!r}.")
    return int(seed)
