"""The oracle's programs: every level of a check on a finite-difference stencil in float64,
with its magnitudes and float64 derivatives, and the complex step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from harness.computations._compiled import compiled
from harness.computations._levels import Level, float64_derivatives, level_function
from harness.error_model import _running_error
from harness.oracles import _differences


def oracle_program(base: Callable, levels: Sequence[Level], plan: dict[str, tuple[str, ...]],
                   *, eager: bool, measure: bool,
                   optional: dict[str, tuple[int, ...]] | None = None,
                   flipped: dict[str, tuple[tuple[int, int], ...]] | None = None,
                   scaled: bool = False) -> Callable:
    """Stencil values at ``point`` for every direction of every level, with the magnitudes
    and float64 derivatives of ``float64_derivatives``.

    ``optional`` pairs (the sign-flipped tangents, which only estimate magnitudes) are skipped
    at levels whose running-error magnitudes are known; ``(level, "pairs")`` lists the pairs
    that ran. ``flipped`` pairs (pair, twin) come as signs alone: their direction is the
    twin's times the signs (``stacked``). ``scaled``: each level's steps come as (steps times
    2^k, k) per pair, and the point moves as ``_differences.moved_point`` does with a scale.
    """
    optional, flipped = optional or {}, flipped or {}

    def run(fixed, inner, point, directions, steps, tangents, cotangents):
        out = {}
        for level in levels:
            h = level_function(base, level, fixed, inner[level.key])
            if level.chain:
                h = defined_only(h, base, fixed)
            found = float64_derivatives(h, point, tangents[level.key], cotangents[level.key],
                                        plan[level.key], measure=measure)
            for piece, value in found.items():
                out[(level.key, piece, "x64")] = value
            count = len(directions[level.key])
            skip = optional.get(level.key, ()) if "magnitude" in found else ()
            used = np.array([i for i in range(count) if i not in skip], dtype=np.int32)
            out[(level.key, "pairs", "x64")] = used
            along = stacked(directions[level.key], flipped.get(level.key, ()), used)
            if scaled:
                level_steps, scales = steps[level.key]
                one = lambda t, s, k, h=h: _differences.stencil(h, point, t, s, eager=eager,
                                                                scale=k)
                batched = (along, level_steps[used], scales[used])
            else:
                one = lambda t, s, h=h: _differences.stencil(h, point, t, s, eager=eager)
                batched = (along, steps[level.key][used])
            out[(level.key, "fd")] = _differences.map_over(
                one, *batched, eager=eager, item_bytes=_differences.nbytes(point))
        return out

    return run if eager else compiled(run)


def stacked(pairs: Sequence[Sequence], flipped: Sequence[tuple[int, int]] = (),
            used: Sequence[int] | None = None) -> list:
    """The directions of the pairs ``used`` (all by default), one list of leaves per pair,
    stacked leaf by leaf along a new first axis; a ``flipped`` pair's leaves are its signs,
    which flip its twin's direction."""
    twins = dict(flipped)
    direction = lambda i: (pairs[i] if i not in twins else
                           [d * s.astype(d.dtype) for d, s in zip(pairs[twins[i]], pairs[i])])
    chosen = [direction(i) for i in (range(len(pairs)) if used is None else used)]
    return [jnp.stack(leaves) for leaves in zip(*chosen)]


def defined_only(h: Callable, base: Callable, fixed) -> Callable:
    """``h``, a derivative of ``base``, made nan wherever ``base`` itself is not finite.

    A derivative is a property of fn near the point: where fn is nan or inf (log at a negative
    element, 1/x past its pole), the AD program of a lower derivative may still return
    numbers (1/x for log' at x < 0), and a stencil straddling the domain's edge would turn
    them into a confident wrong estimate. As nan they are left out, as at the first level.
    """

    def masked(xs):
        out = h(xs)
        values = [jnp.all(jnp.isfinite(v)) for v in jax.tree_util.tree_leaves(base(xs, fixed))]
        defined = jnp.all(jnp.stack(values)) if values else jnp.array(True)
        return [jnp.where(defined, o, jnp.full_like(o, jnp.nan)) if jnp.issubdtype(
            o.dtype, jnp.inexact) else o for o in out]

    return masked


def stencil_bound_program(base: Callable, levels: Sequence[Level], *,
                          flipped: dict[str, tuple[tuple[int, int], ...]] | None = None
                          ) -> Callable:
    """The running-error bound of each level's function at every point of its stencil, per
    (point, direction) pair, the rounding of ``x + s t`` included; a level whose function
    holds an operation the bound has no rule for (``harness.error_model._running_error``)
    maps to None.

    A finite difference of ``h`` is off by the rounding of its two values over the step. That
    rounding is not ``eps |h|``: ``x log y`` at x = 0, y = 1 + s b is about s^2, but y's own
    rounding, eps, moves it by ``eps |x|``, s times more.
    """

    def run(fixed, inner, point, directions, steps):
        out = {}
        for level in levels:
            h = level_function(base, level, fixed, inner[level.key])
            one = lambda t, s, h=h: _differences.stencil(
                h, point, t, s, eager=False, evaluate=_running_error.program_bound)
            out[level.key] = _differences.map_over(
                one, stacked(directions[level.key], (flipped or {}).get(level.key, ())),
                steps[level.key], eager=False,
                item_bytes=_differences.nbytes(point))
        return out

    return compiled(run)


def complex_step_program(base: Callable, *, eager: bool) -> Callable:
    """``Im f(x + i sigma t) / sigma`` for a batch of (point, direction) pairs of ``f``."""

    def run(fixed, points, directions, sigma):
        h = lambda xs: base(xs, fixed)
        one = lambda x, t: _differences.complex_step(h, x, t, sigma)
        return _differences.map_over(one, points, directions, eager=eager)

    return run if eager else compiled(run)


def complex_step_kind(base: Callable, diff, fixed) -> str | None:
    """Whether ``base`` at complex points is the analytic continuation of its real self:
    None if not; "exact" if so and every operation is evaluated accurately there; "inexact"
    if one is not (``_differences.INEXACT_COMPLEX``)."""
    if any(jnp.issubdtype(x.dtype, jnp.complexfloating) for x in diff):
        return None
    try:
        z = [jnp.asarray(x, jnp.complex128) for x in diff]
        closed = jax.make_jaxpr(lambda xs: base(xs, fixed))(z)
    except Exception:  # noqa: BLE001 - any failure to trace at complex points rules it out
        return None
    if not all(jnp.issubdtype(v.aval.dtype, jnp.complexfloating) for v in closed.jaxpr.outvars):
        return None
    if not _differences.is_analytic_jaxpr(closed.jaxpr):
        return None
    inexact = _differences.primitive_names(closed.jaxpr) & _differences.INEXACT_COMPLEX
    return "inexact" if inexact else "exact"
