"""The JAX side of the pytest plugin: pick the backend, set matmul precision, describe the setup.

Every function imports JAX when called, never at import.
"""

from __future__ import annotations

import os

import pytest

BACKENDS = ("cpu", "gpu", "tpu")
MATMUL_PRECISIONS = ("highest", "high", "default")
COMPILE_MODES = ("fast", "optimized")

# What ``jax_platforms`` is set to for each backend, tried in order. The alias "gpu" would ask
# for CUDA, ROCm and oneAPI at once and fail where any of them is missing, so each is tried alone.
# The CPU stays available next to an accelerator, for code that asks for it by name.
_PLATFORM_LISTS = {"cpu": ("cpu",), "gpu": ("cuda,cpu", "rocm,cpu"), "tpu": ("tpu,cpu",)}

_INSTALL_HINTS = {
    "gpu": "install JAX's GPU plugin (https://docs.jax.dev/en/latest/installation.html)",
    "tpu": "install JAX's TPU plugin: pip install -U 'jax[tpu]'",
    "cpu": "reinstall jax and jaxlib",
}


def select_backend(name: str) -> None:
    """Make ``name`` JAX's default backend, before any backend is initialised.

    Raises:
        pytest.UsageError: JAX has no working ``name`` backend here (the message lists the ones it
            has), or JAX was initialised on another backend before the plugin could choose.
    """
    import jax
    from jax.extend.backend import clear_backends

    if _backends_initialized():
        if jax.default_backend() == name:
            return
        raise pytest.UsageError(
            f"--adh-backend {name}: JAX was already initialised on {jax.default_backend()} before "
            "pytest_configure (some conftest.py or plugin ran JAX code at import). Set "
            f"JAX_PLATFORMS={_PLATFORM_LISTS[name][0]} in the environment instead, or move that "
            "code into a fixture.")
    previous = jax.config.jax_platforms
    reasons = []
    for platforms in _PLATFORM_LISTS[name]:
        jax.config.update("jax_platforms", platforms)
        try:
            chosen = jax.default_backend()
        except RuntimeError as error:
            reasons.append(str(error).split(" (set JAX_PLATFORMS")[0])
        else:
            if chosen == name:
                return
            reasons.append(f"with jax_platforms={platforms!r} JAX fell back to {chosen}")
        clear_backends()
    jax.config.update("jax_platforms", previous)
    available = available_backends()
    raise pytest.UsageError(
        f"--adh-backend {name}: JAX (jax {jax.__version__}) has no working {name} backend on this "
        f"machine; available backends: {', '.join(available) or 'none'}. Pick one of them with "
        f"--adh-backend {available[0] if available else 'cpu'}, leave the option out to use "
        f"JAX's default, or {_INSTALL_HINTS[name]}. JAX said: {'; '.join(reasons)}")


def available_backends() -> list[str]:
    """The backends among cpu, gpu and tpu that JAX can start here (this initialises them)."""
    import jax
    from jax.extend.backend import clear_backends

    previous = jax.config.jax_platforms
    clear_backends()
    jax.config.update("jax_platforms", "")
    found = []
    for name in BACKENDS:
        try:
            jax.devices(name)
        except RuntimeError:
            continue
        found.append(name)
    clear_backends()
    jax.config.update("jax_platforms", previous)
    return found


def _backends_initialized() -> bool:
    """Whether JAX has started its backends already (after that, jax_platforms has no effect)."""
    from jax._src import xla_bridge  # no public API tells this; present in jax 0.4 to 0.11

    initialized = getattr(xla_bridge, "backends_are_initialized", None)
    return bool(initialized and initialized())


def set_matmul_precision(precision: str) -> None:
    """Set ``jax_default_matmul_precision``, so float32 matmuls on GPU/TPU are not TF32/bfloat16."""
    import jax

    jax.config.update("jax_default_matmul_precision", precision)


def compile_mode(option: str | None, *, checks_run: bool, timing: bool) -> str:
    """``fast`` or ``optimized``: what XLA spends on compiling the programs of this run.

    The derivative suites compile thousands of small programs and run each a few times, so
    compiling dominates; ``fast`` (the default for them, on the CPU) asks XLA for little
    optimization work (``jax_disable_most_optimizations``), which cuts compile time 1.4-1.7x
    on the CPU (an eager VJP and a jitted Hessian of expm, measured).
    Runs that time benchmarks, and runs that are not the suites', compile as usual.
    """
    import jax

    if option is not None:
        return option
    return "fast" if checks_run and not timing and jax.default_backend() == "cpu" \
        else "optimized"


def set_compile_mode(mode: str, *, asked: bool) -> None:
    """Set ``jax_disable_most_optimizations`` for ``fast``; ``optimized`` changes JAX's setting
    only when ``asked`` for (else a run inside another, as pytester's, would undo its mode)."""
    import jax

    if mode == "fast" or asked:
        jax.config.update("jax_disable_most_optimizations", mode == "fast")


def compiles_fast() -> bool:
    """Whether ``jax_disable_most_optimizations`` is on (a flag jax.config has no attribute for)."""
    import jax

    return bool(jax.config.values.get("jax_disable_most_optimizations", False))


def share_gpu_between_workers() -> None:
    """Turn off JAX's GPU memory preallocation (75-90% per process) unless the user set it.

    Under pytest-xdist several processes share one GPU: each would otherwise grab most of its
    memory at start. Takes effect in processes whose backends start later (workers inherit it).
    """
    if not {"XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_MEM_FRACTION"} & set(os.environ):
        os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"


def describe_setup() -> str:
    """One line: jax and jaxlib versions, backend, device kind and count, x64, matmul precision."""
    import jax
    import jaxlib

    device = jax.devices()[0]
    return (
        f"jax {jax.__version__}, jaxlib {jaxlib.__version__}, backend {jax.default_backend()}, "
        f"devices {jax.device_count()} x {getattr(device, 'device_kind', device.platform)}, "
        f"x64 {'on' if jax.config.jax_enable_x64 else 'off'}, "
        f"matmul precision {jax.config.jax_default_matmul_precision or 'default'}, "
        f"compile {'fast' if compiles_fast() else 'optimized'}"
    )
