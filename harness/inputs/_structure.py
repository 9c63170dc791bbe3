"""Functions defined on structured matrices: the tangents that stay on the structure.

``jax.scipy.linalg.cholesky(a)`` is defined on symmetric ``a``: its JVP treats every tangent as
symmetric, by design, so a random (non-symmetric) tangent "finds" a wrong derivative that is
not there. Declaring the structure checks such a function along the tangents it is defined for:
the function checked is ``fn(P(x))``, with ``P`` the projection on the structure (for
"symmetric", ``(a + a^T) / 2``), so every direction ``t`` becomes ``P(t)`` and every finite
difference stays on structured inputs. At a structured point ``x == P(x)``, and the derivative
of ``fn(P(x))`` along ``t`` is the derivative of ``fn`` along ``P(t)``.

>>> import numpy as np, jax.scipy.linalg as jsl
>>> a = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> g = on_structure(jsl.cholesky, {0: "symmetric"})
>>> bool(np.allclose(g(a), jsl.cholesky(a)))
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import InvalidArgument


def _symmetric(a):
    return (a + jnp.swapaxes(a, -1, -2)) / 2


def _hermitian(a):
    return (a + jnp.conj(jnp.swapaxes(a, -1, -2))) / 2


def _lower(a):
    return jnp.tril(a)


def _upper(a):
    return jnp.triu(a)


def _diagonal(a):
    return a * jnp.eye(a.shape[-1], dtype=a.dtype)


PROJECTIONS: dict[str, Callable] = {
    "symmetric": _symmetric,  # a == a^T (complex symmetric for complex a)
    "hermitian": _hermitian,  # a == a^H
    "lower": _lower,  # lower triangular
    "upper": _upper,  # upper triangular
    "diagonal": _diagonal,
}
# Projections that are not complex linear: a holomorphic check cannot use them.
NOT_HOLOMORPHIC = ("hermitian",)


@dataclasses.dataclass(frozen=True)
class OnStructure:
    """``fn`` with some positional arguments projected on a structure before the call.

    ``structures`` holds (argument index, structure name or projection) pairs. Equal wrappers
    of the same function hash alike, so compiled programs are shared across points.
    """

    fn: Callable
    structures: tuple[tuple[int, str | Callable], ...]

    def __call__(self, *args):
        args = list(args)
        for index, structure in self.structures:
            if index >= len(args):
                raise InvalidArgument(
                    f"tangents names argument {index}, but fn was called with {len(args)} "
                    "positional arguments; number the arguments from 0.")
            args[index] = jax.tree_util.tree_map(
                lambda leaf, s=structure, i=index: _project(leaf, s, i), args[index])
        return self.fn(*args)

    @property
    def __name__(self) -> str:  # reports name the function being checked
        return getattr(self.fn, "__qualname__", None) or getattr(self.fn, "__name__", "fn")


def on_structure(fn: Callable, tangents: Mapping[int, str | Callable] | Sequence) -> OnStructure:
    """``fn`` restricted to structured arguments: see the module docstring.

    Args:
        fn: the function.
        tangents: argument index -> structure, as a dict, or a sequence with one entry per
            argument (None for a free argument). A structure is one of "symmetric",
            "hermitian", "lower", "upper", "diagonal" (over the last two axes, so batches of
            matrices work), or a linear projection ``P`` with ``P(P(x)) == P(x)``.

    Raises:
        InvalidArgument: an unknown structure or an index that is not an int.
    """
    return OnStructure(fn, normalize(tangents))


def normalize(tangents: Any) -> tuple[tuple[int, str | Callable], ...]:
    """``tangents`` as sorted (index, structure) pairs, validated."""
    if isinstance(tangents, OnStructure) or isinstance(tangents, str):
        raise InvalidArgument(
            f"tangents={tangents!r} must map argument indices to structures, e.g. "
            "tangents={0: 'symmetric'} for a function of a symmetric matrix.")
    if isinstance(tangents, Mapping):
        pairs = list(tangents.items())
    elif isinstance(tangents, Sequence):
        pairs = [(i, s) for i, s in enumerate(tangents) if s is not None]
    else:
        raise InvalidArgument(
            f"tangents must be a dict of argument index -> structure, or a sequence with one "
            f"structure (or None) per argument; got {type(tangents).__name__}.")
    for index, structure in pairs:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise InvalidArgument(
                f"tangents key {index!r} must be the index of a positional argument (0, 1, ...)")
        if not (structure in PROJECTIONS or callable(structure)):
            raise InvalidArgument(
                f"tangents[{index}] = {structure!r} is not a structure: use one of "
                f"{', '.join(map(repr, PROJECTIONS))}, or a linear projection P(x) with "
                "P(P(x)) == P(x).")
    if not pairs:
        raise InvalidArgument("tangents names no argument: leave it out for free tangents")
    return tuple(sorted((int(i), s) for i, s in pairs))


def _project(leaf: Any, structure: str | Callable, index: int):
    if not callable(structure):
        shape = np.shape(leaf)
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise InvalidArgument(
                f"tangents[{index}] = {structure!r} needs square matrices (the last two axes), "
                f"but args[{index}] has a leaf of shape {shape}.")
        return PROJECTIONS[structure](leaf)
    return structure(leaf)


def _structure_text(structure: str | Callable) -> str:
    if isinstance(structure, str):
        return repr(structure)
    return getattr(structure, "__qualname__", None) or repr(structure)


def project_point(args: tuple, structures, *, holomorphic: bool) -> tuple[tuple, list[str]]:
    """The point with structured arguments projected, and notes; raises if one is far off.

    A point that is structured up to a few rounding errors (``A A^T`` computed in floating
    point) is projected exactly, with a note; one that is not structured is refused, since the
    check would be of ``fn`` at another point.
    """
    args, notes = list(args), []
    for index, structure in structures:
        if holomorphic and structure in NOT_HOLOMORPHIC:
            raise InvalidArgument(
                f"tangents[{index}] = {structure!r} is not complex linear (a^H conjugates), so "
                "it cannot be combined with holomorphic=True; use 'symmetric' for complex "
                "symmetric matrices, or holomorphic=False.")
        if index >= len(args):
            raise InvalidArgument(
                f"tangents names argument {index}, but args has {len(args)}: number the "
                "positional arguments from 0.")
        leaves, treedef = jax.tree_util.tree_flatten(args[index])
        projected = []
        for leaf in leaves:
            value = np.asarray(leaf)
            if not np.issubdtype(value.dtype, np.inexact):
                projected.append(leaf)
                continue
            with jax.enable_x64(True):  # a float64 point is projected in float64
                on = np.asarray(_project(jnp.asarray(value), structure, index))
            on = on.astype(value.dtype)
            gap = float(np.max(np.abs(on - value), initial=0.0))
            allowed = 16 * float(np.finfo(value.dtype).eps) * float(
                np.max(np.abs(value), initial=0.0))
            if gap > allowed:
                raise InvalidArgument(
                    f"args[{index}] is not {_structure_text(structure)}: it moves by {gap:.3g} "
                    f"when projected (max |x| = {np.max(np.abs(value)):.3g}). tangents= checks "
                    "fn on structured inputs; pass a structured point, e.g. (a + a.T) / 2.")
            if gap:
                notes.append(f"args[{index}] was {_structure_text(structure)} up to rounding "
                             f"({gap:.1e}): projected exactly")
            projected.append(on if gap else leaf)
        args[index] = jax.tree_util.tree_unflatten(treedef, projected)
        notes.append(f"tangents of args[{index}] are {_structure_text(structure)} "
                     "(tangents=): derivatives are checked along such directions only")
    return tuple(args), notes
