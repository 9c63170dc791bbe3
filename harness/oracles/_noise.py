"""fn's own noise at the point: the rounding floor of its finite differences, measured.

Finite differences assume that each evaluation of fn is off by about ``eps |f|``. Cancellation
inside fn breaks that: ``gammaln(det(I + E))`` at E ~ 1e-16 is about 1e-16, but det rounds to
``1 +- eps``, so every evaluation is off by about eps, 1e16 times more, and an oracle that
trusts ``eps |f|`` claims an error of 1e-15 where it is off by 1e-4 relative. An iterative
solver's stopping error is noise of the same kind. Here the noise is measured by the oracle's
own compiled program at equally spaced tiny offsets, checked against the estimates the ladders
give, and turned into notes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from harness.oracles import _steps

# The probe: h on 2 LADDER_LEVELS + 1 equally spaced points, this many halvings below
# the ladder's first step apart; its high-order differences are h's noise (Moré and Wild's
# ECnoise), checked at twice the spacing, where noise stays and smooth terms grow 2^order.
NOISE_SPACING = 12
NOISE_ORDER = 6
NOISE_SIGNATURE = 4.0


# A second probe spans the ladder's own steps: a solver's stopping error changes where its
# iteration count does, which tiny offsets never cross (optimistix's BFGS: 1e-13 of noise at
# 2^-12 of the first step, 1e-11 at 2^-4, enough to move its central differences by 2.5e-9).
WIDE_SPACING = 4


def noise_steps(first: float, *, spacing: int = NOISE_SPACING) -> np.ndarray:
    """The probe's offsets below a ladder whose first step is ``first``
    (``_steps.first_step``): delta, 2 delta, ..., LADDER_LEVELS delta, with delta
    ``spacing`` halvings below it."""
    delta = first * 2.0 ** -spacing
    return delta * np.arange(1, _steps.LADDER_LEVELS + 1, dtype=np.float64)


def wide_noise_steps(first: float) -> np.ndarray:
    """The offsets of the probe that spans the ladder's steps."""
    return noise_steps(first, spacing=WIDE_SPACING)


@dataclasses.dataclass
class Floor:
    """fn's measured noise as the rounding floor of the finite differences, per step.

    Noise is measured on a scale: a probe sees what lies within the offsets it spans. Steps
    within the tiny offsets' span get ``near``, their noise; longer steps ``far``, the larger
    of both probes'. floor_divide at -19.999 has a jump 1e-3 away: the wide probe spans it
    and measured 0.25 of "noise", which as the floor of every step hid the exact 0 of the
    ladder below the jump behind an error of 1e3 and kept -29.7 +- 7.4 from steps across it.
    ``spans`` holds the tiny probe's largest offset per level key and pair run.
    """

    near: dict
    far: dict
    spans: dict

    def at(self, key, leaf: int, steps: np.ndarray) -> np.ndarray:
        """The floor of one leaf at ``steps`` (pairs, levels): (pairs, levels, ...)."""
        near, far = np.asarray(self.near[key][leaf]), np.asarray(self.far[key][leaf])
        within = steps <= self.spans[key[0]][:, None]
        within = within.reshape(within.shape + (1,) * (near.ndim - 1))
        return np.where(within, near[:, None], far[:, None])

    def __bool__(self) -> bool:
        return bool(self.far)


def floor(near: dict, wide: dict | None, probe: dict, probe_steps: dict) -> Floor:
    """The ``Floor`` of the tiny offsets' noise ``near`` and the wide probe's ``wide``."""
    spans = {k: probe_steps[k][np.asarray(probe[(k, "pairs", "x64")])][:, -1]
             for k in probe_steps}
    return Floor(near, near if wide is None else larger(near, wide), spans)


def larger(a: dict, b: dict) -> dict:
    """The larger of two noise measurements, per key, leaf and element."""
    return {key: [np.maximum(u, v) for u, v in zip(leaves, b[key])] if key in b else leaves
            for key, leaves in a.items()}


def _difference_noise(line: np.ndarray) -> np.ndarray:
    """ECnoise's estimate from equally spaced values along axis 1 (points)."""
    k = NOISE_ORDER
    differences = np.diff(line, n=k, axis=1)
    gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
    return np.sqrt(gamma * np.mean(np.abs(differences) ** 2, axis=1))


def evaluation_noise(values: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """The error of one evaluation of h at the point, measured, per (pair, element).

    ``values`` is (pairs, 2 levels + 1, ...) at the offsets of ``noise_steps`` (then their
    negatives, then 0), ``moved`` their ``displacement_error`` (pairs, levels). The noise is
    rounding amplified by cancellation inside h (``gammaln(det(I + E))`` at E ~ 1e-16, where
    det rounds to 1 +- eps: every evaluation is off by about eps while h is 1e-16), or an
    iterative solver's stopping error. Where the estimate does not keep its size at twice the
    spacing (smooth terms, not noise), or the offsets do not move x as asked, it is 0.

    >>> s = 1e-6 * np.arange(1, 11)
    >>> values = lambda h: np.concatenate([h(s), h(-s), h(np.zeros(1))])[None]
    >>> float(evaluation_noise(values(np.sin), np.zeros((1, 10)))[0]) < 1e-17
    True
    >>> rough = values(np.sin) + 1e-12 * np.random.default_rng(0).standard_normal((1, 21))
    >>> 3e-13 < float(evaluation_noise(rough, np.zeros((1, 10)))[0]) < 3e-12
    True
    """
    m = moved.shape[1]
    with np.errstate(invalid="ignore", over="ignore"):
        line = np.concatenate([values[:, m : 2 * m][:, ::-1], values[:, 2 * m :],
                               values[:, :m]], axis=1)
        fine, coarse = _difference_noise(line), _difference_noise(line[:, ::2])
        noise = np.where(coarse <= NOISE_SIGNATURE * fine, fine, 0.0)
    unmoved = np.max(moved, axis=1) > 1e-6
    noise = np.where(unmoved.reshape(unmoved.shape + (1,) * (noise.ndim - 1)), 0.0, noise)
    return np.where(np.isfinite(noise), noise, 0.0)


# A probe whose own slope disagrees with the ladders' estimate by more than this many times
# its noise spans a feature of fn (a pole at 1e-8 from x): it measured that, not noise.
CONSISTENCY = 4.0


def measured(probe: dict, probe_steps: dict, moves: dict) -> dict:
    """The noise of every finite-difference leaf of a probe run: key -> one array per leaf.

    ``moves`` holds the ``_steps.MoveErrors`` of every pair, per level.
    """
    noise = {}
    for key, value in probe.items():
        if len(key) == 2 and key[1] == "fd":
            k = key[0]
            used = np.asarray(probe[(k, "pairs", "x64")])
            moved = np.stack([moves[k][i](probe_steps[k][i]) for i in used])
            noise[key] = [evaluation_noise(np.asarray(v), moved) for v in value]
    return noise


def consistent(noise: dict, probe: dict, probe_steps: dict, estimates: dict) -> dict:
    """``noise`` with 0 wherever the probe's own slope contradicts the ladders' estimate."""
    out = {}
    for key, leaves in noise.items():
        used = np.asarray(probe[(key[0], "pairs", "x64")])
        s = probe_steps[key[0]][used][:, -1]
        kept = []
        for n, v, summary in zip(leaves, probe[key], estimates[key]):
            v = np.asarray(v)
            wide = s.reshape(s.shape + (1,) * (v.ndim - 2))
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                slope = _probe_slope(v) / wide
                central = np.asarray(summary["central"])
                allowed = (CONSISTENCY * SLOPE_NOISE * n / wide
                           + np.asarray(summary["central_err"]) + 1e-6 * np.abs(central))
                ok = np.abs(slope - central) <= allowed
            kept.append(np.where(ok, n, 0.0))
        out[key] = kept
    return out


def _slope_weights(levels: int) -> np.ndarray:
    """Weights ``w_k`` (k = 1..levels) of the least-squares cubic's slope through the probe's
    2 levels + 1 equally spaced values, in units of the widest offset: the slope is
    ``sum_k w_k (h(k delta) - h(-k delta))``. The cubic takes up the step-squared truncation
    of central differences (tanh'' at 6.7 has 3e-11 of it at the widest offset alone, more
    than the 4e-13 of noise it is compared against)."""
    u = np.arange(-levels, levels + 1) / levels
    row = np.linalg.pinv(np.vander(u, 4, increasing=True))[1]
    return row[levels + 1:]


_SLOPE_WEIGHTS = _slope_weights(_steps.LADDER_LEVELS)
# The standard deviation of that slope where each value is off by noise n: SLOPE_NOISE n over
# the widest offset (0.91; the two-point extrapolation from the widest offset and half of it,
# used before, has 1.9 and failed a right gammaln(det(I + E)), whose slope the least-squares
# fit through all 21 values matched to half its noise).
SLOPE_NOISE = float(np.sqrt(2 * np.sum(_SLOPE_WEIGHTS ** 2)))


def _probe_slope(values: np.ndarray) -> np.ndarray:
    """The least-squares slope of a probe's values (pairs, 2 levels + 1, ...), times its
    widest offset (``_slope_weights``)."""
    m = _SLOPE_WEIGHTS.shape[0]
    slope = np.zeros(values[:, 0].shape, np.result_type(values.dtype, np.float64))
    for k, weight in enumerate(_SLOPE_WEIGHTS):
        slope += weight * (values[:, k] - values[:, m + k])
    return slope


# Noise below this many times eps |f| is what the ladders assume already.
SIGNIFICANT = 16.0


def significant(noise: dict, probe: dict, eps: float) -> dict:
    """``noise`` where some element is far above ``eps |f|``, else {} (nothing to redo)."""
    found = False
    for key, leaves in noise.items():
        for n, v in zip(leaves, probe[key]):
            found |= bool(np.any(np.asarray(n, np.float64) > SIGNIFICANT * eps * _scale(v)))
    return noise if found else {}


def noisy_elements(noise: dict, probe: dict, eps: float) -> dict:
    """Per key, one mask per leaf (pairs, elements...): where the noise is far above
    ``eps |f|`` and so sets the error of the finite differences."""
    return {key: [np.asarray(n, np.float64) > SIGNIFICANT * eps * _scale(v)
                  for n, v in zip(leaves, probe[key])] for key, leaves in noise.items()}


def _scale(v) -> np.ndarray:
    """max |h| over the probe's points, per (pair, element)."""
    v = np.asarray(v)
    return np.max(np.abs(np.where(np.isfinite(v), v, 0)), axis=1).astype(np.float64)


# Measured noise this many times eps |f| is worth a note.
NOISY_EVALUATION = 1e3


def notes(noise: dict, probe: dict, root, paths: Sequence[str], eps: float) -> list[str]:
    """A note per output leaf of fn whose noise is far above the rounding of its value."""
    found = []
    for path, v, n in zip(paths, probe.get((root, "fd"), ()), noise.get((root, "fd"), ())):
        worst = float(np.max(np.asarray(n, np.float64) / np.maximum(eps * _scale(v), 1e-300),
                             initial=0.0))
        if worst > NOISY_EVALUATION:
            found.append(
                f"fn is noisy here: evaluations of {path} are off by up to "
                f"{float(np.max(n)):.1e}, {worst:.0e} times eps |{path}| (cancellation inside "
                "fn, a solver's tolerance, or a kink or jump within the offsets of the noise "
                "probes); the finite differences are judged with that noise")
    return found
