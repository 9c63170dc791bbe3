"""Timing JAX code right: compile apart, wait for the device, check first, know the floor.

JAX dispatches asynchronously and compiles on first call, so a naive timer measures the
compiler once and then only the time to enqueue work. Here a benchmark's function is

- compiled ahead of time for ``jit`` (``jax.jit(fn).lower(*args).compile()``), and that time is
  recorded as ``compile_s``; in ``eager`` mode ``compile_s`` is the first call, which traces and
  compiles each primitive not seen before;
- called on arguments already on the device, and every call waits for the whole output pytree
  (``jax.block_until_ready``), so a round is the time the device took, with no transfer in it;
- checked against a reference before any timing: a wrong strategy fails instead of being timed;
- compared with the dispatch floor, the time of the cheapest call in the same mode, so results
  that measure dispatch rather than differentiation are flagged.

>>> import jax.numpy as jnp
>>> timed = compile_for_timing(jnp.sin, (jnp.ones(3),), mode="jit")
>>> timed.compile_s > 0 and timed.flops is not None
True
>>> bool(jnp.allclose(timed.call(), jnp.sin(1.0)))
True
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import InvalidArgument

MODES = ("eager", "jit")


@dataclasses.dataclass(frozen=True)
class Timed:
    """A function made ready to time: ``call()`` runs it once and waits for the result.

    ``flops``, ``bytes_accessed`` and ``temp_bytes`` come from the compiled program's cost and
    memory analyses (None in eager mode, where no single program runs, and where the backend
    does not report them).
    """

    call: Callable[[], Any]
    mode: str
    compile_s: float
    first_result: Any
    flops: float | None = None
    bytes_accessed: float | None = None
    temp_bytes: int | None = None


def compile_for_timing(fn: Callable, args: Sequence, *, mode: str) -> Timed:
    """Put ``args`` on the default device, compile ``fn`` for ``mode`` and run it once.

    Raises:
        InvalidArgument: for a mode other than ``"eager"`` or ``"jit"``.
    """
    if mode not in MODES:
        raise InvalidArgument(f"mode={mode!r}: use one of {', '.join(MODES)}")
    args = jax.block_until_ready(jax.device_put(tuple(args)))
    if mode == "eager":
        start = time.perf_counter()
        first = jax.block_until_ready(fn(*args))
        compile_s = time.perf_counter() - start
        return Timed(lambda: jax.block_until_ready(fn(*args)), mode, compile_s, first)
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    compile_s = time.perf_counter() - start
    first = jax.block_until_ready(compiled(*args))
    flops, bytes_accessed = _costs(compiled)
    return Timed(lambda: jax.block_until_ready(compiled(*args)), mode, compile_s, first,
                 flops, bytes_accessed, _temp_bytes(compiled))


def _costs(compiled) -> tuple[float | None, float | None]:
    try:
        analysis = compiled.cost_analysis()
    except Exception:  # noqa: BLE001 - a backend without cost analysis reports none
        return None, None
    if isinstance(analysis, (list, tuple)):  # older JAX: one dict per program
        analysis = analysis[0] if analysis else None
    if not analysis:
        return None, None
    # XLA leaves out the counts that are zero (a program of sin alone has no "flops").
    flops, accessed = analysis.get("flops", 0.0), analysis.get("bytes accessed", 0.0)
    return (float(flops) if flops >= 0 else None, float(accessed) if accessed >= 0 else None)


def _temp_bytes(compiled) -> int | None:
    try:
        stats = compiled.memory_analysis()
    except Exception:  # noqa: BLE001 - not every backend implements it
        return None
    temp = getattr(stats, "temp_size_in_bytes", None)
    return int(temp) if temp is not None else None


def max_abs_error(result, reference) -> float:
    """The largest absolute difference between two pytrees of arrays, in float64."""
    got, want = jax.tree_util.tree_leaves(result), jax.tree_util.tree_leaves(reference)
    if len(got) != len(want):
        raise AssertionError(f"the result has {len(got)} arrays, the reference {len(want)}")
    worst = 0.0
    for a, b in zip(got, want):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape:
            raise AssertionError(f"the result has shape {a.shape}, the reference {b.shape}")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


def largest_magnitude(tree) -> float:
    """max |x| over a pytree of arrays (0 for an empty one)."""
    return max((float(np.max(np.abs(np.asarray(x, np.float64))))
                for x in jax.tree_util.tree_leaves(tree) if np.size(x)), default=0.0)


@functools.cache
def dispatch_floor(mode: str) -> float:
    """Median seconds of the cheapest call in ``mode`` on the default device (cached).

    jit: a compiled scalar ``x + 1``; eager: one ``jnp.add`` dispatched op by op. A result
    within a small multiple of this measures dispatch, not the work.
    """
    x = jax.device_put(jnp.float32(1.0))
    fn = jax.jit(lambda y: y + 1) if mode == "jit" else (lambda y: jnp.add(y, 1))
    for _ in range(20):
        jax.block_until_ready(fn(x))
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        jax.block_until_ready(fn(x))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# A result below this multiple of the dispatch floor is flagged as dispatch-bound.
FLOOR_MULTIPLE = 3.0


def plan_rounds(seconds_per_call: float, *, budget_s: float, min_rounds: int,
                max_rounds: int = 10_000, min_round_s: float = 1e-4) -> tuple[int, int]:
    """``(rounds, iterations)`` to spend about ``budget_s`` on calls of ``seconds_per_call``.

    A round repeats the call until it lasts ``min_round_s`` (so the timer's resolution does not
    matter), and there are at least ``min_rounds`` of them.

    >>> plan_rounds(0.01, budget_s=1.0, min_rounds=5)
    (100, 1)
    >>> plan_rounds(1e-6, budget_s=0.01, min_rounds=5)
    (100, 100)
    """
    seconds_per_call = max(seconds_per_call, 1e-9)
    iterations = max(1, math.ceil(min_round_s / seconds_per_call - 1e-9))
    rounds = int(budget_s / (seconds_per_call * iterations))
    return max(min_rounds, min(max_rounds, rounds)), iterations
