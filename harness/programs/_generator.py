"""``programs``: Hypothesis draws random differentiable JAX programs and points of their domain.

A program is a straight-line sequence of operations over its inputs: elementwise functions,
broadcasting arithmetic, reductions, shape operations, linear algebra on matrices built to be
well conditioned, control flow (``cond``, ``scan``, ``fori_loop``, ``while_loop``),
``checkpoint``, inner ``jit`` and ``custom_jvp``/``custom_vjp`` functions with correct rules.
Every value carries bounds (``harness.programs._ops``), so an operation is only applied where it
is smooth: every drawn program is differentiable, to every order, at every point of its domain.

Each draw picks the number of operations, then for each one an operand, a group and an
operation, all by indices that shrink to zero: failing programs shrink towards one operation
(``tanh``) on one scalar input.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import hypothesis.strategies as st

from harness._errors import InvalidArgument
from harness.programs._ops import (
    BINARY,
    COMPLEX_BINARY,
    COMPLEX_UNARY,
    LIMIT,
    UNARY,
    UNIT,
    Bounds,
    Op,
    disk,
)
from harness.programs._program import FUNCTION_NAME, HEADER, Program
from harness.programs._rules import BUILT_IN, CustomRule
from harness.strategies._complex_domains import complex_plane
from harness.strategies._domains import bounded

REAL_DTYPES = ("float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
INPUT_BOUNDS = (Bounds(-2.0, 2.0), Bounds(0.25, 2.0), Bounds(-1.0, 1.0), Bounds(0.5, 4.0))
INPUT_DISKS = (disk(1.0), disk(2.0))
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


class _Builder:
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


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    out = []
    for x, y in zip(reversed((1,) * (len(b) - len(a)) + a), reversed((1,) * (len(a) - len(b)) + b)):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def _lit(value: float) -> str:
    return repr(float(value))


# Structural operations: each builds one node from operand x, or returns None where it does not
# apply. Registered by group in NODES below.

def _elementwise_unary(b: _Builder, x: Var, op: Op) -> Var | None:
    if not op.applies(x.bounds) or not b.usable([op]):
        return None
    b.note(op)
    return b.emit(op.render([x.name], [x.bounds]), x.shape, op.image(x.bounds), x)


def _elementwise_binary(b: _Builder, x: Var, op: Op) -> Var | None:
    partners = [y for y in b.vars if (s := _broadcast(x.shape, y.shape)) is not None
                and len(s) <= b.max_ndim and op.applies(x.bounds, y.bounds)]
    if not partners:
        return None
    y = b.draw(st.sampled_from(partners))
    b.note(op)
    return b.emit(op.render([x.name, y.name], [x.bounds, y.bounds]), _broadcast(x.shape, y.shape),
                  op.image(x.bounds, y.bounds), x, y)


def _axis(b: _Builder, x: Var, *, allow_none: bool = True) -> tuple[int | None, int, tuple]:
    """A drawn axis, how many elements it reduces, and the shape left."""
    choices = ([None] if allow_none else []) + list(range(x.ndim))
    axis = b.draw(st.sampled_from(choices))
    if axis is None:
        return None, x.size, ()
    return axis, x.shape[axis], x.shape[:axis] + x.shape[axis + 1:]


def _reduction(name: str, call: str, image, accepts=lambda x: True, *, keep_shape=False,
               allow_none=True):
    def node(b: _Builder, x: Var) -> Var | None:
        if x.ndim == 0 or not accepts(x):
            return None
        axis, k, rest = _axis(b, x, allow_none=allow_none)
        bounds = image(x.bounds, k)
        if bounds.magnitude > LIMIT:
            return None
        b.note(name)
        where = "" if axis is None else f", axis={axis}"
        return b.emit(f"{call}({x.name}{where})", x.shape if keep_shape else rest, bounds, x)
    return node


def _product_bounds(bounds: Bounds, k: int) -> Bounds:
    out = bounds
    for _ in range(k - 1):
        out = out.times(bounds)
    return out


def _cumulative_product_bounds(bounds: Bounds, k: int) -> Bounds:
    out, power = bounds, bounds
    for _ in range(k - 1):
        power = power.times(bounds)
        out = out.hull(power)
    return out


def _norm_bounds(bounds: Bounds, k: int) -> Bounds:
    low = min(abs(bounds.lo), abs(bounds.hi))
    return Bounds(math.sqrt(k) * low, math.sqrt(k) * bounds.magnitude)


REDUCTIONS = {
    "sum": _reduction("sum", "jnp.sum", lambda b, k: b.scaled(k)),
    "mean": _reduction("mean", "jnp.mean", lambda b, k: b),
    "prod": _reduction("prod", "jnp.prod", _product_bounds),
    "logsumexp": _reduction("logsumexp", "jax.nn.logsumexp",
                            lambda b, k: Bounds(b.lo, b.hi + math.log(k))),
    "norm": _reduction("norm", "jnp.linalg.norm", _norm_bounds, lambda x: x.bounds.off_zero(),
                       allow_none=False),
    "cumsum": _reduction("cumsum", "jnp.cumsum", lambda b, k: b.scaled(k), keep_shape=True,
                         allow_none=False),
    "cumprod": _reduction("cumprod", "jnp.cumprod", _cumulative_product_bounds,
                          keep_shape=True, allow_none=False),
    "softmax": _reduction("softmax", "jax.nn.softmax", lambda b, k: Bounds(0.0, 1.0),
                          keep_shape=True, allow_none=False),
}


def _shape_op(name: str, expression: str, shape_of, accepts, bounds_of=lambda x: x.bounds):
    def node(b: _Builder, x: Var) -> Var | None:
        if not accepts(x, b):
            return None
        shape = shape_of(x)
        if any(d > MAX_DIM for d in shape):
            return None
        b.note(name)
        return b.emit(expression.format(x=x.name, n=x.shape[0] if x.ndim else 0), shape,
                      bounds_of(x), x)
    return node


def _two_arrays(name: str, expression: str, pair_ok, shape_of, bounds_of):
    def node(b: _Builder, x: Var) -> Var | None:
        partners = [y for y in b.vars if pair_ok(x, y, b)
                    and all(d <= MAX_DIM for d in shape_of(x, y))]
        if not partners:
            return None
        y = b.draw(st.sampled_from(partners))
        b.note(name)
        return b.emit(expression.format(x=x.name, y=y.name), shape_of(x, y), bounds_of(x, y),
                      x, y)
    return node


def _with_zero(x: Var) -> Bounds:
    return x.bounds.hull(Bounds(0.0, 0.0))


SHAPES = {
    "transpose": _shape_op("transpose", "{x}.T", lambda x: x.shape[::-1],
                           lambda x, b: x.ndim == 2),
    "flatten": _shape_op("flatten", "{x}.reshape(-1)", lambda x: (x.size,),
                         lambda x, b: x.ndim == 2),
    "column": _shape_op("column", "{x}[:, None]", lambda x: x.shape + (1,),
                        lambda x, b: x.ndim == 1 and b.max_ndim >= 2),
    "flip": _shape_op("flip", "jnp.flip({x}, axis=0)", lambda x: x.shape,
                      lambda x, b: x.ndim >= 1),
    "slice": _shape_op("slice", "{x}[1:]", lambda x: (x.shape[0] - 1,) + x.shape[1:],
                       lambda x, b: x.ndim >= 1 and x.shape[0] >= 2),
    "dynamic_slice": _shape_op("dynamic_slice", "lax.dynamic_slice_in_dim({x}, 1, {n} - 1)",
                               lambda x: (x.shape[0] - 1,) + x.shape[1:],
                               lambda x, b: x.ndim >= 1 and x.shape[0] >= 2),
    "gather": _shape_op("gather", "{x}[jnp.array([{n} - 1, 0])]",
                        lambda x: (2,) + x.shape[1:], lambda x, b: x.ndim >= 1),
    "roll": _shape_op("roll", "jnp.roll({x}, 1, axis=0)", lambda x: x.shape,
                      lambda x, b: x.ndim >= 1),
    "pad": _shape_op("pad", "jnp.pad({x}, 1)", lambda x: tuple(d + 2 for d in x.shape),
                     lambda x, b: x.ndim >= 1, _with_zero),
    "broadcast": _shape_op("broadcast", "jnp.broadcast_to({x}, (2,) + jnp.shape({x}))",
                           lambda x: (2,) + x.shape, lambda x, b: x.ndim < b.max_ndim),
    "concatenate": _two_arrays(
        "concatenate", "jnp.concatenate([{x}, {y}])",
        lambda x, y, b: x.ndim >= 1 and y.ndim == x.ndim and y.shape[1:] == x.shape[1:],
        lambda x, y: (x.shape[0] + y.shape[0],) + x.shape[1:],
        lambda x, y: x.bounds.hull(y.bounds)),
    "stack": _two_arrays(
        "stack", "jnp.stack([{x}, {y}])",
        lambda x, y, b: y.shape == x.shape and x.ndim < b.max_ndim,
        lambda x, y: (2,) + x.shape, lambda x, y: x.bounds.hull(y.bounds)),
    "outer": _two_arrays(
        "outer", "jnp.outer({x}, {y})", lambda x, y, b: x.ndim == 1 == y.ndim and b.max_ndim >= 2,
        lambda x, y: x.shape + y.shape, lambda x, y: x.bounds.times(y.bounds)),
    "scatter_add": _two_arrays(
        # jnp.asarray: an input is a NumPy array in the standalone source, which has no .at
        "scatter_add", "jnp.asarray({x}).at[0].add({y})",
        lambda x, y, b: x.ndim >= 1 and y.ndim == 0,
        lambda x, y: x.shape, lambda x, y: x.bounds.hull(x.bounds.plus(y.bounds))),
}

# Matrices built from any (m, n) value so that the linear algebra on them is well conditioned:
# SPD with eigenvalues in [1, 1 + m]; symmetric with eigenvalues 3, 6, ... apart by 2.5 or more;
# (m, n) with singular values 3, 6, ... apart by 2.5 or more.
HELPERS = {
    "spd": """
def spd(a):
    t = jnp.tanh(a)
    return t @ t.T / a.shape[1] + jnp.eye(a.shape[0], dtype=a.dtype)
""",
    "distinct_eigenvalues": """
def distinct_eigenvalues(a):
    t = jnp.tanh(a)
    spread = 3.0 * jnp.arange(1, a.shape[0] + 1, dtype=a.dtype)
    return jnp.diag(spread) + 0.25 * (t @ t.T) / (a.shape[0] * a.shape[1])
""",
    "distinct_singular_values": """
def distinct_singular_values(a):
    m, n = a.shape
    spread = 3.0 * jnp.arange(1, n + 1, dtype=a.dtype)
    return jnp.eye(m, n, dtype=a.dtype) * spread + 0.25 * jnp.tanh(a) / max(m, n)
""",
}


def _linalg(name: str, expression: str, accepts, shape_of, bounds_of, helper: str,
            rhs: bool = False):
    def node(b: _Builder, x: Var) -> Var | None:
        if x.ndim != 2 or not accepts(x):
            return None
        y = x
        if rhs:
            partners = [v for v in b.vars if 1 <= v.ndim <= 2 and v.shape[0] == x.shape[0]]
            y = b.draw(st.sampled_from(partners))
        bounds = bounds_of(x, y)
        if bounds.magnitude > LIMIT:
            return None
        b.note(name)
        b.helpers[helper] = HELPERS[helper].strip()
        return b.emit(expression.format(x=x.name, y=y.name), shape_of(x, y), bounds, x, y)
    return node


def _solve_bounds(x: Var, y: Var) -> Bounds:
    m = math.sqrt(x.shape[0]) * y.bounds.magnitude  # the inverse has norm at most 1
    return Bounds(-m, m)


def _matmul(b: _Builder, x: Var) -> Var | None:
    if x.ndim == 0:
        return None
    partners = [y for y in b.vars if y.ndim >= 1 and y.shape[0] == x.shape[-1]
                and x.ndim + y.ndim - 2 <= b.max_ndim
                and x.shape[-1] * x.bounds.times(y.bounds).magnitude <= LIMIT]
    if not partners:
        return None
    y = b.draw(st.sampled_from(partners))
    b.note("matmul")
    return b.emit(f"{x.name} @ {y.name}", x.shape[:-1] + y.shape[1:],
                  x.bounds.times(y.bounds).scaled(x.shape[-1]), x, y)


LINALG = {
    "matmul": _matmul,
    "solve": _linalg("solve", "jnp.linalg.solve(spd({x}), {y})", lambda x: True,
                     lambda x, y: y.shape, _solve_bounds, "spd", rhs=True),
    "triangular_solve": _linalg(
        "triangular_solve",
        "jax.scipy.linalg.solve_triangular(jnp.linalg.cholesky(spd({x})), {y}, lower=True)",
        lambda x: True, lambda x, y: y.shape, _solve_bounds, "spd", rhs=True),
    "cholesky": _linalg("cholesky", "jnp.linalg.cholesky(spd({x}))", lambda x: True,
                        lambda x, y: (x.shape[0],) * 2,
                        lambda x, y: Bounds(-math.sqrt(1 + x.shape[0]),
                                            math.sqrt(1 + x.shape[0])), "spd"),
    "inv": _linalg("inv", "jnp.linalg.inv(spd({x}))", lambda x: True,
                   lambda x, y: (x.shape[0],) * 2, lambda x, y: UNIT, "spd"),
    "det": _linalg("det", "jnp.linalg.det(spd({x}))", lambda x: True, lambda x, y: (),
                   lambda x, y: Bounds(1.0, (1.0 + x.shape[0]) ** x.shape[0]), "spd"),
    "slogdet": _linalg("slogdet", "jnp.linalg.slogdet(spd({x}))[1]", lambda x: True,
                       lambda x, y: (),
                       lambda x, y: Bounds(0.0, x.shape[0] * math.log(1.0 + x.shape[0])), "spd"),
    "eigvalsh": _linalg("eigvalsh", "jnp.linalg.eigvalsh(distinct_eigenvalues({x}))",
                        lambda x: True, lambda x, y: (x.shape[0],),
                        lambda x, y: Bounds(2.75, 3.0 * x.shape[0] + 0.25),
                        "distinct_eigenvalues"),
    "svdvals": _linalg("svdvals",
                       "jnp.linalg.svd(distinct_singular_values({x}), compute_uv=False)",
                       lambda x: True, lambda x, y: (min(x.shape),),
                       lambda x, y: Bounds(2.75, 3.0 * min(x.shape) + 0.25),
                       "distinct_singular_values"),
    "qr": _linalg("qr", "jnp.linalg.qr(distinct_singular_values({x}))[1]",
                  lambda x: x.shape[0] >= x.shape[1], lambda x, y: (x.shape[1],) * 2,
                  lambda x, y: Bounds(-3.0 * x.shape[1] - 0.25, 3.0 * x.shape[1] + 0.25),
                  "distinct_singular_values"),
}


def _cond(b: _Builder, x: Var) -> Var | None:
    taken = b.draw(st.booleans())
    total = x.bounds.scaled(max(x.size, 1))
    threshold = math.floor(total.lo) - 1.0 if taken else math.ceil(total.hi) + 1.0
    b.note("cond")
    true_branch, true_bounds = b.unary_chain(x.bounds, "a", max_length=1)
    false_branch, false_bounds = b.unary_chain(x.bounds, "a", max_length=1)
    # The predicate has the same value everywhere on the domain: no kink.
    return b.emit(f"lax.cond(jnp.sum({x.name}) > {_lit(threshold)}, lambda a: {true_branch}, "
                  f"lambda a: {false_branch}, {x.name})", x.shape,
                  true_bounds.hull(false_bounds), x)


def _scan(b: _Builder, x: Var) -> Var | None:
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
    def node(b: _Builder, x: Var) -> Var | None:
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
    def node(b: _Builder, x: Var) -> Var | None:
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

GROUPS = ("unary", "binary", "reduce", "shape", "linalg", "control", "custom")
# The operation that applies everywhere, drawn when nothing else does: real, complex.
FALLBACK = {False: UNARY[0], True: COMPLEX_UNARY[0]}


def _complex_registry() -> dict[str, dict[str, object]]:
    """What complex programs draw: entire functions, arithmetic, sums and products, shapes,
    matmul, checkpoint and inner jit (no comparisons, so no cond, loops or clipping)."""
    return {
        "unary": {op.name: op for op in COMPLEX_UNARY},
        "binary": {op.name: op for op in COMPLEX_BINARY},
        "reduce": {k: REDUCTIONS[k] for k in ("sum", "mean", "prod", "cumsum")},
        "shape": dict(SHAPES),
        "linalg": {"matmul": LINALG["matmul"]},
        "control": {k: CONTROL[k] for k in ("checkpoint", "jit")},
    }


def _registry(custom: Sequence[Op]) -> dict[str, dict[str, object]]:
    return {
        "unary": {op.name: op for op in UNARY},
        "binary": {op.name: op for op in BINARY},
        "reduce": REDUCTIONS,
        "shape": SHAPES,
        "linalg": LINALG,
        "control": CONTROL,
        "custom": {op.name: op for op in custom},
    }


def op_names() -> dict[str, tuple[str, ...]]:
    """Every operation ``programs`` can draw, by group (the built-in custom rules included)."""
    return {group: tuple(ops) for group, ops in
            _registry([rule.op() for rule in BUILT_IN]).items()}


def programs(
    *,
    dtypes: Sequence[str] = REAL_DTYPES,
    max_ops: int = 8,
    max_inputs: int = 3,
    max_size: int = 3,
    max_ndim: int = 2,
    ops: Sequence[str] | None = None,
    custom_rules: Sequence[CustomRule] = (),
    modes: Sequence[str] = (),
    output: str = "any",
    known_bugs: bool = False,
    holomorphic: bool = False,
) -> st.SearchStrategy[Program]:
    """Strategy for random differentiable JAX programs, each with a point of its domain.

    Args:
        dtypes: the inputs' dtype is drawn from these: float32 and float64, or complex64
            and complex128 (complex programs use entire functions, arithmetic, sums,
            products, shape operations, matmul, checkpoint and jit; conj too unless
            ``holomorphic``).
        max_ops: at most this many top-level operations (a loop or a wrapper counts once).
        max_inputs: at most this many positional array arguments.
        max_size, max_ndim: the inputs' shapes have up to ``max_ndim`` dimensions of 1 to
            ``max_size`` elements.
        ops: draw only these operations or groups (see ``op_names()``); None draws all.
        custom_rules: ``CustomRule`` functions drawn alongside the built-in ones (group
            ``"custom"``), e.g. a rule you want checked in many contexts.
        modes: AD modes every program must support: ``("fwd",)`` leaves out custom_vjp
            functions, ``("rev",)`` leaves out while_loop.
        output: ``"any"`` or ``"scalar"`` (the result summed to one number).
        holomorphic: complex programs of holomorphic operations only (``program.holomorphic``).
        known_bugs: also draw what today's JAX is known to get wrong (``KNOWN_BUGS_IN_LOOPS``:
            softplus and log_sigmoid inside loops), which is left out by default so that
            suites stay green and fuzzing looks for new bugs.

    Raises:
        InvalidArgument: an unknown dtype, operation, group, mode or output, or a bound below 1.

    Example:
        >>> program = programs(max_ops=3, ops=("unary", "reduce")).example()
        >>> out = program.fn(*program.args)
    """
    dtypes = tuple(dtypes)
    for d in dtypes:
        if d not in REAL_DTYPES + COMPLEX_DTYPES:
            raise InvalidArgument(f"programs: dtype {d!r} is not supported; use "
                                  f"{', '.join(REAL_DTYPES + COMPLEX_DTYPES)}")
    is_complex = bool(dtypes) and dtypes[0] in COMPLEX_DTYPES
    if any((d in COMPLEX_DTYPES) != is_complex for d in dtypes):
        raise InvalidArgument(f"programs: dtypes={dtypes!r} mixes real and complex; draw real "
                              "and complex programs from two strategies")
    if holomorphic and not is_complex:
        raise InvalidArgument("programs: holomorphic=True needs complex dtypes, e.g. "
                              "dtypes=('complex64', 'complex128')")
    if holomorphic and output == "scalar":
        raise InvalidArgument("programs: holomorphic=True returns complex values; a scalar "
                              "output is real (|out|^2 summed), which is not holomorphic")
    if not dtypes:
        raise InvalidArgument("programs: dtypes is empty; pass e.g. ('float32', 'float64')")
    for name, value in (("max_ops", max_ops), ("max_inputs", max_inputs),
                        ("max_size", max_size), ("max_ndim", max_ndim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgument(f"programs: {name}={value!r} must be an int >= 1")
    if max_size > MAX_DIM:
        raise InvalidArgument(f"programs: max_size={max_size} is above {MAX_DIM}, beyond which "
                              "the linear algebra's conditioning bounds no longer hold")
    if output not in ("any", "scalar"):
        raise InvalidArgument(f"programs: output={output!r}; use 'any' or 'scalar'")
    unknown_modes = set(modes) - {"fwd", "rev"}
    if unknown_modes:
        raise InvalidArgument(f"programs: unknown mode {sorted(unknown_modes)[0]!r} in modes; "
                              "use 'fwd' and/or 'rev'")
    if not all(isinstance(r, CustomRule) for r in custom_rules):
        raise InvalidArgument("programs: custom_rules takes harness.strategies.CustomRule "
                              "objects")
    if is_complex and custom_rules:
        raise InvalidArgument("programs: custom_rules are real functions; complex programs "
                              "draw none")
    custom = [rule.op() for rule in BUILT_IN + tuple(custom_rules)]
    registry = _complex_registry() if is_complex else _registry(custom)
    chosen = _choose(registry, ops)
    if holomorphic:
        chosen = {g: {k: v for k, v in d.items() if not (isinstance(v, Op) and not v.holomorphic)}
                  for g, d in chosen.items()}
    if "fwd" in modes:
        chosen = {g: {k: v for k, v in d.items() if not (isinstance(v, Op) and not v.forward)}
                  for g, d in chosen.items()}
    if "rev" in modes:
        chosen["control"] = {k: v for k, v in chosen.get("control", {}).items()
                             if k != "while_loop"}
    chosen = {g: d for g, d in chosen.items() if d}
    if not chosen:
        raise InvalidArgument(f"programs: no operation left from ops={ops!r} under "
                              f"modes={tuple(modes)!r}")
    unary = [op for group in ("unary", "custom") for op in chosen.get(group, {}).values()]
    return _draw_program(_Spec(dtypes=dtypes, max_ops=max_ops, max_inputs=max_inputs,
                               max_size=max_size, max_ndim=max_ndim, chosen=chosen,
                               unary=tuple(unary) or (FALLBACK[is_complex],),
                               scalar=output == "scalar", known_bugs=bool(known_bugs),
                               is_complex=is_complex))


def _choose(registry: dict, ops: Sequence[str] | None) -> dict[str, dict]:
    if ops is None:
        return {g: dict(d) for g, d in registry.items()}
    if isinstance(ops, str):
        ops = (ops,)
    chosen: dict[str, dict] = {}
    for name in ops:
        if name in registry:
            chosen.setdefault(name, {}).update(registry[name])
            continue
        group = next((g for g, d in registry.items() if name in d), None)
        if group is None:
            known = ", ".join(f"{g}: {' '.join(d)}" for g, d in registry.items())
            raise InvalidArgument(f"programs: unknown operation or group {name!r}; groups and "
                                  f"operations are {known}")
        chosen.setdefault(group, {})[name] = registry[group][name]
    return {g: chosen[g] for g in GROUPS if g in chosen}


@dataclasses.dataclass(frozen=True)
class _Spec:
    """What ``programs`` was asked for (its repr is what Hypothesis shows of the strategy)."""

    dtypes: tuple[str, ...]
    max_ops: int
    max_inputs: int
    max_size: int
    max_ndim: int
    chosen: dict
    unary: tuple[Op, ...]
    scalar: bool
    known_bugs: bool
    is_complex: bool

    def __repr__(self) -> str:
        ops = sum(len(d) for d in self.chosen.values())
        return (f"programs(dtypes={self.dtypes!r}, max_ops={self.max_ops}, "
                f"max_inputs={self.max_inputs}, max_size={self.max_size}, "
                f"max_ndim={self.max_ndim}, {ops} operations in {'/'.join(self.chosen)}, "
                f"output={'scalar' if self.scalar else 'any'!r})")


@st.composite
def _draw_program(draw, spec: _Spec) -> Program:
    chosen, max_ndim = spec.chosen, spec.max_ndim
    dtype = draw(st.sampled_from(spec.dtypes))
    n_inputs = draw(st.integers(1, spec.max_inputs))
    inputs = []
    for i in range(n_inputs):
        ndim = draw(st.integers(0, max_ndim))
        shape = tuple(draw(st.integers(1, spec.max_size)) for _ in range(ndim))
        domains = INPUT_DISKS if spec.is_complex else INPUT_BOUNDS
        inputs.append(Var(f"x{i}", shape, draw(st.sampled_from(domains))))
    unary = list(spec.unary)
    b = _Builder(draw, inputs, unary=unary, max_ndim=max_ndim, known_bugs=spec.known_bugs)
    groups = list(chosen)
    for _ in range(draw(st.integers(1, spec.max_ops))):
        for _attempt in range(ATTEMPTS):
            x = draw(st.sampled_from(b.vars))
            group = draw(st.sampled_from(groups))
            node = chosen[group][draw(st.sampled_from(list(chosen[group])))]
            if isinstance(node, Op):
                made = (_elementwise_binary if node.arity == 2 else _elementwise_unary)(
                    b, x, node)
            else:
                made = node(b, x)
            if made is not None:
                break
        else:  # nothing drawn applied: the simplest operation that always does
            _elementwise_unary(b, x, applicable(unary, x.bounds)[0])
    out = _output(b, spec.scalar, spec.is_complex)
    strategies = tuple(complex_plane(dtype, v.shape, radius=v.bounds.hi) if spec.is_complex
                       else bounded(dtype, v.shape, v.bounds.lo, v.bounds.hi) for v in inputs)
    args = draw(st.tuples(*strategies))
    return Program(_source(b, inputs, out), args, tuple(b.ops), dtype,
                   forward_mode=b.forward, reverse_mode=b.reverse,
                   holomorphic=spec.is_complex and b.holomorphic and not spec.scalar,
                   arguments=strategies)


def _output(b: _Builder, scalar: bool, is_complex: bool) -> str:
    """The returned expression: the last value, plus the sums of values nothing else used;
    for a scalar output of a complex program, the sum of its squared moduli."""
    last = b.vars[-1]
    unused = [v for v in b.vars[:-1] if v.name not in b.used]
    terms = [last.name if last.ndim == 0 or not scalar else f"jnp.sum({last.name})"]
    terms += [v.name if v.ndim == 0 else f"jnp.sum({v.name})" for v in unused]
    out = " + ".join(terms)
    if scalar and is_complex:
        b.lines.append(f"out = {out}")
        return "jnp.sum(jnp.real(out * jnp.conj(out)))"
    return out


def _source(b: _Builder, inputs: list[Var], out: str) -> str:
    helpers = "\n\n\n".join(b.helpers.values())
    body = "\n".join("    " + line for line in b.lines + [f"return {out}"])
    signature = ", ".join(v.name for v in inputs)
    parts = [HEADER] + ([helpers] if helpers else []) + [
        f"def {FUNCTION_NAME}({signature}):\n{body}\n"]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
