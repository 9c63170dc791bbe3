"""``harness.check``: every derivative of a function at one point against its oracles."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import FunctionRaised, InvalidArgument
from harness.computations import _compiled
from harness.error_model._budget import (
    Tolerance,
)
from harness.inputs import _structure
from harness.inputs._arguments import (
    flatten_arguments,
    is_differentiable_dtype,
    validate_callable,
    validate_holomorphic,
    validate_order_and_modes,
)
from harness.judging import _accuracy
from harness.results._report import FAILED, INCONCLUSIVE, Report
from harness.results._reproduce import describe_exception, function_name, reproduce_snippet
from harness.verify._run import NotFinite, Run, avals


def check(
    fn: Callable,
    args: tuple,
    *,
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    holomorphic: bool = False,
    rtol: float | dict | None = None,
    atol: float | dict | None = None,
    seed: int = 0,
    tangents: dict | Sequence | None = None,
    accuracy: str = "fail",
) -> Report:
    """Check every derivative of ``fn`` at ``args`` up to ``order`` against independent oracles.

    Rules: ``jvp(t)`` equals the oracle's directional derivative; ``<vjp(c), t> = <c, J t>``;
    ``<vjp(c), t> = <c, jvp(t)>`` exactly; ``grad`` equals the oracle's gradient; and the same for
    every JVP and VJP of ``fn`` along independent random directions, up to ``order``.

    Args:
        fn: a function of positional arguments (arrays, Python scalars or pytrees of them)
            returning an array, a scalar or a pytree, real or complex.
        args: the point, as a tuple of positional arguments.
        order: how many derivatives deep to check (1 = first derivatives).
        modes: "fwd" (JVP) and/or "rev" (VJP), for the checked derivatives and the inner ones.
        holomorphic: also check complex differentiability and ``grad(..., holomorphic=True)``.
        rtol, atol: replace the rounding part of the budget; a number, or a dict per dtype.
        seed: the seed of the random directions.
        tangents: for functions defined on structured matrices (cholesky reads a symmetric
            matrix, solve_triangular a triangular one): argument index -> "symmetric",
            "hermitian", "lower", "upper", "diagonal" or a linear projection. Every direction
            of that argument is projected on the structure, and so is each finite difference.
        accuracy: "fail" (default): a derivative within its rule's budget that has lost its
            relative accuracy against an exact reference (``sigmoid'(40)`` computed as 0) fails
            as ``derivative_accuracy``; "note": it is reported as a note, for rule correctness
            only.

    Returns:
        A ``Report``; ``report.ok`` is False when a derivative is wrong.

    Raises:
        InvalidArgument: ``fn`` or ``args`` cannot be checked (the message says why).

    Example:
        >>> import numpy as np, jax.numpy as jnp, harness
        >>> harness.check(jnp.tanh, (np.float32(2.0),), order=3).ok
        True
    """
    validate_callable(fn)
    modes = validate_order_and_modes(order, modes)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgument(f"seed must be an integer; got {seed!r}.")
    if accuracy not in _accuracy.MODES:
        raise InvalidArgument(
            f"accuracy must be 'fail' (a derivative that lost its relative accuracy fails) or "
            f"'note' (it is reported as a note); got {accuracy!r}.")
    structures, checked, structure_notes = None, fn, []
    if tangents is not None:
        structures = _structure.normalize(tangents)
        args, structure_notes = _structure.project_point(args, structures,
                                                         holomorphic=bool(holomorphic))
        checked = _structure.OnStructure(fn, structures)
    arguments = flatten_arguments(args)
    arguments = dataclasses.replace(arguments, notes=arguments.notes + tuple(structure_notes))
    validate_holomorphic(holomorphic, arguments)
    tolerance = Tolerance.from_user(rtol, atol)
    report = dict(function=function_name(fn), order=int(order), modes=modes,
                  holomorphic=bool(holomorphic), seed=int(seed), args=args,
                  backend=jax.default_backend(), fn=fn)
    with _precision_of(arguments):
        return _check(checked, arguments, report, order=int(order), modes=modes,
                      holomorphic=bool(holomorphic), tolerance=tolerance, seed=int(seed),
                      rtol=rtol, atol=atol, structures=structures, accuracy=accuracy)


def _precision_of(arguments):
    """64-bit inputs are checked in 64 bits, whether or not jax_enable_x64 is set globally."""
    wide = any(np.dtype(v.dtype).itemsize * (1 if np.dtype(v.dtype).kind != "c" else 0.5) >= 8
               for v in arguments.diff + arguments.fixed)
    if wide and not jax.config.jax_enable_x64:
        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _check(fn, arguments, report, *, order, modes, holomorphic, tolerance, seed, rtol,
           atol, structures, accuracy) -> Report:
    args = report["args"]
    diff = [jnp.asarray(x) for x in arguments.diff]
    fixed = [jnp.asarray(x) for x in arguments.fixed]
    call = lambda d, f: fn(*arguments.rebuild(d, f))
    eager, closed = False, None
    try:
        shape_key = (fn, arguments.treedef, arguments.kinds, arguments.static_key,
                     avals(diff) + avals(fixed))
        hash(shape_key)
    except TypeError:
        shape_key = None
    try:
        # One trace gives the output's structure and the jaxpr every later program replays;
        # it is cached, so further points of the same shapes do not trace fn again.
        closed, out = _compiled.PROGRAMS.get(
            None if shape_key is None else ("jaxpr",) + shape_key,
            lambda: jax.make_jaxpr(call, return_shape=True)(diff, fixed))
    except Exception as error:  # noqa: BLE001 - sorted below
        eager = _compiled.is_untraceable(error)
        if not eager:
            return _error_report(error, arguments, report)
    if eager:
        try:
            out = call(diff, fixed)
        except Exception as error:  # noqa: BLE001 - whatever fn raises is an error of fn's
            return _error_report(error, arguments, report)
    out_leaves, out_paths = _output_leaves(out)
    keep = [i for i, leaf in enumerate(out_leaves) if is_differentiable_dtype(leaf.dtype)]
    if not keep:
        raise InvalidArgument(
            "fn returns no floating-point or complex output "
            f"({', '.join(str(leaf.dtype) for leaf in out_leaves) or 'nothing'}), so it has no "
            "derivative to check. Return the float values the derivative is taken of."
        )
    notes = list(arguments.notes)
    notes += [f"{out_paths[i]} has dtype {out_leaves[i].dtype}: not differentiated"
              for i in range(len(out_leaves)) if i not in keep]
    out_leaves = [out_leaves[i] for i in keep]
    out_paths = [out_paths[i] for i in keep]
    if holomorphic:
        real = [p for p, o in zip(out_paths, out_leaves)
                if not jnp.issubdtype(o.dtype, jnp.complexfloating)]
        if real:
            raise InvalidArgument(
                f"holomorphic=True, but fn returns real values at {', '.join(real)}. A real "
                "function of a complex variable is holomorphic only if it is constant; check it "
                "with holomorphic=False."
            )
    def planned(replay: bool) -> Run:
        return Run(fn, arguments, keep, tuple(out_paths), out_leaves, diff, fixed,
                    int(order), modes, bool(holomorphic), tolerance, int(seed), eager, closed,
                    replay=replay, accuracy=accuracy)

    run = planned(True)
    try:
        try:
            checks = run.checks()
        except jax.errors.UnexpectedTracerError:
            # A custom rule given a traced non-differentiable argument (jax.scipy.special.expn
            # with an array n) closes over its tracer, which replaying the jaxpr lets escape:
            # trace fn itself instead.
            run = planned(False)
            checks = run.checks()
    except NotFinite as error:
        return Report(checks=(), notes=tuple(notes + run.notes), undefined=str(error), **report)
    except FunctionRaised as error:  # fn raised near the point, where the oracle evaluates it
        return Report(checks=(), notes=tuple(notes + run.notes),
                      error=describe_exception(error), cause=error.__cause__ or error, **report)
    notes += run.notes  # after the checks: the oracle adds notes while it runs
    if any(c.status in (FAILED, INCONCLUSIVE) for c in checks):  # printed only then
        report["reproduce"] = reproduce_snippet(report["fn"], args, order=order, modes=modes,
                                                holomorphic=holomorphic, rtol=rtol, atol=atol,
                                                seed=seed, structures=structures,
                                                accuracy=accuracy)
    return Report(checks=tuple(checks), notes=tuple(notes), **report)


def _error_report(error: BaseException, arguments, report: dict) -> Report:
    """fn raised: an error of fn's (a wrong keyword, a shape bug), never a passed check."""
    return Report(checks=(), notes=arguments.notes, error=describe_exception(error),
                  cause=error, **report)


def _output_leaves(out: Any) -> tuple[list, list[str]]:
    pairs, _ = jax.tree_util.tree_flatten_with_path(out)
    leaves = [leaf if isinstance(leaf, jax.ShapeDtypeStruct) else jnp.asarray(leaf)
              for _, leaf in pairs]
    paths = ["out" + jax.tree_util.keystr(path) for path, _ in pairs]
    return leaves, paths
