"""lineax solves, differentiated in the operator and the right-hand side.

Direct solvers on well-conditioned matrices (LU, QR, SVD), Cholesky on SPD matrices (whose
tangents stay symmetric, as the positive-semidefinite tag promises), and conjugate gradients,
whose derivative is itself a solve: its stopping error is the noise the oracle must see.
"""

from __future__ import annotations

import pytest

lx = pytest.importorskip("lineax")

import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded, spd_matrices, well_conditioned_matrices  # noqa: E402

N = 3


def _solve(solver, *tags):
    def solve(matrix, vector):
        operator = lx.MatrixLinearOperator(matrix, tags)
        return lx.linear_solve(operator, vector, solver=solver).value
    return solve


def _tolerance(dtype):
    return 1e-5 if jnp.dtype(dtype) == jnp.float32 else 1e-12


def conjugate_gradient(matrix, vector):
    tolerance = _tolerance(matrix.dtype)
    operator = lx.MatrixLinearOperator(matrix, lx.positive_semidefinite_tag)
    solver = lx.CG(rtol=tolerance, atol=tolerance, max_steps=100)
    return lx.linear_solve(operator, vector, solver=solver).value


def _general(dtype):
    return well_conditioned_matrices(dtype, N, max_condition=10.0), bounded(dtype, (N,), -3, 3)


def _spd(dtype):
    return spd_matrices(dtype, N, max_condition=10.0), bounded(dtype, (N,), -3, 3)


ENTRIES = (
    Entry("lineax.LU", _solve(lx.LU()), _general, order=2),
    Entry("lineax.QR", _solve(lx.QR()), _general, order=2),
    Entry("lineax.SVD", _solve(lx.SVD()), _general),
    Entry("lineax.Cholesky", _solve(lx.Cholesky(), lx.positive_semidefinite_tag), _spd,
          tangents={0: "symmetric"}, order=2),
    Entry("lineax.CG", conjugate_gradient, _spd, tangents={0: "symmetric"}),
)

test_lineax = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)
