"""Derivatives under other transformations: unchanged by ``jit``, batched by ``vmap``.

Each property returns a ``harness.Report`` when the rule holds and raises
``harness.DerivativeMismatch`` when it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from harness import Report
from harness._errors import InvalidArgument, NotApplicable

from ._run import Subject, identity_property, row_program, validate_seed


def _derivatives(subject: Subject, *, forward: bool, reverse: bool) -> Callable:
    """(diff, fixed, (t, c)) -> the JVP along t and the VJP of c (those that exist)."""

    def run(d, fx, directions):
        t, c = directions
        f = lambda v: jax.tree_util.tree_leaves(subject.call(v, fx))
        out = {}
        if forward:
            out["jvp"] = jax.jvp(f, (d,), (t,))[1]
        if reverse:
            out["vjp"] = jax.vjp(f, d)[1](c)[0]
        return out

    return run


def derivatives_unchanged_under_jit(fn: Callable, args: tuple, *, seed: int = 0,
                                    forward: bool = True, reverse: bool = True) -> Report:
    """The JVP and the VJP computed under ``jit`` equal the same computed op by op.

    ``forward=False`` or ``reverse=False`` leaves out a mode fn does not have (the JVP of a
    ``custom_vjp`` function, the VJP through ``while_loop``).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> derivatives_unchanged_under_jit(jnp.tanh, (np.float32([0.5, 3.0]),)).ok
        True
    """
    if not (forward or reverse):
        raise InvalidArgument("derivatives_unchanged_under_jit needs forward or reverse mode.")
    name = "derivatives_unchanged_under_jit"
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    like = subject.output_leaves()
    directions = (subject.directions(seed, "t", subject.diff),
                  subject.directions(seed, "c", like))
    run = _derivatives(subject, forward=forward, reverse=reverse)
    report = identity_property(name, subject, seed=seed, extra=directions, left=run,
                               right=run, jit_left=False, jit_right=True,
                               reference_jitted=True,
                               key=(forward, reverse), chain="eager vs jit",
                               relation="jit(d f)(x) = (d f)(x)",
                               options={"forward": forward, "reverse": reverse})
    if any("cannot be traced" in note for note in report.notes):
        raise NotApplicable(f"{name}: {subject.name} cannot be jitted (Python control flow "
                            "on values)")
    return report


def _stack(batch: Sequence[tuple]) -> tuple:
    try:
        return jax.tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]),
                                      *batch)
    except (ValueError, TypeError) as error:
        raise InvalidArgument(
            "the points of the batch must have the same structure and shapes to be stacked "
            f"({error})") from None


def vmap_grad_matches_per_example(fn: Callable, batch: Sequence[tuple], *,
                                  seed: int = 0) -> Report:
    """``vmap(grad(fn))`` over a batch of points equals ``grad(fn)`` at each point.

    ``batch`` is a sequence of points (each a tuple of positional arguments). A function with
    several outputs is differentiated through ``sum(w * fn(x))`` with random weights ``w``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> batch = [(np.float32([0.5, 3.0]),), (np.float32([-1.0, 2.0]),)]
        >>> vmap_grad_matches_per_example(jnp.sin, batch).ok
        True
    """
    name = "vmap_grad_matches_per_example"
    seed = validate_seed(seed)
    if isinstance(batch, tuple) or not isinstance(batch, Sequence) or len(batch) < 2:
        raise InvalidArgument(
            f"{name} takes a list of at least two points, each a tuple of fn's arguments, "
            "e.g. [(x1,), (x2,)]; got " + type(batch).__name__)
    points = [Subject.of(fn, tuple(point)) for point in batch]
    subject = points[0]
    if any(p.arguments.fixed for p in points):
        raise NotApplicable(f"{name}: integer inputs cannot be batched here")
    like = subject.output_leaves()
    weights = subject.directions(seed, "weights", like)
    stacked = [np.stack(parts) for parts in zip(*[p.diff for p in points])]

    def scalar(v, w):
        leaves = jax.tree_util.tree_leaves(subject.call(v, []))
        return sum(jnp.real(jnp.sum(wi * jnp.asarray(o))) for wi, o in zip(w, leaves))

    def vmapped(d, fx, w):
        return jax.vmap(lambda v: jax.grad(scalar)(v, w))(d)

    one = row_program(subject, name, lambda v, fx, w: jax.grad(scalar)(v, w))

    def looped(d, fx, w):
        rows = [one([x[k] for x in d], [], w) for k in range(len(points))]
        return [np.stack([np.asarray(p) for p in parts]) for parts in zip(*rows)]

    batched = Subject(fn, subject.args, _Batched(subject.arguments, stacked))
    return identity_property(name, batched, seed=seed, extra=weights, left=vmapped,
                             right=looped, jit_right=False, key=(len(points),),
                             check_value=False,
                             chain="vmap of grad vs grad per example",
                             relation="vmap(grad f)(X)[k] = grad f(X[k])")


class _Batched:
    """The first point's arguments with the stacked batch as its differentiable leaves."""

    def __init__(self, arguments, stacked):
        self._arguments, self.diff, self.fixed = arguments, stacked, []
        self.treedef, self.kinds = arguments.treedef, arguments.kinds + ("batched",)
        self.static_key, self.diff_paths = arguments.static_key, arguments.diff_paths
        self.notes = arguments.notes

    def rebuild(self, diff, fixed):
        return self._arguments.rebuild(diff, fixed)
