"""The program drawn so far (``Builder``): its lines, values with their bounds, helpers and
facts, and the elementwise operations that extend it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import hypothesis.strategies as st

from harness.programs._ops import (
    COMPLEX_UNARY,
    UNARY,
    Bounds,
    Op,
)

MAX_DIM = 8  # no generated array dimension grows beyond this
LOOP_TRIPS = 3
# Operations today's JAX differentiates wrongly in some context, left out there unless asked for.
# jnp.logaddexp (so softplus and log_sigmoid) inside lax.scan: the reverse-mode second
# derivative at the tie x == 0 is doubled (0.5 for softplus, not 0.25), jax 0.10.0 to 0.11.2.
# A custom_jvp whose primal calls jnp.logaddexp is hit too, though its rule never
# differentiates logaddexp: jacfwd(grad(f)) at x0 = [0.] of
# f = scan(lambda c, r: (tanh(softplus_custom_jvp(c) + r),) * 2, x0[0], x0)[1][0] gives -0.992
# where jacfwd(jacfwd(f)), the same f with log1p(exp(x)), and mpmath give -1.568.
KNOWN_BUGS_IN_LOOPS = {"softplus": "jnp.logaddexp in lax.scan: reverse-mode second derivative "
                                   "doubled at the tie x == 0 (jax 0.10.0 to 0.11.2)",
                       "log_sigmoid": "same as softplus (it calls jnp.logaddexp)",
                       "softplus_custom_jvp": "same as softplus (its primal calls jnp.logaddexp)"}
# The operation that applies everywhere, drawn when nothing else does: real, complex.
FALLBACK = {False: UNARY[0], True: COMPLEX_UNARY[0]}
ATTEMPTS = 4  # draws of an operation that applies before falling back to the simplest


@dataclasses.dataclass(frozen=True)
class Var:
    name: str
    shape: tuple[int, ...]
    bounds: Bounds

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


class Builder:
    """The program drawn so far: its lines, helper definitions, values and facts."""

    def __init__(self, draw, inputs: list[Var], *, unary: list[Op], max_ndim: int,
                 known_bugs: bool) -> None:
        self.draw = draw
        self.vars = list(inputs)
        self.lines: list[str] = []
        self.helpers: dict[str, str] = {}
        self.ops: list[str] = []
        self.used: set[str] = set()
        self.unary = unary
        self.max_ndim = max_ndim
        self.known_bugs = known_bugs
        self.holomorphic = True
        self.count = 0
        self.forward = True
        self.reverse = True

    def fresh(self, prefix: str = "v") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def keeps_a_mode(self, *, forward: bool, reverse: bool) -> bool:
        """Whether an operation with these AD modes leaves the program one of them."""
        return (self.forward and forward) or (self.reverse and reverse)

    def usable(self, ops: Sequence[Op]) -> list[Op]:
        return [op for op in ops if self.keeps_a_mode(forward=op.forward, reverse=op.reverse)]

    def note(self, op: Op | str) -> None:
        if isinstance(op, Op):
            self.ops.append(op.name)
            if op.helper:
                self.helpers[op.name] = op.helper
            self.forward &= op.forward
            self.reverse &= op.reverse
            self.holomorphic &= op.holomorphic
        else:
            self.ops.append(op)

    def emit(self, expression: str, shape: tuple[int, ...], bounds: Bounds,
             *operands: Var) -> Var:
        var = Var(self.fresh(), tuple(shape), bounds)
        self.lines.append(f"{var.name} = {expression}")
        self.vars.append(var)
        self.used.update(v.name for v in operands)
        return var

    def unary_chain(self, bounds: Bounds, arg: str, *, max_length: int = 2,
                    loop: bool = False) -> tuple[str, Bounds]:
        """``arg`` through 1 to ``max_length`` drawn unary operations applicable to ``bounds``
        (in a loop body, without those JAX gets wrong there unless known bugs are asked for)."""
        ops = self.usable(self.unary)
        if loop and not self.known_bugs:
            ops = [op for op in ops if op.name not in KNOWN_BUGS_IN_LOOPS]
        length = self.draw(st.integers(1, max_length))
        for _ in range(length):
            op = self.draw(st.sampled_from(applicable(ops, bounds)))
            self.note(op)
            arg, bounds = op.render([arg], [bounds]), op.image(bounds)
        return arg, bounds


def applicable(ops: Sequence[Op], *bounds: Bounds) -> list[Op]:
    found = [op for op in ops if op.applies(*bounds)]
    return found or [FALLBACK[ops[0] in COMPLEX_UNARY if ops else False]]


def broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    out = []
    for x, y in zip(reversed((1,) * (len(b) - len(a)) + a), reversed((1,) * (len(a) - len(b)) + b)):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def lit(value: float) -> str:
    return repr(float(value))


# Elementwise operations: each builds one node from operand x, or returns None where it does
# not apply.

def elementwise_unary(b: Builder, x: Var, op: Op) -> Var | None:
    if not op.applies(x.bounds) or not b.usable([op]):
        return None
    b.note(op)
    return b.emit(op.render([x.name], [x.bounds]), x.shape, op.image(x.bounds), x)


def elementwise_binary(b: Builder, x: Var, op: Op) -> Var | None:
    partners = [y for y in b.vars if (s := broadcast(x.shape, y.shape)) is not None
                and len(s) <= b.max_ndim and op.applies(x.bounds, y.bounds)]
    if not partners:
        return None
    y = b.draw(st.sampled_from(partners))
    b.note(op)
    return b.emit(op.render([x.name, y.name], [x.bounds, y.bounds]), broadcast(x.shape, y.shape),
                  op.image(x.bounds, y.bounds), x, y)


def draw_axis(b: Builder, x: Var, *, allow_none: bool = True) -> tuple[int | None, int, tuple]:
    """A drawn axis, how many elements it reduces, and the shape left."""
    choices = ([None] if allow_none else []) + list(range(x.ndim))
    axis = b.draw(st.sampled_from(choices))
    if axis is None:
        return None, x.size, ()
    return axis, x.shape[axis], x.shape[:axis] + x.shape[axis + 1:]
