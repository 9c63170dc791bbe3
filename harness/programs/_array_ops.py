"""Array operations of generated programs: reductions, shape operations and linear algebra on
matrices built to be well conditioned. Each builds one node from operand x, or returns None
where it does not apply."""

from __future__ import annotations

import math

import hypothesis.strategies as st

from harness.programs._builder import MAX_DIM, Builder, Var, draw_axis
from harness.programs._ops import (
    LIMIT,
    UNIT,
    Bounds,
)


def _reduction(name: str, call: str, image, accepts=lambda x: True, *, keep_shape=False,
               allow_none=True):
    def node(b: Builder, x: Var) -> Var | None:
        if x.ndim == 0 or not accepts(x):
            return None
        axis, k, rest = draw_axis(b, x, allow_none=allow_none)
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
    def node(b: Builder, x: Var) -> Var | None:
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
    def node(b: Builder, x: Var) -> Var | None:
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
    def node(b: Builder, x: Var) -> Var | None:
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


def _matmul(b: Builder, x: Var) -> Var | None:
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
