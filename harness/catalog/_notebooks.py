"""Catalog entries for every function of the two seed notebooks (``_seeds``)."""

from __future__ import annotations

import hypothesis.strategies as st
import jax.numpy as jnp

from harness.catalog import _seeds
from harness.catalog._arguments import arguments, component, scalar, vector
from harness.catalog._entry import COMPLEX, Entry
from harness.strategies import arrays, bounded, spd_matrices


def _logistic_parameters(dtype):
    return (bounded(dtype, (3,), -3.0, 3.0), bounded(dtype, (), -3.0, 3.0))


def _parameter_dict(dtype):
    return (st.fixed_dictionaries(dict(zip("Wb", _logistic_parameters(dtype)))),)


def _hvp_arguments(dtype):
    return (bounded(dtype, (2, 3), -3.0, 3.0), bounded(dtype, (2, 3), -3.0, 3.0))


def _with_rows(count, width):
    """The logistic parameters and a (count, width) matrix of covectors or tangents."""
    return lambda dtype: _logistic_parameters(dtype) + (bounded(dtype, (count, width), -3, 3),)


LOGISTIC = "W in [-3, 3]^3, b in [-3, 3]"

NOTEBOOKS: tuple[Entry, ...] = (
    Entry("seed.piecewise", _seeds.piecewise, scalar(0.05, 3.0), order=3, eager=True,
          kinks="x = 0", domain="x in [0.05, 3]",
          why="Python control flow; checked eagerly; third derivative 12 (kink at 0 kept out)"),
    Entry("seed.piecewise_negative", _seeds.piecewise, scalar(-3.0, -0.05), order=3,
          eager=True, kinks="x = 0", domain="x in [-3, -0.05]",
          why="the linear branch: derivatives 3, 0, 0"),
    Entry("seed.tanh", jnp.tanh, scalar(), order=3, domain="the real line",
          why="tanh and its derivatives at 2.0"),
    Entry("seed.sigmoid", _seeds.sigmoid, vector(-30.0, 30.0), order=2, domain="[-30, 30]^3"),
    Entry("seed.predict", _seeds.predict, _logistic_parameters, domain=LOGISTIC),
    Entry("seed.loss", _seeds.loss, _logistic_parameters, order=2, domain=LOGISTIC),
    Entry("seed.loss2", _seeds.loss2, _parameter_dict, order=2, domain=LOGISTIC,
          why="a dict of parameters"),
    Entry("seed.sum_tanh_squared", _seeds.sum_tanh_squared, vector(-5.0, 5.0, (3, 4)),
          order=2, domain="[-5, 5]^(3x4)"),
    Entry("seed.three_x_squared", _seeds.three_x_squared, vector(-100.0, 100.0, (2, 2)),
          domain="[-100, 100]^(2x2)"),
    Entry("seed.piecewise_try", _seeds.piecewise_try, scalar(-10.0, 10.0), eager=True,
          kinks="x = 3 (a jump: 54 from the left, 3 pi from the right)", domain="[-10, 10]",
          why="try/except around Python control flow"),
    Entry("seed.hvp_fwd_rev", _seeds.hvp_fwd_rev, _hvp_arguments, domain="[-3, 3]^(2x3) twice"),
    Entry("seed.hvp_rev_fwd", _seeds.hvp_rev_fwd, _hvp_arguments, domain="[-3, 3]^(2x3) twice"),
    Entry("seed.hvp_rev_rev", _seeds.hvp_rev_rev, _hvp_arguments, domain="[-3, 3]^(2x3) twice"),
    Entry("seed.squared_modulus", _seeds.squared_modulus, scalar(-10.0, 10.0), COMPLEX,
          domain="both parts in [-10, 10]",
          why="real function of a complex variable: grad at 3+4j is 6-8j"),
    Entry("seed.complex_sin", _seeds.complex_sin, scalar(-3.0, 3.0), COMPLEX, holomorphic=True,
          domain="both parts in [-3, 3]"),
    Entry("seed.conjugate", _seeds.conjugate, scalar(-10.0, 10.0), COMPLEX,
          domain="both parts in [-10, 10]", why="not holomorphic: checked as a map of R^2"),
    Entry("seed.cholesky_sin_residual", _seeds.cholesky_sin_residual,
          arguments(lambda d: spd_matrices(d, 3)), COMPLEX,
          domain="Hermitian positive definite 3x3, condition number <= 10"),
    Entry("seed.linear_complex_map", _seeds.linear_complex_map,
          arguments(lambda d: arrays(d, (), min_value=0.0, max_value=1.0),
                    lambda d: bounded(component(d), (4,), 0.0, 1.0)), COMPLEX,
          domain="both parts of z in [0, 1], coefficients in [0, 1]^4",
          why="the notebooks' JVP and VJP convention checks for C -> C"),
    # The notebooks' derivative programs, themselves differentiated.
    Entry("seed.predict_dict", _seeds.predict_dict, _parameter_dict, order=2, domain=LOGISTIC,
          why="predict of a dict of parameters"),
    Entry("seed.value_and_grad_loss", _seeds.value_and_grad_loss, _logistic_parameters,
          domain=LOGISTIC, why="value_and_grad with argnums=(0, 1): a tuple out"),
    Entry("seed.grad_loss2", _seeds.grad_loss2, _parameter_dict, domain=LOGISTIC,
          why="grad of a dict: the Hessian applied through dicts"),
    Entry("seed.jacfwd_predict", _seeds.jacfwd_predict, _logistic_parameters, domain=LOGISTIC),
    Entry("seed.jacrev_predict", _seeds.jacrev_predict, _logistic_parameters, domain=LOGISTIC),
    Entry("seed.jacrev_predict_dict", _seeds.jacrev_predict_dict, _parameter_dict,
          domain=LOGISTIC, why="a dict of Jacobians"),
    Entry("seed.hessian_predict", _seeds.hessian_predict, _logistic_parameters,
          domain=LOGISTIC, why="jacfwd(jacrev(f)), a third derivative of predict"),
    Entry("seed.vgrad", _seeds.vgrad_three_x_squared, vector(-100.0, 100.0, (2, 2)),
          domain="[-100, 100]^(2x2)", why="the VJP with a cotangent of ones"),
    Entry("seed.hvp_full_hessian", _seeds.hvp_full_hessian, _hvp_arguments,
          domain="[-3, 3]^(2x3) twice", why="tensordot of the materialized Hessian"),
    Entry("seed.vmap_mjp", _seeds.vmap_mjp, _with_rows(5, 4), domain=LOGISTIC + ", M in [-3, 3]"),
    Entry("seed.loop_mjp", _seeds.loop_mjp, _with_rows(5, 4), domain=LOGISTIC + ", M in [-3, 3]",
          why="the notebooks' loop, with the pullback's tuple unpacked"),
    Entry("seed.vmap_jmp", _seeds.vmap_jmp, _with_rows(5, 3), domain=LOGISTIC + ", S in [-3, 3]"),
    Entry("seed.loop_jmp", _seeds.loop_jmp, _with_rows(5, 3), domain=LOGISTIC + ", S in [-3, 3]"),
    Entry("seed.our_jacrev", _seeds.our_jacrev_predict, _logistic_parameters, domain=LOGISTIC),
    Entry("seed.our_jacfwd", _seeds.our_jacfwd_predict, _logistic_parameters, domain=LOGISTIC),
)
