"""A bound on the rounding of a JAX program, carried through its jaxpr in one pass.

Every value ``v`` that a program computes in a dtype of unit roundoff ``u`` is rounded: it
carries an error of its own, at most ``k u |v| + t`` (``k`` = 1 for arithmetic, a few for
library functions, the number of terms for a sum or a dot product; ``t`` the smallest normal
number, lost where a result is flushed to zero), plus the errors its inputs brought, scaled by
how strongly it depends on them:

    b(v) = k u |v| + t + sum_i |dv/du_i| b(u_i)

At the outputs this is a first-order bound on the rounding of the whole program (Wilkinson's
running error analysis). The bound of a correct derivative program does not grow with an error
in its rule: a rule 1% too large gives a bound 1% larger, not one of 1%. ``harness.check``
uses it to decide how much of the distance between AD in float32 and AD on the float64 copy
may be rounding.

``|dv/du_i| b(u_i)`` is exact for elementwise operations (a JVP along ``b(u_i)`` alone), for
linear maps with nonnegative entries (sums, reshapes, slices, selections: a JVP along the
bounds) and for products (a JVP at the absolute values). A program with any other operation
(a factorization, a loop, complex values) has no bound here: ``program_bound`` returns None.
A ``cond`` or ``switch`` is bounded by the branch it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np

# Library functions: XLA's float32 approximations are within a few ulps.
FUNCTION_ULPS = 4.0
_EXACT_ELEMENTWISE = frozenset("neg abs sign floor ceil round max min clamp select_n copy "
                               "copy_p stop_gradient reduce_precision".split())
_ARITHMETIC = frozenset("add sub mul div sqrt rsqrt square integer_pow add_any".split())
_FUNCTIONS = frozenset("""sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp
    exp2 expm1 log log1p logistic pow cbrt erf erfc erf_inv lgamma digamma rem nextafter
    bessel_i0e bessel_i1e""".split())
_STRUCTURAL = frozenset("""reshape broadcast_in_dim transpose squeeze expand_dims slice
    dynamic_slice dynamic_update_slice gather concatenate pad rev reduce_max reduce_min
    cummax cummin sort scatter split""".split())
# Linear, with one rounding per output element: an add into the operand (unique indices).
_LINEAR_ADDS = frozenset({"scatter-add", "scatter_add"})
_SUMS = frozenset({"reduce_sum", "cumsum"})
_PRODUCTS = frozenset({"dot_general", "reduce_prod", "cumprod"})
_NO_DERIVATIVE = frozenset("""eq ne lt le gt ge and or not xor is_finite iota argmax argmin
    shift_left shift_right_logical shift_right_arithmetic population_count empty empty2""".split())
_CALLS = frozenset({"pjit", "jit", "closed_call", "core_call", "remat", "checkpoint",
                    "custom_jvp_call", "custom_vjp_call"})


_KNOWN = (_EXACT_ELEMENTWISE | _ARITHMETIC | _FUNCTIONS | _STRUCTURAL | _SUMS | _PRODUCTS
          | _NO_DERIVATIVE | _LINEAR_ADDS | {"convert_element_type", "select_n"})


class Unsupported(Exception):
    """The program holds an operation this bound has no rule for."""


def _is_float(value) -> bool:
    return jnp.issubdtype(jnp.result_type(value), jnp.floating)


def _unit_roundoff(value) -> float:
    return float(jnp.finfo(jnp.result_type(value)).eps) / 2


def _inner_jaxpr(eqn):
    for name in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        inner = eqn.params.get(name)
        if inner is not None:
            return inner
    raise Unsupported(eqn.primitive.name)


def _bind(eqn, values):
    out = eqn.primitive.bind(*values, **eqn.params)
    return list(out) if eqn.primitive.multiple_results else [out]


def _jvp(eqn, values, tangents):
    """The eqn's outputs and their JVP along ``tangents`` (None: that input held fixed)."""
    moving = [i for i, t in enumerate(tangents) if t is not None]

    def of_moving(*parts):
        full = list(values)
        for i, p in zip(moving, parts):
            full[i] = p
        return _bind(eqn, full)

    return jax.jvp(of_moving, [values[i] for i in moving], [tangents[i] for i in moving])


def _wide_dtype():
    """The dtype bounds are carried in: float64 where JAX allows it. A bound is a magnitude,
    whose range matters more than its digits: in float32, cbrt's JVP at x = -1e-30 divides by
    3 cbrt(x)^2 = 3e-20, whose derivative 1e39 overflows though the bound it scales is 1e-27."""
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _widened(values) -> list:
    wide = _wide_dtype()
    return [v.astype(wide) if _is_float(v) and jnp.finfo(jnp.result_type(v)).bits
            < jnp.finfo(wide).bits else v for v in map(jnp.asarray, values)]


_WIDENED_PARAMS = ("preferred_element_type",)


def _wide_eqn(eqn):
    """``eqn`` with float result-type parameters widened, to run on widened values."""
    params = {k: (_wide_dtype() if k in _WIDENED_PARAMS and v is not None
                  and jnp.issubdtype(v, jnp.floating) else v) for k, v in eqn.params.items()}
    return eqn.replace(params=params) if params != eqn.params else eqn


def _propagated(eqn, values, bounds):
    """sum_i |dv/du_i| b(u_i) for each output of ``eqn``, and the outputs themselves."""
    name = eqn.primitive.name
    if name not in _KNOWN:
        # Even on exact inputs: an operation without a rule has no rounding of its own to
        # add either (an SVD is not within an ulp of its exact outputs; as such, its float32
        # JVP at a rank-deficient matrix failed by 40 times a bound of 2e-12).
        raise Unsupported(name)
    carried = [i for i, (v, b) in enumerate(zip(values, bounds))
               if b is not None and _is_float(v)]
    outs = _bind(eqn, values)
    if not carried or name in _NO_DERIVATIVE:
        return outs, [None] * len(outs)
    if name in ("add", "sub", "add_any"):
        total = sum(jnp.broadcast_to(bounds[i], jnp.shape(outs[0])) for i in carried)
        return outs, [total]
    if name in ("convert_element_type", "neg", "copy", "copy_p", "reduce_precision",
                "stop_gradient"):
        return outs, [bounds[carried[0]]]
    if name in _LINEAR_ADDS:
        return outs, [_scatter_add_spread(eqn, values, bounds, carried)]
    # The derivatives are taken at the widened values, along bounds in the wide dtype.
    wide, wide_eqn = _widened(values), _wide_eqn(eqn)
    if name in _STRUCTURAL or name in _SUMS or name == "select_n":
        tangents = [bounds[i] if i in carried else None for i in range(len(values))]
        _, spread = _jvp(wide_eqn, wide, tangents)
        return outs, [jnp.abs(s) for s in spread]
    if name in _PRODUCTS:
        absolute = [jnp.abs(v) if _is_float(v) else v for v in wide]
        tangents = [bounds[i] if i in carried else None for i in range(len(values))]
        _, spread = _jvp(wide_eqn, absolute, tangents)
        return outs, [jnp.abs(s) for s in spread]
    if name in _ARITHMETIC or name in _FUNCTIONS or name in _EXACT_ELEMENTWISE:
        total = None
        for i in carried:
            if name == "pow" and i == 1:
                part = _pow_exponent_spread(wide[0], _widened(outs)[0], bounds[1])
            else:
                tangents = [bounds[i] if j == i else None for j in range(len(values))]
                _, spread = _jvp(wide_eqn, wide, tangents)
                part = jnp.abs(spread[0])
            total = part if total is None else total + part
        return outs, [total]
    raise Unsupported(name)


def _scatter_add_spread(eqn, values, bounds, carried):
    """The bounds of a scatter-add's operand and updates, scattered and added as it does
    (its own add region is typed in the program's dtype, not the bounds' float64)."""
    wide = lambda i: (bounds[i] if i in carried
                      else jnp.zeros(jnp.shape(values[i]), jnp.float64))
    p = eqn.params
    return jnp.abs(jax.lax.scatter_add(
        wide(0), values[1], wide(2), p["dimension_numbers"],
        indices_are_sorted=p["indices_are_sorted"], unique_indices=p["unique_indices"],
        mode=p["mode"]))


def _pow_exponent_spread(base, out, bound):
    """|d x^y / dy| b(y) = |x^y log |x|| b(y): its JVP in y, ``x^y log x``, is nan at a
    negative base, where x^y is finite only at an integer y (``(y - mu) ** 2.0``), and 0 * inf
    at x = 0; the size of the change is that of |x|^y either way, 0 where x^y is 0."""
    magnitude = jnp.abs(out) * jnp.abs(jnp.log(jnp.abs(base)))
    return jnp.where(out == 0, 0.0, magnitude) * bound


def _own_rounding(eqn, values, outs) -> list:
    """k u |v| + t: the rounding of each output of ``eqn`` itself, where t, the smallest
    normal number of its dtype, is what a result below the normal range may lose: XLA flushes
    subnormal numbers to zero (arcsinh'' at 1e15 in float32 is -1.4e-30, but its factor
    (1 + x^2)^-1.5 = 1e-45 is flushed, and AD gives -0)."""
    name = eqn.primitive.name
    if name in _EXACT_ELEMENTWISE or name in _STRUCTURAL or name in _NO_DERIVATIVE:
        return [None] * len(outs)
    own = []
    for out in outs:
        if not _is_float(out):
            own.append(None)
            continue
        u = _unit_roundoff(out)
        size = jnp.abs(_widened([out])[0])
        if name == "convert_element_type":
            narrower = any(_is_float(v) and _unit_roundoff(v) < u for v in values)
            own.append(u * size if narrower else None)
        elif name in _FUNCTIONS:
            own.append(FUNCTION_ULPS * 2 * u * size)
        elif name in _SUMS or name in _PRODUCTS:
            terms = _terms(eqn, values)
            magnitude = _bind(_wide_eqn(eqn), [jnp.abs(v) if _is_float(v) else v
                                               for v in _widened(values)])[0]
            own.append(terms * u * magnitude)
        else:
            own.append(u * size)
        if own[-1] is not None:
            own[-1] = own[-1] + float(jnp.finfo(jnp.result_type(out)).tiny)
    return own


def _terms(eqn, values) -> int:
    """How many terms a sum or product of ``eqn`` adds or multiplies per output element."""
    name, params = eqn.primitive.name, eqn.params
    shape = np.shape(values[0])
    if name == "dot_general":
        (contract, _), _ = params["dimension_numbers"]
        return max(1, int(np.prod([shape[d] for d in contract])))
    if name in ("reduce_sum", "reduce_prod"):
        return max(1, int(np.prod([shape[d] for d in params["axes"]])))
    return max(1, int(shape[params["axis"]]) if shape else 1)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _run(jaxpr, consts: Sequence, inputs: Sequence) -> list:
    """Interpret ``jaxpr`` on (value, bound) pairs; a bound of None is an exact value."""
    env: dict = {}

    def read(var):
        if isinstance(var, jax.extend.core.Literal):
            return var.val, None
        return env[var]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = (value, None)
    for var, pair in zip(jaxpr.invars, inputs):
        env[var] = pair
    for eqn in jaxpr.eqns:
        pairs = [read(v) for v in eqn.invars]
        values, bounds = [p[0] for p in pairs], [p[1] for p in pairs]
        if any(jnp.issubdtype(jnp.result_type(v), jnp.complexfloating) for v in values):
            raise Unsupported("complex values")
        if eqn.primitive.name in _CALLS:
            inner = _inner_jaxpr(eqn)
            if isinstance(inner, jax.extend.core.ClosedJaxpr):
                results = _run(inner.jaxpr, inner.consts, pairs)
            else:
                results = _run(inner, [], pairs)
        elif eqn.primitive.name == "cond":
            results = _chosen_branch(eqn, values[0], pairs[1:])
        else:
            outs, spread = _propagated(eqn, values, bounds)
            own = _own_rounding(eqn, values, outs)
            results = [(o, _add(s, r) if _is_float(o) else None)
                       for o, s, r in zip(outs, spread, own)]
        for var, pair in zip(eqn.outvars, results):
            env[var] = pair
    return [read(v) for v in jaxpr.outvars]


def _chosen_branch(eqn, index, pairs) -> list:
    """``cond``/``switch``: every branch's (value, bound), the one ``index`` picks selected
    (lax.switch among sin, tanh(2x) and exp(-x^2): tanh'' cancels in ``1 - tanh^2`` at
    x = -3, and without a bound the rounding of its transposition went unbounded)."""
    found = [_run(branch.jaxpr, branch.consts, pairs) for branch in eqn.params["branches"]]
    which = jnp.asarray(index).astype(jnp.int32)
    results = []
    for outputs in zip(*found):
        values = [jnp.asarray(value) for value, _ in outputs]
        value = jax.lax.select_n(which, *values)
        bounds = [bound for _, bound in outputs]
        if all(bound is None for bound in bounds):
            results.append((value, None))
            continue
        bounds = [jnp.zeros(jnp.shape(v)) if b is None else jnp.broadcast_to(b, jnp.shape(v))
                  for v, b in zip(values, bounds)]
        results.append((value, jax.lax.select_n(which, *bounds)))
    return results


def program_bound(fn: Callable, args: Sequence) -> list | None:
    """The running-error bound of each output leaf of ``fn(*args)``, the args taken as exact;
    None where the program holds an operation without a rule.

    >>> import numpy as np, jax.numpy as jnp
    >>> bound, = program_bound(lambda x: jnp.sum(x * 3.0), [np.float32([1, 2])])
    >>> print(f"{float(bound):.2g}")  # u (3 + 6) for the products, 2 u (3 + 6) for the sum
    1.6e-06
    """
    leaves, tree = jax.tree_util.tree_flatten(list(args))
    try:
        closed = jax.make_jaxpr(lambda *flat: fn(*jax.tree_util.tree_unflatten(tree, flat)))(
            *leaves)
        outs = _run(closed.jaxpr, closed.consts, [(jnp.asarray(v), None) for v in leaves])
    except (Unsupported, TypeError, ValueError, NotImplementedError, KeyError):
        return None
    return [jnp.zeros(jnp.shape(v)) if b is None else jnp.asarray(b) for v, b in outs]


_LOOPS = frozenset({"while", "scan"})


def narrower_dtypes(jaxpr, dtypes) -> list:
    """Float dtypes of a jaxpr's intermediate values less precise than every one of ``dtypes``
    (a float32 ``preferred_element_type`` in a float64 function), among the values its outputs
    depend on: flax's BatchNorm updates float32 batch statistics that a loss then drops."""
    widest = min(float(jnp.finfo(d).eps) for d in dtypes)
    found, stack = set(), [(jaxpr, [True] * len(jaxpr.outvars))]
    while stack:
        current, used = stack.pop()
        for eqn, inner_used in _live_equations(current, used):
            for var, read in zip(eqn.outvars, inner_used):
                dtype = getattr(var.aval, "dtype", None)
                if (read and dtype is not None and jnp.issubdtype(dtype, jnp.inexact)
                        and float(jnp.finfo(dtype).eps) > widest):
                    found.add(np.dtype(dtype))
            for value in eqn.params.values():
                inner = getattr(value, "jaxpr", value)
                if hasattr(inner, "eqns"):
                    # A loop's body feeds its own next iteration: an output of it that no one
                    # reads afterwards may still feed one that is read.
                    same = (len(inner.outvars) == len(eqn.outvars)
                            and eqn.primitive.name not in _LOOPS)
                    stack.append((inner, inner_used if same else [True] * len(inner.outvars)))
    return sorted(found, key=str)


def _live_equations(jaxpr, used: list[bool]) -> list:
    """(equation, which of its outputs are used) for every equation that an output in ``used``
    depends on."""
    live = {id(v) for v, keep in zip(jaxpr.outvars, used) if keep and hasattr(v, "aval")
            and not hasattr(v, "val")}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        outputs = [id(v) in live for v in eqn.outvars]
        if not any(outputs) and not eqn.effects:
            continue
        kept.append((eqn, outputs if any(outputs) else [True] * len(outputs)))
        live.update(id(v) for v in eqn.invars if not hasattr(v, "val"))
    return kept[::-1]
