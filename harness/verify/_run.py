"""One call of ``harness.check``: the plan of levels, the directions, the AD programs and the
oracle runs, and each level handed to its judge."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from harness.computations import _compiled, _levels
from harness.error_model import _running_error
from harness.inputs import _directions
from harness.inputs._arguments import float64_twin, leaf_function
from harness.results._report import PASSED, SKIPPED, Check
from harness.verify import _locate
from harness.verify._level_evidence import LevelEvidence, problem_check
from harness.verify._level_judge import LevelJudge
from harness.verify._oracle_runs import run_oracle


class NotFinite(Exception):
    """fn is nan or inf at the point."""


SHOWN_ELEMENTS = 5


def _not_finite_elements(path: str, value: np.ndarray) -> str:
    """Which elements of one output leaf are nan or inf, e.g. "out at [2], [4] is nan"."""
    where = np.argwhere(~np.isfinite(value))
    if value.ndim == 0:
        return f"{path} is {value}"
    shown = ", ".join(str(list(map(int, i))) for i in where[:SHOWN_ELEMENTS])
    more = f" and {len(where) - SHOWN_ELEMENTS} more" if len(where) > SHOWN_ELEMENTS else ""
    kinds = sorted({"nan" if np.isnan(value[tuple(i)]) else "inf" for i in where})
    return f"{path} at {shown}{more} is {' or '.join(kinds)}"


def avals(leaves) -> tuple:
    """(shape, dtype) of each leaf: the part of a program's cache key that JAX traces on."""
    return tuple((tuple(x.shape), str(x.dtype)) for x in leaves)


class Run:
    """One call of ``check``: the plan, the directions, the programs and the verdicts."""

    def __init__(self, fn, arguments, keep, out_paths, out_leaves, diff, fixed, order, modes,
                 holomorphic, tolerance, seed, eager, closed=None, *, replay=True,
                 accuracy="fail"):
        self.accuracy = accuracy  # "fail" or "note": how a derivative that lost accuracy shows
        self.arguments, self.diff, self.fixed = arguments, diff, fixed
        self.out_paths, self.out_leaves = out_paths, out_leaves
        self.order, self.modes, self.holomorphic = order, modes, holomorphic
        self.tolerance, self.seed = tolerance, seed
        self.notes: list[str] = []
        # level key -> whether its complex step is exact; set where the oracle runs one
        self.complex_step_exact: dict[str, bool] = {}
        self.located: dict = {}  # where failed inner products went wrong (``_locate``)
        self.levels = _levels.levels_for(order, modes)
        try:
            hash(fn)
            self.key = (fn, arguments.treedef, arguments.kinds, arguments.static_key,
                        tuple(keep), order, modes, holomorphic,
                        avals(diff) + avals(fixed), replay)
        except TypeError:
            self.key = None
        keep_t = tuple(keep)
        flat = leaf_function(fn, arguments)

        def base(xs, fx):
            outs = flat(xs, fx)
            return [outs[i] for i in keep_t]

        self.python_base = base
        self.replay = replay
        self.base = base if eager or not replay else _compiled.PROGRAMS.get(
            None if self.key is None else ("base",) + self.key,
            lambda: _levels.replayed(closed, keep_t) if closed is not None
            else _levels.traced(base, diff, fixed))
        self.eager = eager
        # Narrower float dtypes fn computes in (preferred_element_type=float32 on float64
        # inputs): no derivative through them is finer than their precision.
        self.inside = [] if closed is None else _running_error.narrower_dtypes(
            closed.jaxpr, [x.dtype for x in diff] + [o.dtype for o in out_leaves])
        self.low_precision = any(
            np.dtype(float64_twin(d)) != np.dtype(d)
            for d in [x.dtype for x in diff] + [o.dtype for o in out_leaves])
        if self.eager:
            self.notes.append("fn cannot be traced (Python control flow on values): "
                              "checked eagerly, without jit or vmap")

    # ---- specs and directions -------------------------------------------------------------

    def level_spec(self, chain: Sequence[str]) -> tuple[list, list[str]]:
        """(shape/dtype stand-ins, paths) of a level's output."""
        spec, paths = list(self.out_leaves), list(self.out_paths)
        for mode in chain:
            if mode == "rev":
                spec, paths = list(self.diff), list(self.arguments.diff_paths)
        return spec, paths

    def directions(self):
        inner, tangents, cotangents = {}, {}, {}
        for level in self.levels:
            dirs = []
            for depth, mode in enumerate(level.chain):
                like = self.diff if mode == "fwd" else self.level_spec(level.chain[:depth])[0]
                rng = _directions.generator(self.seed, "inner", level.key, depth)
                dirs.append(_directions.normal_leaves(rng, like))
            inner[level.key] = dirs
            tangents[level.key] = _directions.normal_leaves(
                _directions.generator(self.seed, "tangent", level.key), self.diff)
            cotangents[level.key] = _directions.normal_leaves(
                _directions.generator(self.seed, "cotangent", level.key),
                self.level_spec(level.chain)[0])
        return inner, tangents, cotangents

    # ---- AD --------------------------------------------------------------------------------

    def wanted_pieces(self, level) -> list[str]:
        spec, _ = self.level_spec(level.chain)
        scalar = len(spec) == 1 and np.size(spec[0]) == 1
        complex_out = scalar and jnp.issubdtype(spec[0].dtype, jnp.complexfloating)
        pieces = []
        if "fwd" in self.modes:
            pieces.append("jvp")
        if "rev" in self.modes:
            pieces.append("vjp")
            if scalar and not complex_out:
                pieces.append("grad")
        if self.holomorphic and complex_out:
            pieces.append("holomorphic_grad")
        if not level.chain:  # the rules' own tangents and cotangents: see _linearity
            pieces += [_levels.SCALED_PIECES[p] for p in ("jvp", "vjp") if p in pieces]
        return pieces

    def run_ad(self, inner, tangents, cotangents):
        """AD results per (level, piece), and the pieces that could not run, with why."""
        wanted = {level.key: tuple(self.wanted_pieces(level)) for level in self.levels}
        arguments = (self.diff, self.fixed, inner, tangents, cotangents)
        if self.eager:
            return self._run_ad_eagerly(wanted, *arguments)
        problems = _compiled.PROGRAMS.get(
            None if self.key is None else ("problems",) + self.key, lambda: None)
        if problems is None:
            try:
                results = self._ad_program(wanted)(*arguments)
                return jax.device_get(results), {}
            except jax.errors.UnexpectedTracerError:
                raise  # check() traces fn itself instead of its jaxpr
            except Exception:  # noqa: BLE001 - find which pieces failed, one by one
                problems = self._failing_pieces(wanted, *arguments)
                if self.key is not None:
                    _compiled.PROGRAMS.get(("problems",) + self.key, lambda: problems)
        usable = {k: tuple(p for p in v if (k, p) not in problems) for k, v in wanted.items()}
        results = self._ad_program(usable)(*arguments) if any(usable.values()) else {}
        return jax.device_get(results), problems

    def _ad_program(self, plan):
        plan_key = tuple(sorted(plan.items()))
        return _compiled.PROGRAMS.get(
            None if self.key is None else ("ad", plan_key) + self.key,
            lambda: _levels.ad_program(self.base, plan, self.levels, eager=False))

    def _pieces(self, wanted, inner, tangents, cotangents):
        for level in self.levels:
            h = _levels.level_function(self.base, level, self.fixed, inner[level.key])
            for piece in wanted[level.key]:
                yield level, piece, (lambda xs, h=h, piece=piece, key=level.key:
                                     _levels.ad_piece(piece, h, xs, tangents[key],
                                                        cotangents[key]))

    def _failing_pieces(self, wanted, diff, fixed, inner, tangents, cotangents) -> dict:
        problems = {}
        for level, piece, fn in self._pieces(wanted, inner, tangents, cotangents):
            try:
                jax.jit(fn).lower(diff)
            except Exception as error:  # noqa: BLE001 - reported as skipped or failed
                problems[(level.key, piece)] = error
        return problems

    def _run_ad_eagerly(self, wanted, diff, fixed, inner, tangents, cotangents):
        results, problems = {}, {}
        for level, piece, fn in self._pieces(wanted, inner, tangents, cotangents):
            try:
                results[(level.key, piece)] = fn(diff)
            except Exception as error:  # noqa: BLE001 - reported as skipped or failed
                problems[(level.key, piece)] = error
        return jax.device_get(results), problems

    # ---- oracle ----------------------------------------------------------------------------

    def assert_finite(self, ad, stats) -> None:
        """Raise ``NotFinite`` when f itself is nan or inf at the point."""
        root = self.levels[0].key
        values = next((ad[(root, p)]["y"] for p in ("jvp", "vjp") if (root, p) in ad), None)
        if values is None:
            values = [leaf["center"][0] for leaf in stats[(root, "fd")]]
        bad = [_not_finite_elements(path, np.asarray(v)) for path, v in zip(self.out_paths, values)
               if not np.all(np.isfinite(np.asarray(v)))]
        if bad:
            raise NotFinite(f"fn is not finite here ({'; '.join(bad)}); check a point inside "
                             "its domain")

    # ---- verdicts --------------------------------------------------------------------------

    def checks(self) -> list[Check]:
        inner, tangents, cotangents = self.directions()
        self.inner = inner
        ad, problems = self.run_ad(inner, tangents, cotangents)
        plan = {level.key: tuple(p for p in self.wanted_pieces(level)
                                 if (level.key, p) not in problems) for level in self.levels}
        usable = tuple(level for level in self.levels if plan[level.key])
        if not usable:
            return self._problem_checks(self.levels, problems)
        # The first ladder of steps alone decides where every check passes on it: deeper
        # ladders, noise probes and their confirmation only keep a wrong estimate from
        # failing a right derivative, or a loose one from passing a wrong one (a poorly
        # resolved first ladder is not taken). Anything else is judged on the full flow.
        notes = list(self.notes)
        quick = run_oracle(self, inner, tangents, cotangents, usable, plan, quick=True)
        if quick is not None:
            self.assert_finite(ad, quick[1])
            checks = self._judged(ad, problems, plan, usable, tangents, cotangents, *quick,
                                  locate=False)
            if all(c.status in (PASSED, SKIPPED) for c in checks):
                return checks
            self.notes[:] = notes
            self.complex_step_exact.clear()
            self.located.clear()
        pairs, stats, source = run_oracle(self, inner, tangents, cotangents, usable, plan)
        self.assert_finite(ad, stats)
        return self._judged(ad, problems, plan, usable, tangents, cotangents, pairs, stats,
                            source)

    def _judged(self, ad, problems, plan, usable, tangents, cotangents, pairs, stats,
                source, *, locate: bool = True) -> list[Check]:
        """Every level judged on the oracle's ``stats``; ``locate``: say where a failed
        inner product of many inputs went wrong (``_locate``)."""
        checks, relative = [], {}
        for level in self.levels:
            if level not in usable:
                checks += self._problem_checks([level], problems)
                continue
            parent = relative.get(_levels.Level(level.chain[:-1]).key) if level.chain else None
            used = stats[(level.key, "pairs", "x64")]
            judge = LevelJudge(LevelEvidence(self, level, ad, problems,
                                [pairs[level.key][i] for i in used], stats, source,
                                tangents[level.key], cotangents[level.key], parent))
            checks += [_locate.located(self, level, c, ad, tangents[level.key],
                                       cotangents[level.key])
                       if locate and _locate.applies(self, c) else c for c in judge.checks()]
            relative[level.key] = judge.relative
        return checks

    def _problem_checks(self, levels, problems) -> list[Check]:
        """Checks of levels whose derivatives could not be computed at all."""
        checks = []
        for level in levels:
            for piece in self.wanted_pieces(level):
                if piece in _levels.SCALED_PIECES.values():
                    continue  # the unscaled piece's check says what went wrong
                error = problems[(level.key, piece)]
                chain = level.label({"jvp": "JVP", "vjp": "VJP", "grad": "grad",
                                     "holomorphic_grad": "holomorphic grad"}[piece])
                checks.append(problem_check(f"{piece}_matches_oracle", chain, level.order,
                                             piece, error))
        return checks
