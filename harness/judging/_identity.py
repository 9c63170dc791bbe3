"""Exact identities between two AD computations, judged against their measured rounding.

Many autodiff rules are identities with no finite differences in them: ``jacfwd = jacrev``,
``vmap`` of a VJP equals the loop, a Hessian is symmetric. In exact arithmetic both sides are
equal; in floating point they differ by the rounding of each side. That rounding is measured,
not guessed: both sides also run on a copy of the inputs in another precision.

- Inputs below 64 bits: the copy is float64. ``|L - L64| + |R - R64|`` is the rounding of this
  very computation in the low dtype; the float64 sides must agree to that rounding scaled down
  by ``eps64 / eps`` (a wrong rule is wrong in float64 too, so this cannot hide it), and the
  low-dtype sides to the rounding itself.
- 64-bit inputs: the copy is float32. How far the float32 sides move from the float64 ones
  shows how badly this computation amplifies rounding here (conditioning), and the float64
  sides must agree to that amplification scaled to float64's epsilon.

budget = ROUNDING_MULTIPLE x eps x |side| + CONDITIONING_SAFETY x (eps64 / eps32) x max |float32
deviation| over the leaf + RELATIVE_FLOOR x max |side| over the leaf (+ MEASURED_SAFETY x the
deviation itself for low-dtype inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness.computations import _compiled
from harness.computations._compiled import holds_64_bit, is_inexact, x64_for
from harness.error_model._budget import MEASURED_SAFETY, ROUNDING_MULTIPLE
from harness.inputs._arguments import float64_twin
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, Check

CONDITIONING_SAFETY = 64.0
# Where the float32 copy overflows, conditioning cannot be measured: the float64 sides must then
# agree to this many epsilons of the leaf's largest value.
UNMEASURED_MULTIPLE = 1e4
# float64 rounding does not always scale from float32's by the ratio of epsilons (float32 may
# saturate where float64 cancels): the float64 sides may always differ by this fraction of the
# leaf's largest value (the notebooks' logistic loss's Hessian at a saturated point, W = [0, 3,
# -3], b = -3, needs 3e-9).
RELATIVE_FLOOR = 3e-8
# Sides of a float64 comparison closer than this, in absolute terms, are below float64's
# resolution at unit scale: everything cancelled (logsumexp's HVP at [-50, -50, -50, 0] is 1e-21
# against terms of size 1), so the comparison is inconclusive rather than failed.
UNIT_RESOLUTION = 4 * float(np.finfo(np.float64).eps)

# Where the other precision is off by this fraction of the value, it lost every digit (float32
# saturating, or underflowing, where float64 does not): rounding there is not measured.
SATURATED = 0.5
# Sides this close pass without measuring rounding: every budget allows at least this much.
LAST_BITS = 4.0

_LOWER = {np.dtype("float64"): np.dtype("float32"),
          np.dtype("complex128"): np.dtype("complex64")}


class NotFiniteHere(Exception):
    """Both sides are nan or inf at the same place: the point is outside fn's domain."""


def _cast(tree: Any, convert: Callable[[np.dtype], np.dtype]) -> Any:
    return jax.tree_util.tree_map(
        lambda v: np.asarray(v).astype(convert(np.asarray(v).dtype)) if is_inexact(v) else v,
        tree)


def _runner(side: Callable, *, jit: bool) -> Callable:
    return _compiled.compiled(side) if jit else side


def evaluate(left: Callable, right: Callable, inputs: Any, *, key: Any, jit_left: bool = True,
             jit_right: bool = True, allow_eager: bool = True) -> tuple[Any, Any, bool]:
    """(left(inputs), right(inputs), ran eagerly) with programs cached under ``key``.

    With ``allow_eager`` (fn itself has Python control flow on values), sides that cannot be
    traced run eagerly; otherwise the tracing error propagates.
    """
    both = jit_left and jit_right

    def build():
        if both:
            pair = _compiled.compiled(lambda a: (left(a), right(a)))
            return {"pair": pair, "eager": False}
        return {"left": _runner(left, jit=jit_left), "right": _runner(right, jit=jit_right),
                "eager": False}

    programs = _compiled.PROGRAMS.get(None if key is None else ("identity",) + tuple(key), build)
    if not programs["eager"]:
        try:
            if "pair" in programs:
                out = programs["pair"](inputs)
            else:
                out = (programs["left"](inputs), programs["right"](inputs))
            return jax.device_get(out) + (False,)
        except Exception as error:  # noqa: BLE001 - only untraceable functions are retried
            if not (allow_eager and _compiled.is_untraceable(error)):
                raise
            programs["eager"] = True
    return jax.device_get((left(inputs), right(inputs))) + (True,)


def identity_checks(prop: str, left: Callable, right: Callable, inputs: Any, *, chain: str,
                    relation: str, order: int = 1, key: Any = None, jit_left: bool = True,
                    jit_right: bool = True, allow_eager: bool = True,
                    reference_jitted: bool = False) -> tuple[list[Check], list[str]]:
    """Checks that ``left(inputs)`` equals ``right(inputs)``, leaf by leaf, and notes.

    ``inputs`` is a pytree of arrays; its floating-point leaves are also cast to the other
    precision to measure rounding. Both sides must return pytrees of the same structure.
    ``reference_jitted`` evaluates both sides jitted in the other precision (the rounding of
    an eager side is then measured against the jitted one: jit against eager needs that).

    Raises:
        NotFiniteHere: both sides are nan or inf at the same places.
    """
    notes: list[str] = []
    wide = holds_64_bit(inputs)
    with x64_for(inputs):
        got, want, eager = evaluate(left, right, inputs, key=key, jit_left=jit_left,
                                    jit_right=jit_right, allow_eager=allow_eager)
    if eager:
        notes.append("fn cannot be traced (Python control flow on values): both sides ran "
                     "eagerly")
    got_pairs, got_tree = jax.tree_util.tree_flatten_with_path(got)
    want_leaves, want_tree = jax.tree_util.tree_flatten(want)
    if got_tree != want_tree:
        return [Check(prop, chain, order, FAILED, "out", note=(
            f"the two sides return different structures: {got_tree} vs {want_tree}"))], notes
    close = _within_last_bits(prop, chain, order, got_pairs, want_leaves, relation)
    if close is not None:  # inside every budget below: no need to measure the rounding
        return close, notes
    other_inputs = _cast(inputs, (lambda d: _LOWER.get(d, d)) if wide else float64_twin)
    with jax.enable_x64(True):
        got_o, want_o, _ = evaluate(left, right, other_inputs,
                                    key=None if key is None else tuple(key) + ("other",),
                                    jit_left=jit_left or reference_jitted,
                                    jit_right=jit_right or reference_jitted,
                                    allow_eager=allow_eager)
    got_o_leaves = jax.tree_util.tree_leaves(got_o)
    want_o_leaves = jax.tree_util.tree_leaves(want_o)
    checks = []
    for (path, a), b, a_o, b_o in zip(got_pairs, want_leaves, got_o_leaves, want_o_leaves):
        leaf = "out" + jax.tree_util.keystr(path)
        checks.append(_compare_leaf(prop, chain, order, leaf, np.asarray(a), np.asarray(b),
                                    np.asarray(a_o), np.asarray(b_o), wide=wide,
                                    relation=relation))
    return checks, notes


def _within_last_bits(prop, chain, order, got_pairs, want_leaves, relation) -> list | None:
    """Passed checks when every element of the two sides is within LAST_BITS eps of the larger
    one (less than any budget allows), else None: then the rounding must be measured."""
    checks = []
    for (path, a), b in zip(got_pairs, want_leaves):
        a, b = np.asarray(a), np.asarray(b)
        leaf = "out" + jax.tree_util.keystr(path)
        if a.shape != b.shape or not (jnp.issubdtype(a.dtype, jnp.inexact)
                                      and jnp.issubdtype(b.dtype, jnp.inexact)):
            return None
        if a.size == 0:
            checks.append(Check(prop, chain, order, PASSED, leaf, note="empty leaf"))
            continue
        a64 = a.astype(np.result_type(a.dtype, np.float64))
        b64 = b.astype(np.result_type(b.dtype, np.float64))
        if not (np.all(np.isfinite(a64)) and np.all(np.isfinite(b64))):
            return None  # judged in full: undefined points, or a side that is not finite
        magnitude = np.maximum(np.abs(a64), np.abs(b64))
        budget = LAST_BITS * max(_eps(a.dtype), _eps(b.dtype)) * magnitude
        gap = np.abs(a64 - b64)
        if not np.all(gap <= budget):
            return None
        checks.append(_verdict(prop, chain, order, leaf, a64, b64, gap, budget,
                               f"{LAST_BITS:g} eps x |side| (the sides agree to the last bits)",
                               relation))
    return checks


def _eps(dtype: Any) -> float:
    dtype = np.dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.inexact):
        return 0.0
    return float(jnp.finfo(dtype).eps)


def _compare_leaf(prop, chain, order, leaf, a, b, a_o, b_o, *, wide, relation) -> Check:
    if a.shape != b.shape:
        return Check(prop, chain, order, FAILED, leaf, note=(
            f"the two sides have different shapes: {a.shape} vs {b.shape}"))
    if a.size == 0:
        return Check(prop, chain, order, PASSED, leaf, note="empty leaf")
    if not jnp.issubdtype(a.dtype, jnp.inexact) and not jnp.issubdtype(b.dtype, jnp.inexact):
        equal = np.array_equal(a, b)
        return Check(prop, chain, order, PASSED if equal else FAILED, leaf, note=(
            "" if equal else "the two sides' non-float values differ"))
    a64 = a.astype(np.result_type(a.dtype, np.float64))
    b64 = b.astype(np.result_type(b.dtype, np.float64))
    both_bad = ~np.isfinite(a64) & ~np.isfinite(b64)
    same_bad = both_bad & ((a64 == b64) | (np.isnan(a64) & np.isnan(b64)))
    undefined = np.any(same_bad) or (
        not wide and np.any(~np.isfinite(a_o) & ~np.isfinite(b_o)))
    if undefined:
        raise NotFiniteHere(f"{leaf} is nan or inf on both sides")
    eps = max(_eps(a.dtype), _eps(b.dtype))
    eps64 = float(np.finfo(np.float64).eps)
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.maximum(np.abs(a64), np.abs(b64))
        if wide:
            # Conditioning, measured from how far the float32 copy lands from these sides.
            deviation = np.abs(a64 - a_o) + np.abs(b64 - b_o)
            finite = np.isfinite(deviation)
            eps32 = max(_eps(a_o.dtype), _eps(b_o.dtype), eps64)
            if np.any(finite):
                spread = float(np.max(np.where(finite, deviation, 0.0)))
                conditioning = CONDITIONING_SAFETY * (eps64 / eps32) * spread
                source = (f"{CONDITIONING_SAFETY:g} x (eps64 / eps32) x max float32-copy "
                          f"deviation {spread:.2e}")
            else:
                conditioning = UNMEASURED_MULTIPLE * eps64 * float(np.max(magnitude))
                source = (f"{UNMEASURED_MULTIPLE:g} eps64 x max |side| (the float32 copy "
                          "overflowed)")
            floor = RELATIVE_FLOOR * float(np.max(magnitude))
            budget = ROUNDING_MULTIPLE * eps * magnitude + conditioning + floor
            unsure = ~finite | (deviation >= SATURATED * magnitude) | (
                np.abs(a64 - b64) <= UNIT_RESOLUTION)
            budget_source = (f"{ROUNDING_MULTIPLE:g} eps x |side| + {source} + "
                             f"{RELATIVE_FLOOR:g} x max |side| {floor:.2e}")
        else:
            # The float64 sides must agree to the low dtype's rounding scaled to float64...
            deviation = np.abs(a64 - a_o) + np.abs(b64 - b_o)
            spread = float(np.max(np.where(np.isfinite(deviation), deviation, 0.0)))
            side64 = np.maximum(np.abs(a_o), np.abs(b_o))
            budget64 = (ROUNDING_MULTIPLE * eps64 * side64
                        + CONDITIONING_SAFETY * (eps64 / eps) * spread
                        + RELATIVE_FLOOR * float(np.max(side64)))
            gap64 = np.abs(a_o - b_o)
            unsure = (deviation >= SATURATED * side64) | (gap64 <= UNIT_RESOLUTION)
            if np.any(gap64 > budget64):
                return _verdict(prop, chain, order, leaf, a_o, b_o, gap64, budget64,
                                f"{ROUNDING_MULTIPLE:g} eps64 x |side| + "
                                f"{CONDITIONING_SAFETY:g} x (eps64 / eps) x max low-dtype "
                                f"deviation {spread:.2e} + {RELATIVE_FLOOR:g} x max |side|",
                                relation + ", both sides in float64", unsure)
            # ... and the low-dtype sides to the rounding measured at this very point.
            budget = (MEASURED_SAFETY * deviation + ROUNDING_MULTIPLE * eps * magnitude / 8
                      + budget64)
            budget_source = (f"{MEASURED_SAFETY:g} x measured rounding |L - L64| + |R - R64| + "
                             f"{ROUNDING_MULTIPLE / 8:g} eps x |side| + float64 budget")
        gap = np.abs(a64 - b64)
    return _verdict(prop, chain, order, leaf, a64, b64, gap, budget, budget_source, relation,
                    unsure)


def _verdict(prop, chain, order, leaf, a, b, gap, budget, budget_source, relation,
             unsure=None) -> Check:
    """Failed where the gap exceeds the budget; inconclusive where it does so only at elements
    whose rounding could not be measured (``unsure``: the lower precision lost every digit)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        bad = ~(gap <= budget)
        ratio = np.where(budget > 0, gap / budget, np.where(gap > 0, np.inf, 0.0))
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    unsure = np.zeros(np.shape(gap), bool) if unsure is None else np.broadcast_to(
        unsure, np.shape(gap))
    status = FAILED if np.any(bad & ~unsure) else (INCONCLUSIVE if np.any(bad) else PASSED)
    if status == FAILED:
        ratio = np.where(unsure, -1.0, ratio)
    flat = int(np.argmax(ratio))
    index = tuple(int(i) for i in np.unravel_index(flat, a.shape)) if a.shape else ()
    got, want = a[index], b[index]
    scale = abs(complex(want))
    err = float(gap[index]) if np.isfinite(gap[index]) else float("inf")
    note = ""
    if status == INCONCLUSIVE:
        note = ("the rounding of this computation could not be measured here: the other "
                "precision lost every digit, or everything cancelled below float64's resolution")
    elif np.any(bad) and not np.isfinite(got):
        note = f"the left side is {got} where the right side is {want}"
    elif np.any(bad) and not np.isfinite(want):
        note = f"the right side is {want} where the left side is {got}"
    return Check(
        property=prop, mode_chain=chain, order=order,
        status=status, leaf=leaf, index=index or None,
        expected=_item(want), got=_item(got), abs_error=err,
        rel_error=err / scale if scale else (float("inf") if err else 0.0),
        budget=float(budget[index]), budget_source=budget_source,
        oracle="exact identity: " + relation, note=note)


def _item(value):
    value = np.asarray(value)
    return complex(value) if np.iscomplexobj(value) else float(value)
