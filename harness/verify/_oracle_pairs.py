"""The (point, direction) pairs of one level of a check: the tangent, its sign-flipped copies
and unit vectors, each split into parts by the scale of x, as the oracle's program takes them.
"""

from __future__ import annotations

import numpy as np

from harness.inputs import _directions
from harness.inputs._arguments import float64_twin
from harness.oracles import _ladders

BASIS_LIMIT = 16


def oracle_pairs(run, level, tangent, x64=None):
    """(role, point, direction, twin) for every directional derivative the oracle computes.

    ``twin`` is the index of the pair whose direction has the same magnitude element by
    element (a sign flip, a rotation by i, a padding part share their tangent's): its
    first step (``_steps.first_step``) serves both, found in one pass over the point.
    """
    if x64 is None:
        x64 = [np.asarray(x).astype(float64_twin(x.dtype)) for x in run.diff]
    t64 = [np.asarray(t).astype(float64_twin(t.dtype), copy=False) for t in tangent]
    classes = _ladders.scale_classes(x64)
    main_parts = _ladders.split_by_classes(classes, t64)
    # A sign flip or a rotation of t keeps each element's scale class: its parts are those
    # of t, flipped or rotated, without splitting it again.
    split = [("main", main_parts)]
    rng = _directions.generator(run.seed, "signs", level.key)
    n_real = sum(np.size(x) * (2 if np.iscomplexobj(x) else 1) for x in x64)
    for k in range(2 if n_real > 1 else 0):  # one real input has no cancellation to expose
        signs = _directions.signs_like(rng, t64)
        split.append((("signs", k), [_directions.Flipped(part, signs)
                                      for part in main_parts]))
    if run.holomorphic and not level.chain:
        split.append(("cauchy_riemann", [[1j * t for t in part] for part in main_parts]))
    spec, _ = run.level_spec(level.chain)
    if len(spec) == 1 and np.size(spec[0]) == 1 and 1 < n_real <= BASIS_LIMIT:
        for j, x in enumerate(x64):
            for k in range(np.size(x)):
                for unit in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
                    basis = [np.zeros_like(v) for v in x64]
                    basis[j].reshape(-1)[k] = unit
                    split.append((("basis", j, k, unit), [basis]))
    # The oracle's program is traced for the number of pairs and where the sign flips sit
    # among them: every direction but the unit vectors (one part each) gets the same number
    # of parts, a power of two, the missing ones copies of its first part (role "pad", not
    # used), so that a new point of the same shapes split otherwise runs the same program.
    widest = max(len(parts) for role, parts in split if not _is_basis(role))
    parts_each = 1 << (widest - 1).bit_length()
    pairs = []
    for role, parts in split:
        for i in range(len(parts) if _is_basis(role) else parts_each):
            part = min(i, len(parts) - 1)
            twin = len(pairs) if _is_basis(role) or role == "main" and i == part else part
            pairs.append((role if i < len(parts) else ("pad", role), x64, parts[part], twin))
    return pairs


def program_direction(direction) -> list:
    """A pair's direction as the oracle's program takes it: a flipped tangent by its signs
    alone (the program flips its twin's direction, ``flipped_pairs``)."""
    if isinstance(direction, _directions.Flipped):
        return direction.signs
    return list(direction)


def flipped_pairs(pairs) -> tuple:
    """(pair, twin) for each pair whose direction is its twin's flipped (``oracle_pairs``):
    the program receives its signs, and flips its twin's direction by them."""
    return tuple((i, p[3]) for i, p in enumerate(pairs)
                 if isinstance(p[2], _directions.Flipped))


def _is_basis(role) -> bool:
    return isinstance(role, tuple) and role[0] == "basis"


def is_sign_flip(role) -> bool:
    """Whether a pair's role is a sign-flipped tangent (or its padding): pairs that only
    estimate magnitudes, skipped where the running-error pass gives them."""
    if isinstance(role, tuple) and role[0] == "pad":
        role = role[1]
    return isinstance(role, tuple) and role[0] == "signs"
