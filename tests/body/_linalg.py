"""The body's linear algebra (jax.numpy.linalg, jax.scipy.linalg) and FFTs (jax.numpy.fft).

Eigenvectors and singular vectors are defined up to a sign (a phase, for complex): functions
that return them are checked through what does not depend on that choice (the projections
``v v^H``, the products ``u v^H``), as a user who differentiates them must.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from ._domains import (
    COMPLEX,
    REAL,
    apart,
    box,
    entry,
    invertible,
    line,
    lower,
    nonzero_first,
    off,
    spd,
    static,
    svd_apart,
    symmetric,
)
from ._jax_bugs import EIGH_TRIDIAGONAL_JVP

BOTH = REAL + COMPLEX


def _projections(v):
    return jnp.einsum("...ik,...jk->...kij", v, v.conj())


def _eigh(a):
    w, v = jnp.linalg.eigh(a)
    return w, _projections(v)


def _scipy_eigh(a):
    w, v = jsl.eigh(a)
    return w, _projections(v)


def _svd(a):
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    return s, jnp.einsum("ik,kj->kij", u, vh)


def _scipy_svd(a):
    u, s, vh = jsl.svd(a, full_matrices=False)
    return s, jnp.einsum("ik,kj->kij", u, vh)


def _positive_qr(qr):
    def fn(a):
        q, r = qr(a)
        d = jnp.diagonal(r)
        phase = d / jnp.abs(d)
        return q * phase, r * jnp.conj(phase)[:, None]

    return fn


def _lu(a):
    p, lower_factor, upper = jsl.lu(a)
    return p @ lower_factor, upper


def _lu_solve(a, b):
    return jsl.lu_solve(jsl.lu_factor(a), b)


def _cho_solve(a, b):
    return jsl.cho_solve(jsl.cho_factor(a, lower=True), b)


def _polar(a):
    return jsl.polar(a)


SYM = {0: "symmetric"}
M, V = (3, 3), (3,)

LINALG = (
    entry("jnp.linalg.det", jnp.linalg.det, invertible(), dtypes=BOTH, order=2),
    entry("jnp.linalg.slogdet", lambda a: jnp.linalg.slogdet(a)[1], invertible(),
          dtypes=BOTH, order=2),
    entry("jnp.linalg.inv", jnp.linalg.inv, invertible(), dtypes=BOTH, order=2),
    entry("jnp.linalg.solve", jnp.linalg.solve, invertible(), line(V, cap=1e3), dtypes=BOTH,
          order=2),
    entry("jnp.linalg.cholesky", jnp.linalg.cholesky, spd(), dtypes=BOTH, tangents=SYM),
    entry("jnp.linalg.eigh", _eigh, symmetric(), dtypes=BOTH, tangents=SYM,
          kinks="repeated eigenvalues (kept 0.1 apart)"),
    entry("jnp.linalg.eigvalsh", jnp.linalg.eigvalsh, symmetric(), dtypes=BOTH, order=2,
          tangents=SYM),
    entry("jnp.linalg.eigvals", lambda a: jnp.sort_complex(jnp.linalg.eigvals(a)),
          symmetric(), tangents=SYM, domain="symmetric, eigenvalues 0.1 apart (real)"),
    entry("jnp.linalg.svd", _svd, svd_apart(), dtypes=BOTH),
    entry("jnp.linalg.svdvals", jnp.linalg.svdvals, svd_apart(), dtypes=BOTH, order=2),
    entry("jnp.linalg.qr", _positive_qr(jnp.linalg.qr), svd_apart(), dtypes=BOTH),
    entry("jnp.linalg.pinv", jnp.linalg.pinv, svd_apart(), dtypes=BOTH),
    entry("jnp.linalg.lstsq", lambda a, b: jnp.linalg.lstsq(a, b)[0], svd_apart(),
          line((4,), cap=1e3)),
    entry("jnp.linalg.cond", jnp.linalg.cond, svd_apart(3, 3)),
    entry("jnp.linalg.norm", jnp.linalg.norm, nonzero_first(M), dtypes=BOTH, order=2,
          kinks="0"),
    entry("jnp.linalg.matrix_norm", jnp.linalg.matrix_norm, nonzero_first(M), order=2,
          kinks="0"),
    entry("jnp.linalg.vector_norm", jnp.linalg.vector_norm, nonzero_first(V), order=2,
          kinks="0"),
    entry("jnp.linalg.matrix_power", lambda a, n: jnp.linalg.matrix_power(a, n),
          box(-2.0, 2.0, M), static((0, 1, 2, 3, 5)), dtypes=BOTH, order=2),
    entry("jnp.linalg.multi_dot", lambda a, b, c: jnp.linalg.multi_dot([a, b, c]),
          line((2, 3), cap=1e3), line((3, 4), cap=1e3), line((4, 2), cap=1e3), order=2),
    entry("jnp.linalg.tensorinv", lambda a: jnp.linalg.tensorinv(a.reshape(3, 3), ind=1),
          invertible()),
    entry("jnp.linalg.tensorsolve", jnp.linalg.tensorsolve, invertible(), line(V, cap=1e3)),
    entry("jnp.linalg.trace", jnp.linalg.trace, line(M), order=2),
    entry("jnp.linalg.diagonal", jnp.linalg.diagonal, line(M)),
    entry("jnp.linalg.outer", jnp.linalg.outer, line(V, 1e6), line(V, 1e6), order=2),
    entry("jnp.linalg.cross", jnp.linalg.cross, line(V, 1e6), line(V, 1e6), order=2),
    entry("jnp.linalg.matmul", jnp.linalg.matmul, line(M, 1e6), line(M, 1e6), order=2),
    entry("jnp.linalg.tensordot", jnp.linalg.tensordot, line(M, 1e3), line(M, 1e3),
          order=2),
    entry("jnp.linalg.vecdot", jnp.linalg.vecdot, line(M, 1e6), line(M, 1e6), order=2),
    entry("jnp.linalg.matrix_transpose", jnp.linalg.matrix_transpose, line(M)),
    entry("scipy.linalg.det", jsl.det, invertible(), dtypes=BOTH, order=2),
    entry("scipy.linalg.inv", jsl.inv, invertible(), dtypes=BOTH, order=2),
    entry("scipy.linalg.solve", jsl.solve, invertible(), line(V, cap=1e3), dtypes=BOTH),
    entry("scipy.linalg.solve_triangular",
          lambda a, b: jsl.solve_triangular(a, b, lower=True), lower(), line(V, cap=1e3),
          dtypes=BOTH, order=2),
    entry("scipy.linalg.cholesky", lambda a: jsl.cholesky(a, lower=True), spd(),
          dtypes=BOTH, tangents=SYM),
    entry("scipy.linalg.cho_factor", lambda a: jsl.cho_factor(a, lower=True)[0], spd(),
          tangents=SYM),
    entry("scipy.linalg.cho_solve", _cho_solve, spd(), line(V, cap=1e3), tangents=SYM),
    entry("scipy.linalg.lu", _lu, invertible(), dtypes=BOTH,
          domain="the row-permuted L and U: the pivoting is piecewise constant"),
    entry("scipy.linalg.lu_factor", lambda a: jsl.lu_factor(a)[0], invertible()),
    entry("scipy.linalg.lu_solve", _lu_solve, invertible(), line(V, cap=1e3), dtypes=BOTH),
    entry("scipy.linalg.eigh", _scipy_eigh, symmetric(), dtypes=BOTH, tangents=SYM),
    entry("scipy.linalg.svd", _scipy_svd, svd_apart(), dtypes=BOTH),
    entry("scipy.linalg.qr", _positive_qr(lambda a: jsl.qr(a, mode="economic")), svd_apart(),
          dtypes=BOTH),
    entry("scipy.linalg.expm", jsl.expm, box(-3.0, 3.0, M), dtypes=BOTH),
    entry("scipy.linalg.expm_frechet",
          lambda a, e: jsl.expm_frechet(a, e, compute_expm=False), box(-3.0, 3.0, M),
          box(-3.0, 3.0, M)),
    entry("scipy.linalg.polar", lambda a: jsl.polar(a)[0], svd_apart(3, 3)),
    entry("scipy.linalg.eigh_tridiagonal",
          lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True), line(V, cap=1e3),
          off(0.0, 0.1, -10.0, 10.0, shape=(2,)),
          domain="diagonal in [-1e3, 1e3], off-diagonal 0.1 from 0 (distinct eigenvalues)",
          xfail={"*": EIGH_TRIDIAGONAL_JVP}),
    entry("scipy.linalg.block_diag", jsl.block_diag, line((2, 2)), line((1, 3))),
    entry("scipy.linalg.circulant", jsl.circulant, line(V)),
    entry("scipy.linalg.toeplitz", jsl.toeplitz, line(V), line(V)),
    entry("scipy.linalg.hankel", jsl.hankel, line(V), line(V)),
    entry("scipy.linalg.companion", jsl.companion, nonzero_first((4,))),
    entry("scipy.linalg.fiedler", jsl.fiedler, apart(V)),
    entry("scipy.linalg.fiedler_companion", jsl.fiedler_companion, nonzero_first((4,))),
    entry("scipy.linalg.leslie", jsl.leslie, line(V), line((2,))),
    entry("scipy.linalg.convolution_matrix", lambda a: jsl.convolution_matrix(a, 4),
          line(V)),
)

FFT = tuple(
    entry(f"jnp.fft.{name}", getattr(jnp.fft, name), line(shape, cap=1e6), dtypes=dtypes)
    for name, shape, dtypes in (
        ("fft", (8,), BOTH), ("ifft", (8,), BOTH), ("fft2", (4, 4), BOTH),
        ("ifft2", (4, 4), BOTH), ("fftn", (2, 4), BOTH), ("ifftn", (2, 4), BOTH),
        ("rfft", (8,), REAL), ("irfft", (5,), BOTH), ("hfft", (5,), BOTH),
        ("ihfft", (8,), REAL), ("rfft2", (4, 4), REAL), ("irfft2", (4, 3), BOTH),
        ("rfftn", (2, 4), REAL), ("irfftn", (2, 3), BOTH), ("fftshift", (6,), BOTH),
        ("ifftshift", (6,), BOTH))
)
