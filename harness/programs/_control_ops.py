"""Control flow in generated programs: ``cond``, ``scan``, ``fori_loop``, ``while_loop``,
``checkpoint`` and an inner ``jit``, each around a drawn chain of unary operations."""

from __future__ import annotations

import math

import hypothesis.strategies as st

from harness.programs._builder import LOOP_TRIPS, Builder, Var, lit
from harness.programs._ops import (
    UNIT,
)


def _cond(b: Builder, x: Var) -> Var | None:
    taken = b.draw(st.booleans())
    total = x.bounds.scaled(max(x.size, 1))
    threshold = math.floor(total.lo) - 1.0 if taken else math.ceil(total.hi) + 1.0
    b.note("cond")
    true_branch, true_bounds = b.unary_chain(x.bounds, "a", max_length=1)
    false_branch, false_bounds = b.unary_chain(x.bounds, "a", max_length=1)
    # The predicate has the same value everywhere on the domain: no kink.
    return b.emit(f"lax.cond(jnp.sum({x.name}) > {lit(threshold)}, lambda a: {true_branch}, "
                  f"lambda a: {false_branch}, {x.name})", x.shape,
                  true_bounds.hull(false_bounds), x)


def _scan(b: Builder, x: Var) -> Var | None:
    if x.ndim == 0:
        return None
    b.note("scan")
    body = b.fresh("body")
    step, _ = b.unary_chain(x.bounds.hull(UNIT), "carry", loop=True)
    combine = b.draw(st.sampled_from(["+", "*"]))
    b.lines += [f"def {body}(carry, row):",
                f"    carry = jnp.tanh({step} {combine} row)",
                "    return carry, carry"]
    scan = f"lax.scan({body}, {x.name}[0], {x.name})"
    if b.draw(st.booleans()):  # the final carry rather than the stacked outputs
        return b.emit(f"{scan}[0]", x.shape[1:], UNIT, x)
    return b.emit(f"{scan}[1]", x.shape, UNIT, x)


def _loop(kind: str):
    def node(b: Builder, x: Var) -> Var | None:
        if kind == "while_loop":
            if not b.keeps_a_mode(forward=True, reverse=False):
                return None
            b.reverse = False  # JAX has no reverse mode for while_loop
        b.note(kind)
        step, _ = b.unary_chain(x.bounds.hull(UNIT), "c", loop=True)
        if kind == "fori_loop":
            return b.emit(f"lax.fori_loop(0, {LOOP_TRIPS}, lambda i, c: jnp.tanh({step} + 0.5 "
                          f"* {x.name}), {x.name})", x.shape, UNIT.hull(x.bounds), x)
        body = b.fresh("body")
        b.lines += [f"def {body}(state):",
                    "    i, c = state",
                    f"    return i + 1, jnp.tanh({step} + 0.5 * {x.name})"]
        return b.emit(f"lax.while_loop(lambda state: state[0] < {LOOP_TRIPS}, {body}, "
                      f"(0, {x.name}))[1]", x.shape, UNIT.hull(x.bounds), x)
    return node


def _wrapped(kind: str, call: str):
    def node(b: Builder, x: Var) -> Var | None:
        b.note(kind)
        inner, bounds = b.unary_chain(x.bounds, "a")
        return b.emit(f"{call}(lambda a: {inner})({x.name})", x.shape, bounds, x)
    return node


CONTROL = {
    "cond": _cond,
    "scan": _scan,
    "fori_loop": _loop("fori_loop"),
    "while_loop": _loop("while_loop"),
    "checkpoint": _wrapped("checkpoint", "jax.checkpoint"),
    "jit": _wrapped("jit", "jax.jit"),
}
