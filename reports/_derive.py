"""Derived tables from the tidy benchmark frame: the ratios a reader wants, per device.

Every function takes the frame ``load_runs`` returns and gives a small DataFrame:

- ``hvp_relative``: each HVP strategy's median over forward-over-reverse's, per size;
- ``vmap_speedup``: the Python loop's and lax.map's median over vmap's, per size;
- ``jacobian_crossover``: jacrev over jacfwd per Jacobian shape, and where it crosses 1;
- ``compile_payoff``: compile time against steady-state time, and after how many calls
  compiling pays off against eager;
- ``achieved_flops``: FLOP/s of each compiled program;
- ``cost_ratios``: grad over value and HVP over grad, against the theory's bounds;
- ``across_devices``: each benchmark's median on every device, where several ran it;
- ``noise``: IQR over median per device and mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["device", "workload", "mode", "size"]


def _family(frame: pd.DataFrame, family: str) -> pd.DataFrame:
    if "family" not in frame:
        return frame.iloc[0:0]
    return frame[frame["family"] == family]


def _medians(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return rows.pivot_table(index=by, columns="strategy", values="median", aggfunc="min")


def hvp_relative(frame: pd.DataFrame) -> pd.DataFrame:
    """Median time of each HVP strategy relative to forward-over-reverse (1.0)."""
    rows = _family(frame, "hvp")
    if rows.empty:
        return pd.DataFrame()
    table = _medians(rows, KEYS)
    base = table["fwd_over_rev"]
    columns = [c for c in ("fwd_over_rev", "rev_over_fwd", "rev_over_rev", "full_hessian")
               if c in table]
    out = table[columns].div(base, axis=0)
    out["fwd_over_rev_s"] = base
    return out.reset_index()


def vmap_speedup(frame: pd.DataFrame) -> pd.DataFrame:
    """How many times slower the loop and lax.map are than vmap, per product and size."""
    rows = _family(frame, "loop_vs_vmap")
    if rows.empty:
        return pd.DataFrame()
    rows = rows.assign(product=rows["strategy"].str[:3], how=rows["strategy"].str[4:])
    table = rows.pivot_table(index=[*KEYS, "product"], columns="how", values="median",
                             aggfunc="min")
    out = pd.DataFrame(index=table.index)
    for how in ("loop", "map"):
        if how in table:
            out[f"{how}_over_vmap"] = table[how] / table["vmap"]
    out["vmap_s"] = table["vmap"]
    return out.reset_index()


def jacobian_crossover(frame: pd.DataFrame) -> pd.DataFrame:
    """jacrev / jacfwd (and the vmap-built over the built-ins) for each Jacobian shape."""
    rows = _family(frame, "jacobian")
    if rows.empty:
        return pd.DataFrame()
    table = rows.pivot_table(index=["device", "mode", "rows", "columns", "shape_kind"],
                             columns="strategy", values="median", aggfunc="min")
    out = pd.DataFrame(index=table.index)
    out["jacrev_over_jacfwd"] = table["jacrev"] / table["jacfwd"]
    out["vmap_jacfwd_over_jacfwd"] = table["vmap_jacfwd"] / table["jacfwd"]
    out["vmap_jacrev_over_jacrev"] = table["vmap_jacrev"] / table["jacrev"]
    out["faster"] = np.where(out["jacrev_over_jacfwd"] < 1, "jacrev", "jacfwd")
    return out.reset_index()


def crossover_points(frame: pd.DataFrame) -> pd.DataFrame:
    """How many outputs make jacrev as fast as jacfwd, for the most common input count.

    Along the shapes with that many inputs (columns), ``jacrev / jacfwd`` is interpolated in
    log-log coordinates to where it crosses 1; None where it does not cross in the range.
    """
    table = jacobian_crossover(frame)
    if table.empty:
        return pd.DataFrame()
    found = []
    for (device, mode), part in table.groupby(["device", "mode"]):
        inputs = part["columns"].mode().iloc[0]
        part = part[part["columns"] == inputs].sort_values("rows")
        x, y = np.log(part["rows"].to_numpy()), np.log(part["jacrev_over_jacfwd"].to_numpy())
        crossing = None
        for i in range(len(x) - 1):
            if y[i] == 0 or y[i] * y[i + 1] < 0:
                t = 0.0 if y[i] == 0 else y[i] / (y[i] - y[i + 1])
                crossing = float(np.exp(x[i] + t * (x[i + 1] - x[i])))
                break
        found.append({"device": device, "mode": mode, "inputs": int(inputs),
                      "outputs_at_crossing": crossing,
                      "outputs_tried": ", ".join(str(int(r)) for r in part["rows"])})
    return pd.DataFrame(found)


def compile_payoff(frame: pd.DataFrame) -> pd.DataFrame:
    """Compile time, steady time, their ratio, and the calls after which jit beats eager."""
    if "mode" not in frame:
        return pd.DataFrame()
    keys = ["device", "family", "workload", "strategy", "size_label"]
    jit = frame[frame["mode"] == "jit"].drop_duplicates(keys).set_index(keys)
    eager = frame[frame["mode"] == "eager"].drop_duplicates(keys).set_index(keys)
    out = pd.DataFrame({"compile_s": jit["compile_s"], "jit_s": jit["median"]})
    out["eager_s"] = eager["median"].reindex(out.index)
    out["compile_over_call"] = out["compile_s"] / out["jit_s"]
    gain = out["eager_s"] - out["jit_s"]
    out["calls_to_pay_off"] = np.where(gain > 0, np.ceil(out["compile_s"] / gain),
                                       np.where(gain.isna(), np.nan, np.inf))
    return out.reset_index()


def achieved_flops(frame: pd.DataFrame) -> pd.DataFrame:
    """FLOP/s and bytes/s of each compiled program (jit rows with a cost analysis)."""
    if "flops" not in frame:
        return pd.DataFrame()
    rows = frame[(frame["mode"] == "jit") & frame["flops"].notna()]
    return rows.assign(flop_per_s=rows["flops"] / rows["median"],
                       bytes_per_s=rows["bytes_accessed"] / rows["median"])[
        ["device", "family", "workload", "strategy", "size", "median", "flops", "flop_per_s",
         "bytes_per_s", "at_dispatch_floor"]].reset_index(drop=True)


def cost_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """grad/value and HVP/grad per size; theory bounds them by about 5 and about 2-3."""
    rows = _family(frame, "hvp")
    if rows.empty:
        return pd.DataFrame()
    table = _medians(rows, KEYS)
    out = pd.DataFrame(index=table.index)
    out["grad_over_value"] = table["grad"] / table["value"]
    out["hvp_over_grad"] = table["fwd_over_rev"] / table["grad"]
    floor = rows.pivot_table(index=KEYS, values="at_dispatch_floor", aggfunc="max")
    out["any_at_dispatch_floor"] = floor["at_dispatch_floor"].reindex(out.index).astype(bool)
    return out.reset_index()


def across_devices(frame: pd.DataFrame) -> pd.DataFrame:
    """Each benchmark's median per device, where it ran on more than one."""
    if frame["device"].nunique() < 2:
        return pd.DataFrame()
    table = frame.pivot_table(index="name", columns="device", values="median", aggfunc="min")
    return table.dropna().reset_index()


def noise(frame: pd.DataFrame) -> pd.DataFrame:
    """IQR over median: its median and 90th percentile per device and mode."""
    spread = frame.assign(iqr_over_median=frame["iqr"] / frame["median"])
    grouped = spread.groupby(["device", "mode"])["iqr_over_median"]
    return pd.DataFrame({"benchmarks": grouped.size(), "median": grouped.median(),
                         "p90": grouped.quantile(0.9)}).reset_index()
