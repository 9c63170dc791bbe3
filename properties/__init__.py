"""Named derivative properties: each checks one autodiff rule on a function at a point.

Every property is ``name(fn, args, *, seed=0, ...)``: it returns a ``harness.Report`` when the
rule holds and raises ``harness.DerivativeMismatch`` (an ``AssertionError``) with the report and
a reproducer when it does not. ``harness.UndefinedPoint`` means fn is not finite at the point,
``harness.NotApplicable`` that the rule does not exist for fn (forward mode of a custom_vjp).

>>> import numpy as np, jax.numpy as jnp, properties
>>> properties.jacfwd_matches_jacrev(jnp.tanh, (np.float32([0.5, 2.0]),)).ok
True

Families: ``grad``, ``jvp``, ``vjp``, ``jacobian``, ``hessian``, ``complex``, ``transforms``.
``RULES`` lists them all with the facts each needs, ``ORACLE_RULES`` those judged against
the oracles; ``tests_for`` turns catalog entries (your
own functions too) into pytest tests.
"""

from properties._pytest import tests_for as tests_for
from properties._registry import FAMILIES as FAMILIES
from properties._registry import ORACLE_RULES as ORACLE_RULES
from properties._registry import RULES as RULES
from properties._registry import Rule as Rule
from properties.complex import cauchy_riemann as cauchy_riemann
from properties.complex import complex_jvp_convention as complex_jvp_convention
from properties.complex import complex_vjp_convention as complex_vjp_convention
from properties.complex import holomorphic_grad_matches_oracle as holomorphic_grad_matches_oracle
from properties.complex import is_holomorphic as is_holomorphic
from properties.complex import real_of_complex_grad_convention as real_of_complex_grad_convention
from properties.grad import grad_argnums_agree as grad_argnums_agree
from properties.grad import grad_matches_oracle as grad_matches_oracle
from properties.grad import grad_pytree_matches_oracle as grad_pytree_matches_oracle
from properties.grad import has_aux_grad_matches as has_aux_grad_matches
from properties.grad import value_and_grad_matches as value_and_grad_matches
from properties.hessian import STRATEGIES as HVP_STRATEGIES
from properties.hessian import hessian_is_symmetric as hessian_is_symmetric
from properties.hessian import hvp as hvp
from properties.hessian import hvp_matches_oracle as hvp_matches_oracle
from properties.hessian import hvp_strategies_agree as hvp_strategies_agree
from properties.hessian import nth_derivative_matches_oracle as nth_derivative_matches_oracle
from properties.jacobian import jacfwd_matches_jacrev as jacfwd_matches_jacrev
from properties.jacobian import jacobian_matches_oracle as jacobian_matches_oracle
from properties.jacobian import vmap_jacobians_match_builtin as vmap_jacobians_match_builtin
from properties.jvp import jvp_is_linear as jvp_is_linear
from properties.jvp import jvp_matches_oracle as jvp_matches_oracle
from properties.jvp import jvp_primal_matches as jvp_primal_matches
from properties.transforms import derivatives_unchanged_under_jit as derivatives_unchanged_under_jit
from properties.transforms import vmap_grad_matches_per_example as vmap_grad_matches_per_example
from properties.vjp import jit_vjp_matches_eager as jit_vjp_matches_eager
from properties.vjp import jvp_vjp_transposition as jvp_vjp_transposition
from properties.vjp import vjp_matches_oracle as vjp_matches_oracle
from properties.vjp import vmap_jvp_matches_loop as vmap_jvp_matches_loop
from properties.vjp import vmap_vjp_matches_loop as vmap_vjp_matches_loop

__all__ = [
    "FAMILIES", "HVP_STRATEGIES", "ORACLE_RULES", "RULES", "Rule", "cauchy_riemann",
    "complex_jvp_convention", "complex_vjp_convention", "derivatives_unchanged_under_jit",
    "grad_argnums_agree", "grad_matches_oracle", "grad_pytree_matches_oracle",
    "has_aux_grad_matches",
    "hessian_is_symmetric", "holomorphic_grad_matches_oracle", "hvp", "hvp_matches_oracle",
    "hvp_strategies_agree", "is_holomorphic", "jacfwd_matches_jacrev", "jacobian_matches_oracle",
    "jit_vjp_matches_eager", "jvp_is_linear", "jvp_matches_oracle", "jvp_primal_matches",
    "jvp_vjp_transposition",
    "nth_derivative_matches_oracle", "real_of_complex_grad_convention", "tests_for",
    "value_and_grad_matches", "vjp_matches_oracle", "vmap_grad_matches_per_example",
    "vmap_jacobians_match_builtin", "vmap_jvp_matches_loop", "vmap_vjp_matches_loop",
]
