"""The computations behind one check, built once per function and traced once per shape.

A *level* is a derivative function ``h`` of the caller's ``f``: ``f`` itself, or a JVP or VJP
of ``f`` along fixed random directions, or a derivative of that, up to ``order - 1`` deep. Every
level gets the same first-order checks, so order 2 checks the JVP and VJP of the JVP and of
the VJP, each along directions drawn independently of the point.

Two programs serve all levels at once: the AD program evaluates ``jvp``, ``vjp`` and ``grad`` of
each level in the caller's dtypes, and the oracle program evaluates each level on a
finite-difference stencil (and, where valid, a complex step) in float64. Both are jitted and
cached on the function, the tree structure and the Python-scalar arguments; JAX's own cache
then keys them on shapes and dtypes, so every further point and every Hypothesis example of the
same shapes runs without tracing or compiling. Functions with Python control flow on values
cannot be traced; they run eagerly, with loops where the compiled path uses ``vmap``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core
import jax.numpy as jnp

from harness.computations._compiled import PROGRAMS, compiled
from harness.error_model import _magnitudes, _running_error

MODE_NAMES = {"fwd": "JVP", "rev": "VJP"}
PIECES = ("jvp", "vjp", "grad", "holomorphic_grad", "jvp_scaled", "vjp_scaled")
# The scaled tangent and cotangent of the linearity identity (``harness.judging._linearity``).
LINEARITY_SCALE = -1024.0
SCALED_PIECES = {"jvp": "jvp_scaled", "vjp": "vjp_scaled"}

# Messages by which JAX says that a mode does not exist for a function (skipped, not failed).
_MODE_UNAVAILABLE = (
    "can't apply forward-mode autodiff (jvp) to a custom_vjp function",
    "Reverse-mode differentiation does not work for lax.while_loop",
    "Differentiation rule for",
    "not implemented",
)


@dataclasses.dataclass(frozen=True)
class Level:
    """A derivative function: the inner modes applied to ``f``, innermost first."""

    chain: tuple[str, ...]

    @property
    def order(self) -> int:
        return len(self.chain) + 1

    def label(self, top: str) -> str:
        return " of ".join([top] + [MODE_NAMES[m] for m in reversed(self.chain)])

    @property
    def key(self) -> str:
        return "f" + "".join("." + m for m in self.chain)


def levels_for(order: int, modes: Sequence[str]) -> tuple[Level, ...]:
    return tuple(
        Level(chain)
        for depth in range(order)
        for chain in itertools.product(modes, repeat=depth)
    )


def mode_unavailable(error: BaseException) -> bool:
    text = str(error)
    return any(phrase in text for phrase in _MODE_UNAVAILABLE)


def _derive(h: Callable, mode: str, direction: Sequence[Any]) -> Callable:
    if mode == "fwd":
        return lambda xs: jax.jvp(h, (xs,), (direction,))[1]

    def pulled_back(xs):
        _, pullback = jax.vjp(h, xs)
        return pullback(direction)[0]

    return pulled_back


def level_function(base: Callable, level: Level, fixed, inner) -> Callable:
    """``h`` of one level as a function of the differentiable leaves (a list in, a list out)."""
    h = lambda xs: base(xs, fixed)
    for mode, direction in zip(level.chain, inner):
        h = _derive(h, mode, direction)
    return h


def traced(base: Callable, diff, fixed) -> Callable:
    """``base`` replayed from its jaxpr at these shapes and dtypes.

    Every check differentiates ``base`` a dozen times over (JVPs, VJPs, linearizations,
    stencils); replaying one jaxpr is cheaper than re-running the caller's Python each time,
    and means exactly the same (custom rules and ``stop_gradient`` are in the jaxpr).
    """
    closed = jax.make_jaxpr(base)(list(diff), list(fixed))
    replay = jax.extend.core.jaxpr_as_fun(closed)
    return lambda xs, fx: list(replay(*xs, *fx))


def replayed(closed, keep: Sequence[int]) -> Callable:
    """The function of a traced jaxpr over (diff, fixed) leaves, keeping outputs ``keep``."""
    replay = jax.extend.core.jaxpr_as_fun(closed)
    return lambda xs, fx: [jnp.asarray(o) for i, o in enumerate(replay(*xs, *fx)) if i in keep]


def scaled(leaves: list) -> list:
    """The direction ``s d`` for each leaf ``d``, in its own dtype (a Python float is weak)."""
    return [leaf * LINEARITY_SCALE for leaf in leaves]


def _scalar(h: Callable) -> Callable:
    return lambda xs: h(xs)[0].reshape(())


def ad_piece(name: str, h: Callable, xs, t, c):
    """One AD evaluation of a level: its JVP along ``t``, VJP of ``c``, gradient, or the JVP
    and VJP along the scaled directions of ``_linearity``."""
    if name == "jvp":
        y, jt = jax.jvp(h, (xs,), (t,))
        return {"y": y, "jvp": jt}
    if name == "vjp":
        y, pullback = jax.vjp(h, xs)
        return {"y": y, "vjp": pullback(c)[0]}
    if name == "jvp_scaled":
        return {"jvp_scaled": jax.jvp(h, (xs,), (scaled(t),))[1]}
    if name == "vjp_scaled":
        _, pullback = jax.vjp(h, xs)
        return {"vjp_scaled": pullback(scaled(c))[0]}
    if name == "grad":
        return {"grad": jax.grad(_scalar(h))(xs)}
    return {"holomorphic_grad": jax.grad(_scalar(h), holomorphic=True)(xs)}


def ad_program(base: Callable, plan: dict[str, tuple[str, ...]], levels: Sequence[Level],
               *, eager: bool) -> Callable:
    """All AD pieces of all levels in one function of (diff, fixed, inner, t, c) per level."""

    def run(diff, fixed, inner, tangents, cotangents):
        out = {}
        for level in levels:
            h = level_function(base, level, fixed, inner[level.key])
            for piece in plan[level.key]:
                out[(level.key, piece)] = ad_piece(
                    piece, h, diff, tangents[level.key], cotangents[level.key]
                )
        return out

    return run if eager else compiled(run)


def float64_derivatives(h: Callable, diff, t, c, pieces: Sequence[str], *, measure: bool) -> dict:
    """One linearization of ``h`` on the float64 copy: its magnitudes, JVP, VJP and gradient.

    The JVP, VJP and gradient (only when ``measure``) are compared with the AD in the caller's
    low dtype: their distance is the rounding of the derivative program in that dtype. The VJP
    is the transpose of the same linear map, and the gradient the VJP divided by its scalar
    cotangent, so the float64 copy is linearized once.
    """
    out = {}
    if "jvp" in pieces:
        _, linear = jax.linearize(h, diff)
        magnitude = _magnitudes.absolute_linear(linear, t)
        if magnitude is not None:
            out["magnitude"] = magnitude
        if measure:
            out["jvp"] = {"jvp": linear(t)}
            if "vjp" in pieces:
                out["vjp"] = {"vjp": jax.linear_transpose(linear, diff)(c)[0]}
    elif measure and "vjp" in pieces:
        out["vjp"] = {"vjp": ad_piece("vjp", h, diff, t, c)["vjp"]}
    if measure and "grad" in pieces and "vjp" in out:
        scale = c[0].reshape(())
        out["grad"] = {"grad": [v / scale for v in out["vjp"]["vjp"]]}
    return out


def piece_bound(base: Callable, level, piece: str, diff, fixed, inner, t, c, *,
                key) -> list | None:
    """The bound of one AD piece ("jvp", "vjp" or "grad") of a level of ``harness.check``,
    compiled once per (key, level, piece) and shapes; None where there is none."""

    h_of = lambda fixed, inner: level_function(base, level, fixed, inner)
    pieces = {
        "jvp": lambda xs, fixed, inner, t, c: jax.jvp(h_of(fixed, inner), (xs,), (t,))[1],
        "vjp": lambda xs, fixed, inner, t, c: jax.vjp(h_of(fixed, inner), xs)[1](c)[0],
        "grad": lambda xs, fixed, inner, t, c: jax.grad(
            lambda v: h_of(fixed, inner)(v)[0].reshape(()))(xs),
    }
    program = PROGRAMS.get(
        None if key is None else ("bound", piece, level.key) + key,
        lambda: compiled(lambda *a: _running_error.program_bound(pieces[piece], a)))
    try:
        # Traced and run with 64-bit types on, whatever the caller's setting: the bounds
        # are carried in float64 (``_running_error``), the program in the inputs' dtypes.
        with jax.enable_x64(True):
            bounds = program(diff, fixed, inner, t, c)
    except Exception:  # noqa: BLE001 - no bound: the caller says so in a note
        return None
    return None if bounds is None else jax.device_get(bounds)
