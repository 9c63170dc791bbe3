"""Compare two benchmark runs and decide, respecting noise, which benchmarks got slower.

A benchmark counts as slower when both hold: its median grew by more than ``min_change``
(5% by default), and the growth is significant. Significance comes from a two-sided
Mann-Whitney U test on the per-round times where both files hold them (``alpha``, 1% by
default); without them, or with too few rounds for the test ever to reach ``alpha``, the new
run's first quartile must lie above the old run's third.
Benchmarks are matched by name, which carries their parameters.

>>> import pandas as pd
>>> rounds = [1.0, 0.9, 1.1, 1.05, 0.95, 0.97, 1.02, 0.99]
>>> base = pd.DataFrame({"name": ["b"], "device": ["cpu"], "median": [1.0], "q1": [0.96],
...                      "q3": [1.03], "data": [rounds]})
>>> new = base.assign(median=[3.0], q1=[2.88], q3=[3.09], data=[[3 * t for t in rounds]])
>>> compare_runs(base, new)["verdict"].tolist()
['slower']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from reports._load import ReportInputError

MIN_CHANGE = 0.05
ALPHA = 0.01


def compare_runs(base: pd.DataFrame, new: pd.DataFrame, *, min_change: float = MIN_CHANGE,
                 alpha: float = ALPHA, cross_device: bool = False) -> pd.DataFrame:
    """One row per benchmark name: medians, relative change, p-value and a verdict.

    Verdicts: ``slower``, ``faster``, ``same``, ``only in base``, ``only in new``.

    Raises:
        ReportInputError: the runs come from different devices or backends and
            ``cross_device`` is False.
    """
    base_devices, new_devices = sorted(set(base["device"])), sorted(set(new["device"]))
    if base_devices != new_devices and not cross_device:
        raise ReportInputError(
            f"BASE ran on {', '.join(base_devices)} and NEW on {', '.join(new_devices)}: a "
            "difference between devices is not a regression; compare runs from one device, "
            "or pass --cross-device to compare anyway")
    left = base.drop_duplicates("name").set_index("name")
    right = new.drop_duplicates("name").set_index("name")
    rows = []
    for name in sorted(set(left.index) | set(right.index)):
        if name not in right.index or name not in left.index:
            rows.append({"name": name, "verdict": "only in base" if name in left.index
                         else "only in new"})
            continue
        a, b = left.loc[name], right.loc[name]
        change = b["median"] / a["median"] - 1
        p_value = _p_value(a.get("data"), b.get("data"), alpha)
        if p_value is None:
            slower, faster = b["q1"] > a["q3"], b["q3"] < a["q1"]
        else:
            slower = faster = p_value < alpha
        verdict = ("slower" if slower and change > min_change
                   else "faster" if faster and change < -min_change else "same")
        rows.append({"name": name, "base_median_s": a["median"], "new_median_s": b["median"],
                     "change": change, "p_value": p_value, "verdict": verdict})
    return pd.DataFrame(rows, columns=["name", "base_median_s", "new_median_s", "change",
                                       "p_value", "verdict"])


def _p_value(before, after, alpha: float) -> float | None:
    """Mann-Whitney's two-sided p, or None where the rounds are missing or too few."""
    if not _samples(before) or not _samples(after):
        return None
    before, after = np.asarray(before, float), np.asarray(after, float)
    if 2 / math.comb(len(before) + len(after), len(before)) > alpha:
        return None  # even complete separation would not be significant
    if np.array_equal(np.sort(before), np.sort(after)):
        return 1.0
    return float(mannwhitneyu(before, after, alternative="two-sided").pvalue)


def _samples(data) -> bool:
    return isinstance(data, (list, np.ndarray)) and len(data) >= 3
