"""``harness.check``: every derivative of a function at one point against its oracles."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import InvalidArgument
from harness.computations import _levels
from harness.error_model import _running_error
from harness.error_model._budget import (
    MEASURED_SAFETY,
    ORACLE_RELATIVE_FLOOR,
    ORACLE_SAFETY,
    Tolerance,
    lowest_precision,
)
from harness.inputs import _directions, _structure
from harness.inputs._arguments import (
    flatten_arguments,
    float64_twin,
    is_differentiable_dtype,
    leaf_function,
    validate_callable,
    validate_holomorphic,
    validate_order_and_modes,
)
from harness.judging import _compare, _linearity
from harness.oracles import _differences, _ladders, _noise
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, SKIPPED, Check, Report
from harness.results._reproduce import describe_exception, function_name, reproduce_snippet

RETRY_LADDERS = 3
# Relative rounding grows from one derivative to the next (each one differentiates rounded
# values of the last); on the correct corpus it grew by up to 6x per order, in the float64
# 0.5 (tanh(x / 2) + 1).
INHERITED_GROWTH = 8.0
# Below a few times the smallest normal number, values are subnormal noise.
SUBNORMAL_FLOOR = 4.0
BASIS_LIMIT = 16
COMPLEX_STEP = 1e-20


def check(
    fn: Callable,
    args: tuple,
    *,
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    holomorphic: bool = False,
    rtol: float | dict | None = None,
    atol: float | dict | None = None,
    seed: int = 0,
    tangents: dict | Sequence | None = None,
) -> Report:
    """Check every derivative of ``fn`` at ``args`` up to ``order`` against independent oracles.

    Rules: ``jvp(t)`` equals the oracle's directional derivative; ``<vjp(c), t> = <c, J t>``;
    ``<vjp(c), t> = <c, jvp(t)>`` exactly; ``grad`` equals the oracle's gradient; and the same for
    every JVP and VJP of ``fn`` along independent random directions, up to ``order``.

    Args:
        fn: a function of positional arguments (arrays, Python scalars or pytrees of them)
            returning an array, a scalar or a pytree, real or complex.
        args: the point, as a tuple of positional arguments.
        order: how many derivatives deep to check (1 = first derivatives).
        modes: "fwd" (JVP) and/or "rev" (VJP), for the checked derivatives and the inner ones.
        holomorphic: also check complex differentiability and ``grad(..., holomorphic=True)``.
        rtol, atol: replace the rounding part of the budget; a number, or a dict per dtype.
        seed: the seed of the random directions.
        tangents: for functions defined on structured matrices (cholesky reads a symmetric
            matrix, solve_triangular a triangular one): argument index -> "symmetric",
            "hermitian", "lower", "upper", "diagonal" or a linear projection. Every direction
            of that argument is projected on the structure, and so is each finite difference.

    Returns:
        A ``Report``; ``report.ok`` is False when a derivative is wrong.

    Raises:
        InvalidArgument: ``fn`` or ``args`` cannot be checked (the message says why).

    Example:
        >>> import numpy as np, jax.numpy as jnp, harness
        >>> harness.check(jnp.tanh, (np.float32(2.0),), order=3).ok
        True
    """
    validate_callable(fn)
    modes = validate_order_and_modes(order, modes)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgument(f"seed must be an integer; got {seed!r}.")
    structures, checked, structure_notes = None, fn, []
    if tangents is not None:
        structures = _structure.normalize(tangents)
        args, structure_notes = _structure.project_point(args, structures,
                                                         holomorphic=bool(holomorphic))
        checked = _structure.OnStructure(fn, structures)
    arguments = flatten_arguments(args)
    arguments = dataclasses.replace(arguments, notes=arguments.notes + tuple(structure_notes))
    validate_holomorphic(holomorphic, arguments)
    tolerance = Tolerance.from_user(rtol, atol)
    report = dict(function=function_name(fn), order=int(order), modes=modes,
                  holomorphic=bool(holomorphic), seed=int(seed), args=args,
                  backend=jax.default_backend(), fn=fn)
    with _precision_of(arguments):
        return _check(checked, arguments, report, order=int(order), modes=modes,
                      holomorphic=bool(holomorphic), tolerance=tolerance, seed=int(seed),
                      rtol=rtol, atol=atol, structures=structures)


def _precision_of(arguments):
    """64-bit inputs are checked in 64 bits, whether or not jax_enable_x64 is set globally."""
    wide = any(np.dtype(v.dtype).itemsize * (1 if np.dtype(v.dtype).kind != "c" else 0.5) >= 8
               for v in arguments.diff + arguments.fixed)
    if wide and not jax.config.jax_enable_x64:
        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _check(fn, arguments, report, *, order, modes, holomorphic, tolerance, seed, rtol,
           atol, structures) -> Report:
    args = report["args"]
    diff = [jnp.asarray(x) for x in arguments.diff]
    fixed = [jnp.asarray(x) for x in arguments.fixed]
    call = lambda d, f: fn(*arguments.rebuild(d, f))
    eager, closed = False, None
    try:
        shape_key = (fn, arguments.treedef, arguments.kinds, arguments.static_key,
                     _avals(diff) + _avals(fixed))
        hash(shape_key)
    except TypeError:
        shape_key = None
    try:
        # One trace gives the output's structure and the jaxpr every later program replays;
        # it is cached, so further points of the same shapes do not trace fn again.
        closed, out = _levels.PROGRAMS.get(
            None if shape_key is None else ("jaxpr",) + shape_key,
            lambda: jax.make_jaxpr(call, return_shape=True)(diff, fixed))
    except Exception as error:  # noqa: BLE001 - sorted below
        eager = _levels.is_untraceable(error)
        if not eager:
            return _error_report(error, arguments, report)
    if eager:
        try:
            out = call(diff, fixed)
        except Exception as error:  # noqa: BLE001 - whatever fn raises is an error of fn's
            return _error_report(error, arguments, report)
    out_leaves, out_paths = _output_leaves(out)
    keep = [i for i, leaf in enumerate(out_leaves) if is_differentiable_dtype(leaf.dtype)]
    if not keep:
        raise InvalidArgument(
            "fn returns no floating-point or complex output "
            f"({', '.join(str(leaf.dtype) for leaf in out_leaves) or 'nothing'}), so it has no "
            "derivative to check. Return the float values the derivative is taken of."
        )
    notes = list(arguments.notes)
    notes += [f"{out_paths[i]} has dtype {out_leaves[i].dtype}: not differentiated"
              for i in range(len(out_leaves)) if i not in keep]
    out_leaves = [out_leaves[i] for i in keep]
    out_paths = [out_paths[i] for i in keep]
    if holomorphic:
        real = [p for p, o in zip(out_paths, out_leaves)
                if not jnp.issubdtype(o.dtype, jnp.complexfloating)]
        if real:
            raise InvalidArgument(
                f"holomorphic=True, but fn returns real values at {', '.join(real)}. A real "
                "function of a complex variable is holomorphic only if it is constant; check it "
                "with holomorphic=False."
            )
    def planned(replay: bool) -> _Run:
        return _Run(fn, arguments, keep, tuple(out_paths), out_leaves, diff, fixed,
                    int(order), modes, bool(holomorphic), tolerance, int(seed), eager, closed,
                    replay=replay)

    run = planned(True)
    try:
        try:
            checks = run.checks()
        except jax.errors.UnexpectedTracerError:
            # A custom rule given a traced non-differentiable argument (jax.scipy.special.expn
            # with an array n) closes over its tracer, which replaying the jaxpr lets escape:
            # trace fn itself instead.
            run = planned(False)
            checks = run.checks()
    except _NotFinite as error:
        return Report(checks=(), notes=tuple(notes + run.notes), undefined=str(error), **report)
    notes += run.notes  # after the checks: the oracle adds notes while it runs
    if any(c.status in (FAILED, INCONCLUSIVE) for c in checks):  # printed only then
        report["reproduce"] = reproduce_snippet(report["fn"], args, order=order, modes=modes,
                                                holomorphic=holomorphic, rtol=rtol, atol=atol,
                                                seed=seed, structures=structures)
    return Report(checks=tuple(checks), notes=tuple(notes), **report)


class _NotFinite(Exception):
    """fn is nan or inf at the point."""


def _error_report(error: BaseException, arguments, report: dict) -> Report:
    """fn raised: an error of fn's (a wrong keyword, a shape bug), never a passed check."""
    return Report(checks=(), notes=arguments.notes, error=describe_exception(error),
                  cause=error, **report)


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


def _output_leaves(out: Any) -> tuple[list, list[str]]:
    pairs, _ = jax.tree_util.tree_flatten_with_path(out)
    leaves = [leaf if isinstance(leaf, jax.ShapeDtypeStruct) else jnp.asarray(leaf)
              for _, leaf in pairs]
    paths = ["out" + jax.tree_util.keystr(path) for path, _ in pairs]
    return leaves, paths


def _avals(leaves) -> tuple:
    return tuple((tuple(x.shape), str(x.dtype)) for x in leaves)


class _Run:
    """One call of ``check``: the plan, the directions, the programs and the verdicts."""

    def __init__(self, fn, arguments, keep, out_paths, out_leaves, diff, fixed, order, modes,
                 holomorphic, tolerance, seed, eager, closed=None, *, replay=True):
        self.arguments, self.diff, self.fixed = arguments, diff, fixed
        self.out_paths, self.out_leaves = out_paths, out_leaves
        self.order, self.modes, self.holomorphic = order, modes, holomorphic
        self.tolerance, self.seed = tolerance, seed
        self.notes: list[str] = []
        self.levels = _levels.levels_for(order, modes)
        try:
            hash(fn)
            self.key = (fn, arguments.treedef, arguments.kinds, arguments.static_key,
                        tuple(keep), order, modes, holomorphic,
                        _avals(diff) + _avals(fixed), replay)
        except TypeError:
            self.key = None
        keep_t = tuple(keep)
        flat = leaf_function(fn, arguments)

        def base(xs, fx):
            outs = flat(xs, fx)
            return [outs[i] for i in keep_t]

        self.python_base = base
        self.replay = replay
        self.base = base if eager or not replay else _levels.PROGRAMS.get(
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
            pieces += [_linearity.SCALED_PIECES[p] for p in ("jvp", "vjp") if p in pieces]
        return pieces

    def run_ad(self, inner, tangents, cotangents):
        """AD results per (level, piece), and the pieces that could not run, with why."""
        wanted = {level.key: tuple(self.wanted_pieces(level)) for level in self.levels}
        arguments = (self.diff, self.fixed, inner, tangents, cotangents)
        if self.eager:
            return self._run_ad_eagerly(wanted, *arguments)
        problems = _levels.PROGRAMS.get(
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
                    _levels.PROGRAMS.get(("problems",) + self.key, lambda: problems)
        usable = {k: tuple(p for p in v if (k, p) not in problems) for k, v in wanted.items()}
        results = self._ad_program(usable)(*arguments) if any(usable.values()) else {}
        return jax.device_get(results), problems

    def _ad_program(self, plan):
        plan_key = tuple(sorted(plan.items()))
        return _levels.PROGRAMS.get(
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

    def oracle_pairs(self, level, tangent):
        """(role, point, direction) for every directional derivative the oracle computes."""
        x64 = [np.asarray(x).astype(float64_twin(x.dtype)) for x in self.diff]
        t64 = [np.asarray(t).astype(float64_twin(t.dtype)) for t in tangent]
        directions = [("main", t64)]
        rng = _directions.generator(self.seed, "signs", level.key)
        n_real = sum(np.size(x) * (2 if np.iscomplexobj(x) else 1) for x in x64)
        for k in range(2 if n_real > 1 else 0):  # one real input has no cancellation to expose
            signs = _directions.signs_like(rng, t64)
            directions.append((("signs", k), [t * s for t, s in zip(t64, signs)]))
        if self.holomorphic and not level.chain:
            directions.append(("cauchy_riemann", [1j * t for t in t64]))
        spec, _ = self.level_spec(level.chain)
        if len(spec) == 1 and np.size(spec[0]) == 1 and 1 < n_real <= BASIS_LIMIT:
            for j, x in enumerate(x64):
                for k in range(np.size(x)):
                    for unit in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
                        basis = [np.zeros_like(v) for v in x64]
                        basis[j].reshape(-1)[k] = unit
                        directions.append((("basis", j, k, unit), basis))
        return [(role, x64, part) for role, t in directions
                for part in _ladders.split_by_scale(x64, t)]

    def run_oracle(self, inner, tangents, cotangents, levels, plan):
        pairs = {level.key: self.oracle_pairs(level, tangents[level.key]) for level in levels}
        inner = {level.key: inner[level.key] for level in levels}
        plan = {level.key: plan[level.key] for level in levels}
        upcast = lambda leaves: [np.asarray(v).astype(float64_twin(v.dtype)) for v in leaves]
        ad_args64 = ({k: upcast(tangents[k]) for k in plan},
                     {k: upcast(cotangents[k]) for k in plan})
        stack = lambda lists: [np.stack(leaves) for leaves in zip(*lists)]
        points = {k: stack([p[1] for p in v]) for k, v in pairs.items()}
        directions = {k: stack([p[2] for p in v]) for k, v in pairs.items()}
        with jax.enable_x64(True):
            fixed64 = [np.asarray(x) for x in self.fixed]
            inner64 = {k: [[np.asarray(d).astype(float64_twin(d.dtype)) for d in dirs]
                           for dirs in v] for k, v in inner.items()}
            diff64 = [x[0] for x in points[self.levels[0].key]]
            try:
                cs = True
                source, eps = "float64 copy", float(np.finfo(np.float64).eps)
                replay = self.replay and not self.eager
                base64 = self.python_base if not replay else _levels.PROGRAMS.get(
                    None if self.key is None else ("base64",) + self.key,
                    lambda: _levels.traced(self.python_base, diff64, fixed64))
                # A function may pin a narrower dtype inside (preferred_element_type, a layer
                # with dtype=float32): its float64 copy then returns that dtype, its
                # cotangents must have it, and its finite differences resolve only that finely.
                out64 = jax.eval_shape(base64, diff64, fixed64)
                narrow_out = [o.dtype for o in out64
                              if np.dtype(o.dtype) != np.dtype(float64_twin(o.dtype))]
                narrow = narrow_out + [d for d in self.inside
                                       if np.dtype(d) != np.dtype(float64_twin(d))]
                if narrow:
                    eps = float(jnp.finfo(lowest_precision(narrow)).eps)
                    source = f"float64 copy, which computes in {lowest_precision(narrow)}"
                if narrow_out:
                    like = lambda chain: out64 if "rev" not in chain else diff64
                    cast = lambda leaves, spec: [np.asarray(v).astype(s.dtype)
                                                 for v, s in zip(leaves, spec)]
                    ad_args64 = (ad_args64[0], {
                        level.key: cast(cotangents[level.key], like(level.chain))
                        for level in levels})
                    inner64 = {level.key: [
                        cast(d, like(level.chain[:depth])) if mode == "rev" else d
                        for depth, (mode, d) in enumerate(zip(level.chain, inner64[level.key]))]
                        for level in levels}
                stats = self._oracle_runs(levels, plan, pairs, fixed64, inner64, points,
                                          directions, eps, cs, (diff64,) + ad_args64,
                                          base=base64)
            except jax.errors.UnexpectedTracerError:
                raise  # check() traces fn itself instead of its jaxpr
            except Exception as error:  # noqa: BLE001 - fall back to the caller's dtypes
                self.notes.append(
                    f"the float64 copy of fn failed ({type(error).__name__}: {str(error)[:200]}); "
                    "the oracle ran in the inputs' own dtypes and is less accurate")
                cs, source = False, "own dtypes"
                eps = float(jnp.finfo(lowest_precision([x.dtype for x in self.diff])).eps)
                own = {k: [np.stack([np.asarray(x)[i].astype(d.dtype) for i in range(len(x))])
                           for x, d in zip(v, self.diff)] for k, v in points.items()}
                own_dirs = {k: [np.asarray(t).astype(d.dtype) if not np.iscomplexobj(t)
                                or jnp.issubdtype(d.dtype, jnp.complexfloating) else t
                                for t, d in zip(v, self.diff)] for k, v in directions.items()}
                own_args = ([np.asarray(x) for x in self.diff],
                             {k: tangents[k] for k in plan}, {k: cotangents[k] for k in plan})
                stats = self._oracle_runs(levels, plan, pairs, self.fixed, inner, own, own_dirs,
                                          eps, False, own_args, inside_x64=False)
        return pairs, stats, source

    def _oracle_runs(self, levels, plan, pairs, fixed, inner, points, directions, eps, cs,
                     ad_args, inside_x64=True, base=None):
        plan_key = tuple(sorted(plan.items()))
        # Which pairs are sign flips depends on how the directions split by scale: part of the
        # program's identity, since it decides at trace time which pairs to evaluate.
        optional = {k: tuple(i for i, p in enumerate(v)
                             if isinstance(p[0], tuple) and p[0][0] == "signs")
                    for k, v in pairs.items()}
        program = _levels.PROGRAMS.get(
            None if self.key is None else
            ("oracle", cs, inside_x64, plan_key, tuple(sorted(optional.items()))) + self.key,
            lambda: _levels.oracle_program(
                base or self.base, levels, plan, eager=self.eager,
                measure=self.low_precision, optional=optional))
        def run(steps_of):
            steps = {k: np.stack([steps_of(p[1], p[2]) for p in v]) for k, v in pairs.items()}
            return steps, jax.device_get(program(fixed, inner, points, directions, steps,
                                                 *ad_args))

        # fn's own noise at the point, from equally spaced tiny offsets run by the same
        # program: it sets the rounding floor of every finite difference below.
        probe_steps, probe = run(_noise.noise_steps)
        noise = _noise.measured(probe, probe_steps, pairs)

        def evaluate(attempt: int, noise=None):
            steps, raw = run(lambda x, t: _differences.ladder(
                x, t, start=attempt * _differences.LADDER_LEVELS))
            moved = {
                k: np.stack([_differences.displacement_error(p[1], p[2], steps[k][i])
                             for i, p in enumerate(v)]) for k, v in pairs.items()
            }
            used = {k: np.asarray(raw[(k, "pairs", "x64")]) for k in pairs}
            return {
                key: value if len(key) == 3 or key[1] == "cs" else [
                    _differences.summarize_pairs(np.asarray(v), steps[key[0]][used[key[0]]],
                                                 eps, moved[key[0]][used[key[0]]], noise=n)
                    for v, n in zip(value, noise[key] if noise else [None] * len(value))]
                for key, value in raw.items()
            }, used

        def ladders(noise=None):
            merged = None
            for attempt in range(RETRY_LADDERS + 1):
                result, used = evaluate(attempt, noise)
                merged = result if merged is None else _ladders.merge(merged, result)
                if not _ladders.unresolved(merged):
                    break
            if attempt == 0:
                # A ladder can settle on a stable wrong value: steps longer than the period of
                # an oscillation (fresnel at x = 30) average it away and agree with each other.
                # The next ladder down, run by the same compiled program, must agree within
                # both error estimates. Where it does not, a third ladder decides: if the two
                # of smaller steps agree, the steps have converged and the second is taken; if
                # not, the estimates are noise and their gap is the oracle's error.
                second = evaluate(1, noise)[0]
                if _ladders.apart(merged, second):
                    merged = _ladders.confirm(merged, second, evaluate(2, noise)[0])
            return merged, used

        merged, used = ladders()
        # Where fn's measured noise is far above eps |f| and agrees with what the ladders
        # found, the ladders run again with it as their rounding floor.
        noise = _noise.significant(_noise.consistent(noise, probe, probe_steps, merged), probe,
                                   eps)
        if noise:
            merged, used = ladders(noise)
            self.notes += _noise.notes(noise, probe, self.levels[0].key,
                                       self.level_spec(())[1], eps)
        root = self.levels[0].key
        if cs is not False and root in pairs and _ladders.poorly_resolved(merged[(root, "fd")]):
            self._add_complex_step(merged, pairs[root], used[root], fixed)
        return merged

    def _add_complex_step(self, stats, pairs, used, fixed) -> None:
        """The complex step, where f is real-analytic and finite differences struggle."""
        applies = _levels.PROGRAMS.get(
            None if self.key is None else ("cs",) + self.key,
            lambda: _levels.complex_step_applies(self.python_base, pairs[0][1], fixed))
        if not applies:
            return
        program = _levels.PROGRAMS.get(
            None if self.key is None else ("cs program",) + self.key,
            lambda: _levels.complex_step_program(self.python_base, eager=self.eager))
        stack = lambda lists: [np.stack(leaves) for leaves in zip(*lists)]
        chosen = [pairs[i] for i in used]
        stats[(self.levels[0].key, "cs")] = jax.device_get(program(
            fixed, stack([p[1] for p in chosen]), stack([p[2] for p in chosen]),
            self.complex_step_size()))

    def complex_step_size(self) -> float:
        """Imaginary step: 1e-20 of the smallest nonzero |x_j| (at most 1), never subnormal."""
        nonzero = [np.abs(np.asarray(x))[np.asarray(x) != 0] for x in self.diff]
        smallest = min((float(np.min(v)) for v in nonzero if v.size), default=1.0)
        return max(COMPLEX_STEP * min(1.0, smallest), 1e-290)

    def assert_finite(self, ad, stats) -> None:
        """Raise ``_NotFinite`` when f itself is nan or inf at the point."""
        root = self.levels[0].key
        values = next((ad[(root, p)]["y"] for p in ("jvp", "vjp") if (root, p) in ad), None)
        if values is None:
            values = [leaf["center"][0] for leaf in stats[(root, "fd")]]
        bad = [_not_finite_elements(path, np.asarray(v)) for path, v in zip(self.out_paths, values)
               if not np.all(np.isfinite(np.asarray(v)))]
        if bad:
            raise _NotFinite(f"fn is not finite here ({'; '.join(bad)}); check a point inside "
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
        pairs, stats, source = self.run_oracle(inner, tangents, cotangents, usable, plan)
        self.assert_finite(ad, stats)
        checks, relative = [], {}
        for level in self.levels:
            if level not in usable:
                checks += self._problem_checks([level], problems)
                continue
            parent = relative.get(_levels.Level(level.chain[:-1]).key) if level.chain else None
            used = stats[(level.key, "pairs", "x64")]
            judge = _LevelJudge(self, level, ad, problems,
                                [pairs[level.key][i] for i in used], stats, source,
                                tangents[level.key], cotangents[level.key], parent)
            checks += judge.checks()
            relative[level.key] = judge.relative
        return checks


    def _problem_checks(self, levels, problems) -> list[Check]:
        """Checks of levels whose derivatives could not be computed at all."""
        checks = []
        for level in levels:
            for piece in self.wanted_pieces(level):
                if piece in _linearity.SCALED_PIECES.values():
                    continue  # the unscaled piece's check says what went wrong
                error = problems[(level.key, piece)]
                chain = level.label({"jvp": "JVP", "vjp": "VJP", "grad": "grad",
                                     "holomorphic_grad": "holomorphic grad"}[piece])
                checks.append(_problem_check(f"{piece}_matches_oracle", chain, level.order,
                                             piece, error))
        return checks


def _problem_check(prop: str, chain: str, order: int, piece: str, error: BaseException) -> Check:
    text = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300]}"
    if _levels.mode_unavailable(error):
        return Check(prop, chain, order, SKIPPED, note=f"mode unavailable ({text})")
    return Check(prop, chain, order, FAILED, note=f"computing the {piece.upper()} raised {text}")


class _LevelJudge:
    """Every check of one level, from its AD results and oracle estimates."""

    def __init__(self, run: _Run, level, ad, problems, pairs, stats, source, tangent, cotangent,
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

    # ---- measured rounding, and the model that must agree with it --------------------------

    def bound(self, piece: str) -> list | None:
        """The running-error bound of the AD program of ``piece`` in the caller's dtypes."""
        if piece not in self._bounds:
            run = self.run
            self._bounds[piece] = None if run.eager else _running_error.piece_bound(
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
        if self.measure == "model":
            bounds = self.bound(piece)
            if bounds is not None:
                return np.asarray(bounds[leaf], np.float64)
        return 0.0 if difference is None else difference

    def estimate(self, leaf: int, role) -> _compare.Estimate:
        """The oracle along one direction: the sum over its parts (``_ladders.split_by_scale``)."""
        cs = None if self.cs is None else self.cs[leaf]
        parts = [_compare.estimate(self.fd[leaf], cs, p, source=self.source,
                                 complex_step=self.run.complex_step_size())
                 for p in self.role_pairs[role]]
        return _compare.add_estimates(parts)

    def roles(self, kind: str) -> list:
        return [r for r in self.role_pairs if isinstance(r, tuple) and r[0] == kind]

    def precision(self, leaf: int | None):
        dtypes = [x.dtype for x in self.run.diff] + self.run.inside
        if leaf is not None:
            dtypes.append(self.spec[leaf].dtype)
        else:
            dtypes += [s.dtype for s in self.spec]
        return lowest_precision(dtypes)

    def rounding(self, leaf: int, main: _compare.Estimate) -> _compare.Rounding:
        dtype = self.precision(leaf)
        rel, rel_source = self.run.tolerance.relative(dtype)
        values = [np.abs(self.estimate(leaf, r).value) for r in ["main"] + self.roles("signs")]
        magnitude = self.stats.get((self.level.key, "magnitude", "x64"))
        if magnitude is not None:
            values.append(np.abs(np.asarray(magnitude[leaf])))
        scale = np.nanmax(np.stack([np.where(np.isfinite(v), v, 0) for v in values]), axis=0)
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
                                   self.level.order - 1), measured_source=self.measured_source())

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
        here, there = self.ad_result(piece, name)
        if here is None or there is None:
            return 0.0
        value = abs(_compare.pairing([np.asarray(a) - np.asarray(b) for a, b in zip(here, there)],
                                   other))
        return value if np.isfinite(value) else 0.0

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
        return _problem_check(prop, chain, self.level.order, piece, error)

    def checks(self) -> list[Check]:
        """Every check of the level. A check that fails, or in a low dtype passes only thanks
        to the measured rounding, is judged again with the running-error bound of its AD
        program in place of the measured rounding (computed only then: one more compile)."""
        raw = self.judged()
        relative = self.relative
        suspect = [i for i, a in enumerate(raw) if a.status == FAILED]
        if self.run.low_precision:
            self.measure = "none"
            bare = self.judged()
            suspect += [i for i, (a, b) in enumerate(zip(raw, bare))
                        if a.status == PASSED and b.status != PASSED]
        if suspect:
            self.measure = "model"
            modeled = self.judged()
            raw = [modeled[i] if i in suspect else check for i, check in enumerate(raw)]
        self.measure, self.relative = "raw", relative
        return raw

    def judged(self) -> list[Check]:
        level, order = self.level, self.level.order
        mains = [self.estimate(i, "main") for i in range(len(self.spec))]
        roundings = [self.rounding(i, m) for i, m in enumerate(mains)]
        self.relative = [r.relative_amount for r in roundings]
        out: list[Check] = []
        jvp = self.ad.get((level.key, "jvp"), {}).get("jvp")
        vjp = self.ad.get((level.key, "vjp"), {}).get("vjp")
        if "fwd" in self.run.modes:
            chain = level.label("JVP")
            problem = self.skipped_or_failed("jvp_matches_oracle", chain, "jvp")
            if problem:
                out.append(problem)
            else:
                for i, (main, rounding) in enumerate(zip(mains, roundings)):
                    out.append(_compare.compare_elements(
                        prop="jvp_matches_oracle", chain=chain, order=order, leaf=self.paths[i],
                        got=np.asarray(jvp[i]), est=main, rounding=rounding))
        if "rev" in self.run.modes:
            chain = level.label("VJP")
            problem = self.skipped_or_failed("vjp_matches_oracle", chain, "vjp")
            if problem:
                out.append(problem)
            else:
                out.append(self.vjp_check(vjp, mains, roundings, chain))
        if jvp is not None and vjp is not None:
            out.append(self.transposition_check(jvp, vjp, roundings))
        if "grad" in self.run.wanted_pieces(level):
            out += self.grad_checks(vjp, mains, roundings)
        if "holomorphic_grad" in self.run.wanted_pieces(level):
            out += self.holomorphic_grad_checks(mains, roundings)
        if self.run.holomorphic and not level.chain:
            out += self.cauchy_riemann_checks(mains, roundings)
        if not level.chain:
            out += self.linearity_checks(mains, roundings)
        return out

    def linearity_checks(self, mains, roundings) -> list[Check]:
        """jvp(s t) = s jvp(t) and vjp(s c) = s vjp(c), within twice the rounding budget."""
        key, checks = self.level.key, []
        jvp = self.ad.get((key, "jvp"), {}).get("jvp")
        jvp_scaled = self.ad.get((key, "jvp_scaled"), {}).get("jvp_scaled")
        if jvp is not None and jvp_scaled is not None:
            checks += _linearity.jvp_linearity(
                jvp, jvp_scaled, self.paths, [r.amount for r in roundings],
                "the JVP's rounding budget")
        vjp = self.ad.get((key, "vjp"), {}).get("vjp")
        vjp_scaled = self.ad.get((key, "vjp_scaled"), {}).get("vjp_scaled")
        if vjp is not None and vjp_scaled is not None:
            rel, _ = self.run.tolerance.relative(self.precision(None))
            budget = (sum(float(np.sum(np.abs(c) * r.amount)) for c, r in zip(self.c, roundings))
                      + rel * _compare.abs_pairing(vjp, self.t)
                      + MEASURED_SAFETY * self.measured_pairing("vjp", "vjp", self.t))
            checks.append(_linearity.vjp_linearity(
                _compare.pairing(vjp, self.t), _compare.pairing(vjp_scaled, self.t), budget,
                "the VJP's rounding budget"))
        return checks

    def _total_budget(self, weights, mains, roundings) -> float:
        return float(sum(
            np.sum(np.abs(w) * (ORACLE_SAFETY * np.where(np.isfinite(m.error), m.error, 0)
                                + r.amount))
            for w, m, r in zip(weights, mains, roundings)))

    def vjp_check(self, vjp, mains, roundings, chain) -> Check:
        got = _compare.pairing(vjp, self.t)
        expected = _compare.pairing(self.c, [m.value for m in mains])
        rel, rel_source = self.run.tolerance.relative(self.precision(None))
        measured = self.measured_pairing("vjp", "vjp", self.t)
        budget = (self._total_budget(self.c, mains, roundings)
                  + rel * _compare.abs_pairing(vjp, self.t) + MEASURED_SAFETY * measured)
        settled = abs(got - expected) <= budget
        unsure = not settled and any(
            np.any((m.kink | m.disagree) & (c != 0)) for m, c in zip(mains, self.c))
        one_sided = ()
        if not settled and any(np.any(m.kink) for m in mains):
            one_sided = tuple(
                _compare.pairing(self.c, [np.where(m.kink, m.one_sided[side][0], m.value)
                                        for m in mains]) for side in (0, 1))
        return _compare.compare_scalar(
            prop="vjp_matches_oracle", chain=chain, order=self.level.order,
            leaf="<vjp(c), t> vs <c, J t>", got=got, expected=expected, budget=budget,
            budget_source=(f"sum |c| x (elementwise JVP budget) + {rel_source} x |vjp(c)||t| + "
                           f"{MEASURED_SAFETY:g} x |<vjp(c) - vjp(c) in float64 copy, t>| "
                           f"{measured:.2e}"),
            oracle=mains[0].oracle + ", inner-product identity", unsure=unsure,
            unsure_note="the function has a kink here, or its oracles disagree",
            one_sided=one_sided)

    def transposition_check(self, jvp, vjp, roundings) -> Check:
        rel, rel_source = self.run.tolerance.relative(self.precision(None))
        got = _compare.pairing(vjp, self.t)
        expected = _compare.pairing(self.c, jvp)
        magnitude = (sum(float(np.sum(np.abs(c) * (r.scale + r.floor)))
                         for c, r in zip(self.c, roundings))
                     + _compare.abs_pairing(vjp, self.t) + _compare.abs_pairing(self.c, jvp))
        measured = (self.measured_pairing("vjp", "vjp", self.t)
                    + self.measured_pairing("jvp", "jvp", self.c))
        budget = (rel * magnitude + MEASURED_SAFETY * measured
                  + sum(float(np.max(r.absolute, initial=0.0)) for r in roundings))
        return _compare.compare_scalar(
            prop="jvp_vjp_transposition", chain=self.level.label("JVP/VJP"),
            order=self.level.order, leaf="<vjp(c), t> vs <c, jvp(t)>", got=got,
            expected=expected, budget=budget,
            budget_source=(f"{rel_source} x (|c||J||t| + |vjp(c)||t| + |c||jvp(t)|) + "
                           f"{MEASURED_SAFETY:g} x measured rounding {measured:.2e}"),
            oracle="exact identity (no finite differences)")

    def grad_checks(self, vjp, mains, roundings) -> list[Check]:
        chain = self.level.label("grad")
        problem = self.skipped_or_failed("grad_matches_oracle", chain, "grad")
        if problem:
            return [problem]
        grad = [np.asarray(g) for g in self.ad[(self.level.key, "grad")]["grad"]]
        rel, rel_source = self.run.tolerance.relative(self.precision(0))
        checks = []
        _, grad64 = self.ad_result("grad", "grad")
        _, vjp64 = self.ad_result("vjp", "vjp")
        t_scale = max(_compare.max_abs(self.t), 1e-300)
        spread = float(np.max(roundings[0].scale + roundings[0].floor, initial=0.0)) / t_scale
        if vjp is not None:
            c = float(np.real(self.c[0].reshape(())))
            for j, (g, v) in enumerate(zip(grad, vjp)):
                v = np.asarray(v)
                identity = _compare.Estimate(
                    v, np.zeros(v.shape), np.zeros(v.shape), np.zeros(v.shape, bool),
                    np.zeros(v.shape, bool), (), "identity: vjp(c) = c * grad")
                scale = np.abs(c * g) + np.abs(v) + abs(c) * spread
                both = grad64 is not None and vjp64 is not None
                measured = (
                    abs(c) * self.measured("grad", j, np.abs(g - np.asarray(grad64[j]))
                                           if both else None)
                    + self.measured("vjp", j, np.abs(v - np.asarray(vjp64[j])) if both else None))
                # The output is one number (maybe shaped (1,)): its inherited rounding too.
                inherited = float(np.max(roundings[0].inherited, initial=0.0))
                rounding = _compare.Rounding(rel, rel_source, roundings[0].absolute, scale,
                                           np.zeros(v.shape), measured, inherited)
                checks.append(_compare.compare_elements(
                    prop="grad_matches_vjp", chain=chain, order=self.level.order,
                    leaf=self.run.arguments.diff_paths[j], got=c * g, est=identity,
                    rounding=rounding))
        basis = self.roles("basis")
        if basis:
            checks += self.grad_elementwise(grad, grad64, basis, mains[0], roundings[0], chain)
        else:
            got = _compare.pairing(grad, self.t)
            main = mains[0]
            budget = (self._total_budget([np.ones(())], mains[:1], roundings[:1])
                      + rel * _compare.abs_pairing(grad, self.t)
                      + MEASURED_SAFETY * self.measured_pairing("grad", "grad", self.t))
            checks.append(_compare.compare_scalar(
                prop="grad_matches_oracle", chain=chain, order=self.level.order,
                leaf="<grad, t> vs J t", got=got, expected=complex(main.value.reshape(())).real,
                budget=budget, budget_source=f"JVP budget + {rel_source} x |grad||t|",
                oracle=main.oracle,
                unsure=bool(abs(got - complex(main.value.reshape(())).real) > budget
                            and np.any(main.kink | main.disagree)),
                one_sided=tuple(float(np.real(side.reshape(()))) for side, _ in main.one_sided)
                if abs(got - complex(main.value.reshape(())).real) > budget
                and np.any(main.kink) else (),
                unsure_note="the function has a kink here, or its oracles disagree"))
        return checks

    def grad_elementwise(self, grad, grad64, basis, main, rounding, chain) -> list[Check]:
        """The gradient element by element, each against the oracle along a unit vector."""
        checks = []
        for j, g in enumerate(grad):
            fields = {"value": np.zeros(g.shape, complex), "error": np.zeros(g.shape),
                      "kink": np.zeros(g.shape, bool), "disagree": np.zeros(g.shape, bool),
                      "forward": np.zeros(g.shape, complex), "forward_err": np.zeros(g.shape),
                      "backward": np.zeros(g.shape, complex), "backward_err": np.zeros(g.shape)}
            for role in basis:
                _, leaf, k, unit = role
                if leaf != j:
                    continue
                e = self.estimate(0, role)
                idx = np.unravel_index(k, g.shape) if g.shape else ()
                # JAX's gradient of a real function of z = x + iy is df/dx - i df/dy.
                weight = 1.0 if unit == 1.0 else -1j
                fields["value"][idx] += e.value.reshape(()) * weight
                fields["error"][idx] += float(e.error.reshape(()))
                for side, (value, error) in zip(("forward", "backward"), e.one_sided):
                    fields[side][idx] += value.reshape(()) * weight
                    fields[side + "_err"][idx] += float(error.reshape(()))
                fields["kink"][idx] |= bool(e.kink.reshape(()))
                fields["disagree"][idx] |= bool(e.disagree.reshape(()))
            real = (lambda a: a) if np.iscomplexobj(g) else (lambda a: a.real)
            value = real(fields["value"])
            one_sided = tuple((real(fields[side]), fields[side + "_err"])
                              for side in ("forward", "backward"))
            est = _compare.Estimate(value, fields["error"], np.zeros(g.shape), fields["kink"],
                                  fields["disagree"], one_sided,
                                  main.oracle + ", along unit vectors")
            t_scale = max(_compare.max_abs(self.t), 1e-300)
            per_element = _compare.Rounding(
                rounding.relative, rounding.relative_source, rounding.absolute,
                np.abs(value) + np.abs(g),
                np.full(g.shape, float(np.max(rounding.floor, initial=0.0)) / t_scale),
                self.measured("grad", j, None if grad64 is None
                              else np.abs(g - np.asarray(grad64[j]))),
                float(np.max(rounding.inherited, initial=0.0)))
            checks.append(_compare.compare_elements(
                prop="grad_matches_oracle", chain=chain, order=self.level.order,
                leaf=self.run.arguments.diff_paths[j], got=g, est=est, rounding=per_element))
        return checks

    def holomorphic_grad_checks(self, mains, roundings) -> list[Check]:
        chain = self.level.label("holomorphic grad")
        problem = self.skipped_or_failed("holomorphic_grad_matches_oracle", chain,
                                         "holomorphic_grad")
        if problem:
            return [problem]
        grad = [np.asarray(g) for g in
                self.ad[(self.level.key, "holomorphic_grad")]["holomorphic_grad"]]
        rel, rel_source = self.run.tolerance.relative(self.precision(0))
        got = complex(sum(np.sum(g * t) for g, t in zip(grad, self.t)))
        main = mains[0]
        budget = (self._total_budget([np.ones(())], mains[:1], roundings[:1])
                  + rel * _compare.abs_pairing(grad, self.t))
        return [_compare.compare_scalar(
            prop="holomorphic_grad_matches_oracle", chain=chain, order=self.level.order,
            leaf="sum(f'(z) t) vs J t", got=got, expected=complex(main.value.reshape(())),
            budget=budget, budget_source=f"JVP budget + {rel_source} x |grad||t|",
            oracle=main.oracle)]

    def cauchy_riemann_checks(self, mains, roundings) -> list[Check]:
        """Along i t the derivative of a holomorphic function is i times that along t."""
        checks = []
        for i, (main, rounding) in enumerate(zip(mains, roundings)):
            rotated = self.estimate(i, "cauchy_riemann")
            expected = _compare.Estimate(
                1j * main.value, main.error + rotated.error, main.center,
                main.kink | rotated.kink, main.disagree | rotated.disagree, (), main.oracle)
            check = _compare.compare_elements(
                prop="cauchy_riemann", chain="JVP along i t vs i JVP along t", order=1,
                leaf=self.paths[i], got=rotated.value, est=expected, rounding=rounding)
            if check.status == FAILED:
                check = _replace_note(check, "holomorphic=True, but fn is not complex-"
                                      "differentiable here (the Cauchy-Riemann equations fail)")
            checks.append(check)
        return checks


def _replace_note(check: Check, note: str) -> Check:
    import dataclasses

    return dataclasses.replace(check, note=note)
