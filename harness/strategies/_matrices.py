"""Matrix domains: the matrices where linear-algebra derivatives exist and are well conditioned.

Each matrix is built in float64 (complex128) from values ``arrays`` draws, then rounded once to
the dtype; the guarantees below allow for that rounding. Real dtypes give real symmetric and
orthogonal matrices, complex dtypes Hermitian and unitary ones. ``batch`` prepends dimensions.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from harness._errors import InvalidArgument
from harness.strategies._arrays import arrays
from harness.strategies._domains import _number
from harness.strategies._dtypes import epsilon, float_dtype

__all__ = [
    "distinct_singular_values",
    "orthogonal_matrices",
    "spd_matrices",
    "symmetric_distinct_eigenvalues",
    "well_conditioned_matrices",
]

# Range of the smallest drawn eigenvalue, and of the extra spacing added to ``gap``.
_FIRST_EIGENVALUE = 3.0
_EXTRA_SPACING = 2.0


def spd_matrices(
    dtype: npt.DTypeLike, n: int, *, batch: Sequence[int] = (), max_condition: float = 10.0,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for symmetric (Hermitian) positive definite ``n x n`` matrices.

    ``A A^H + c I`` with A's entries drawn in [-1, 1] (both parts, for complex) and ``c`` chosen
    so that the condition number is at most ``max_condition``.

    Args:
        dtype: a float or complex dtype.
        n: the matrix size, >= 1.
        batch: leading batch dimensions.
        max_condition: the largest condition number (> 1).

    Raises:
        InvalidArgument: an unknown dtype, a bad size or batch, or max_condition <= 1.

    Example:
        >>> a = spd_matrices("float64", 3).example()
        >>> bool(np.linalg.eigvalsh(a).min() > 0)
        True
    """
    name = "spd_matrices"
    dt = float_dtype(dtype, name, kind="any")
    shape = (*_shape(name, batch, n=n), n)
    k = _condition(name, max_condition)
    bound = n * n * (2.0 if dt.kind == "c" else 1.0)  # >= ||A||_2^2
    shift = bound / (k - 1.0)

    def build(a: np.ndarray) -> np.ndarray:
        w = _wide(a)
        return _hermitian(w @ _h(w) + shift * np.eye(n), dt)

    return arrays(dt, shape, min_value=-1.0, max_value=1.0).map(build)


def orthogonal_matrices(
    dtype: npt.DTypeLike, n: int, *, batch: Sequence[int] = (),
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for orthogonal (unitary, for complex dtypes) ``n x n`` matrices.

    The Q of the QR decomposition of a drawn matrix, with the signs (phases) of R's diagonal
    moved into Q so that Q is unique.

    Example:
        >>> q = orthogonal_matrices("float64", 3).example()
        >>> bool(np.allclose(q.T @ q, np.eye(3)))
        True
    """
    name = "orthogonal_matrices"
    dt = float_dtype(dtype, name, kind="any")
    shape = (*_shape(name, batch, n=n), n)
    return arrays(dt, shape, min_value=-1.0, max_value=1.0).map(
        lambda a: _orthogonal(_wide(a)).astype(dt))


def well_conditioned_matrices(
    dtype: npt.DTypeLike, n: int, *, batch: Sequence[int] = (), max_condition: float = 10.0,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for invertible ``n x n`` matrices with condition number <= ``max_condition``.

    ``Q (c I + B)``: B's entries drawn in [-1, 1], c large enough for the bound, Q orthogonal
    (unitary) drawn as in ``orthogonal_matrices``; the determinant takes both signs.

    Example:
        >>> a = well_conditioned_matrices("float32", 3, max_condition=5.0).example()
        >>> bool(np.linalg.cond(a.astype(np.float64)) <= 5.001)
        True
    """
    name = "well_conditioned_matrices"
    dt = float_dtype(dtype, name, kind="any")
    shape = (*_shape(name, batch, n=n), n)
    k = _condition(name, max_condition)
    norm = n * (np.sqrt(2.0) if dt.kind == "c" else 1.0)  # >= ||B||_2
    shift = norm * (k + 1.0) / (k - 1.0)
    part = arrays(dt, shape, min_value=-1.0, max_value=1.0)

    def build(drawn: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        b, q = (_wide(x) for x in drawn)
        return (_orthogonal(q) @ (shift * np.eye(n) + b)).astype(dt)

    return st.tuples(part, part).map(build)


def symmetric_distinct_eigenvalues(
    dtype: npt.DTypeLike, n: int, *, gap: float, batch: Sequence[int] = (),
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for symmetric (Hermitian) matrices whose eigenvalues are at least ``gap`` apart.

    ``Q diag(l) Q^H`` with Q as in ``orthogonal_matrices``, the smallest eigenvalue in [-3, 3]
    and each next one ``gap`` plus [0, 2] above it (plus what rounding to the dtype can take).

    Example:
        >>> a = symmetric_distinct_eigenvalues("float64", 3, gap=0.5).example()
        >>> bool(np.diff(np.linalg.eigvalsh(a)).min() >= 0.5)
        True
    """
    name = "symmetric_distinct_eigenvalues"
    dt = float_dtype(dtype, name, kind="any")
    shape = (*_shape(name, batch, n=n), n)
    g = _gap(name, gap)
    largest = _FIRST_EIGENVALUE + (n - 1) * (g + _EXTRA_SPACING)
    slack = 8 * n * epsilon(dt) * largest  # eigenvalues move by at most ||rounding||_2
    first = arrays(np.float64, (*shape[:-2], 1), min_value=-_FIRST_EIGENVALUE,
                   max_value=_FIRST_EIGENVALUE)
    steps = arrays(np.float64, (*shape[:-2], n - 1), min_value=0.0, max_value=_EXTRA_SPACING)
    q = arrays(dt, shape, min_value=-1.0, max_value=1.0)

    def build(drawn: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        lowest, extra, base = drawn
        values = np.cumsum(np.concatenate([lowest, extra + g + slack], axis=-1), axis=-1)
        vectors = _orthogonal(_wide(base))
        return _hermitian((vectors * values[..., None, :]) @ _h(vectors), dt)

    return st.tuples(first, steps, q).map(build)


def distinct_singular_values(
    dtype: npt.DTypeLike, m: int, n: int, *, gap: float, batch: Sequence[int] = (),
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for ``m x n`` matrices whose singular values are >= ``gap`` and ``gap`` apart.

    ``U diag(s) V^H`` with U, V as in ``orthogonal_matrices``; the smallest singular value is
    ``gap`` plus [0, 2], each next one ``gap`` plus [0, 2] above it.

    Example:
        >>> a = distinct_singular_values("float64", 3, 2, gap=0.5).example()
        >>> s = np.linalg.svd(a, compute_uv=False)
        >>> bool(s.min() >= 0.5 and abs(np.diff(s)).min() >= 0.5)
        True
    """
    name = "distinct_singular_values"
    dt = float_dtype(dtype, name, kind="any")
    shape = _shape(name, batch, m=m, n=n)
    g = _gap(name, gap)
    k = min(m, n)
    largest = k * (g + _EXTRA_SPACING)
    slack = 8 * max(m, n) * epsilon(dt) * largest
    steps = arrays(np.float64, (*shape[:-2], k), min_value=0.0, max_value=_EXTRA_SPACING)
    left = arrays(dt, (*shape[:-2], m, m), min_value=-1.0, max_value=1.0)
    right = arrays(dt, (*shape[:-2], n, n), min_value=-1.0, max_value=1.0)

    def build(drawn: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        extra, u, v = drawn
        values = np.cumsum(extra + g + slack, axis=-1)[..., ::-1]
        us, vs = _orthogonal(_wide(u))[..., :k], _orthogonal(_wide(v))[..., :k]
        return ((us * values[..., None, :]) @ _h(vs)).astype(dt)

    return st.tuples(steps, left, right).map(build)


def _wide(a: np.ndarray) -> np.ndarray:
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _h(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def _hermitian(a: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``a`` made exactly Hermitian, then rounded (rounding keeps it Hermitian)."""
    a = (a + _h(a)) / 2
    if a.dtype.kind == "c":
        i = np.arange(a.shape[-1])
        a[..., i, i] = a[..., i, i].real
    return a.astype(dt)


def _orthogonal(a: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(a)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    size = np.abs(d)
    phase = np.where(size > 0, d / np.where(size > 0, size, 1.0), 1.0)
    return q * phase[..., None, :]


def _shape(name: str, batch: Sequence[int], **sizes: int) -> tuple[int, ...]:
    """``batch`` followed by the matrix ``sizes``, each checked."""
    for label, size in sizes.items():
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral) \
                or size < 1:
            raise InvalidArgument(f"{name}: {label}={size!r} must be an int >= 1")
    if isinstance(batch, (int, np.integer)):
        batch = (batch,)
    if not isinstance(batch, Sequence) or any(
            isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Integral) or b < 0
            for b in batch):
        raise InvalidArgument(f"{name}: batch={batch!r} must be a tuple of non-negative ints")
    return (*(int(b) for b in batch), *(int(c) for c in sizes.values()))


def _condition(name: str, value: object) -> float:
    k = _number(name, "max_condition", value)
    if k <= 1:
        raise InvalidArgument(f"{name}: max_condition={value!r} must be above 1 (the condition "
                              "number of the identity)")
    return k


def _gap(name: str, value: object) -> float:
    g = _number(name, "gap", value)
    if g <= 0:
        raise InvalidArgument(f"{name}: gap={value!r} must be positive")
    return g
