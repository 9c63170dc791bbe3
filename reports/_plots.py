"""PNG plots of benchmark results, drawn with matplotlib's headless Agg backend.

Each function takes the tidy frame (or a derived table) and a path, draws one figure, and
returns the path, or None when the frame holds nothing to draw.
"""

from __future__ import annotations

import io
import itertools
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from harness._files import write_atomically  # noqa: E402

STRATEGY_ORDER = ("fwd_over_rev", "rev_over_fwd", "rev_over_rev", "full_hessian", "grad", "value")


def _save(figure, path: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    write_atomically(path, buffer.getvalue())
    return path


def hvp_time_vs_size(frame: pd.DataFrame, path: str | os.PathLike) -> str | None:
    """Median time against size per HVP strategy, log-log, one panel per device and workload
    (jit); hollow markers sit at the dispatch floor."""
    rows = frame[(frame.get("family") == "hvp") & (frame.get("mode") == "jit")]
    if rows.empty:
        return None
    devices, workloads = sorted(set(rows["device"])), sorted(set(rows["workload"]))
    figure, axes = plt.subplots(len(devices), len(workloads), squeeze=False,
                                figsize=(4.2 * len(workloads), 3.4 * len(devices)))
    for (i, device), (j, workload) in itertools.product(enumerate(devices), enumerate(workloads)):
        ax = axes[i][j]
        part = rows[(rows["device"] == device) & (rows["workload"] == workload)]
        for strategy in STRATEGY_ORDER:
            line = part[part["strategy"] == strategy].sort_values("size")
            if line.empty:
                continue
            drawn = ax.plot(line["size"], line["median"], marker="o", label=strategy)[0]
            floor = line[line["at_dispatch_floor"].astype(bool)]
            ax.plot(floor["size"], floor["median"], "o", markerfacecolor="white",
                    color=drawn.get_color())
        ax.set(xscale="log", yscale="log", xlabel="inputs differentiated", ylabel="median s",
               title=f"{workload}\n{device}")
        ax.title.set_fontsize(8)
    figure.tight_layout()
    axes[0][0].legend(fontsize=7)
    return _save(figure, os.fspath(path))


def speedup_bars(table: pd.DataFrame, path: str | os.PathLike) -> str | None:
    """How many times slower the loop and lax.map are than vmap, as bars (log scale)."""
    if table.empty:
        return None
    table = table.sort_values(["device", "workload", "product", "mode", "size"])
    labels = [f"{r.device.split(':')[-1][:12]} {r.workload} {r.product} {r.mode} {r.size}"
              for r in table.itertuples()]
    figure, ax = plt.subplots(figsize=(7, 0.28 * len(labels) + 1.2))
    positions = range(len(labels))
    for offset, column in ((-0.2, "loop_over_vmap"), (0.2, "map_over_vmap")):
        if column in table:
            ax.barh([p + offset for p in positions], table[column], height=0.4, label=column)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set(xscale="log", yticks=list(positions), xlabel="time / vmap's time")
    ax.set_yticklabels(labels, fontsize=7)
    ax.legend(fontsize=7)
    return _save(figure, os.fspath(path))


def jacobian_ratio(table: pd.DataFrame, path: str | os.PathLike) -> str | None:
    """jacrev / jacfwd against the number of outputs, at the most common input count."""
    if table.empty:
        return None
    figure, ax = plt.subplots(figsize=(5, 3.6))
    for (device, mode), part in table.groupby(["device", "mode"]):
        inputs = part["columns"].mode().iloc[0]
        part = part[part["columns"] == inputs].sort_values("rows")
        ax.plot(part["rows"], part["jacrev_over_jacfwd"], marker="o",
                label=f"{device.split(':')[-1][:16]} {mode} ({int(inputs)} inputs)")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set(xscale="log", yscale="log", xlabel="outputs", ylabel="jacrev time / jacfwd time")
    ax.legend(fontsize=7)
    return _save(figure, os.fspath(path))
