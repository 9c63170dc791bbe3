"""The `Case` record of the corpus, and helpers its cases share: rules and point draws."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

REAL_TO_COMPLEX = {"float32": "complex64", "float64": "complex128"}


@dataclass(frozen=True)
class Case:
    """One function of the corpus: a wrong derivative rule (mutant) or a right function.

    Attributes:
        name: a readable id, e.g. "sin_jvp_sign_flipped".
        fn: the function under test; it takes positional arguments.
        make_args: `make_args(rng, dtype)` draws one point, a tuple of positional arguments
            (numpy arrays or pytrees of them) in `dtype`, "float32" or "float64"; complex cases
            draw the complex dtype of that precision (complex64, complex128).
        order: mutants: the lowest derivative order at which the rule is wrong (the checker
            must look that deep); right functions: how deep a checker may look.
        modes: "fwd" and/or "rev"; a custom_vjp has no forward mode.
        holomorphic: the function is complex differentiable.
        reference: mutants: the same primal with JAX's own (trusted) rules; right custom
            rules: a plain implementation whose JAX derivative they must equal.
        fixed_args: a point to check besides the draws (float64 or complex128 values that the
            case's dtype represents exactly: cast the leaves), for bugs random draws miss.
        dtypes: the precisions the case applies to.
        why: mutants: what is wrong; right functions: why the case is interesting.
    """

    name: str
    fn: Callable
    make_args: Callable[[np.random.Generator, str], tuple]
    order: int = 1
    modes: tuple[str, ...] = ("fwd", "rev")
    holomorphic: bool = False
    reference: Callable | None = None
    fixed_args: tuple | None = None
    dtypes: tuple[str, ...] = ("float32", "float64")
    why: str = ""


def normal(rng: np.random.Generator, dtype: str, shape=(), *, scale: float = 1.0) -> np.ndarray:
    """Standard normal draws times `scale`."""
    return np.asarray(scale * rng.standard_normal(shape), dtype=dtype)


def uniform(rng: np.random.Generator, dtype: str, shape=(), *, low: float, high: float):
    """Uniform draws on [low, high)."""
    return np.asarray(rng.uniform(low, high, shape), dtype=dtype)


def signed(rng: np.random.Generator, dtype: str, shape=(), *, low: float = 0.1, high: float = 3.0):
    """Draws whose magnitude is uniform on [low, high) and whose sign is random."""
    magnitude = rng.uniform(low, high, shape)
    return np.asarray(np.where(rng.random(shape) < 0.5, -magnitude, magnitude), dtype=dtype)


def complex_signed(rng: np.random.Generator, dtype: str, shape=(), *, low=0.1, high=2.0):
    """Complex draws in the precision of `dtype`, modulus on [low, high), uniform argument."""
    modulus = rng.uniform(low, high, shape)
    angle = rng.uniform(-np.pi, np.pi, shape)
    return np.asarray(modulus * np.exp(1j * angle), dtype=REAL_TO_COMPLEX[dtype])


def well_conditioned(rng: np.random.Generator, dtype: str, n: int = 3) -> np.ndarray:
    """A non-symmetric n x n matrix 3 I + E with |E| small: determinant near 3**n, no symmetry."""
    return np.asarray(3.0 * np.eye(n) + 0.5 * rng.standard_normal((n, n)), dtype=dtype)


def spd(rng: np.random.Generator, dtype: str, n: int = 3) -> np.ndarray:
    """A symmetric positive definite matrix B B^T + I, eigenvalues in about [1, 10]."""
    b = rng.standard_normal((n, n))
    return np.asarray(b @ b.T + np.eye(n), dtype=dtype)


def tiny_beside_ordinary(rng: np.random.Generator, dtype: str, n: int = 4) -> np.ndarray:
    """n signed values in [0.1, 3], one of them replaced by +-10^-e, e uniform in [22, 34]."""
    x = signed(rng, dtype, (n,))
    x[rng.integers(n)] = rng.choice([-1.0, 1.0]) * 10.0 ** -rng.uniform(22, 34)
    return x


def signed_vectors(n: int, *, low: float = 0.1, high: float = 3.0) -> Callable:
    """make_args for one array of n elements: magnitudes on [low, high), random signs."""
    return lambda rng, dtype: (signed(rng, dtype, (n,), low=low, high=high),)


def normal_arrays(*shape: int, scale: float = 1.0) -> Callable:
    """make_args for one array of the given shape, normal draws times `scale`."""
    return lambda rng, dtype: (normal(rng, dtype, shape, scale=scale),)


def complex_vectors(n: int) -> Callable:
    """make_args for one complex array of n elements, modulus on [0.3, 2)."""
    return lambda rng, dtype: (complex_signed(rng, dtype, (n,), low=0.3, high=2.0),)


# A fixed non-symmetric matrix (its transpose differs from it in every off-diagonal entry).
NON_SYMMETRIC_4X4 = np.array(
    [[0.9, -0.4, 0.3, 0.0], [0.7, 1.1, -0.5, 0.2], [-0.2, 0.6, 0.8, -0.9], [0.5, 0.1, 0.4, 1.2]]
)


def elementwise_jvp(primal: Callable, derivative: Callable) -> Callable:
    """`primal` with the custom JVP rule t -> derivative(x) * t."""
    fn = jax.custom_jvp(primal)

    @fn.defjvp
    def _jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return primal(x), derivative(x) * t

    return fn


def elementwise_vjp(primal: Callable, derivative: Callable) -> Callable:
    """`primal` with the custom VJP rule g -> g * derivative(x)."""
    fn = jax.custom_vjp(primal)
    fn.defvjp(lambda x: (primal(x), x), lambda x, g: (g * derivative(x),))
    return fn


def tanh_cumprod_scan(tanh: Callable) -> Callable:
    """x -> cumulative product of tanh(x) along axis 0, as a lax.scan whose body calls `tanh`."""

    def fn(x):
        def step(c, xi):
            c = c * tanh(xi)
            return c, c

        return lax.scan(step, jnp.ones((), x.dtype), x)[1]

    return fn
