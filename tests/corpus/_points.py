"""The points a corpus case is checked at: seeded draws, and its fixed point cast to a dtype."""

from __future__ import annotations

import jax
import numpy as np

from ._case import REAL_TO_COMPLEX, Case

SEED = 20261122


def fixed_point(case: Case, dtype: str) -> tuple:
    """``case.fixed_args`` with every leaf cast to ``dtype`` (its complex twin for complex)."""

    def cast(leaf):
        leaf = np.asarray(leaf)
        target = REAL_TO_COMPLEX[dtype] if np.iscomplexobj(leaf) else dtype
        return leaf.astype(target) if leaf.dtype.kind in "fc" else leaf

    return jax.tree_util.tree_map(cast, case.fixed_args)


def draws(case: Case, dtype: str, count: int) -> list[tuple]:
    """The fixed point (if any) and then ``count`` seeded draws of ``case`` in ``dtype``."""
    rng = np.random.default_rng([SEED, sum(map(ord, case.name)), len(dtype)])
    points = [] if case.fixed_args is None else [fixed_point(case, dtype)]
    return points + [case.make_args(rng, dtype) for _ in range(count)]


def is_eager(case: Case) -> bool:
    """Cases whose functions use Python control flow on values (checked without jit: slow)."""
    return case.name.startswith("piecewise")
