"""Compiling the programs of a check: quickly on the CPU, once per function, and eagerly where
fn cannot be traced; and the precision its inputs need.

>>> import jax.numpy as jnp
>>> PROGRAMS.get(("example",), lambda: compiled(jnp.sin))(0.0)
Array(0., dtype=float32, weak_type=True)
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

_UNTRACEABLE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


def is_untraceable(error: BaseException) -> bool:
    return isinstance(error, _UNTRACEABLE)


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


def is_inexact(leaf: Any) -> bool:
    """Whether ``leaf`` is an array of a floating-point or complex dtype."""
    return hasattr(leaf, "dtype") and jnp.issubdtype(np.asarray(leaf).dtype, jnp.inexact)


def holds_64_bit(tree: Any) -> bool:
    """Whether ``tree`` holds a float64 or complex128 leaf."""
    return any(is_inexact(v) and np.dtype(np.asarray(v).dtype).itemsize
               >= (16 if jnp.issubdtype(np.asarray(v).dtype, jnp.complexfloating) else 8)
               for v in jax.tree_util.tree_leaves(tree))


def x64_for(tree: Any):
    """A context enabling 64-bit types when ``tree`` holds 64-bit leaves, else a no-op."""
    if holds_64_bit(tree) and not jax.config.jax_enable_x64:
        return jax.enable_x64(True)
    return contextlib.nullcontext()
