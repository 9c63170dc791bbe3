"""Run one benchmark case with pytest-benchmark: build, check, compile apart, time, record.

``run_case(benchmark, case, preset=...)`` is what every test in ``suites/bench`` calls. The
order matters: the inputs go to the device first; the strategy is compiled (jit) or run once
(eager) and that time is kept as ``compile_s``; its result is compared with a float64
reference and a wrong result fails the test before any timing; then rounds of calls, each
waiting for the whole output, are timed with ``benchmark.pedantic``; last, ``extra_info`` gets
the costs, the error and whether the time sits at the dispatch floor.
"""

from __future__ import annotations

import functools
import statistics
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness.bench._cases import STRATEGIES, Case, parameters
from harness.bench._timing import (
    FLOOR_MULTIPLE,
    compile_for_timing,
    dispatch_floor,
    largest_magnitude,
    max_abs_error,
    plan_rounds,
)
from harness.bench._workloads import Workload, build, products, tanh_affine_workload, to_float64

# Seconds of timed calls per benchmark, and the fewest rounds, per preset.
BUDGET_S = {"quick": 0.05, "full": 0.25}
MIN_ROUNDS = {"quick": 3, "full": 7}
# float32 results must agree with the float64 reference to this fraction of its largest entry.
RELATIVE_TOLERANCE = 1e-3


@functools.lru_cache(maxsize=2)
def workload_for(name: str, size) -> Workload:
    """The workload at ``size``, kept while its strategies run one after another."""
    if name == "tanh_affine":
        return tanh_affine_workload(*size)
    return build(name, size)


def probe_for(case: Case, workload: Workload):
    """The second argument of the timed function: a vector, 128 vectors, or a placeholder."""
    if case.family == "hvp":
        return workload.tangent
    if case.family == "loop_vs_vmap":
        return products(workload, kind=case.strategy[:3])
    return np.zeros((), np.float32)


@functools.lru_cache(maxsize=4)
def reference_for(family: str, workload_name: str, size, what: str) -> Any:
    """The float64 answer every strategy of a kind must match (computed once per size).

    hvp: forward-over-reverse (or the value, or the gradient); loop_vs_vmap: the vmapped
    product; jacobian: the analytic Jacobian of tanh(A x), diag(1 - tanh(A x)^2) A.
    """
    workload = workload_for(workload_name, size)
    if family == "jacobian":
        (A,) = to_float64(workload.consts)
        x = np.asarray(workload.x, np.float64)
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A
    case = Case(family, workload_name, size, what, "jit")
    strategy = STRATEGIES[family][what](workload.fn)
    with jax.enable_x64(True):
        args = to_float64((workload.x, probe_for(case, workload), *workload.consts))
        return np.asarray(jax.jit(strategy)(*args), np.float64)


def _reference_kind(case: Case) -> str:
    if case.family == "hvp":
        return case.strategy if case.strategy in ("value", "grad") else "fwd_over_rev"
    if case.family == "loop_vs_vmap":
        return case.strategy[:3] + "_vmap"
    return "analytic"


def run_case(benchmark, case: Case, *, preset: str) -> dict[str, Any]:
    """Check, compile and time ``case`` on the default device; returns its ``extra_info``.

    Raises:
        AssertionError: the strategy's result disagrees with the reference (nothing is timed).
    """
    workload = workload_for(case.workload, case.size)
    strategy = STRATEGIES[case.family][case.strategy](workload.fn)
    args = (workload.x, probe_for(case, workload), *workload.consts)
    reference = reference_for(case.family, case.workload, case.size, _reference_kind(case))
    timed = compile_for_timing(strategy, args, mode=case.mode)
    error = max_abs_error(timed.first_result, reference)
    tolerance = RELATIVE_TOLERANCE * largest_magnitude(reference) + 1e-30
    if not error <= tolerance:
        raise AssertionError(
            f"{case.id}: {case.strategy} disagrees with the float64 reference by {error:.3g} "
            f"(allowed {tolerance:.3g}, {RELATIVE_TOLERANCE:g} of its largest entry); a wrong "
            "strategy is not timed. Reproduce with harness.bench.run_case on this case.")

    estimate = _seconds_per_call(timed.call)
    rounds, iterations = plan_rounds(estimate, budget_s=BUDGET_S[preset],
                                     min_rounds=MIN_ROUNDS[preset])
    benchmark.group = case.group
    benchmark.pedantic(timed.call, rounds=rounds, iterations=iterations, warmup_rounds=1)
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    median = stats.median if stats is not None else estimate
    floor = dispatch_floor(case.mode)
    info = {
        "family": case.family,
        "workload": case.workload,
        "strategy": case.strategy,
        "size": parameters(case.workload, case.size),
        "size_label": case.size_label,
        "mode": case.mode,
        "dtype": str(jnp.asarray(workload.x).dtype),
        "preset": preset,
        "compile_s": timed.compile_s,
        "flops": timed.flops,
        "bytes_accessed": timed.bytes_accessed,
        "temp_bytes": timed.temp_bytes,
        "max_abs_error": error,
        "tolerance": tolerance,
        "dispatch_floor_s": floor,
        "at_dispatch_floor": bool(median < FLOOR_MULTIPLE * floor),
        "rounds": rounds,
        "iterations": iterations,
    }
    if case.family == "jacobian":
        rows, columns = case.size
        info.update(rows=rows, columns=columns,
                    shape_kind="tall" if rows > columns else "wide" if rows < columns
                    else "square")
    benchmark.extra_info.update(info)
    return info


def _seconds_per_call(call, *, calls: int = 3, cap_s: float = 1.0) -> float:
    """Median of a few calls (fewer when one is slow), for planning the rounds."""
    samples = []
    spent = 0.0
    while len(samples) < calls and spent < cap_s:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
        spent += samples[-1]
    return statistics.median(samples)
