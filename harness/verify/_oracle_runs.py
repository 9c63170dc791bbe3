"""The oracle's side of a check: the (point, direction) pairs of every level, run on ladders of
steps by one compiled program, with fn's measured noise and the complex step where they help.

``run`` is the ``Run`` of one ``harness.check`` call (its leaves, levels, programs and notes).
"""

from __future__ import annotations

import copy
import re

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import FunctionRaised
from harness.computations import _compiled, _levels, _oracle_programs
from harness.error_model import _running_error
from harness.error_model._budget import lowest_precision
from harness.inputs._arguments import float64_twin
from harness.oracles import _differences, _ladders, _noise, _steps
from harness.verify._oracle_pairs import (
    flipped_pairs,
    is_sign_flip,
    oracle_pairs,
    program_direction,
)

RETRY_LADDERS = 3
COMPLEX_STEP = 1e-20
PROBED_STEP = float(np.finfo(np.float64).tiny)


def run_oracle(run, inner, tangents, cotangents, levels, plan, *, quick: bool = False):
    """(pairs, estimates, source) of every level in ``levels``: the oracle runs on the float64
    copy of fn (where fn pins a narrower dtype inside, at that dtype's resolution), or in the
    inputs' own dtypes where the copy fails, with a note saying so.

    ``quick``: the first ladder of steps alone, without noise probes, deeper ladders,
    confirmation or complex step; None where it leaves some estimate unresolved or resolved
    worse than 1e-6 (``_ladders.poorly_resolved``), which the full flow would improve.
    """
    upcast = lambda leaves: [np.asarray(v).astype(float64_twin(v.dtype)) for v in leaves]
    # The point and each level's tangent on the float64 copy, made once: the oracle's pairs
    # and the float64 AD share them (at millions of parameters each copy counts).
    x64 = upcast(run.diff)
    t64 = {level.key: upcast(tangents[level.key]) for level in levels}
    pairs = {level.key: oracle_pairs(run, level, t64[level.key], x64) for level in levels}
    inner = {level.key: inner[level.key] for level in levels}
    plan = {level.key: plan[level.key] for level in levels}
    ad_args64 = (t64, {k: upcast(cotangents[k]) for k in plan})
    point = pairs[run.levels[0].key][0][1]  # every pair's point: x on the float64 copy
    # One list of leaves per pair: the program stacks those it evaluates (a stack on the host
    # would hold every direction twice, at millions of parameters hundreds of megabytes).
    directions = {k: [program_direction(p[2]) for p in v] for k, v in pairs.items()}
    with jax.enable_x64(True):
        fixed64 = [np.asarray(x) for x in run.fixed]
        inner64 = {k: [[np.asarray(d).astype(float64_twin(d.dtype)) for d in dirs]
                       for dirs in v] for k, v in inner.items()}
        try:
            cs = True
            source, eps = "float64 copy", float(np.finfo(np.float64).eps)
            replay = run.replay and not run.eager
            base64 = run.python_base if not replay else _compiled.PROGRAMS.get(
                None if run.key is None else ("base64",) + run.key,
                lambda: _levels.traced(run.python_base, point, fixed64))
            # A function may pin a narrower dtype inside (preferred_element_type, a layer
            # with dtype=float32): its float64 copy then returns that dtype, its
            # cotangents must have it, and its finite differences resolve only that finely.
            out64 = jax.eval_shape(base64, point, fixed64)
            narrow_out = [o.dtype for o in out64
                          if np.dtype(o.dtype) != np.dtype(float64_twin(o.dtype))]
            narrow = narrow_out + [d for d in _inside_float64_copy(run, base64, point, fixed64)
                                   if np.dtype(d) != np.dtype(float64_twin(d))]
            if narrow:
                eps = float(jnp.finfo(lowest_precision(narrow)).eps)
                source = f"float64 copy, which computes in {lowest_precision(narrow)}"
            if narrow_out:
                like = lambda chain: out64 if "rev" not in chain else point
                cast = lambda leaves, spec: [np.asarray(v).astype(s.dtype)
                                             for v, s in zip(leaves, spec)]
                ad_args64 = (ad_args64[0], {
                    level.key: cast(cotangents[level.key], like(level.chain))
                    for level in levels})
                inner64 = {level.key: [
                    cast(d, like(level.chain[:depth])) if mode == "rev" else d
                    for depth, (mode, d) in enumerate(zip(level.chain, inner64[level.key]))]
                    for level in levels}
            stats = _ladder_runs(run, levels, plan, pairs, fixed64, inner64, point,
                                 directions, eps, cs, ad_args64, base=base64, quick=quick)
        except (jax.errors.UnexpectedTracerError, FunctionRaised):
            raise  # check() traces fn itself instead of its jaxpr; fn's own error stands
        except Exception as error:  # noqa: BLE001 - fall back to the caller's dtypes
            run.notes.append(
                f"the float64 copy of fn failed ({type(error).__name__}: {str(error)[:200]}); "
                "the oracle ran in the inputs' own dtypes and is less accurate")
            cs, source = False, "own dtypes"
            eps = float(jnp.finfo(lowest_precision([x.dtype for x in run.diff])).eps)
            own = [np.asarray(x).astype(d.dtype) for x, d in zip(point, run.diff)]
            own_dirs = {k: [[np.asarray(t).astype(d.dtype) if not np.iscomplexobj(t)
                             or jnp.issubdtype(d.dtype, jnp.complexfloating) else t
                             for t, d in zip(pair, run.diff)] for pair in v]
                        for k, v in directions.items()}
            own_args = ({k: tangents[k] for k in plan}, {k: cotangents[k] for k in plan})
            if quick:
                return None  # the float64 copy failed: the full flow says so
            try:
                stats = _ladder_runs(run, levels, plan, pairs, run.fixed, inner, own, own_dirs,
                                     eps, False, own_args, inside_x64=False)
            except (jax.errors.UnexpectedTracerError, FunctionRaised):
                raise
            except Exception as own_error:  # noqa: BLE001 - fn's, at the oracle's points
                raise FunctionRaised(
                    "the oracle could not evaluate fn next to the point, on its float64 copy "
                    f"({raised_line(error)}) nor in its own dtypes: "
                    f"{raised_line(own_error)}") from own_error
    if stats is None:
        return None
    return pairs, stats, source


class OffsetRaised(Exception):
    """fn raised at some offset of an oracle run, after running at others: a solver that does
    not converge that far from the point, say. ``largest`` is the run's largest step."""

    def __init__(self, error: Exception, largest: float):
        super().__init__(str(error))
        self.error, self.largest = error, largest

    def note(self, what: str) -> str:
        return (f"fn raised at {what} (steps up to {self.largest:.2e} along the direction): "
                f"{raised_line(self.error)}; those steps were not used")


def raised_line(error: BaseException) -> str:
    """The line of ``error``'s message that names what was raised: a callback's error arrives
    wrapped in XLA's ``INTERNAL: CpuCallback error`` with the Python traceback inside."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b.*:", line)]
    chosen = named[-1] if named else (lines[0] if lines else "")
    return f"{type(error).__name__}: {chosen[:240]}" if not named else chosen[:240]


class _LadderRuns:
    """One compiled oracle program, run on the pairs of a check at ladders of steps."""

    def __init__(self, program, pairs, fixed, inner, point, directions, ad_args, eps,
                 bound_program=None, *, scaled: bool = False):
        self.program, self.pairs, self.eps, self.scaled = program, pairs, eps, scaled
        self.scaling_floor = _steps.scaling_floor(point) if scaled else None
        # On the device once: every ladder and probe runs on the same inputs; one copy of
        # each host array, however often it appears (the main tangent is a direction and the
        # float64 AD's tangent).
        copies: dict = {}
        self.inputs = _on_device((fixed, inner, point, directions), copies)
        if jax.default_backend() == "cpu":
            # There a device array is host memory: the point's host copy, which every pair
            # shares, gives way to views of the device's (read-only, without copying).
            point[:] = [np.asarray(v) for v in self.inputs[2]]
        self.ad_args = _on_device(ad_args, copies)
        self.bound_program = bound_program
        self.ran, self.notes = False, []
        self.moves = {k: [_steps.MoveErrors(p[1], p[2], scaled=scaled) for p in v]
                      for k, v in pairs.items()}
        found: dict = {}
        for k, v in pairs.items():
            # The pairs share their point (one StepScales for all), and a pair with a twin
            # (``oracle_pairs``) its twin's first step.
            scales = _steps.StepScales(v[0][1])
            found[k] = []
            for i, pair in enumerate(v):
                twin = pair[3]
                found[k].append(found[k][twin] if twin < i
                                else scales.first_and_floored(pair[2]))
        self.first_steps = {k: [first for first, _ in v] for k, v in found.items()}
        self.floored = {k: [floored for _, floored in v] for k, v in found.items()}
        self.any_floored = any(any(v) for v in self.floored.values())

    def on_own_scale(self) -> _LadderRuns | None:
        """These runs with every ladder and probe on the scale of the pair's smallest moving
        element (``_steps.own_scale_first_step``), where that is below the deepest step
        of the ordinary ladders; None where no pair's is."""
        deepest = lambda first: first * 2.0 ** -(
            _steps.LADDER_LEVELS * (RETRY_LADDERS + 1))
        own = {k: [min(first, _steps.own_scale_first_step(p[1], p[2]))
                   for first, p in zip(self.first_steps[k], v)]
               for k, v in self.pairs.items()}
        if not any(o < deepest(f) for k in own for o, f in zip(own[k], self.first_steps[k])):
            return None
        runs = copy.copy(self)
        runs.notes, runs.first_steps = [], own
        return runs

    def bounds(self, steps) -> dict:
        """The running-error bound of every stencil value, per level; {} without one."""
        if self.bound_program is None:
            return {}
        try:
            found = jax.device_get(self.bound_program(*self.inputs, steps))
        except Exception:  # noqa: BLE001 - no bound: the blanket eps |h| rounding stands
            self.bound_program = None
            return {}
        return {k: v for k, v in found.items() if v is not None}

    def at(self, steps_of):
        """(steps, raw program output) with the steps ``steps_of(first)`` of each pair, whose
        ladder begins at ``first`` (``_steps.first_step``)."""
        steps = {k: np.stack([steps_of(first) for first in v])
                 for k, v in self.first_steps.items()}
        given = steps if not self.scaled else {
            k: _steps.scaled_steps(v, self.first_steps[k], self.scaling_floor)
            for k, v in steps.items()}
        try:
            raw = jax.device_get(self.program(*self.inputs, given, *self.ad_args))
        except jax.errors.UnexpectedTracerError:
            raise
        except Exception as error:  # noqa: BLE001 - sorted by whether the program ran before
            if not self.ran:
                raise  # it does not run at all (compiling, the float64 copy): not an offset's
            largest = max(float(np.max(v)) for v in steps.values())
            raise OffsetRaised(error, largest) from error
        self.ran = True
        return steps, raw

    def evaluate(self, attempt: int, noise=None, *, bounded: bool = False):
        """The ladder ``attempt`` deep, summarized per pair; and which pairs ran.

        ``bounded``: count the running-error bound of every stencil value in its rounding.
        """
        steps, raw = self.at(lambda first: _steps.steps_below(
            first, start=attempt * _steps.LADDER_LEVELS))
        used = {k: np.asarray(raw[(k, "pairs", "x64")]) for k in self.pairs}
        # Per side where the point moves scaled: steps toward 0 can leave the normal range.
        per_pair = (lambda m, s: m.sides(s)) if self.scaled else (lambda m, s: m(s))
        moved = {k: np.stack([per_pair(v[i], steps[k][i]) for i in used[k]])
                 for k, v in self.moves.items()}
        # Where fn is noisy at the point, or a ladder is retried on smaller steps, fn's
        # rounding along the line is bounded as well: the noise of ``x log y`` at x = 0,
        # y = 1 grows with the step, and a sum of large terms that cancels to nearly 0
        # (a KL divergence at its minimum) rounds far above eps |h|.
        bounds = self.bounds(steps) if noise or bounded else {}
        bound_of = lambda key, i: (None if key[0] not in bounds
                                   else np.asarray(bounds[key[0]][i])[used[key[0]]])
        return {
            key: value if len(key) == 3 or key[1] == "cs" else [
                _differences.summarize_pairs(np.asarray(v), steps[key[0]][used[key[0]]],
                                             self.eps, moved[key[0]], noise=n,
                                             bounds=bound_of(key, i))
                for i, (v, n) in enumerate(
                    zip(value, [noise.at(key, j, steps[key[0]][used[key[0]]])
                                for j in range(len(value))] if noise else [None] * len(value)))]
            for key, value in raw.items()
        }, used

    def ladders(self, noise=None):
        """Estimates from ladders of steps, retried deeper where unresolved, and confirmed."""
        merged, raised, ladders = None, None, {}
        for attempt in range(RETRY_LADDERS + 1):
            try:
                result, used = self.evaluate(attempt, noise, bounded=attempt > 0)
            except OffsetRaised as error:  # a solver that fails far out: try smaller steps
                raised = raised or error
                continue
            ladders[attempt] = result
            merged = result if merged is None else _ladders.merge(merged, result)
            if not _ladders.unresolved(merged):
                break
        if raised is not None:
            self.note(raised.note("the oracle's ladder of steps"))
        if merged is None:
            raise FunctionRaised(
                f"fn raised at every ladder of finite-difference steps near the point, down "
                f"to steps of {_steps.LADDER_LEVELS * (RETRY_LADDERS + 1)} halvings "
                f"below the first: {raised_line(raised.error)}") from raised.error
        if raised is None:
            # A ladder can settle on a stable wrong value: steps longer than the period of
            # an oscillation (fresnel at x = 30) average it away and agree with each other,
            # and steps longer than a normalization's scale (flax's BatchNorm at a variance
            # of 1e-15) extrapolate quotients that have not yet converged. The next ladder
            # down, run by the same compiled program (or already run, where some element
            # needed it), must agree within both error estimates. Where it does not, a third
            # ladder decides: if the two of smaller steps agree, the steps have converged and
            # the second is taken; if not, the estimates are noise and their gap is the
            # oracle's error.
            # Each estimate is confirmed by the ladders below the one that gave it: a retry's
            # too (fresnel at x = 5.3e5 in float32, whose period is 3.8e-6: the second ladder
            # resolved -9.8e-5 +- 7e-8 from steps of 1e-3 down to 3e-6, the third -0.0432).
            run_first = sorted(ladders)

            def deeper(k):
                if k not in ladders:
                    ladders[k] = self.evaluate(k, noise)[0]
                return ladders[k]

            try:
                for k in run_first:
                    among = None if attempt == 0 else ladders[k]  # the estimates k gave
                    second = deeper(k + 1)
                    if _ladders.apart(merged, second, among=among):
                        merged = _ladders.confirm(merged, second, deeper(k + 2), among=among)
            except OffsetRaised as error:
                self.note(error.note("a ladder below the one that gave an estimate, which "
                                     "confirms it"))
        return merged, used

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _on_device(tree, copies: dict | None = None):
    """``tree`` with its NumPy arrays copied to the device (Python scalars stay weakly typed);
    ``copies``: id of a host array -> (it, its device copy), shared between calls."""
    copies = {} if copies is None else copies

    def put(a):
        if not isinstance(a, np.ndarray):
            return a
        if id(a) not in copies:
            copies[id(a)] = (a, jax.device_put(a))
        return copies[id(a)][1]

    return jax.tree_util.tree_map(put, tree)


def _inside_float64_copy(run, base64, point, fixed64) -> list:
    """The narrower float dtypes fn's float64 copy computes in: on float32 inputs the caller's
    jaxpr shows none where fn casts to float32 itself (jax.nn.dot_product_attention's softmax),
    and the copy's finite differences then resolve only float32's steps, not float64's."""
    if not run.low_precision or run.eager:
        return list(run.inside)

    def found() -> list:
        try:
            closed = jax.make_jaxpr(base64)(point, fixed64)
        except Exception:  # noqa: BLE001 - the ladders' own run reports fn's errors
            return list(run.inside)
        return _running_error.narrower_dtypes(
            closed.jaxpr, [float64_twin(x.dtype) for x in run.diff])

    return _compiled.PROGRAMS.get(None if run.key is None else ("inside64",) + run.key, found)


def _ladder_runs(run, levels, plan, pairs, fixed, inner, point, directions, eps, cs,
                 ad_args, inside_x64=True, base=None, quick=False):
    """The oracle's estimates for every pair: ladders with fn's measured noise as their
    rounding floor where it matters, and the complex step where they resolve f poorly;
    ``quick``: the first ladder alone, or None where it resolves f poorly."""
    plan_key = tuple(sorted(plan.items()))
    # Which pairs are sign flips depends on how the directions split by scale: part of the
    # program's identity, since it decides at trace time which pairs to evaluate.
    optional = {k: tuple(i for i, p in enumerate(v) if is_sign_flip(p[0]))
                for k, v in pairs.items()}
    flipped = {k: flipped_pairs(v) for k, v in pairs.items()}
    layout = (tuple(sorted(optional.items())), tuple(sorted(flipped.items())))
    scaled = _steps.needs_scaled_moves(point)
    program = _compiled.PROGRAMS.get(
        None if run.key is None else ("oracle", cs, inside_x64, plan_key, layout, scaled)
        + run.key,
        lambda: _oracle_programs.oracle_program(
            base or run.base, levels, plan, eager=run.eager,
            measure=run.low_precision, optional=optional, flipped=flipped, scaled=scaled))
    # The running-error bound has no rule for the scaled move: eps |h| stands there.
    bound_program = None if run.eager or scaled else _compiled.PROGRAMS.get(
        None if run.key is None else ("stencil bound", inside_x64, plan_key, layout[1])
        + run.key,
        lambda: _oracle_programs.stencil_bound_program(base or run.base, levels,
                                                       flipped=flipped))
    runs = _LadderRuns(program, pairs, fixed, inner, point, directions, ad_args, eps,
                       bound_program, scaled=scaled)
    if quick:
        if runs.any_floored:
            return None  # steps raised to the spacing floor: the full flow says what holds
        try:
            first, _ = runs.evaluate(0)
        except OffsetRaised:
            return None
        if _ladders.unresolved(first) or any(
                _ladders.poorly_resolved(first[(level.key, "fd")]) for level in levels
                if (level.key, "fd") in first):
            return None
        return first
    merged, used = _estimates(run, runs, eps)
    # An element far below 1 beside a pole (cbrt or log at 1e-30) is stepped over by every
    # ladder above: its estimates stay unresolved, and the whole flow runs again with steps
    # on its own scale, whose estimates are taken where they resolve it better.
    own = runs.on_own_scale() if _ladders.unresolved(merged) else None
    if own is not None:
        own_found = _estimates(run, own, eps)[0]
        merged = _ladders.merge(merged, own_found)
        rows = {k: np.array([own.first_steps[k][i] < runs.first_steps[k][i] for i in used[k]])
                for k in used}
        # Steps on an element's own scale probe fn there only where they are normal numbers
        # (an element of 5e-324 has no smaller step).
        probed = {k: np.array([own.first_steps[k][i] * 2.0 ** -_steps.LADDER_LEVELS
                               >= PROBED_STEP for i in used[k]]) for k in used}
        # Scaled, subnormal steps still move the point (``_differences.moved_point``): an
        # estimate they leave unresolved is not one that no step could reach, but neither
        # says that fn is flat there (its quotients may overflow: 1/x at 2.2e-308).
        merged = _ladders.mark_unconverged(merged, rows, probed, reached=scaled,
                                           own=own_found)
    floored = runs.any_floored
    if floored:
        merged = _ladders.mark_floored(
            merged, {k: np.array([runs.floored[k][i] for i in used[k]]) for k in used})
    if cs is not False:
        for level in levels:
            if level.key in pairs and (floored or _ladders.poorly_resolved(
                    merged[(level.key, "fd")])):
                _add_complex_step(run, level, merged, pairs[level.key], used[level.key], fixed,
                                  inner[level.key])
    return merged


def _estimates(run, runs: _LadderRuns, eps: float):
    """(estimates, pairs used) from ``runs``' ladders, with fn's measured noise as their
    rounding floor where it matters; its notes go to ``run.notes``."""
    # fn's own noise at the point, from equally spaced tiny offsets run by the same
    # program: it sets the rounding floor of every finite difference below.
    # A second probe spans the ladder's steps, where a solver's iteration count changes.
    probes = [runs.at(_noise.noise_steps)]
    try:
        probes.append(runs.at(_noise.wide_noise_steps))
    except OffsetRaised as error:
        runs.note(error.note("the noise probe that spans the ladder's steps"))
    found = [_noise.measured(probe, steps, runs.moves) for steps, probe in probes]
    merged, used = runs.ladders()
    probe, probe_steps = probes[0][1], probes[0][0]
    step_floor = lambda noises: _noise.floor(noises[0], noises[1] if len(noises) > 1 else None,
                                             probe, probe_steps)
    # Where fn's measured noise is far above eps |f| and agrees with what the ladders
    # found, the ladders run again with it as their rounding floor. Ladders that assume
    # eps |f| can claim a precision they lack (optimistix's BFGS: a retry on steps of 1e-7
    # holds 1e-2 of the solver's noise and claims 4e-7) and would discard the probe that
    # contradicts them; so where ladders that carry the measured noise still resolve the
    # derivative, the probe is judged against those.
    judged, measured_noise = merged, step_floor(found)
    if _noise.significant(measured_noise.far, probe, eps):
        judged = _ladders.resolved_or(runs.ladders(measured_noise)[0], merged)
    noise = step_floor([_noise.consistent(n, probe, steps, judged)
                        for n, (steps, probe) in zip(found, probes)])
    if _noise.significant(noise.far, probe, eps):
        quiet = merged
        merged, used = runs.ladders(noise)
        # Where the measured noise leaves nothing resolved that the ladders without it
        # resolved, the evidence conflicts: noise (a solver's) or features of fn shorter than
        # the probe's span, seen as noise (hypot'' at r = 0.002 beside steps of 0.006: 7.7 +-
        # 4.6 with it, 464.712 +- 3e-6 without, where AD gives 464.712). Neither decides.
        merged = _ladders.mark_in_doubt(merged, quiet)
        merged = _ladders.mark_noisy(merged, _noise.noisy_elements(noise.far, probe, eps))
        run.notes += _noise.notes(noise.far, probe, run.levels[0].key,
                                  run.level_spec(())[1], eps)
    run.notes += runs.notes
    return merged, used


def _complex(leaves) -> list:
    return [np.asarray(v).astype(np.complex128) for v in leaves]


def _add_complex_step(run, level, stats, pairs, used, fixed, inner) -> None:
    """The complex step of one level's function, where it is real-analytic (its AD program,
    at higher levels) and finite differences resolve it poorly."""
    inner_c = [_complex(d) for d in inner]
    # The inner directions are inputs, so one compiled program serves every point.
    h = lambda xs, fx_inner: _levels.level_function(run.python_base, level, *fx_inner)(xs)
    kind = _compiled.PROGRAMS.get(
        None if run.key is None else ("cs", level.key) + run.key,
        lambda: _oracle_programs.complex_step_kind(h, pairs[0][1], (fixed, inner_c)))
    if kind is None:
        return
    run.complex_step_exact[level.key] = kind == "exact"
    program = _compiled.PROGRAMS.get(
        None if run.key is None else ("cs program", level.key) + run.key,
        lambda: _oracle_programs.complex_step_program(h, eager=run.eager))
    stack = lambda lists: [np.stack(leaves) for leaves in zip(*lists)]
    chosen = [pairs[i] for i in used]
    stats[(level.key, "cs")] = jax.device_get(program(
        (fixed, inner_c), stack([p[1] for p in chosen]), stack([p[2] for p in chosen]),
        complex_step_size(run.diff)))


def complex_step_size(diff) -> float:
    """Imaginary step: 1e-20 of the smallest nonzero |x_j| (at most 1), never subnormal."""
    return max(COMPLEX_STEP * min(1.0, _smallest_nonzero(diff)), SMALLEST_COMPLEX_STEP)


SMALLEST_COMPLEX_STEP = 1e-290


def complex_step_clamped(diff) -> bool:
    """Whether the imaginary step is not far below the smallest nonzero |x_j| (it cannot go
    below ``SMALLEST_COMPLEX_STEP``): beside a branch point at 0 it then steps past it."""
    return COMPLEX_STEP * min(1.0, _smallest_nonzero(diff)) < SMALLEST_COMPLEX_STEP


def _smallest_nonzero(diff) -> float:
    nonzero = [np.abs(np.asarray(x))[np.asarray(x) != 0] for x in diff]
    return min((float(np.min(v)) for v in nonzero if v.size), default=1.0)
