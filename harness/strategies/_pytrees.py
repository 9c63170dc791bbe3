"""Pytrees of arrays, and tangents and cotangents shaped like a given pytree."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from hypothesis import strategies as st

from harness._errors import InvalidArgument
from harness.strategies._arrays import arrays

__all__ = ["cotangents", "pytrees", "tangents"]

_KEYS = ("a", "b", "c", "d")
_WIDEST_NODE = 3


def pytrees(leaves: st.SearchStrategy[Any], *, max_leaves: int = 4) -> st.SearchStrategy[Any]:
    """Strategy for nested dicts, lists and tuples whose leaves are drawn from ``leaves``.

    Shrinks towards a single leaf. Every container holds 1 to 3 children; dict keys are
    "a" to "d".

    Args:
        leaves: the strategy of one leaf, e.g. ``arrays("float32", (2,))``.
        max_leaves: the most leaves a tree holds, >= 1.

    Raises:
        InvalidArgument: ``leaves`` is not a strategy, or max_leaves is not an int >= 1.

    Example:
        >>> tree = pytrees(arrays("float32", (2,)), max_leaves=3).example()
        >>> 1 <= len(jax.tree_util.tree_leaves(tree)) <= 3
        True
    """
    if not isinstance(leaves, st.SearchStrategy):
        raise InvalidArgument(f"pytrees: leaves={leaves!r} is not a Hypothesis strategy; pass "
                              "the strategy of one leaf, e.g. arrays('float32', (2,))")
    if isinstance(max_leaves, (bool, np.bool_)) or not isinstance(max_leaves, numbers.Integral) \
            or max_leaves < 1:
        raise InvalidArgument(f"pytrees: max_leaves={max_leaves!r} must be an int >= 1")

    @st.composite
    def tree(draw: Callable[[st.SearchStrategy[Any]], Any], budget: int) -> Any:
        # A container splits its budget of leaves among 1 to 3 children; 0 picks a leaf.
        kind = draw(st.integers(0, 3)) if budget > 1 else 0
        if kind == 0:
            return draw(leaves)
        width = draw(st.integers(1, min(_WIDEST_NODE, budget)))
        shares = [1] * width
        for _ in range(budget - width):
            shares[draw(st.integers(0, width - 1))] += 1
        children = [draw(tree(draw(st.integers(1, share)))) for share in shares]
        if kind == 1:
            return children
        if kind == 2:
            return tuple(children)
        return dict(zip(_KEYS, children))

    return tree(int(max_leaves))


def tangents(tree: Any, *, max_magnitude: float = 10.0) -> st.SearchStrategy[Any]:
    """Strategy for tangents of the primal ``tree``: same structure and shapes, JAX's dtypes.

    A float or complex leaf gets a tangent of its own dtype, with elements of magnitude at most
    ``max_magnitude`` (both parts, for complex); an integer or bool leaf gets zeros of dtype
    ``jax.dtypes.float0``, as ``jax.jvp`` requires. Python scalars count as JAX sees them (a
    float is float32 unless x64 is enabled).

    Raises:
        InvalidArgument: a leaf that is not an array, a scalar or a ``jax.ShapeDtypeStruct``, or
            a max_magnitude that is not positive.

    Example:
        >>> t = tangents({"w": np.zeros(2, np.float32), "n": np.int32(3)}).example()
        >>> t["w"].dtype, t["n"].dtype
        (dtype('float32'), dtype([('float0', 'V')]))
    """
    return _directions("tangents", tree, max_magnitude)


def cotangents(tree: Any, *, max_magnitude: float = 10.0) -> st.SearchStrategy[Any]:
    """Strategy for cotangents of an output ``tree`` (values or ``jax.eval_shape``'s result).

    The same rules as ``tangents``: float and complex leaves keep their dtype, integer and bool
    leaves get float0 zeros, as ``jax.vjp``'s pullback expects.

    Example:
        >>> out = jax.eval_shape(lambda x: (x, x > 0), np.zeros(3, np.float32))
        >>> c, flags = cotangents(out).example()
        >>> c.dtype, flags.shape
        (dtype('float32'), (3,))
    """
    return _directions("cotangents", tree, max_magnitude)


def _directions(name: str, tree: Any, max_magnitude: float) -> st.SearchStrategy[Any]:
    if isinstance(max_magnitude, (bool, np.bool_)) or not isinstance(
            max_magnitude, numbers.Real) or not 0 < max_magnitude < float("inf"):
        raise InvalidArgument(f"{name}: max_magnitude={max_magnitude!r} must be a positive "
                              "finite number")
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    parts = [_direction(name, leaf, float(max_magnitude)) for leaf in leaves]
    return st.tuples(*parts).map(lambda drawn: jax.tree_util.tree_unflatten(treedef, drawn))


def _direction(name: str, leaf: Any, magnitude: float) -> st.SearchStrategy[np.ndarray]:
    if isinstance(leaf, (bool, numbers.Number)) and not hasattr(leaf, "dtype"):
        dtype = jax.dtypes.canonicalize_dtype(type(leaf))
        shape: tuple[int, ...] = ()
    elif hasattr(leaf, "dtype") and hasattr(leaf, "shape"):
        dtype, shape = np.dtype(leaf.dtype), tuple(leaf.shape)
    else:
        raise InvalidArgument(f"{name}: the leaf {leaf!r} is not an array, a scalar or a "
                              "jax.ShapeDtypeStruct; pytrees of those are what JAX "
                              "differentiates")
    if dtype == jax.dtypes.float0 or dtype.kind in "biu":
        return st.just(np.zeros(shape, dtype=jax.dtypes.float0))
    return arrays(dtype, shape, min_value=-magnitude, max_value=magnitude)
