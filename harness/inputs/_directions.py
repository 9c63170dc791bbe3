"""Random tangents, cotangents and perturbations, each from an explicit seed and a role name."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np


def generator(seed: int, *role: str | int) -> np.random.Generator:
    """A NumPy generator for one role (``"tangent", 0`` say), independent of every other role."""
    words = [int(seed) & 0xFFFFFFFF] + [
        zlib.crc32(r.encode()) if isinstance(r, str) else int(r) for r in role
    ]
    return np.random.default_rng(words)


# Significant bits of a random direction: few enough that its product with any step of the
# oracle (a power of two times an integer of up to 4 bits) is exact in float64
# (``harness.oracles._steps.power_of_two_at_most``).
DIRECTION_BITS = 48


def normal_like(rng: np.random.Generator, shape: Sequence[int], dtype: Any) -> np.ndarray:
    """Standard normal values of ``dtype`` (complex: unit variance split over both parts),
    rounded to ``DIRECTION_BITS`` significant bits.

    >>> v = normal_like(np.random.default_rng(0), (1000,), np.float64)
    >>> bool(np.all(np.ldexp(np.frexp(v)[0], DIRECTION_BITS) % 1 == 0))
    True
    """
    if jnp.issubdtype(dtype, jnp.complexfloating):
        value = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
        value = _rounded(value.real) + 1j * _rounded(value.imag)
    else:
        value = _rounded(rng.standard_normal(shape))
    return np.asarray(value).astype(dtype)


def _rounded(values: np.ndarray) -> np.ndarray:
    """float64 ``values`` rounded to ``DIRECTION_BITS`` significant bits."""
    mantissa, exponent = np.frexp(values)
    return np.ldexp(np.round(np.ldexp(mantissa, DIRECTION_BITS)), exponent - DIRECTION_BITS)


def normal_leaves(rng: np.random.Generator, like: Sequence[Any]) -> list[np.ndarray]:
    """One standard normal array per leaf of ``like`` (anything with shape and dtype)."""
    return [normal_like(rng, np.shape(x), x.dtype) for x in like]


def signs_like(rng: np.random.Generator, like: Sequence[Any]) -> list[np.ndarray]:
    """Random +1/-1 per element (int8), used to expose cancellation between Jacobian terms."""
    return [rng.choice(np.array([-1, 1], np.int8), size=np.shape(x)) for x in like]


class Flipped(Sequence):
    """The direction ``part * signs``, leaf by leaf, each leaf computed where it is asked
    for: at millions of parameters a flipped copy of a tangent is hundreds of megabytes,
    and the oracle's program flips the tangent itself.

    >>> d = Flipped([np.array([1.0, 2.0])], [np.array([-1, 1], np.int8)])
    >>> d[0].tolist(), len(d)
    ([-1.0, 2.0], 1)
    """

    def __init__(self, part: Sequence[np.ndarray], signs: Sequence[np.ndarray]):
        self.part, self.signs = list(part), list(signs)

    def __len__(self) -> int:
        return len(self.part)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        return self.part[i] * self.signs[i]
