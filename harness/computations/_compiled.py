"""Compiling the programs of a check: quickly on the CPU, once per function, and eagerly where
fn cannot be traced; and the precision its inputs need.

>>> import jax.numpy as jnp
>>> PROGRAMS.get(("example",), lambda: compiled(jnp.sin))(0.0)
Array(0., dtype=float32, weak_type=True)
"""

from __future__ import annotations

import collections
import contextlib
import time
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


# XLA's defaults, where ``jax_disable_most_optimizations`` (the suites' ``--adh-compile fast``)
# would otherwise turn them off for every program.
_OPTIMIZED = {
    "xla_backend_optimization_level": 3,
    "xla_llvm_disable_expensive_passes": False,
}


def _most_optimizations_disabled() -> bool:
    return bool(jax.config.values.get("jax_disable_most_optimizations", False))


# A quickly compiled program whose run takes longer than this, once compiled, is compiled
# again with XLA's defaults: unoptimized, a convolution in float64 (flax's Conv) ran 40x slower
# (3.4 s a run against 0.08 s), where the quick compile saved a few tenths of a second.
SLOW_RUN_SECONDS = 0.2


def compiled(fn: Callable) -> Callable:
    """``jax.jit(fn)``, asking XLA for a quick compile on the CPU; a program that then runs
    slowly (``SLOW_RUN_SECONDS``) is compiled again with XLA's defaults, for good."""
    if jax.default_backend() != "cpu":
        return jax.jit(fn)
    fast, plain = jax.jit(fn, compiler_options=_FAST_COMPILE), jax.jit(fn)
    state = {"program": "fast"}

    def optimized():
        if "optimized" not in state:
            state["optimized"] = (jax.jit(fn, compiler_options=_OPTIMIZED)
                                  if _most_optimizations_disabled() else plain)
        return state["optimized"]

    def run(*args):
        if _tracing(args):  # inside a trace: compiled with the caller, which sets the options
            return plain(*args)
        if state["program"] == "fast":
            try:
                if "timed" in state:
                    return fast(*args)
                out, seconds = _run_timed(fast, args)
                state["timed"] = seconds
                if seconds > SLOW_RUN_SECONDS:
                    state["program"] = "optimized"
                return out
            except Exception as error:  # noqa: BLE001 - only an unknown option is retried
                if "compile option" not in str(error):
                    raise
                state["program"] = "plain"
        return (optimized() if state["program"] == "optimized" else plain)(*args)

    return run


_COMPILE_SECONDS = [0.0]
_COMPILE_EVENTS = "/jax/core/compile/"


def _count_compile(event: str, duration: float, **_) -> None:
    if event.startswith(_COMPILE_EVENTS):
        _COMPILE_SECONDS[0] += duration


def _run_timed(program, args) -> tuple[Any, float]:
    """``program(*args)``, finished, and the seconds it ran apart from tracing, lowering and
    compiling it (JAX's compile events, counted by a listener registered on first use)."""
    if not _COMPILE_SECONDS[1:]:
        jax.monitoring.register_event_duration_secs_listener(_count_compile)
        _COMPILE_SECONDS.append(True)
    compiling, start = _COMPILE_SECONDS[0], time.perf_counter()
    out = jax.block_until_ready(program(*args))
    return out, time.perf_counter() - start - (_COMPILE_SECONDS[0] - compiling)


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
