"""The evidence of one level of a check: oracle estimates along each direction, the measured
rounding of its AD results and the running-error bound that stands in for it when in doubt."""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from harness.computations import _levels
from harness.error_model._budget import ORACLE_RELATIVE_FLOOR, lowest_precision
from harness.judging import _compare, _estimates
from harness.results._report import FAILED, SKIPPED, Check
from harness.verify._oracle_runs import complex_step_clamped, complex_step_size

# Relative rounding grows from one derivative to the next (each one differentiates rounded
# values of the last); on the correct corpus it grew by up to 6x per order, in the float64
# 0.5 (tanh(x / 2) + 1).
INHERITED_GROWTH = 8.0
# Below a few times the smallest normal number, values are subnormal noise.
SUBNORMAL_FLOOR = 4.0


def problem_check(prop: str, chain: str, order: int, piece: str, error: BaseException) -> Check:
    text = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300]}"
    if _levels.mode_unavailable(error):
        return Check(prop, chain, order, SKIPPED, note=f"mode unavailable ({text})")
    return Check(prop, chain, order, FAILED, note=f"computing the {piece.upper()} raised {text}")


class LevelEvidence:
    """What one level's checks are judged on: its AD results, its oracle estimates per
    direction, and the rounding each result may carry (measured, or bounded by the model)."""

    def __init__(self, run, level, ad, problems, pairs, stats, source, tangent, cotangent,
                 parent_relative):
        self.run, self.level = run, level
        self.parent_relative = parent_relative
        self.relative: list = []
        self.ad, self.problems = ad, problems
        self.pairs, self.source = pairs, source
        self.stats = stats
        self.fd = stats[(level.key, "fd")]
        self.cs = stats.get((level.key, "cs"))
        self.t = [np.asarray(v) for v in tangent]
        self.c = [np.asarray(v) for v in cotangent]
        self.spec, self.paths = run.level_spec(level.chain)
        self.role_pairs: dict = {}
        for i, pair in enumerate(pairs):
            self.role_pairs.setdefault(pair[0], []).append(i)
        self.x = [np.asarray(x) for x in run.diff]
        self.measure = "raw"
        self._bounds: dict = {}
        # (piece, name, id of the other side) -> (that side, kept alive; the pairing)
        self._measured_pairings: dict = {}
        # The complex step is exact where fn evaluates every operation accurately at complex
        # points, on its float64 copy, with an imaginary step far below every element.
        self.trusted_step = (self.cs is not None and source == "float64 copy"
                             and run.complex_step_exact.get(level.key, False)
                             and not complex_step_clamped(run.diff))

    # ---- measured rounding, and the model that must agree with it --------------------------

    def bound(self, piece: str) -> list | None:
        """The running-error bound of the AD program of ``piece`` in the caller's dtypes."""
        if piece not in self._bounds:
            run = self.run
            self._bounds[piece] = None if run.eager else _levels.piece_bound(
                run.base, self.level, piece, run.diff, run.fixed, run.inner[self.level.key],
                self.t, self.c, key=run.key)
            if self._bounds[piece] is None:
                self.run.notes.append(
                    f"the rounding of the {self.level.label(piece.upper())} program in "
                    f"{self.precision(None)} could not be bounded (an operation without a rule "
                    "in harness.error_model._running_error): its measured distance to the "
                    "float64 copy counts as rounding, which would also hide a rule wrong only in "
                    "that dtype")
        return self._bounds[piece]

    def measured(self, piece: str, leaf: int, difference) -> np.ndarray | float:
        """The measured-rounding term of one leaf, as the budget may use it.

        ``difference`` is |AD - AD on the float64 copy| (None where there is no copy to
        compare with). ``raw``: as measured; ``none``: not at all; ``model``: the running-error
        bound of the AD program instead, so that neither a rule wrong only in the low dtype
        is excused by its own error nor rounding that nothing measured (x - mean at ties in
        float64) is taken for a bug.
        """
        if self.measure == "none":
            return 0.0
        # Where the float64 copy's AD is not finite (optax's ntxent at equal rows: a norm of
        # 0 there, a tiny one in float32), nothing was measured.
        measured = 0.0 if difference is None else (
            difference if np.all(np.isfinite(difference))
            else np.where(np.isfinite(difference), difference, 0.0))
        if self.measure == "model":
            bounds = self.bound(piece)
            if bounds is not None:
                # A bound that is not finite (0 x inf in its pass) bounds nothing: the
                # measurement stands there.
                bound = np.asarray(bounds[leaf], np.float64)
                return np.where(np.isfinite(bound), bound, measured)
        return measured

    def estimate(self, leaf: int, role) -> _estimates.Estimate:
        """The oracle along one direction: the sum over its parts (``_ladders.split_by_scale``)."""
        cs = None if self.cs is None else self.cs[leaf]
        parts = [_estimates.estimate(self.fd[leaf], cs, p, source=self.source,
                                     complex_step=self.complex_step,
                                     trusted_step=self.trusted_step,
                                     step_disputes=not self.step_clamped)
                 for p in self.role_pairs[role]]
        away = [functools.partial(_estimates.away_from_zero, self.pairs[p][1], self.pairs[p][2])
                for p in self.role_pairs[role]]
        return _estimates.add_estimates(parts, away)

    @functools.cached_property
    def step_clamped(self) -> bool:
        """Whether the complex step's imaginary step is not far below every element."""
        return self.cs is not None and complex_step_clamped(self.run.diff)

    @functools.cached_property
    def complex_step(self) -> float:
        """The imaginary step of the complex step (a pass over the point: found once)."""
        return complex_step_size(self.run.diff)

    def roles(self, kind: str) -> list:
        return [r for r in self.role_pairs if isinstance(r, tuple) and r[0] == kind]

    def precision(self, leaf: int | None):
        dtypes = [x.dtype for x in self.run.diff] + self.run.inside
        if leaf is not None:
            dtypes.append(self.spec[leaf].dtype)
        else:
            dtypes += [s.dtype for s in self.spec]
        return lowest_precision(dtypes)

    def rounding(self, leaf: int, main: _estimates.Estimate) -> _compare.Rounding:
        dtype = self.precision(leaf)
        rel, rel_source = self.run.tolerance.relative(dtype)
        # An estimate that did not converge is no derivative: it sets no scale (1/x at
        # [2.2e-308, 1.5] gave 7e20 +- 6e302 at x[0], whose hundred-millionth, the oracle's
        # floor of the whole leaf, excused a rule 1% wrong at x[1]).
        values = [np.where(e.unconverged, 0.0, np.abs(e.value)) for e in
                  (self.estimate(leaf, r) for r in ["main"] + self.roles("signs"))]
        magnitude = self.stats.get((self.level.key, "magnitude", "x64"))
        if magnitude is not None:
            values.append(np.abs(np.asarray(magnitude[leaf])))
        scale = np.nanmax(np.stack([np.where(np.isfinite(v), v, 0) for v in values]), axis=0)
        if scale.dtype != np.float64:  # estimates beyond float64's range (``_differences.WIDE``)
            scale = np.minimum(scale, np.finfo(np.float64).max).astype(np.float64)
        floor = _compare.output_resolution(main, self.fd[leaf]["second"][0], self.t, self.x)
        difference = None
        jvp, jvp64 = self.ad_result("jvp", "jvp")
        if jvp is not None and jvp64 is not None:
            difference = np.abs(np.asarray(jvp[leaf]) - np.asarray(jvp64[leaf]))
            difference = np.where(np.isfinite(difference), difference, 0.0)
        measured = self.measured("jvp", leaf, difference)
        absolute = self.run.tolerance.absolute(dtype) + SUBNORMAL_FLOOR * float(
            jnp.finfo(dtype).tiny)
        return _compare.Rounding(rel, rel_source, absolute, scale, floor, measured,
                               self.inherited(leaf), oracle_floor=ORACLE_RELATIVE_FLOOR * 10.0 ** (
                                   self.level.order - 1), measured_source=self.measured_source(),
                               trusted=self._floor_capped(main))

    def _floor_capped(self, main: _estimates.Estimate) -> np.ndarray | None:
        """Where the oracle floor is capped per element (``_compare.trusted``): nowhere when
        the AD program's own rounding is judged without a bound (an operation without a rule),
        since float64 AD then loses digits to cancellation that nothing measures (dawsn' at
        x = 1.2e6 is 1 - 2 x D(x) = -3.2e-13, off by 3.5e-4 relative)."""
        if self.measure == "model" and self.bound("jvp") is None:
            return None
        return _compare.trusted(main)

    def measured_source(self) -> str:
        if self.measure == "model" and self.bound("jvp") is not None:
            return "running-error bound of the AD program {:.2e}"
        return _compare.Rounding.measured_source

    def ad_result(self, piece: str, name: str):
        """(AD in the caller's dtypes, AD in the float64 copy) of one piece, or None."""
        here = self.ad.get((self.level.key, piece), {}).get(name)
        there = self.stats.get((self.level.key, piece, "x64"), {}).get(name)
        return here, there

    def measured_pairing(self, piece: str, name: str, other) -> float:
        """|<AD - AD in float64, other>|: the measured rounding of an inner product."""
        if self.measure == "none":
            return 0.0
        if self.measure == "model" and self.bound(piece) is not None:
            return _compare.abs_pairing([np.asarray(b, np.float64) for b in self.bound(piece)],
                                      other)
        key = (piece, name, id(other))
        if key not in self._measured_pairings:  # each judging of the level asks again
            here, there = self.ad_result(piece, name)
            value = 0.0 if here is None or there is None else abs(_compare.pairing(
                [np.asarray(a) - np.asarray(b) for a, b in zip(here, there)], other))
            self._measured_pairings[key] = (other, value if np.isfinite(value) else 0.0)
        return self._measured_pairings[key][1]

    def inherited(self, leaf: int):
        """The relative rounding of the values this level differentiates (0 for ``f``).

        A derivative taken of a value known to relative accuracy r is known no better than r:
        at x = 6, 1 - tanh(x)^2 in float32 has lost 3 digits, and so has every derivative of it.
        """
        parent = self.parent_relative
        if parent is None:
            return 0.0
        shapes = [np.shape(p) for p in parent]
        if shapes == [np.shape(s) for s in self.spec]:
            return INHERITED_GROWTH * parent[leaf]
        return INHERITED_GROWTH * max((float(np.max(p, initial=0.0)) for p in parent), default=0.0)

    def skipped_or_failed(self, prop: str, chain: str, piece: str) -> Check | None:
        error = self.problems.get((self.level.key, piece))
        if error is None:
            return None
        return problem_check(prop, chain, self.level.order, piece, error)
