"""Strategies for dtype names and array shapes, and the dtype checks the domains share."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness._errors import InvalidArgument

__all__ = ["dtypes", "shapes"]

REAL_NAMES = ("float16", "bfloat16", "float32", "float64")
COMPLEX_NAMES = ("complex64", "complex128")
_KNOWN = REAL_NAMES + COMPLEX_NAMES


def dtypes(
    *, real: bool = True, complex: bool = False, bfloat16: bool = False
) -> st.SearchStrategy[str]:
    """Strategy for the names of the float dtypes derivatives are checked in.

    Shrinks towards ``"float32"``, the first of the names it can draw.

    Args:
        real: draw "float32" and "float64".
        complex: draw "complex64" and "complex128".
        bfloat16: draw "bfloat16".

    Returns:
        A strategy of dtype names, in the order float32, float64, complex64, complex128,
        bfloat16 (those asked for).

    Raises:
        InvalidArgument: an option is not a bool, or every option is False.

    Example:
        >>> from hypothesis import find
        >>> find(dtypes(real=False, complex=True), lambda _: True)
        'complex64'
    """
    options = {"real": real, "complex": complex, "bfloat16": bfloat16}
    for name, value in options.items():
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidArgument(f"dtypes: {name}={value!r} is not a bool; pass True or False")
    names = (("float32", "float64") if real else ()) + (COMPLEX_NAMES if complex else ()) + (
        ("bfloat16",) if bfloat16 else ())
    if not names:
        raise InvalidArgument("dtypes: real, complex and bfloat16 are all False, so there is "
                              "no dtype to draw; set at least one of them to True")
    return st.sampled_from(names)


def shapes(
    *, min_dims: int = 0, max_dims: int = 2, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Strategy for array shapes, shrinking towards ``()`` (or the smallest allowed).

    Args:
        min_dims, max_dims: the number of dimensions, inclusive.
        min_side, max_side: the size of each dimension, inclusive.

    Returns:
        A strategy of tuples of ints.

    Raises:
        InvalidArgument: a negative or non-integer option, or a minimum above its maximum.

    Example:
        >>> from hypothesis import find
        >>> find(shapes(min_dims=2), lambda _: True)
        (1, 1)
    """
    values = {"min_dims": min_dims, "max_dims": max_dims, "min_side": min_side,
              "max_side": max_side}
    for name, value in values.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or value < 0:
            raise InvalidArgument(f"shapes: {name}={value!r} is not a non-negative int")
    for low, high in (("min_dims", "max_dims"), ("min_side", "max_side")):
        if values[low] > values[high]:
            raise InvalidArgument(f"shapes: {low}={values[low]} is above {high}={values[high]}; "
                                  f"pass {low} <= {high}")
    if max_dims > 32:
        raise InvalidArgument(f"shapes: max_dims={max_dims} is above numpy's limit of 32")
    return hnp.array_shapes(min_dims=int(min_dims), max_dims=int(max_dims),
                            min_side=int(min_side), max_side=int(max_side))


def float_dtype(dtype: npt.DTypeLike, domain: str, *, kind: str) -> np.dtype:
    """``dtype`` as a numpy dtype, checked to be a real or complex float (``kind="any"``), or of
    the one ``kind`` asked for (``"real"`` or ``"complex"``).

    Raises InvalidArgument naming ``domain`` otherwise.
    """
    try:
        dt = np.dtype(dtype)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        dt = None
    if dt is None or dtype is None or dt.name not in _KNOWN and dt != np.dtype(jnp.bfloat16):
        raise InvalidArgument(f"{domain}: unknown dtype {dtype!r}; pass one of "
                              f"{', '.join(_KNOWN)}")
    if kind not in ("any", "real", "complex"):
        raise ValueError(f"kind={kind!r}")
    if kind == "complex" and dt.kind != "c":
        raise InvalidArgument(
            f"{domain} draws complex numbers, but dtype={dt.name!r} is real; pass complex64 or "
            "complex128 (for real inputs use real_line, bounded or positive)")
    if kind == "real" and dt.kind == "c":
        raise InvalidArgument(
            f"{domain} draws real numbers, but dtype={dt.name!r} is complex; pass one of "
            f"{', '.join(REAL_NAMES)} (for complex inputs use complex_plane or "
            "away_from_branch_cuts)")
    return dt


def epsilon(dt: np.dtype) -> float:
    """The machine epsilon of a float or complex dtype."""
    return float(jnp.finfo(dt).eps)
