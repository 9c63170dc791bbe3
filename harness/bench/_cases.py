"""Which benchmarks run: families, workloads, sizes per preset and backend, strategies, modes.

The quick preset (the default) is a smoke run sized for 2 CPU cores; the full preset spans
sizes from the dispatch floor up to what the device holds: up to about 10^6 inputs on a CPU and
10^8 on an accelerator, with the full Hessian only where it fits and finishes.

>>> [c.id for c in cases("hvp", preset="quick", backend="cpu")][:2]
['sum_tanh_squared-fwd_over_rev-eager-1200', 'sum_tanh_squared-fwd_over_rev-jit-1200']
>>> len(cases("hvp", preset="quick", backend="cpu")) + len(cases("loop_vs_vmap", preset="quick",
...     backend="cpu")) + len(cases("jacobian", preset="quick", backend="cpu")) >= 12
True
"""

from __future__ import annotations

import dataclasses

from harness._errors import InvalidArgument
from harness.bench._strategies import HVP, JACOBIAN, LOOP_VS_VMAP
from harness.bench._timing import MODES

FAMILIES = ("hvp", "loop_vs_vmap", "jacobian")
PRESETS = ("quick", "full")

# family -> workload -> sizes, per preset and per kind of backend ("cpu" or "accelerator").
SIZES: dict[str, dict[str, dict[str, dict[str, tuple]]]] = {
    "quick": {
        "cpu": {
            "hvp": {"sum_tanh_squared": (1200,), "logistic_loss": (3,), "mlp_loss": (16,)},
            "loop_vs_vmap": {"predict": (3,)},
            "jacobian": {"tanh_affine": ((256, 16), (64, 64), (16, 256))},
        },
    },
    "full": {
        "cpu": {
            "hvp": {"sum_tanh_squared": (120, 1200, 4800, 12000, 120000, 1200000),
                    "logistic_loss": (3, 100, 1000, 4000),
                    "mlp_loss": (8, 16, 64, 256)},
            "loop_vs_vmap": {"predict": (3, 100, 1000), "mlp": (16, 64, 256)},
            "jacobian": {"tanh_affine": ((4, 64), (16, 64), (64, 64), (256, 64), (1024, 64),
                                         (64, 4), (64, 16), (64, 256), (64, 1024))},
        },
        "accelerator": {
            # Fewer sizes than on the CPU: on a GPU most of a benchmark's time is compiling
            # (eager mode compiles every primitive at every new shape, and XLA autotunes each
            # matrix product), so the sizes jump by decades to the largest the device holds.
            "hvp": {"sum_tanh_squared": (1200, 12000, 120000, 1200000, 12000000, 120000000),
                    "logistic_loss": (3, 16000),
                    "mlp_loss": (64, 4096)},
            "loop_vs_vmap": {"predict": (3, 10000), "mlp": (64, 1024)},
            "jacobian": {"tanh_affine": ((32, 512), (512, 512), (8192, 512), (512, 32),
                                         (512, 8192))},
        },
    },
}
SIZES["quick"]["accelerator"] = SIZES["quick"]["cpu"]

# The full Hessian is materialized only up to this many parameters (n^2 entries).
FULL_HESSIAN_MAX = {"cpu": {"sum_tanh_squared": 4800, "logistic_loss": 1000, "mlp_loss": 1200},
                    "accelerator": {"sum_tanh_squared": 12000, "logistic_loss": 4000,
                                    "mlp_loss": 12000}}

STRATEGIES = {"hvp": HVP, "loop_vs_vmap": LOOP_VS_VMAP, "jacobian": JACOBIAN}


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark: a strategy of a family on a workload at a size, eager or jitted."""

    family: str
    workload: str
    size: int | tuple[int, int]
    strategy: str
    mode: str

    @property
    def size_label(self) -> str:
        return "x".join(map(str, self.size)) if isinstance(self.size, tuple) else str(self.size)

    @property
    def id(self) -> str:
        return f"{self.workload}-{self.strategy}-{self.mode}-{self.size_label}"

    @property
    def group(self) -> str:
        """Strategies of one workload, size and mode share a group: their table compares them."""
        return f"{self.family} {self.workload} {self.size_label} {self.mode}"


def parameters(workload: str, size) -> int:
    """How many numbers ``workload`` at ``size`` is differentiated in."""
    if workload in ("mlp", "mlp_loss"):  # two hidden layers of width size, one output
        return 2 * size * size + 3 * size + 1
    if workload == "tanh_affine":
        return size[1]
    return size


def backend_kind(backend: str) -> str:
    """``"cpu"`` or ``"accelerator"`` (gpu, tpu and any plugin backend)."""
    return "cpu" if backend == "cpu" else "accelerator"


def cases(family: str, *, preset: str, backend: str) -> list[Case]:
    """Every benchmark of ``family`` in ``preset`` on ``backend``.

    Raises:
        InvalidArgument: for an unknown family or preset.
    """
    if family not in FAMILIES:
        raise InvalidArgument(f"unknown benchmark family {family!r}; use one of "
                              f"{', '.join(FAMILIES)}")
    if preset not in PRESETS:
        raise InvalidArgument(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    kind = backend_kind(backend)
    out = []
    for workload, sizes in SIZES[preset][kind][family].items():
        for size in sizes:
            for strategy in STRATEGIES[family]:
                if strategy == "full_hessian" and (
                        parameters(workload, size) > FULL_HESSIAN_MAX[kind][workload]):
                    continue
                for mode in MODES:
                    # Timed at each workload's smallest size only, as both measure the compiler:
                    # under jit a Python loop is unrolled 128 times (seconds to compile), and
                    # eager lax.map traces and compiles its loop again on every call.
                    if size != sizes[0] and (strategy.endswith("_loop") and mode == "jit"
                                             or strategy.endswith("_map") and mode == "eager"):
                        continue
                    out.append(Case(family, workload, size, strategy, mode))
    return out
