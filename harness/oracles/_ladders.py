"""Estimates from several ladders of steps, combined: split by scale, merged where one ladder
left an element unresolved, and confirmed by ladders of smaller steps."""

from __future__ import annotations

import numpy as np

from harness.oracles import _differences

SCALE_DECADES = 4


# Elements smaller than this are below the deepest step of the ordinary ladders (about
# 2e-13 |t|), which would step over them: they get parts of their own.
TINY = 1e-10


def split_by_scale(x: list, t: list) -> list[list]:
    """``t`` split into parts whose elements of x are within 10^4 of each other in size,
    counting the elements between ``TINY`` and 1 (and 0) as size 1.

    One step along a direction cannot suit x = 1 and x = 1e13 at once (the large element does
    not move by less than its float spacing), nor x = 1 and x = 1e-30 (steps that suit 1 step
    over the pole of cbrt beside 1e-30, and steps that suit 1e-30 do not move 1), so each part
    gets its own ladder and the directional derivatives, linear in t, are added up.

    >>> [p[0].tolist() for p in split_by_scale([np.array([3.0, 1e-30, 0.0])], [np.ones(3)])]
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    """
    return split_by_classes(scale_classes(x), t)


def scale_classes(x: list) -> list[np.ndarray] | None:
    """The scale class of every element of ``x`` (``split_by_scale``), or None where they all
    share one: the common case, found without a logarithm of every element."""
    if all(np.max(np.abs(v), initial=0.0) < 10.0 ** SCALE_DECADES
           and np.min(np.where(np.asarray(v) != 0, np.abs(v), 1.0), initial=1.0) >= TINY
           for v in x):
        return None
    return [_scale_class(np.abs(np.asarray(v))) for v in x]


def split_by_classes(classes: list[np.ndarray] | None, t: list) -> list[list]:
    """``t`` split into one part per scale class among its nonzero elements."""
    if classes is None:
        return [t]
    found: set[float] = set()
    for cls, d in zip(classes, t):
        # Most elements are of class 0: the others alone are sorted out (np.unique sorts).
        moving, outside = np.asarray(d) != 0, cls != 0
        if np.any(moving & ~outside):
            found.add(0.0)
        found.update(float(c) for c in np.unique(cls[moving & outside]))
    present = sorted(found)
    if len(present) <= 1:
        return [t]
    return [[np.where(cls == c, d, 0) for cls, d in zip(classes, t)] for c in present]


def _scale_class(size: np.ndarray) -> np.ndarray:
    """Each element's class, 0 for sizes in [TINY, 10^4) and for 0; a logarithm is taken of
    the others alone (a few among millions of parameters)."""
    classes = np.zeros(size.shape, np.int8)  # floor(log10 / 4) of a float: within +-80
    outside = ((size > 0) & (size < TINY)) | (size >= 10.0 ** SCALE_DECADES)
    classes[outside] = np.floor(np.log10(size[outside]) / SCALE_DECADES)
    return classes


UNRESOLVED_RELATIVE = 1e-3


# An element's own size counts down to this fraction of the leaf's largest: below it, an
# estimate is taken as a derivative that is 0 up to noise.
OWN_SCALE_FLOOR = 1e-6


def unresolved_elements(leaf: dict) -> np.ndarray:
    """Estimates of a leaf's summary that are missing, or whose error is over 0.1% of their own
    size (counted down to a millionth of the largest in the leaf).

    Relative to the largest alone, log at x = 3e-4 beside x = 1e-6 (a derivative 1e4 times
    smaller) passed as -392 +- 294 from steps that straddle its pole, where it is 1.1e7.
    """
    value, err = leaf["central"], leaf["central_err"]
    finite = np.abs(np.where(np.isfinite(value), value, 0))
    scale = np.maximum(finite, OWN_SCALE_FLOOR * np.max(finite, initial=0.0))
    return ~np.isfinite(value) | ~np.isfinite(err) | (err > UNRESOLVED_RELATIVE * scale)


def merge(old: dict, new: dict) -> dict:
    """Take a smaller ladder's estimates only where the larger one left them unresolved.

    Smaller steps are not better where the larger ones already worked: their rounding error
    is estimated from the function's values, which near a zero of the function understate it.
    """
    out = {}
    for key, value in old.items():
        if len(key) == 3 or key[1] == "cs":
            out[key] = value
            continue
        leaves = []
        for a, b in zip(value, new[key]):
            with np.errstate(divide="ignore", invalid="ignore"):
                # Smaller relative error, or smaller error outright: where the derivative is
                # 0 (flax's BatchNorm, a Hessian row that vanishes), no estimate resolves it
                # relative to itself, and -1.4e-6 +- 5e-8 from steps longer than fn's
                # features would win over 1e-20 +- 5e-15 on relative error alone.
                improves = ((b["central_err"] / np.abs(b["central"])
                             < a["central_err"] / np.abs(a["central"]))
                            | (b["central_err"] < a["central_err"]))
            usable = np.isfinite(b["central"]) & np.isfinite(b["central_err"])
            take = (unresolved_elements(a) & usable
                    & (~np.isfinite(a["central"]) | ~np.isfinite(a["central_err"]) | improves))
            leaves.append(_taking(a, b, take, np.where(take, b["central_err"],
                                                      a["central_err"])))
        out[key] = leaves
    return out


def _taking(a, b, take: np.ndarray, central_err: np.ndarray) -> _differences.Summary:
    """Summary ``a`` with ``b``'s estimates where ``take``, and the error estimates given."""
    ready = {"center": a["center"], "central": np.where(take, b["central"], a["central"]),
             "central_err": central_err}
    if "unconverged" in a:  # a doubt about a's estimate, not about b's
        ready["unconverged"] = a["unconverged"] & ~take
    if "noisy" in a or "noisy" in b:  # whichever estimate is taken keeps its own
        ready["noisy"] = np.where(take, b.get("noisy", False), a.get("noisy", False))
    group = lambda names: (lambda: {name: np.where(take, b[name], a[name]) for name in names})
    sides = group(_differences.SIDES)
    later = {name: sides for name in _differences.SIDES}
    later["second"] = group(("second",))
    return _differences.Summary(ready, later)


def mark_unconverged(stats: dict, rows: dict, probed: dict | None = None, *,
                     reached: bool = False, own: dict | None = None) -> dict:
    """``stats`` with an ``unconverged`` mask in every leaf: the estimates still unresolved of
    the pairs that ``rows`` marks (per level key, one bool per pair run); and a ``flat`` mask,
    those of them whose own-scale steps ``probed`` fn (they were normal numbers), where fn
    changed by no more than its rounding: an AD result that is not finite there is wrong.

    Those are the pairs with an element far below 1, whose ladders on the scale of 1 and on its
    own scale both left it unresolved. Steps far longer than an element's size are evidence
    only where they converge: sum(cbrt(x)) at x = (5.4e14, 3.16, -1e-30) gave -4.8 +- 2 from
    quotients that straddle the pole and grow without bound as the step shrinks, where the
    derivative is 3.3e19 and no step resolves it beside a sum of 8e4. Such an estimate still
    passes an AD result within its error (flax's BatchNorm along weights of 1e-51: Hessian
    entries of -0.02 +- 15 where AD gives 0); beyond it, the check is inconclusive.

    ``own``: the own-scale ladders' estimates; fn is flat only where their differences are
    finite (1/x at 1e-300: every quotient overflows, as its derivative -1e600 does).
    ``reached``: the own-scale steps moved the point even where subnormal (scaled moves).
    """
    for key, leaves in stats.items():
        if len(key) == 3 or key[1] == "cs" or key[0] not in rows:
            continue
        own_leaves = own[key] if own is not None and key in own else [None] * len(leaves)
        for leaf, own_leaf in zip(leaves, own_leaves):
            ndim = np.ndim(leaf["central"])
            unresolved = unresolved_elements(leaf)
            beside = unresolved & _per_pair(rows[key[0]], ndim)
            leaf["flat"] = beside & (
                True if probed is None else _per_pair(probed[key[0]], ndim))
            if own_leaf is not None:
                leaf["flat"] &= np.isfinite(own_leaf["central"])
            # Where the own-scale steps were subnormal (XLA flushes them to zero), no normal
            # step fits beside the element at all: said so in the verdict's note.
            leaf["unprobed"] = beside & (
                False if probed is None or reached else ~_per_pair(probed[key[0]], ndim))
            leaf["unconverged"] = beside | leaf.get("unconverged", False)
    return stats


def mark_in_doubt(noisy: dict, quiet: dict) -> dict:
    """``noisy`` with its estimates marked ``unconverged`` where they are unresolved and the
    ladders without the measured noise, ``quiet``, resolved them."""
    for key, leaves in noisy.items():
        if len(key) == 3 or key[1] == "cs" or key not in quiet:
            continue
        for leaf, other in zip(leaves, quiet[key]):
            doubt = (unresolved_elements(leaf)
                     & ~unresolved_elements(other))
            if np.any(doubt):
                leaf["unconverged"] = doubt | leaf.get("unconverged", False)
    return noisy


def mark_noisy(stats: dict, masks: dict) -> dict:
    """``stats`` with a ``noisy`` mask in every leaf that ``masks`` (``_noise.noisy_elements``)
    covers: estimates whose error comes from fn's measured noise, an estimate not a bound
    (``harness.error_model._budget.NOISE_TAIL``)."""
    for key, leaves in stats.items():
        if key in masks:
            for leaf, mask in zip(leaves, masks[key]):
                leaf["noisy"] = np.broadcast_to(mask, np.shape(leaf["central"])) | leaf.get(
                    "noisy", False)
    return stats


def mark_floored(stats: dict, rows: dict) -> dict:
    """``stats`` with a ``floored`` mask in every leaf: the estimates of the pairs that
    ``rows`` marks (per level key, one bool per pair run), whose ladders began at the spacing
    floor of an element far beyond 1 (``_steps.StepScales``). Their steps are longer
    than the features of an oscillating fn there, whose quotients alias to a stable wrong
    value (sin at 1e15 gave 1.2e-4 +- 6e-9 where its second derivative is -1.41)."""
    for key, leaves in stats.items():
        if len(key) == 3 or key[1] == "cs" or key[0] not in rows:
            continue
        for leaf in leaves:
            leaf["floored"] = np.broadcast_to(_per_pair(rows[key[0]], np.ndim(leaf["central"])),
                                              np.shape(leaf["central"]))
    return stats


def _per_pair(mask, ndim: int) -> np.ndarray:
    """One bool per pair, shaped to broadcast over a leaf of ``ndim`` axes (pairs first)."""
    return np.asarray(mask, bool).reshape((-1,) + (1,) * (ndim - 1))


CONFIRM_SAFETY = 2.0


def _gap_apart(a, b, among=None):
    """|a - b| of two ladders' central estimates, and where it exceeds both error estimates;
    with ``among`` (a ladder's summary), only where ``a`` holds that ladder's estimate."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(a["central"] - b["central"])
        both = np.isfinite(gap) & np.isfinite(a["central_err"]) & np.isfinite(b["central_err"])
        if among is not None:
            both &= (a["central"] == among["central"]) & (a["central_err"] == among["central_err"])
        return gap, both & (gap > CONFIRM_SAFETY * (a["central_err"] + b["central_err"]))


def _leaves(stats: dict, key, among):
    return among[key] if among is not None else [None] * len(stats[key])


def apart(first: dict, second: dict, *, among: dict | None = None) -> bool:
    """Whether some estimate of ``first`` (of those ``among`` gave, if given) and the same
    estimate of the ladder below, ``second``, differ by more than their errors."""
    return any(np.any(_gap_apart(a, b, m)[1])
               for key, value in first.items() if len(key) != 3 and key[1] != "cs"
               for a, b, m in zip(value, second[key], _leaves(first, key, among)))


def confirm(first: dict, second: dict, third: dict, *, among: dict | None = None) -> dict:
    """``first``'s estimates, checked against two ladders of smaller steps
    (``harness.verify._oracle_runs``); with ``among``, only those that ladder gave: an estimate
    that a deeper retry gave is not compared with ladders of longer steps than its own."""
    out = {}
    for key, value in first.items():
        if len(key) == 3 or key[1] == "cs":
            out[key] = value
            continue
        leaves = []
        for a, b, c, m in zip(value, second[key], third[key], _leaves(first, key, among)):
            gap, apart = _gap_apart(a, b, m)
            if not np.any(apart):
                leaves.append(a)
                continue
            deeper_gap, deeper_apart = _gap_apart(b, c)
            take = (apart & ~deeper_apart & np.isfinite(deeper_gap)
                    & ~unresolved_elements(b))
            noise = np.fmax(gap, np.where(np.isfinite(deeper_gap), deeper_gap, 0.0))
            leaves.append(_taking(a, b, take, np.where(take, b["central_err"], np.where(
                apart, np.fmax(a["central_err"], noise), a["central_err"]))))
        out[key] = leaves
    return out


def poorly_resolved(leaves) -> bool:
    """Whether finite differences left some estimate missing or worse than 1e-6 relative."""
    for leaf in leaves:
        value, err = leaf["central"], leaf["central_err"]
        with np.errstate(invalid="ignore"):
            weak = ~np.isfinite(value) | ~np.isfinite(err) | (err > 1e-6 * np.abs(value))
        if np.any(weak):
            return True
    return False


def resolved_or(preferred: dict, fallback: dict) -> dict:
    """The central estimates of ``preferred`` where they are resolved, else ``fallback``'s
    (finite-difference leaves only, as ``{"central", "central_err"}``)."""
    out = {}
    for key, leaves in preferred.items():
        if len(key) == 3 or key[1] == "cs":
            continue
        out[key] = []
        for a, b in zip(leaves, fallback[key]):
            keep = ~unresolved_elements(a)
            out[key].append({name: np.where(keep, a[name], b[name])
                             for name in ("central", "central_err")})
    return out


def unresolved(stats: dict) -> bool:
    for key, leaves in stats.items():
        if len(key) == 3 or key[1] == "cs":
            continue
        for leaf in leaves:
            missing = unresolved_elements(leaf)
            if np.any(missing & np.isfinite(leaf["center"])):
                return True
    return False
