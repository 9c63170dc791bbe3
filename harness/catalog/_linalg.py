"""Catalog entries for linear algebra: products, solves, factorizations and matrix functions.

Eigenvectors and singular vectors are defined only up to a sign (a phase, for complex), so the
entries return what does not depend on that choice: eigenvalues and the projections ``v v^H``,
singular values and the rank-one components ``u v^H``.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from harness.catalog._arguments import arguments, box, lower_triangular, vector
from harness.catalog._entry import COMPLEX, REAL, Entry
from harness.strategies import (
    bounded,
    distinct_singular_values,
    spd_matrices,
    symmetric_distinct_eigenvalues,
    well_conditioned_matrices,
)

BOTH = REAL + COMPLEX
SPD = "symmetric positive definite 3x3, condition number <= 10"
INVERTIBLE = "3x3 with condition number <= 10"


def _spd(dtype):
    return (spd_matrices(dtype, 3),)


def _invertible(dtype):
    return (well_conditioned_matrices(dtype, 3),)


def solve(a, b):
    """``jnp.linalg.solve(a, b)``."""
    return jnp.linalg.solve(a, b)


def log_abs_det(a):
    """The second output of ``slogdet``: log |det a|."""
    return jnp.linalg.slogdet(a)[1]


def eigh_invariants(a):
    """Eigenvalues of a Hermitian matrix and the projections ``v_k v_k^H`` on its eigenvectors."""
    w, v = jnp.linalg.eigh(a)
    return w, jnp.einsum("ik,jk->kij", v, v.conj())


def svd_invariants(a):
    """Singular values and the rank-one components ``u_k v_k^H`` (reduced SVD)."""
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    return s, jnp.einsum("ik,kj->kij", u, vh)


def singular_values(a):
    """``svd(a, compute_uv=False)``."""
    return jnp.linalg.svd(a, compute_uv=False)


def qr_positive(a):
    """The reduced QR decomposition with R's diagonal made positive (real): the unique one.

    LAPACK's Householder QR picks the sign of each diagonal entry of R from the data, and the
    choice flips where a column is already zero below the diagonal (an upper triangular
    matrix), so ``jnp.linalg.qr`` itself jumps there; the normalized factors do not.
    """
    q, r = jnp.linalg.qr(a)
    d = jnp.diagonal(r)
    phase = d / jnp.abs(d)
    return q * phase, r * jnp.conj(phase)[:, None]


def solve_lower_triangular(lower, b):
    """``solve_triangular(lower, b, lower=True)``."""
    return jsl.solve_triangular(lower, b, lower=True)


def scipy_cholesky(a):
    """``jax.scipy.linalg.cholesky(a, lower=True)``: reads only the lower triangle of a.

    The function is defined on symmetric matrices, and JAX's JVP takes the tangent as
    symmetric too (by design: JAX PR #356, issue #10815), so its derivative along a
    non-symmetric tangent is not that of "the lower triangle only". The catalog checks it
    along symmetric tangents.
    """
    return jsl.cholesky(a, lower=True)


def cholesky_solve(a, b):
    """``cho_solve(cho_factor(a), b)``: solve through the Cholesky factor."""
    return jsl.cho_solve(jsl.cho_factor(a, lower=True), b)


LINALG: tuple[Entry, ...] = (
    Entry("matmul", jnp.matmul,
          arguments(lambda d: bounded(d, (3, 4), -10.0, 10.0),
                    lambda d: bounded(d, (4, 2), -10.0, 10.0)), order=2,
          domain="[-10, 10]^(3x4) times [-10, 10]^(4x2)"),
    Entry("solve", solve, lambda dtype: _spd(dtype) + vector(-3.0, 3.0)(dtype),
          domain=SPD + ", b in [-3, 3]^3"),
    Entry("solve_general", solve,
          arguments(lambda d: well_conditioned_matrices(d, 3), box((3, 2), -3.0, 3.0)), BOTH,
          order=2,
          domain=INVERTIBLE + ", b in [-3, 3]^(3x2)"),
    Entry("inv", jnp.linalg.inv, _invertible, BOTH, order=2, domain=INVERTIBLE),
    Entry("det", jnp.linalg.det, _invertible, BOTH, order=2, domain=INVERTIBLE),
    Entry("slogdet", log_abs_det, _spd, domain=SPD),
    Entry("slogdet_general", log_abs_det, _invertible, order=2,
          domain=INVERTIBLE + ", either sign of the determinant"),
    Entry("cholesky", jnp.linalg.cholesky, _spd, domain=SPD),
    Entry("cholesky_solve", cholesky_solve, lambda dtype: _spd(dtype) + vector(-3.0, 3.0)(dtype),
          domain=SPD + ", b in [-3, 3]^3", tangents={0: "symmetric"},
          why="cho_factor reads only the lower triangle, and its rule takes the tangent as "
              "symmetric, by design (the function is defined on symmetric matrices)"),
    Entry("scipy_cholesky", scipy_cholesky, _spd, domain=SPD, tangents={0: "symmetric"},
          why="reads only the lower triangle; defined on symmetric matrices, so checked along "
              "symmetric tangents (JAX's rule symmetrizes the tangent by design)"),
    Entry("solve_triangular", solve_lower_triangular,
          arguments(lower_triangular(3), box((3, 2), -3.0, 3.0)), BOTH,
          order=2, domain="lower triangular 3x3, diagonal in [1, 3], b in [-3, 3]^(3x2)",
          why="the upper triangle is ignored: its derivative is zero"),
    Entry("qr", qr_positive, arguments(lambda d: distinct_singular_values(d, 4, 3, gap=0.3)),
          BOTH, kinks="rank deficiency; LAPACK's sign choice (normalized away)",
          domain="4x3 with singular values >= 0.3 (full rank)",
          why="Q and R with R's diagonal made positive, which makes them unique"),
    Entry("eigh", eigh_invariants,
          arguments(lambda d: symmetric_distinct_eigenvalues(d, 3, gap=0.5)), BOTH,
          kinks="repeated eigenvalues", domain="symmetric 3x3, eigenvalues 0.5 apart",
          why="eigenvalues and eigenprojections: independent of the eigenvectors' signs"),
    Entry("eigvalsh", jnp.linalg.eigvalsh,
          arguments(lambda d: symmetric_distinct_eigenvalues(d, 4, gap=0.5)), BOTH, order=2,
          kinks="repeated eigenvalues", domain="symmetric 4x4, eigenvalues 0.5 apart"),
    Entry("svd", svd_invariants,
          arguments(lambda d: distinct_singular_values(d, 4, 3, gap=0.5)), BOTH,
          kinks="repeated or zero singular values",
          domain="4x3, singular values >= 0.5 and 0.5 apart",
          why="singular values and the components u v^H: independent of the vectors' signs"),
    Entry("svdvals", singular_values,
          arguments(lambda d: distinct_singular_values(d, 3, 4, gap=0.5)), BOTH, order=2,
          kinks="repeated or zero singular values",
          domain="3x4, singular values >= 0.5 and 0.5 apart"),
    Entry("pinv", jnp.linalg.pinv,
          arguments(lambda d: distinct_singular_values(d, 4, 3, gap=0.3)),
          kinks="rank changes", domain="4x3 with singular values >= 0.3 (full rank)"),
    Entry("expm", jsl.expm, arguments(lambda d: bounded(d, (3, 3), -1.0, 1.0)),
          domain="[-1, 1]^(3x3)"),
)
