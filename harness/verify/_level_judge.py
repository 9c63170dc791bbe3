"""The verdicts of one level of a check: its JVP, VJP, gradient, transposition, linearity and
Cauchy-Riemann checks, judged on the level's evidence, and judged again on the error model's
bound where the measured rounding is in doubt."""

from __future__ import annotations

import dataclasses

import numpy as np

from harness.error_model._budget import MEASURED_SAFETY, NOISE_TAIL, ORACLE_SAFETY
from harness.judging import _accuracy, _compare, _estimates, _linearity
from harness.results._report import FAILED, INCONCLUSIVE, PASSED, SKIPPED, Check
from harness.verify import _locate
from harness.verify._level_evidence import LevelEvidence


class LevelJudge:
    """Every check of one level, from its evidence."""

    def __init__(self, evidence: LevelEvidence):
        self.evidence = evidence
        self.run, self.level, self.ad = evidence.run, evidence.level, evidence.ad
        self.t, self.c = evidence.t, evidence.c
        self.spec, self.paths = evidence.spec, evidence.paths
        self.relative: list = []
        self._grad_vjp: list | None = None
        self._identity_scales: dict = {}
        self._identity_measures: dict = {}
        self._t_pairings: dict = {}

    def checks(self) -> list[Check]:
        """Every check of the level. A check that fails, or in a low dtype passes only thanks
        to the measured rounding, is judged again with the running-error bound of its AD
        program in place of the measured rounding (computed only then: one more compile)."""
        raw = self.judged()
        relative = self.relative
        suspect = [i for i, a in enumerate(raw) if a.status == FAILED]
        if self.run.low_precision:
            self.evidence.measure = "none"
            bare = self.judged()
            suspect += [i for i, (a, b) in enumerate(zip(raw, bare))
                        if a.status == PASSED and b.status != PASSED]
        if suspect:
            self.evidence.measure = "model"
            modeled = self.judged()
            raw = [modeled[i] if i in suspect else check for i, check in enumerate(raw)]
        self.evidence.measure, self.relative = "raw", relative
        return raw + self.accuracy_checks(raw)

    def accuracy_checks(self, judged: list[Check]) -> list[Check]:
        """``derivative_accuracy`` of each JVP leaf whose rule check did not fail; as notes
        instead where the caller asked for ``accuracy="note"``."""
        jvp = self.ad.get((self.level.key, "jvp"), {}).get("jvp")
        if jvp is None or "fwd" not in self.run.modes:
            return []
        chain = self.level.label("JVP")
        failed = {c.leaf for c in judged if c.property == "jvp_matches_oracle"
                  and c.mode_chain == chain and c.status == FAILED}
        out = []
        for i, path in enumerate(self.paths):
            if path in failed:
                continue
            main = self.evidence.estimate(i, "main")
            lost = _accuracy.lost_accuracy(
                chain=chain, order=self.level.order, leaf=path, got=np.asarray(jvp[i]),
                est=main, rounding=self.evidence.rounding(i, main),
                second=self.evidence.fd[i]["second"][0], t=self.t, x=self.evidence.x,
                dtype=self.evidence.precision(i),
                step_exact=(self.evidence.source == "float64 copy"
                            and self.run.complex_step_exact.get(self.level.key, False)))
            if lost is not None and self.run.accuracy == "note":
                self.run.notes.append(_accuracy.as_note(lost))
            elif lost is not None:
                out.append(lost)
        return out

    def judged(self) -> list[Check]:
        level, order = self.level, self.level.order
        mains = [self.evidence.estimate(i, "main") for i in range(len(self.spec))]
        roundings = [self.evidence.rounding(i, m) for i, m in enumerate(mains)]
        self.relative = [r.relative_amount for r in roundings]
        out: list[Check] = []
        jvp = self.ad.get((level.key, "jvp"), {}).get("jvp")
        vjp = self.ad.get((level.key, "vjp"), {}).get("vjp")
        if "fwd" in self.run.modes:
            chain = level.label("JVP")
            problem = self.evidence.skipped_or_failed("jvp_matches_oracle", chain, "jvp")
            if problem:
                out.append(problem)
            else:
                for i, (main, rounding) in enumerate(zip(mains, roundings)):
                    out.append(_compare.compare_elements(
                        prop="jvp_matches_oracle", chain=chain, order=order, leaf=self.paths[i],
                        got=np.asarray(jvp[i]), est=main, rounding=rounding))
        if "rev" in self.run.modes:
            chain = level.label("VJP")
            problem = self.evidence.skipped_or_failed("vjp_matches_oracle", chain, "vjp")
            if problem:
                out.append(problem)
            else:
                out.append(self.vjp_check(vjp, mains, roundings, chain, jvp=jvp))
        if jvp is not None and vjp is not None:
            rounded = {prop: _infinities_rounded([c for c in out if c.property == prop])
                       for prop in ("jvp_matches_oracle", "vjp_matches_oracle")}
            out.append(self.transposition_check(jvp, vjp, roundings, rounded=rounded))
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
            found = _linearity.jvp_linearity(
                jvp, jvp_scaled, self.paths, [r.amount for r in roundings],
                "the JVP's rounding budget")
            if any(c.status == FAILED for c in found):
                # Both JVPs of a linear rule round alike up to the order of their operations:
                # by the rounding of their intermediates, which a result that cancels
                # (polydiv's remainder, 0 from terms of 2000) does not show.
                bounds = self.evidence.bound("jvp")
                if bounds is not None:
                    found = _linearity.jvp_linearity(
                        jvp, jvp_scaled, self.paths,
                        [np.fmax(r.amount, np.where(np.isfinite(b), b, 0.0))
                         for r, b in zip(roundings, bounds)],
                        "the larger of the JVP's rounding budget and its running-error bound")
            checks += found
        vjp = self.ad.get((key, "vjp"), {}).get("vjp")
        vjp_scaled = self.ad.get((key, "vjp_scaled"), {}).get("vjp_scaled")
        if vjp is not None and vjp_scaled is not None:
            rel, _ = self.run.tolerance.relative(self.evidence.precision(None))
            budget = (sum(float(np.sum(np.abs(c) * r.amount)) for c, r in zip(self.c, roundings))
                      + rel * self._on_t("abs_pairing", "vjp", vjp)
                      + MEASURED_SAFETY * self.evidence.measured_pairing("vjp", "vjp", self.t))
            checks.append(_linearity.vjp_linearity(
                self._on_t("pairing", "vjp", vjp),
                self._on_t("pairing", "vjp_scaled", vjp_scaled), budget,
                "the VJP's rounding budget"))
        return checks

    def _total_budget(self, weights, mains, roundings) -> float:
        return float(sum(
            np.sum(np.abs(w) * (ORACLE_SAFETY * np.where(np.isfinite(m.error), m.error, 0)
                                + r.amount))
            for w, m, r in zip(weights, mains, roundings)))

    def vjp_check(self, vjp, mains, roundings, chain, *, jvp=None) -> Check:
        got = self._on_t("pairing", "vjp", vjp)
        expected = _compare.pairing(self.c, [m.value for m in mains])
        rel, rel_source = self.run.tolerance.relative(self.evidence.precision(None))
        measured = self.evidence.measured_pairing("vjp", "vjp", self.t)
        budget = (self._total_budget(self.c, mains, roundings)
                  + rel * self._on_t("abs_pairing", "vjp", vjp) + MEASURED_SAFETY * measured)
        # An AD result that is not finite never settles, even against an infinite budget
        # (one that scales with |vjp(c)|): the oracles' own doubts decide.
        settled = bool(np.isfinite(got) and abs(got - expected) <= budget)
        unsure, unsure_note = _doubt(mains, self.c, got, expected, budget, settled)
        one_sided = ()
        if not settled and any(np.any(m.kink) for m in mains):
            # Two sums of one-sided derivatives, or four (``_estimates.add_estimates``): a
            # leaf with two stands in its own for the other two.
            sides = max(len(m.one_sided) for m in mains)
            one_sided = tuple(
                _compare.pairing(self.c, [np.where(m.kink, m.one_sided[
                    side % len(m.one_sided)][0], m.value) for m in mains])
                for side in range(sides))
            if jvp is not None:
                # Each element at a kink on the side AD's JVP follows, where it follows one
                # (the transposition check ties the VJP to the JVP): elements at 0 and beside
                # it (copysign at (1e-9, 0, 0)) each take a side of their own, which no sum
                # over one side for all matches.
                one_sided += (_compare.pairing(self.c, [
                    np.where(m.kink & _compare.on_a_side(np.asarray(j), m, r.amount),
                             np.asarray(j), m.value)
                    for j, m, r in zip(jvp, mains, roundings)]),)
        check = _compare.compare_scalar(
            prop="vjp_matches_oracle", chain=chain, order=self.level.order,
            leaf="<vjp(c), t> vs <c, J t>", got=got, expected=expected, budget=budget,
            budget_source=(f"sum |c| x (elementwise JVP budget) + {rel_source} x |vjp(c)||t| + "
                           f"{MEASURED_SAFETY:g} x |<vjp(c) - vjp(c) in float64 copy, t>| "
                           f"{measured:.2e}"),
            oracle=mains[0].oracle + ", inner-product identity", unsure=unsure,
            unsure_note=unsure_note,
            one_sided=one_sided,
            largest=min((_compare.dtype_largest(leaf) for leaf in vjp), default=float("inf")),
            expected_error=float(sum(np.sum(np.abs(c) * ORACLE_SAFETY * m.error)
                                     for c, m in zip(self.c, mains))))
        if check.status in (INCONCLUSIVE, FAILED) and not np.isfinite(got):
            check = _locate.judged_apart_from_infinities(self.run, self.level, check, vjp,
                                                         self.t, self.c)
        return check

    def transposition_check(self, jvp, vjp, roundings, *, rounded: dict | None = None) -> Check:
        """``<vjp(c), t> = <c, jvp(t)>``; ``rounded``: per oracle check of the level, whether
        it passed (AD's infinities there are the correctly rounded values)."""
        rel, rel_source = self.run.tolerance.relative(self.evidence.precision(None))
        got = self._on_t("pairing", "vjp", vjp)
        expected = _compare.pairing(self.c, jvp)
        magnitude = (sum(float(np.sum(np.abs(c) * (r.scale + r.floor)))
                         for c, r in zip(self.c, roundings))
                     + self._on_t("abs_pairing", "vjp", vjp) + _compare.abs_pairing(self.c, jvp))
        measured = (self.evidence.measured_pairing("vjp", "vjp", self.t)
                    + self.evidence.measured_pairing("jvp", "jvp", self.c))
        budget = (rel * magnitude + MEASURED_SAFETY * measured
                  + sum(float(np.max(r.absolute, initial=0.0)) for r in roundings))
        check = _compare.compare_scalar(
            prop="jvp_vjp_transposition", chain=self.level.label("JVP/VJP"),
            order=self.level.order, leaf="<vjp(c), t> vs <c, jvp(t)>", got=got,
            expected=expected, budget=budget,
            budget_source=(f"{rel_source} x (|c||J||t| + |vjp(c)||t| + |c||jvp(t)|) + "
                           f"{MEASURED_SAFETY:g} x measured rounding {measured:.2e}"),
            oracle="exact identity (no finite differences)", exact=True)
        # Both sides nan from infinities of both signs, each a correctly rounded AD result
        # beyond the dtype's range (1/x at 1e-30 in float32): the identity cannot be formed.
        if (check.status != PASSED and np.isnan(got) and np.isnan(expected)
                and not any(np.any(np.isnan(np.asarray(v))) for v in list(vjp) + list(jvp))):
            check = dataclasses.replace(check, status=SKIPPED, note=(
                "not judged: both sides hold AD results of inf and -inf (values beyond the "
                "dtype's range), whose inner products are nan"))
        # One side infinite from an AD result beyond the dtype's range that its oracle check
        # passed (boxcox(x, -0.025) at x = 1.2e-38 in float32: d/dx is 7.9e38, so vjp(c) is
        # inf there, while jvp(t) holds the finite 7.9e38 t_k).
        rounded = rounded or {}
        infinite_side = ((not np.isfinite(got) and rounded.get("vjp_matches_oracle"))
                         or (not np.isfinite(expected) and rounded.get("jvp_matches_oracle")))
        if check.status != PASSED and check.status != SKIPPED and infinite_side:
            check = dataclasses.replace(check, status=SKIPPED, note=(
                "not judged: one side holds an AD result of inf that the oracle check found "
                "beyond the dtype's range (the correctly rounded value), whose product with "
                "the other direction need not be"))
        return check

    def grad_checks(self, vjp, mains, roundings) -> list[Check]:
        chain = self.level.label("grad")
        problem = self.evidence.skipped_or_failed("grad_matches_oracle", chain, "grad")
        if problem:
            return [problem]
        grad = [np.asarray(g) for g in self.ad[(self.level.key, "grad")]["grad"]]
        rel, rel_source = self.run.tolerance.relative(self.evidence.precision(0))
        checks = []
        _, grad64 = self.evidence.ad_result("grad", "grad")
        _, vjp64 = self.evidence.ad_result("vjp", "vjp")
        t_scale = max(_compare.max_abs(self.t), 1e-300)
        spread = float(np.max(roundings[0].scale + roundings[0].floor, initial=0.0)) / t_scale
        if vjp is not None:
            c = float(np.real(self.c[0].reshape(())))
            for j, (cg, v, grad_difference, vjp_difference) in enumerate(
                    self._grad_and_vjp(c, grad, vjp, grad64, vjp64)):
                zeros = np.broadcast_to(0.0, v.shape)
                identity = _estimates.Estimate(
                    v, zeros, zeros, np.broadcast_to(False, v.shape),
                    np.broadcast_to(False, v.shape), (), "identity: vjp(c) = c * grad")
                scale = self._identity_scale(j, c, cg, v, spread)
                measured = self._identity_measured(j, c, grad_difference, vjp_difference)
                # The output is one number (maybe shaped (1,)): its inherited rounding too.
                inherited = float(np.max(roundings[0].inherited, initial=0.0))
                rounding = _compare.Rounding(rel, rel_source, roundings[0].absolute, scale,
                                           zeros, measured, inherited)
                checks.append(_compare.compare_elements(
                    prop="grad_matches_vjp", chain=chain, order=self.level.order,
                    leaf=self.run.arguments.diff_paths[j], got=cg, est=identity,
                    rounding=rounding))
        basis = self.evidence.roles("basis")
        if basis:
            checks += self.grad_elementwise(grad, grad64, basis, mains[0], roundings[0], chain)
        else:
            got = self._on_t("pairing", "grad", grad)
            main = mains[0]
            budget = (self._total_budget([np.ones(())], mains[:1], roundings[:1])
                      + rel * self._on_t("abs_pairing", "grad", grad)
                      + MEASURED_SAFETY * self.evidence.measured_pairing("grad", "grad", self.t))
            expected = np.real(main.value.reshape(()))[()]
            # As in ``vjp_check``: an AD result that is not finite never settles, even against
            # an infinite budget (one that scales with |grad|): the oracles' doubts decide.
            settled = bool(np.isfinite(got) and abs(got - expected) <= budget)
            unsure, unsure_note = _doubt(mains[:1], [np.ones(())], got, expected, budget,
                                         settled)
            checks.append(_compare.compare_scalar(
                prop="grad_matches_oracle", chain=chain, order=self.level.order,
                leaf="<grad, t> vs J t", got=got, expected=expected,
                budget=budget, budget_source=f"JVP budget + {rel_source} x |grad||t|",
                oracle=main.oracle,
                unsure=unsure,
                one_sided=tuple(float(np.real(side.reshape(()))) for side, _ in main.one_sided)
                if not settled and np.any(main.kink) else (),
                unsure_note=unsure_note,
                largest=min((_compare.dtype_largest(leaf) for leaf in grad),
                            default=float("inf")),
                expected_error=float(ORACLE_SAFETY * np.sum(main.error))))
        return checks

    def _on_t(self, kind: str, name: str, leaves) -> float:
        """``pairing`` or ``abs_pairing`` of the AD result ``name`` with t, found once for
        every judging of the level."""
        if (kind, name) not in self._t_pairings:
            pair = _compare.pairing if kind == "pairing" else _compare.abs_pairing
            self._t_pairings[(kind, name)] = pair(leaves, self.t)
        return self._t_pairings[(kind, name)]

    def _identity_scale(self, j: int, c: float, cg, v, spread: float) -> np.ndarray:
        """|c grad| + |vjp(c)| + |c| spread of leaf ``j``, found once for every judging."""
        key = (j, c, spread)
        if key not in self._identity_scales:
            scale = np.abs(cg)
            scale += np.abs(v)
            scale += abs(c) * spread
            self._identity_scales[key] = scale
        return self._identity_scales[key]

    def _identity_measured(self, j: int, c: float, grad_difference, vjp_difference):
        """|c| x the grad's measured rounding + the VJP's, of leaf ``j``, as the evidence's
        measure now counts it; found once per measure (each new array of millions counts)."""
        key = (j, c, self.evidence.measure)
        if key not in self._identity_measures:
            grad_part = self.evidence.measured("grad", j, grad_difference)
            vjp_part = self.evidence.measured("vjp", j, vjp_difference)
            total = np.multiply(grad_part, abs(c))
            if _compare.in_place(total) and np.shape(vjp_part) in ((), total.shape):
                total += vjp_part
            else:
                total = total + vjp_part
            self._identity_measures[key] = total
        return self._identity_measures[key]

    def _grad_and_vjp(self, c: float, grad, vjp, grad64, vjp64) -> list:
        """(c grad, vjp, |grad - grad64|, |vjp - vjp64|) per leaf, found once for every
        judging of the level (at millions of parameters each new array counts). Products and
        differences are taken in float64 (an AD result that is inf in its dtype, beyond its
        range, stays one) without widened copies of the AD results."""
        if self._grad_vjp is None:
            wide = lambda a: np.promote_types(a.dtype, np.float64)
            both = grad64 is not None and vjp64 is not None

            def distance(a, b):
                d = np.subtract(a, np.asarray(b), dtype=np.promote_types(wide(a), b.dtype))
                return np.abs(d, out=d) if _compare.in_place(d) else np.abs(d)

            self._grad_vjp = []
            for j, (g, v) in enumerate(zip(grad, vjp)):
                g, v = np.asarray(g), np.asarray(v)
                cg = np.multiply(g, c, dtype=wide(g))
                self._grad_vjp.append((np.asarray(cg), v,
                                       distance(g, grad64[j]) if both else None,
                                       distance(v, vjp64[j]) if both else None))
        return self._grad_vjp

    def grad_elementwise(self, grad, grad64, basis, main, rounding, chain) -> list[Check]:
        """The gradient element by element, each against the oracle along a unit vector."""
        checks = []
        for j, g in enumerate(grad):
            estimates = [(role, self.evidence.estimate(0, role)) for role in basis
                         if role[1] == j]
            # Complex, and as wide as the estimates (``_differences.WIDE`` beyond float64).
            kind = np.result_type(complex, *(e.value.dtype for _, e in estimates))
            fields = {"value": np.zeros(g.shape, kind), "error": np.zeros(g.shape),
                      "kink": np.zeros(g.shape, bool), "disagree": np.zeros(g.shape, bool),
                      "unconverged": np.zeros(g.shape, bool), "flat": np.zeros(g.shape, bool),
                      "forward": np.zeros(g.shape, kind), "forward_err": np.zeros(g.shape),
                      "backward": np.zeros(g.shape, kind), "backward_err": np.zeros(g.shape)}
            for role, e in estimates:
                _, leaf, k, unit = role
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
                fields["unconverged"][idx] |= bool(e.unconverged.reshape(()))
                fields["flat"][idx] |= bool(e.flat.reshape(()))
            real = (lambda a: a) if np.iscomplexobj(g) else (lambda a: a.real)
            value = real(fields["value"])
            one_sided = tuple((real(fields[side]), fields[side + "_err"])
                              for side in ("forward", "backward"))
            est = _estimates.Estimate(value, fields["error"], np.zeros(g.shape), fields["kink"],
                                  fields["disagree"], one_sided,
                                  main.oracle + ", along unit vectors",
                                  unconverged=fields["unconverged"], flat=fields["flat"])
            t_scale = max(_compare.max_abs(self.t), 1e-300)
            per_element = _compare.Rounding(
                rounding.relative, rounding.relative_source, rounding.absolute,
                np.abs(value) + np.abs(g),
                np.full(g.shape, float(np.max(rounding.floor, initial=0.0)) / t_scale),
                self.evidence.measured("grad", j, None if grad64 is None
                              else np.abs(g - np.asarray(grad64[j]))),
                float(np.max(rounding.inherited, initial=0.0)))
            checks.append(_compare.compare_elements(
                prop="grad_matches_oracle", chain=chain, order=self.level.order,
                leaf=self.run.arguments.diff_paths[j], got=g, est=est, rounding=per_element))
        return checks

    def holomorphic_grad_checks(self, mains, roundings) -> list[Check]:
        chain = self.level.label("holomorphic grad")
        problem = self.evidence.skipped_or_failed("holomorphic_grad_matches_oracle", chain,
                                         "holomorphic_grad")
        if problem:
            return [problem]
        grad = [np.asarray(g) for g in
                self.ad[(self.level.key, "holomorphic_grad")]["holomorphic_grad"]]
        rel, rel_source = self.run.tolerance.relative(self.evidence.precision(0))
        got = complex(sum(np.sum(g * t) for g, t in zip(grad, self.t)))
        main = mains[0]
        budget = (self._total_budget([np.ones(())], mains[:1], roundings[:1])
                  + rel * self._on_t("abs_pairing", "holomorphic_grad", grad))
        return [_compare.compare_scalar(
            prop="holomorphic_grad_matches_oracle", chain=chain, order=self.level.order,
            leaf="sum(f'(z) t) vs J t", got=got, expected=complex(main.value.reshape(())),
            budget=budget, budget_source=f"JVP budget + {rel_source} x |grad||t|",
            oracle=main.oracle)]

    def cauchy_riemann_checks(self, mains, roundings) -> list[Check]:
        """Along i t the derivative of a holomorphic function is i times that along t."""
        checks = []
        for i, (main, rounding) in enumerate(zip(mains, roundings)):
            rotated = self.evidence.estimate(i, "cauchy_riemann")
            expected = _estimates.Estimate(
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


def _doubt(mains, weights, got: complex, expected: complex, budget: float,
           settled: bool) -> tuple[bool, str]:
    """(whether an unsettled inner-product check is undecided, and why): the estimates it
    pairs with are in doubt (``_in_doubt``), or their error comes from fn's measured noise
    and AD is within ``NOISE_TAIL`` times the budget."""
    if settled:
        return False, ""
    if _in_doubt(mains, weights, got):
        return True, ("the function has a kink here, its oracles disagree, or its finite "
                      "differences did not converge")
    near = bool(np.isfinite(got) and abs(got - expected) <= NOISE_TAIL * budget)
    if near and any(np.any(m.noisy & (np.asarray(w) != 0)) for m, w in zip(mains, weights)):
        return True, _compare.NOISY_NOTE
    return False, ""


def _in_doubt(mains, weights, got: complex) -> bool:
    """Whether the estimates that ``weights`` pair with are in doubt: a kink, oracles that
    disagree, or differences that did not converge. An AD result that is not finite is not
    excused by unconverged differences that bound the derivative far below overflow
    (``_compare.bounded_estimate``)."""
    for m, w in zip(mains, weights):
        doubt = m.kink | m.disagree
        if not np.isfinite(got):
            largest = _compare.dtype_largest(np.float64(0))
            doubt = m.kink | (m.disagree & ~(m.flat & _compare.bounded_estimate(
                m.value, ORACLE_SAFETY * m.error, largest)))
        if np.any(doubt & (np.asarray(w) != 0)):
            return True
    return False


def _infinities_rounded(checks: list[Check]) -> bool:
    """Whether oracle checks found AD's infinities the correctly rounded values: each passed,
    or judged each infinity of vjp(c) beyond the dtype's range on its own."""
    return bool(checks) and all(
        c.status == PASSED or c.note.startswith(_locate.INFINITIES_BEYOND_RANGE)
        for c in checks)


def _replace_note(check: Check, note: str) -> Check:
    return dataclasses.replace(check, note=note)
