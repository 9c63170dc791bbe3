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

import collections
import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np

from harness.error_model import _magnitudes
from harness.judging import _linearity
from harness.oracles import _differences

MODE_NAMES = {"fwd": "JVP", "rev": "VJP"}
PIECES = ("jvp", "vjp", "grad", "holomorphic_grad", "jvp_scaled", "vjp_scaled")

# Messages by which JAX says that a mode does not exist for a function (skipped, not failed).
_MODE_UNAVAILABLE = (
    "can't apply forward-mode autodiff (jvp) to a custom_vjp function",
    "Reverse-mode differentiation does not work for lax.while_loop",
    "Differentiation rule for",
    "not implemented",
)
_UNTRACEABLE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
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


def is_untraceable(error: BaseException) -> bool:
    return isinstance(error, _UNTRACEABLE)


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
        return {"jvp_scaled": jax.jvp(h, (xs,), (_linearity.scaled(t),))[1]}
    if name == "vjp_scaled":
        _, pullback = jax.vjp(h, xs)
        return {"vjp_scaled": pullback(_linearity.scaled(c))[0]}
    if name == "grad":
        return {"grad": jax.grad(_scalar(h))(xs)}
    return {"holomorphic_grad": jax.grad(_scalar(h), holomorphic=True)(xs)}


# The programs run once per point on tiny inputs: compiling them fast matters more than
# compiling them well. On the CPU these options cut compile time by 2-4x and leave run time
# about as is; an XLA that lacks one of them compiles with its defaults.
_FAST_COMPILE = {
    "xla_backend_optimization_level": 0,
    "xla_llvm_disable_expensive_passes": True,
    "xla_cpu_use_fusion_emitters": False,
}


def compiled(fn: Callable) -> Callable:
    """``jax.jit(fn)``, asking XLA for a quick compile on the CPU."""
    if jax.default_backend() != "cpu":
        return jax.jit(fn)
    fast, plain = jax.jit(fn, compiler_options=_FAST_COMPILE), jax.jit(fn)
    state = {"fast": True}

    def run(*args):
        if state["fast"] and not _tracing(args):  # inside a trace: compiled with the caller
            try:
                return fast(*args)
            except Exception as error:  # noqa: BLE001 - only an unknown option is retried
                if "compile option" not in str(error):
                    raise
                state["fast"] = False
        return plain(*args)

    return run


def _tracing(args) -> bool:
    """Whether ``args`` hold tracers: a call from inside another trace, which XLA compiles
    with the outer program's options (a nested jit may not set its own)."""
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(args))


def compiled_or_eager(fn: Callable) -> Callable:
    """``compiled(fn)``, falling back to ``fn`` itself for good once fn cannot be traced."""
    program = compiled(fn)
    state = {"eager": False}

    def run(*args):
        if not state["eager"]:
            try:
                return program(*args)
            except Exception as error:  # noqa: BLE001 - only untraceable functions fall back
                if not is_untraceable(error):
                    raise
                state["eager"] = True
        return fn(*args)

    return run


class ProgramCache:
    """A small LRU of built programs, keyed on everything the trace depends on but shapes."""

    def __init__(self, size: int = 128):
        self._store: collections.OrderedDict = collections.OrderedDict()
        self._size = size

    def get(self, key, build: Callable):
        if key is None:
            return build()
        try:
            value = self._store.pop(key)
        except KeyError:
            value = build()
        except TypeError:  # unhashable key part
            return build()
        self._store[key] = value
        while len(self._store) > self._size:
            self._store.popitem(last=False)
        return value

    def clear(self) -> None:
        self._store.clear()


PROGRAMS = ProgramCache()


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


def oracle_program(base: Callable, levels: Sequence[Level], plan: dict[str, tuple[str, ...]],
                   *, eager: bool, measure: bool,
                   optional: dict[str, tuple[int, ...]] | None = None) -> Callable:
    """Stencil values for every (point, direction) pair of every level,
    with the magnitudes and float64 derivatives of ``float64_derivatives``.

    ``optional`` pairs (the sign-flipped tangents, which only estimate magnitudes) are skipped
    at levels whose running-error magnitudes are known; ``(level, "pairs")`` lists the pairs
    that ran.
    """
    optional = optional or {}

    def run(fixed, inner, points, directions, steps, diff, tangents, cotangents):
        out = {}
        for level in levels:
            h = level_function(base, level, fixed, inner[level.key])
            found = float64_derivatives(h, diff, tangents[level.key], cotangents[level.key],
                                        plan[level.key], measure=measure)
            for piece, value in found.items():
                out[(level.key, piece, "x64")] = value
            count = jax.tree_util.tree_leaves(points[level.key])[0].shape[0]
            skip = optional.get(level.key, ()) if "magnitude" in found else ()
            used = np.array([i for i in range(count) if i not in skip], dtype=np.int32)
            out[(level.key, "pairs", "x64")] = used
            pick = lambda tree, used=used: jax.tree_util.tree_map(lambda a: a[used], tree)
            one = lambda x, t, s, h=h: _differences.stencil(h, x, t, s, eager=eager)
            out[(level.key, "fd")] = _differences.map_over(
                one, pick(points[level.key]), pick(directions[level.key]),
                pick(steps[level.key]), eager=eager)
        return out

    return run if eager else compiled(run)


def complex_step_program(base: Callable, *, eager: bool) -> Callable:
    """``Im f(x + i sigma t) / sigma`` for a batch of (point, direction) pairs of ``f``."""

    def run(fixed, points, directions, sigma):
        h = lambda xs: base(xs, fixed)
        one = lambda x, t: _differences.complex_step(h, x, t, sigma)
        return _differences.map_over(one, points, directions, eager=eager)

    return run if eager else compiled(run)


def complex_step_applies(base: Callable, diff, fixed) -> bool:
    """Whether ``base`` at complex points is the analytic continuation of its real self."""
    if any(jnp.issubdtype(x.dtype, jnp.complexfloating) for x in diff):
        return False
    try:
        z = [jnp.asarray(x, jnp.complex128) for x in diff]
        closed = jax.make_jaxpr(lambda xs: base(xs, fixed))(z)
    except Exception:  # noqa: BLE001 - any failure to trace at complex points rules it out
        return False
    if not all(jnp.issubdtype(v.aval.dtype, jnp.complexfloating) for v in closed.jaxpr.outvars):
        return False
    return _differences.is_analytic_jaxpr(closed.jaxpr)
