"""|J| |t| along the computation: the magnitudes a derivative's rounding errors scale with.

``jax.linearize`` turns a derivative into a linear program (adds, multiplications by primal
values, dot products, reductions, reshapes). Running that program on ``|t|`` with every
constant replaced by its absolute value and every subtraction by an addition gives, for each
output element, the sum of the absolute values of all the terms that the computation adds up:
Wilkinson's running-error magnitude. Where a rule cancels internally, as ``g + g * tanh(x)``
does for large negative x, this is far larger than the result, and so is the rounding error
both JVP and VJP make there. Programs with operations this interpreter does not know return
None, and the budget falls back on the magnitudes the oracle sees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.extend.core
import jax.numpy as jnp


class _Unsupported(Exception):
    """The linear program holds an operation with no magnitude rule."""


_IDENTITY = frozenset({"neg", "conj", "real", "imag", "copy", "copy_p", "reduce_precision"})
_AS_ADD = frozenset({"sub"})
_POSITIVE = frozenset(
    """add add_any mul div dot_general reduce_sum cumsum transpose reshape broadcast_in_dim
    squeeze expand_dims slice dynamic_slice dynamic_update_slice gather concatenate pad rev
    select_n scatter-add scatter_add convert_element_type""".split()
)
_CALLS = frozenset({"pjit", "jit", "closed_call", "core_call", "remat", "checkpoint"})


def _real_dtype(dtype):
    return jnp.finfo(dtype).dtype if jnp.issubdtype(dtype, jnp.complexfloating) else dtype


def _absolute_constant(value):
    value = jnp.asarray(value)
    if jnp.issubdtype(value.dtype, jnp.inexact):
        return jnp.abs(value)
    return value


def _real_params(params: dict) -> dict:
    fixed = dict(params)
    for name in ("preferred_element_type", "new_dtype"):
        dtype = fixed.get(name)
        if dtype is not None and jnp.issubdtype(dtype, jnp.complexfloating):
            fixed[name] = _real_dtype(dtype)
    return fixed


def _run(jaxpr, consts: Sequence, inputs: Sequence) -> list:
    """Interpret ``jaxpr``: constants as ("const", value), tangents as ("lin", magnitude)."""
    env: dict = {}

    def read(var):
        if isinstance(var, jax.extend.core.Literal):
            return ("const", var.val)
        return env[var]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = ("const", value)
    for var, value in zip(jaxpr.invars, inputs):
        env[var] = value
    for eqn in jaxpr.eqns:
        args = [read(v) for v in eqn.invars]
        name = eqn.primitive.name
        if all(kind == "const" for kind, _ in args):
            outs = eqn.primitive.bind(*[v for _, v in args], **eqn.params)
            outs = outs if eqn.primitive.multiple_results else [outs]
            results = [("const", o) for o in outs]
        elif name in _CALLS:
            inner = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
            if isinstance(inner, jax.extend.core.ClosedJaxpr):
                results = _run(inner.jaxpr, inner.consts, args)
            else:
                results = _run(inner, [], args)
        elif name in _IDENTITY:
            results = [("lin", args[0][1])]
        elif name in _AS_ADD or name in _POSITIVE:
            if name in ("mul", "dot_general") and all(kind == "lin" for kind, _ in args):
                raise _Unsupported(name)
            values = [_absolute_constant(v) if kind == "const" else v for kind, v in args]
            primitive = jax.lax.add_p if name in _AS_ADD else eqn.primitive
            out = primitive.bind(*values, **_real_params(eqn.params))
            results = [("lin", o) for o in (out if primitive.multiple_results else [out])]
        else:
            raise _Unsupported(name)
        for var, value in zip(eqn.outvars, results):
            env[var] = value
    return [read(v) for v in jaxpr.outvars]


def absolute_linear(linear: Callable, t: Sequence) -> list | None:
    """|J| |t| for ``linear``, a function from ``jax.linearize``; None where unsupported."""
    try:
        closed = jax.make_jaxpr(linear)(list(t))
        magnitudes = [("lin", jnp.abs(jnp.asarray(v)).astype(_real_dtype(jnp.asarray(v).dtype)))
                      for v in t]
        outs = _run(closed.jaxpr, closed.consts, magnitudes)
    except (_Unsupported, TypeError, ValueError, NotImplementedError):
        return None
    return [jnp.abs(jnp.asarray(v)) if kind == "lin" else jnp.zeros(jnp.shape(v))
            for kind, v in outs]
