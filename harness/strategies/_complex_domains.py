"""Complex domains: the plane (or a disk of it), and the plane kept away from a branch cut.

Built on ``arrays``: the real and imaginary parts keep its value classes (zeros, small integers
and half-integers, tiny and large magnitudes, ties).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from harness._errors import InvalidArgument
from harness.strategies._arrays import arrays
from harness.strategies._domains import _number
from harness.strategies._dtypes import epsilon, float_dtype

__all__ = ["BRANCH_CUTS", "away_from_branch_cuts", "complex_plane"]

Shape = int | Sequence[int]

# A cut is a union of segments on the real ("real") or imaginary ("imag") axis.
BRANCH_CUTS: dict[str, tuple[tuple[str, float, float], ...]] = {
    # log, sqrt, power with a non-integer exponent
    "negative_real": (("real", -math.inf, 0.0),),
    # log1p
    "below_minus_one": (("real", -math.inf, -1.0),),
    # arccosh
    "below_one": (("real", -math.inf, 1.0),),
    # arcsin, arccos, arctanh
    "outside_unit_interval": (("real", -math.inf, -1.0), ("real", 1.0, math.inf)),
    # arctan, arcsinh
    "outside_unit_imaginary": (("imag", -math.inf, -1.0), ("imag", 1.0, math.inf)),
    # the origin alone: |z|, z / |z| and other functions singular only there
    "origin": (("real", 0.0, 0.0),),
}


def complex_plane(
    dtype: npt.DTypeLike, shape: Shape = (), *, radius: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for complex arrays, anywhere in the plane or in the disk ``|z| <= radius``.

    Points drawn outside the disk are moved onto its edge along their ray, so the edge is
    among the edge cases.

    Args:
        dtype: complex64 or complex128.
        shape: the array shape.
        radius: if given, every element has ``|z| <= radius``; otherwise the real and the
            imaginary parts stay within the cap of ``arrays`` (1e15).

    Raises:
        InvalidArgument: a real or unknown dtype, or a radius that is not positive.

    Example:
        >>> z = complex_plane("complex64", (3,), radius=2.0).example()
        >>> bool(abs(z).max() <= 2.0)
        True
    """
    dt = float_dtype(dtype, "complex_plane", kind="complex")
    if radius is None:
        return arrays(dt, shape)
    r = _radius("complex_plane", radius)
    return arrays(dt, shape, min_value=-r, max_value=r).map(lambda z: _into_disk(z, r))


def away_from_branch_cuts(
    dtype: npt.DTypeLike, shape: Shape = (), *, cut: str = "negative_real", margin: float = 0.1,
    radius: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for complex arrays at least ``margin`` away from a branch cut.

    Cuts, by name (``BRANCH_CUTS``):

    - ``"negative_real"``: (-inf, 0], for log, sqrt and non-integer powers;
    - ``"below_minus_one"``: (-inf, -1], for log1p;
    - ``"below_one"``: (-inf, 1], for arccosh;
    - ``"outside_unit_interval"``: the real axis outside (-1, 1), for arcsin, arccos, arctanh;
    - ``"outside_unit_imaginary"``: the imaginary axis outside (-i, i), for arctan, arcsinh;
    - ``"origin"``: the point 0 alone, for |z| and functions singular only there.

    A point drawn from ``complex_plane(dtype, shape, radius=radius)`` that lies closer than
    ``margin`` to the cut is pushed straight away from its nearest point of the cut to distance
    ``margin`` (a point on the cut goes to the side of the sign of its imaginary part, so -0.0
    reaches the lower side): points just off the cut, on both sides, are among the edge cases.
    Moved points may lie up to ``margin`` outside the disk.

    Args:
        dtype: complex64 or complex128.
        shape: the array shape.
        cut: the name of the cut.
        margin: the distance kept from the cut, > 0 (below 1 for the two-piece cuts).
        radius: as for ``complex_plane``.

    Raises:
        InvalidArgument: a real or unknown dtype, an unknown cut, or a bad margin or radius.

    Example:
        >>> z = away_from_branch_cuts("complex128", (4,), cut="negative_real", margin=0.1,
        ...                           radius=3.0).example()
        >>> bool(np.all((z.real > 0) | (abs(z.imag) >= 0.1)))
        True
    """
    name = "away_from_branch_cuts"
    dt = float_dtype(dtype, name, kind="complex")
    if not isinstance(cut, str) or cut not in BRANCH_CUTS:
        raise InvalidArgument(f"{name}: unknown cut={cut!r}; pass one of "
                              f"{', '.join(repr(c) for c in BRANCH_CUTS)}")
    m = _number(name, "margin", margin)
    segments = BRANCH_CUTS[cut]
    if m <= 0 or (len(segments) > 1 and m >= 1):
        limit = " and below 1 (half the distance between its two pieces)" if len(
            segments) > 1 else ""
        raise InvalidArgument(f"{name}: margin={margin!r} for cut={cut!r} must be positive"
                              f"{limit}")
    plane = arrays(dt, shape) if radius is None else complex_plane(dt, shape, radius=radius)
    return plane.map(lambda z: _off_cut(z, segments, m))


def distance_to_cut(z: np.ndarray, cut: str) -> np.ndarray:
    """Distance from each element of ``z`` to the named branch cut, in float64."""
    w = np.asarray(z, dtype=np.complex128)
    return np.min([abs(_axis(w, axis) - _nearest(_axis(w, axis), a, b))
                   for axis, a, b in BRANCH_CUTS[cut]], axis=0)


def _axis(w: np.ndarray, axis: str) -> np.ndarray:
    """``w`` rotated so that the cut's axis is the real axis."""
    return w if axis == "real" else w * -1j


def _nearest(w: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.clip(w.real, a, b).astype(np.complex128)


def _off_cut(z: np.ndarray, segments: tuple[tuple[str, float, float], ...],
             margin: float) -> np.ndarray:
    dt = z.dtype
    eps = epsilon(dt)
    w = z.astype(np.complex128)
    for axis, a, b in segments:
        v = _axis(w, axis)
        for attempt in range(8):
            p = _nearest(v, a, b)
            d = np.abs(v - p)
            # Rounding to dt acts on each part, so it commutes with the rotation by -i.
            rounded_v = v.astype(dt).astype(np.complex128)
            close = np.abs(rounded_v - _nearest(rounded_v, a, b)) < margin
            if not close.any():
                break
            side = np.where(np.signbit(v.imag), -1j, 1j)
            unit = np.where(d > 0, (v - p) / np.where(d > 0, d, 1.0), side)
            target = margin + (4 << attempt) * eps * (np.abs(p) + margin)
            v = np.where(close, p + unit * target, v)
        w = v if axis == "real" else v * 1j
    return w.astype(dt)


def _into_disk(z: np.ndarray, radius: float) -> np.ndarray:
    dt = z.dtype
    eps = epsilon(dt)
    w = z.astype(np.complex128)
    for attempt in range(8):
        size = np.abs(w.astype(dt).astype(np.complex128))
        outside = size > radius
        if not outside.any():
            break
        shrink = radius / np.where(outside, size, 1.0) * (1 - (2 << attempt) * eps)
        w = np.where(outside, w * shrink, w)
    return w.astype(dt)


def _radius(domain: str, radius: object) -> float:
    r = _number(domain, "radius", radius)
    if r <= 0:
        raise InvalidArgument(f"{domain}: radius={radius!r} must be positive; pass None for "
                              "the whole plane")
    return r
