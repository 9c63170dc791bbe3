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


def rule_is_wrong_at(case: Case, args: tuple) -> bool:
    """Whether a mutant's derivatives at ``case.order`` differ from its reference's at
    ``args``, along fixed seeded directions (nested JVPs, or VJPs for a rule without forward
    mode), in the case's own dtype: a rule wrong only in a region or at a point is right at
    draws outside it, which no checker can then report."""
    # Along directions of two sizes: a rule clipped at a norm is right along short ones.
    return any(_differ(*(_nested(f, case, args, np.random.default_rng(SEED), scale)
                         for f in (case.fn, case.reference)))
               for scale in (1.0, 1024.0))


def _differ(mutant, reference) -> bool:
    for a, b in zip(jax.tree_util.tree_leaves(mutant), jax.tree_util.tree_leaves(reference)):
        a, b = np.asarray(a), np.asarray(b)
        low = np.result_type(a).itemsize <= 4 or a.dtype == np.complex64
        scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
        with np.errstate(invalid="ignore"):
            if not np.all(np.isfinite(a) == np.isfinite(b)) or np.any(
                    np.abs(a - b) > (1e-4 if low else 1e-9) * scale):
                return True
    return False


def _nested(fn, case: Case, args: tuple, rng: np.random.Generator, scale: float):
    """``case.order`` nested directional derivatives of ``fn`` at ``args``, along seeded
    random directions times ``scale``."""
    like = lambda tree: jax.tree_util.tree_map(lambda v: _random_like(rng, v, scale), tree)
    h = lambda *xs: fn(*xs)
    forward = "fwd" in case.modes
    tangents = like(args)
    for _ in range(case.order):
        if forward:
            h = (lambda g: lambda *xs: jax.jvp(g, xs, tangents)[1])(h)
        else:
            cotangent = like(jax.eval_shape(h, *args))
            h = (lambda g, c: lambda *xs: jax.vjp(g, *xs)[1](c))(h, cotangent)
    return h(*args)


def _random_like(rng: np.random.Generator, value, scale: float) -> np.ndarray:
    dtype = np.dtype(value.dtype)
    if dtype.kind not in "fc":
        return np.zeros(value.shape, jax.dtypes.float0)
    draw = scale * rng.standard_normal(value.shape)
    if dtype.kind == "c":
        draw = draw + 1j * scale * rng.standard_normal(value.shape)
    return np.asarray(draw, dtype)
