"""Where a failed inner product went wrong: the leaf and the element of a many-input check.

A scalar function of many inputs (a loss over a model's parameters) is checked along one
random direction ``t``: the failure says only that ``<grad, t>`` and the oracle's ``J t``
differ. Both sides are linear in ``t``, so the mismatch splits over any partition of the
input: restricted to each leaf, and then to halves of the worst leaf, down to one element.
Each restriction costs one stencil of the float64 copy, run by one compiled program whose
direction and steps are inputs.

Example:
    >>> import numpy as np, jax, jax.numpy as jnp, harness
    >>> @jax.custom_vjp
    ... def f(x):
    ...     return jnp.sin(x)
    >>> f.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (g * jnp.cos(x).at[7].mul(1.01),))
    >>> x = np.linspace(0.1, 2.0, 40)
    >>> report = harness.check(lambda p: jnp.sum(f(p["w"])) + jnp.sum(p["b"] ** 2),
    ...                        ({"w": x, "b": x[:3]},))
    >>> "args[0]['w'] at [7]" in report.failures[0].note
    True
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from harness.computations import _compiled, _levels
from harness.error_model._budget import ORACLE_SAFETY, lowest_precision
from harness.inputs._arguments import float64_twin
from harness.judging import _compare
from harness.oracles import _differences, _ladders, _steps
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, Check

# The inner products a scalar-output check compares along one direction for all inputs.
LOCATED = {("grad_matches_oracle", "<grad, t> vs J t"),
           ("vjp_matches_oracle", "<vjp(c), t> vs <c, J t>")}
MAX_LEAVES = 64  # more leaves than this are grouped by halves as elements are
LADDER_TRIES = 2
# A part's oracle resolves it when its error is at most this fraction of its value.
RESOLVED = 1e-6
# How the note of a VJP check begins whose infinities ``judged_apart_from_infinities`` found
# beyond the dtype's range, each with AD's sign (the correctly rounded values).
INFINITIES_BEYOND_RANGE = "<vjp(c), t> is not finite: vjp(c) is inf at"


def applies(run, check: Check) -> bool:
    """Whether ``check`` failed on an inner product over more than one input element."""
    n = sum(np.size(x) for x in run.diff)
    return check.status == FAILED and (check.property, check.leaf) in LOCATED and n > 1


@dataclasses.dataclass(frozen=True)
class _Part:
    """The mismatch of the inner product restricted to part of the input."""

    ad: float
    oracle: float
    budget: float
    error: float = 0.0  # the oracle's own error estimate

    def relative_error(self) -> float:
        """The oracle's error relative to its value; inf where either is not finite."""
        with np.errstate(divide="ignore", invalid="ignore"):
            found = abs(self.error) / abs(self.oracle)
        return float(found) if np.isfinite(found) else float("inf")

    @property
    def resolved(self) -> bool:
        """Whether the oracle's error is at most ``RESOLVED`` of its value (or both are 0)."""
        return self.error == 0 or self.relative_error() <= RESOLVED

    @property
    def ratio(self) -> float:
        error = abs(self.ad - self.oracle)
        if not np.isfinite(error):
            return float("inf")
        return error / self.budget if self.budget > 0 else (float("inf") if error else 0.0)


class _Restricted:
    """The AD side and the oracle of ``<a, t>`` with ``t`` restricted by a mask."""

    def __init__(self, run, level, ad_side, t, c):
        self.run, self.level = run, level
        self.a = [np.asarray(v, np.result_type(v, np.float64)) for v in ad_side]
        self.t = [np.asarray(v, np.result_type(v, np.float64)) for v in t]
        self.c = [np.asarray(v).astype(float64_twin(np.asarray(v).dtype)) for v in c]
        self.x = [np.asarray(x).astype(float64_twin(x.dtype)) for x in run.diff]
        self.fixed = [np.asarray(x) for x in run.fixed]
        # Each inner direction is a list of leaves (a cotangent of every output of a
        # function of several): converted leaf by leaf, never stacked into one array.
        self.inner = [[np.asarray(v).astype(float64_twin(np.asarray(v).dtype)) for v in d]
                      for d in run.inner[level.key]]
        self.rel, _ = run.tolerance.relative(
            lowest_precision([x.dtype for x in run.diff] + list(run.inside)))
        self.program = _compiled.PROGRAMS.get(
            None if run.key is None else ("locate", level.key) + run.key, self._program)

    def _program(self):
        base, level, eager = self.run.python_base, self.level, self.run.eager

        def values(x, fixed, inner, c, t, steps):
            """<c, h(x + s t) - h(x)> at each offset, and the sum of |c h(x + s t)| over
            the outputs that move: one that the part's t leaves alone adds an exact 0 and
            none of its rounding (gamma' near 1e307 at 171 beside the part at -0.5). h(x) is
            the stencil's own offset 0, evaluated by the same code as the others."""
            h = _levels.level_function(base, level, fixed, inner)
            value = scale = 0.0
            for ci, out in zip(c, _differences.stencil(h, x, t, steps, eager=eager)):
                moved = out - out[-1]
                axes = tuple(range(1, out.ndim))
                value = value + jnp.sum(jnp.real(ci * moved), axis=axes)
                scale = scale + jnp.sum(jnp.where(moved != 0, jnp.abs(ci * out), 0.0),
                                        axis=axes)
            return value, scale

        return values if eager else _compiled.compiled(values)

    def part(self, masks: list, *, own_scale: bool = False) -> _Part:
        """The mismatch along ``t`` restricted to ``masks``; ``own_scale``: steps on the
        scale of the smallest element that moves (``_steps.own_scale_first_step``)."""
        t = [ti * m for ti, m in zip(self.t, masks)]
        # Over the elements in the part alone: an AD result that is inf elsewhere is no term.
        inside = ([a[m != 0] for a, m in zip(self.a, masks)],
                  [ti[m != 0] for ti, m in zip(self.t, masks)])
        ad = _compare.pairing(*inside)
        first = _steps.own_scale_first_step(self.x, t) if own_scale else None
        best, below = None, None
        for attempt in range(LADDER_TRIES):
            if below is not None:
                steps = _steps.steps_below(below)
            elif first is None:
                steps = _steps.ladder(self.x, t, start=attempt * _steps.LADDER_LEVELS)
            else:
                steps = _steps.steps_below(first, start=attempt * _steps.LADDER_LEVELS)
            with jax.enable_x64(True):
                raw, scale = (np.asarray(v, np.float64) for v in jax.device_get(self.program(
                    self.x, self.fixed, self.inner, self.c, t, steps)))
            # fn leaves its range at the larger steps (gamma' beyond x = 171.3): the next
            # ladder begins below the smallest of them, not a whole ladder deeper.
            n = len(steps)
            left = ~np.isfinite(raw[:n]) | ~np.isfinite(raw[n:2 * n])
            below = (steps[np.flatnonzero(left)[-1]] / 2
                     if np.any(left) and not left[-1] and np.isfinite(raw[-1]) else None)
            eps = float(np.finfo(raw.dtype).eps)
            # Each moved output rounds, and so does its difference from the center.
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                summary = _differences.summarize_stencil(
                    raw, steps, eps, _steps.displacement_error(self.x, t, steps),
                    bounds=2 * eps * scale)
            value, error = float(summary["central"]), float(summary["central_err"])
            if best is None or error < best[1]:
                best = (value, error)
            if np.isfinite(error) and error <= RESOLVED * abs(value):
                break
        value, error = best
        budget = (ORACLE_SAFETY * error
                  + self.rel * (_compare.abs_pairing(*inside) + abs(value)))
        return _Part(ad, value, budget, error)


def located(run, level, check: Check, ad: dict, tangent, cotangent) -> Check:
    """``check`` with a note that names the leaf and the element where its mismatch lies.

    For a scalar output the VJP is the gradient times its cotangent: one search serves both.
    """
    piece = "grad" if check.property == "grad_matches_oracle" else "vjp"
    scalar = (level.key, "grad") in ad
    key = (level.key, "scalar" if scalar else piece)
    found = run.located.get(key)
    if found is None:
        use = "grad" if scalar else piece
        result = ad.get((level.key, use), {}).get(use)
        if result is None:
            return check
        c = cotangent if use == "vjp" else [np.ones(np.shape(v), np.asarray(v).dtype)
                                            for v in cotangent]
        try:
            found = _locate(_Restricted(run, level, result, tangent, c),
                            run.arguments.diff_paths)
        except Exception as error:  # noqa: BLE001 - the verdict stands; only the pointer is lost
            found = (f"the mismatch could not be located ({type(error).__name__}: "
                     f"{str(error)[:120]})")
        run.located[key] = found
    note = f"{check.note}; {found}" if check.note else found
    return dataclasses.replace(check, note=note)


def _locate(restricted: _Restricted, paths) -> str:
    shapes = [np.shape(x) for x in restricted.x]
    sizes = [int(np.prod(s)) for s in shapes]
    leaf_mask = lambda j: [np.ones(s) if i == j else np.zeros(s) for i, s in enumerate(shapes)]
    moving = [j for j, n in enumerate(sizes) if n]
    leaf_parts = {}
    if len(moving) > 1:
        if len(moving) <= MAX_LEAVES:
            leaf_parts = {j: restricted.part(leaf_mask(j)) for j in moving}
            worst = max(leaf_parts, key=lambda j: leaf_parts[j].ratio)
        else:
            worst = _bisect(restricted, moving,
                            lambda group: _union(leaf_mask, group, shapes))[0]
    else:
        worst = moving[0]

    def element_mask(indices):
        mask = np.zeros(sizes[worst])
        mask[list(indices)] = 1.0
        masks = [np.zeros(s) for s in shapes]
        masks[worst] = mask.reshape(shapes[worst])
        return masks

    element = _bisect(restricted, list(range(sizes[worst])), element_mask)[0]
    single = restricted.part(element_mask([element]))
    index = list(map(int, np.unravel_index(element, shapes[worst]))) if shapes[worst] else []
    t_k = restricted.t[worst].reshape(-1)[element]
    where = paths[worst] + (f" at {index}" if index else "")
    if single.ratio <= 1:
        text = (f"the mismatch lies in {paths[worst]} but in no single element of it beyond "
                f"its budget: it spreads thin, or cancels (halving led to {where}, "
                f"error/budget {single.ratio:.3g})")
    elif t_k != 0 and not np.iscomplexobj(t_k):  # the partial derivative itself
        text = (f"the mismatch lies in {where}, whose partial derivative AD gives as "
                f"{single.ad / t_k:.10g} and the oracle as {single.oracle / t_k:.10g} "
                f"(error/budget {single.ratio:.3g})")
    else:
        text = (f"the mismatch lies in {where}: along t restricted to it, AD gives "
                f"{single.ad:.10g} and the oracle {single.oracle:.10g} "
                f"(error/budget {single.ratio:.3g})")
    if leaf_parts:
        others = [(paths[j], p.ratio) for j, p in leaf_parts.items() if j != worst]
        wrong = [f"{path} ({ratio:.3g})" for path, ratio in others if ratio > 1]
        if wrong:
            text += "; other leaves off too: " + ", ".join(wrong)
        else:
            text += "; the other leaves agree within their budgets"
    return text


def _union(leaf_mask, group, shapes):
    masks = [np.zeros(s) for s in shapes]
    for j in group:
        masks[j] = leaf_mask(j)[j]
    return masks


def _bisect(restricted: _Restricted, items: list, mask_of) -> list:
    """Halve ``items`` toward the half whose restricted mismatch is the worst, to one item."""
    while len(items) > 1:
        halves = (items[: len(items) // 2], items[len(items) // 2:])
        parts = [restricted.part(mask_of(h)) for h in halves]
        items = halves[0] if parts[0].ratio >= parts[1].ratio else halves[1]
    return items


MAX_INFINITE = 16  # infinite elements of vjp(c) judged one by one, at most


def judged_apart_from_infinities(run, level, check: Check, vjp, tangent, cotangent) -> Check:
    """An inconclusive ``<vjp(c), t>`` check judged again in parts, where ``vjp(c)`` holds
    infinities (each the correctly rounded value of an element beyond the dtype's range) whose
    terms of both signs make the inner product nan: 1/x at x = (1e-30, 1.0000001e-30) in
    float32, whose VJP is about 1e60 per element.

    Also a failed one: an element beyond the range times a small t_k is finite, and the
    inner product of AD's correctly rounded infinity with t is not (boxcox(x, -0.025) at x =
    1.2e-38 in float32, whose derivative in x is 7.9e38).

    Each infinite element is judged alone (the oracle's ``<c, J e_k>``, found as
    ``<c, J e_k> t_k / t_k``, must be beyond the dtype's range, with AD's sign), the finite
    elements together as the inner product they form. All agree: passed. An infinity of the
    other sign: failed. Otherwise the check stands.
    """
    flat = [np.asarray(v).reshape(-1) for v in vjp]
    infinite = [(j, int(k)) for j, v in enumerate(flat) for k in np.flatnonzero(np.isinf(v))]
    if (not infinite or len(infinite) > MAX_INFINITE or any(np.any(np.isnan(v)) for v in flat)
            or any(np.iscomplexobj(v) for v in flat)):
        return check
    try:
        restricted = _Restricted(run, level, vjp, tangent, cotangent)
        shapes = [np.shape(x) for x in restricted.x]

        def mask(chosen, *, inverted=False):
            masks = [np.full(s, 1.0 if inverted else 0.0) for s in shapes]
            for j, k in chosen:
                masks[j].reshape(-1)[k] = 0.0 if inverted else 1.0
            return masks

        largest = min(_compare.dtype_largest(v) for v in flat)
        for j, k in infinite:
            t_k = abs(float(restricted.t[j].reshape(-1)[k]))
            if t_k == 0:
                continue
            # On the element's own scale (the point far below 1 beside larger ones), or on
            # the ladder's where that resolves it better (gamma'' at 171, where steps of the
            # element's size leave float64's range).
            part = restricted.part(mask([(j, k)]), own_scale=True)
            if not part.resolved:
                part = min(part, restricted.part(mask([(j, k)])), key=_Part.relative_error)
            beyond = (abs(part.oracle) - ORACLE_SAFETY * part.error) / t_k > largest
            if not beyond:
                return check
            if np.sign(part.ad) != np.sign(part.oracle):
                return dataclasses.replace(check, status=FAILED, note=(
                    f"AD's vjp(c) is {flat[j][k]} at {run.arguments.diff_paths[j]}[{k}] (flat "
                    f"index), where <c, J e_k> t_k is {part.oracle:.4g}: an infinity of the "
                    "other sign"))
        rest = _by_scale(restricted, mask(infinite, inverted=True))
    except Exception:  # noqa: BLE001 - the inconclusive verdict stands
        return check
    if rest.ratio > 1:
        return check
    if not rest.resolved and rest.error > RESOLVED * abs(rest.ad):
        # The other elements' inner product does not resolve (gamma'' at 171 beside -0.5:
        # fn's outputs near 1e307 round the sum of the others away): their budget says
        # nothing, so no pass; the infinities alone made the failure, which does not stand.
        return dataclasses.replace(check, status=INCONCLUSIVE, note=(
            f"{INFINITIES_BEYOND_RANGE} {len(infinite)} element(s) whose "
            f"<c, J e_k> lies beyond the dtype's largest number ({largest:.3g}) with AD's "
            "sign, each judged alone; the inner product over the other elements is not "
            f"resolved (the oracle's error {rest.error:.2e} against {abs(rest.oracle):.2e})"))
    return dataclasses.replace(check, status=PASSED, note=(
        f"{INFINITIES_BEYOND_RANGE} {len(infinite)} element(s) whose "
        f"<c, J e_k> lies beyond the dtype's largest number ({largest:.3g}) with AD's sign, "
        f"each judged alone; over the other elements error/budget {rest.ratio:.3g}"))


def _by_scale(restricted: _Restricted, masks: list) -> _Part:
    """``restricted.part(masks)`` summed over the scale classes of the elements it moves
    (``_ladders.split_by_classes``), the parts of elements far below 1 on their own scale:
    steps on the scale of the others would carry them across 0."""
    classes = _ladders.scale_classes(restricted.x)
    parts = _ladders.split_by_classes(classes, masks)
    if len(parts) == 1:
        return restricted.part(masks)
    found = []
    for part in parts:
        tiny = all(np.all(np.abs(x[np.asarray(m) != 0]) < _ladders.TINY)
                   for x, m in zip(restricted.x, part))
        found.append(restricted.part(part, own_scale=tiny))
    return _Part(sum(p.ad for p in found), sum(p.oracle for p in found),
                 sum(p.budget for p in found), sum(p.error for p in found))
