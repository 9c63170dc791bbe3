"""Every property with the facts about a function it needs, so suites know where it applies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from . import complex as complex_
from . import grad, hessian, jacobian, jvp, transforms, vjp

# Facts about a function at a dtype (see ``properties._pytest.facts``):
#   forward, reverse: the mode exists; traceable: no Python control flow on values;
#   real, complex: the inputs' kind; scalar_output: one real number out; complex_output: every
#   output complex; holomorphic; higher_order: checked beyond first derivatives;
#   single_dtype: all inputs share one dtype (they flatten into one vector); pytree: a
#   positional argument is a container (dict, list, tuple).


@dataclasses.dataclass(frozen=True)
class Rule:
    """A property and where it applies.

    ``run(fn, args, entry, seed)`` calls the property with the options the entry's facts set;
    ``batch`` rules take a list of points instead of one. ``oracle``: judged against the
    oracles (a wrong rule fails it), not an identity between two AD computations.
    ``example_share``: the fraction of the profile's examples it runs (rules that compile or
    run op by op at every example take fewer).
    """

    name: str
    family: str
    run: Callable
    needs: frozenset[str]
    batch: bool = False
    oracle: bool = False
    example_share: float = 1.0

    def missing(self, facts: frozenset[str]) -> frozenset[str]:
        return self.needs - facts


def _plain(prop: Callable) -> Callable:
    return lambda fn, args, entry, seed: prop(fn, args, seed=seed)


def _rule(family: str, prop: Callable, needs: str, run: Callable | None = None,
          batch: bool = False, share: float = 1.0) -> Rule:
    oracle = prop.__name__.endswith("_oracle") or prop.__name__ in ORACLE_JUDGED
    return Rule(prop.__name__, family, run or _plain(prop), frozenset(needs.split()), batch,
                oracle, share)


# Judged against the oracles though their names do not say so.
ORACLE_JUDGED = ("cauchy_riemann", "real_of_complex_grad_convention", "complex_jvp_convention",
                 "complex_vjp_convention")
# Each example of these compiles anew (jit of a fresh pullback) or runs op by op: a fifth.
SLOW_SHARE = 1 / 5


FIRST = "forward reverse"
FLAT = "traceable real single_dtype"

RULES: tuple[Rule, ...] = (
    _rule("grad", grad.grad_matches_oracle, "reverse scalar_output real"),
    _rule("grad", grad.value_and_grad_matches, "reverse scalar_output"),
    _rule("grad", grad.grad_argnums_agree, "reverse scalar_output real"),
    _rule("grad", grad.grad_pytree_matches_oracle, "reverse scalar_output pytree"),
    _rule("grad", grad.has_aux_grad_matches, "reverse scalar_output"),
    _rule("jvp", jvp.jvp_matches_oracle, "forward real"),
    _rule("jvp", jvp.jvp_is_linear, "forward"),
    _rule("jvp", jvp.jvp_primal_matches, "forward"),
    _rule("vjp", vjp.vjp_matches_oracle, "reverse real"),
    _rule("vjp", vjp.jvp_vjp_transposition, FIRST),
    _rule("vjp", vjp.vmap_vjp_matches_loop, "reverse traceable"),
    _rule("vjp", vjp.vmap_jvp_matches_loop, "forward traceable"),
    _rule("vjp", vjp.jit_vjp_matches_eager, "reverse", share=SLOW_SHARE),
    _rule("jacobian", jacobian.jacfwd_matches_jacrev, f"{FIRST} {FLAT}"),
    _rule("jacobian", jacobian.vmap_jacobians_match_builtin, f"{FIRST} {FLAT}"),
    _rule("jacobian", jacobian.jacobian_matches_oracle, f"reverse {FLAT}"),
    _rule("hessian", hessian.hessian_is_symmetric, f"{FIRST} {FLAT} scalar_output"),
    _rule("hessian", hessian.hvp_strategies_agree, f"{FIRST} {FLAT} scalar_output"),
    _rule("hessian", hessian.hvp_matches_oracle, f"{FIRST} {FLAT} scalar_output"),
    _rule("hessian", hessian.nth_derivative_matches_oracle, "higher_order",
          run=lambda fn, args, entry, seed: hessian.nth_derivative_matches_oracle(
              fn, args, order=entry.order, seed=seed)),
    _rule("complex", complex_.holomorphic_grad_matches_oracle,
          "reverse complex complex_output holomorphic"),
    _rule("complex", complex_.cauchy_riemann, "forward complex complex_output holomorphic",
          run=lambda fn, args, entry, seed: complex_.cauchy_riemann(
              fn, args, holomorphic=entry.holomorphic, seed=seed)),
    _rule("complex", complex_.real_of_complex_grad_convention, "reverse complex scalar_output"),
    _rule("complex", complex_.complex_jvp_convention, "forward complex"),
    _rule("complex", complex_.complex_vjp_convention, "reverse complex"),
    _rule("transforms", transforms.derivatives_unchanged_under_jit, "traceable",
          run=lambda fn, args, entry, seed: transforms.derivatives_unchanged_under_jit(
              fn, args, seed=seed, forward=entry.forward_mode, reverse=entry.reverse_mode),
          share=SLOW_SHARE),
    _rule("transforms", transforms.vmap_grad_matches_per_example, "reverse traceable",
          batch=True),
)

FAMILIES = tuple(dict.fromkeys(rule.family for rule in RULES))

# The rules judged against the oracles: each runs ``harness.check``, whose report also holds the
# transposition and linearity identities, and the rules of an entry and dtype share one check
# per point. A suite over code that is not JAX's own (a library's models, losses and solvers)
# runs these.
ORACLE_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.oracle)
