"""Validate the function and arguments a caller hands in; split out the differentiable leaves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness._errors import InvalidArgument

MODES = ("fwd", "rev")

_X64 = {
    np.dtype("float16"): np.dtype("float64"),
    np.dtype(jnp.bfloat16): np.dtype("float64"),
    np.dtype("float32"): np.dtype("float64"),
    np.dtype("float64"): np.dtype("float64"),
    np.dtype("complex64"): np.dtype("complex128"),
    np.dtype("complex128"): np.dtype("complex128"),
}


def is_differentiable_dtype(dtype: Any) -> bool:
    """Whether values of ``dtype`` have derivatives (floating point or complex)."""
    return bool(jnp.issubdtype(dtype, jnp.inexact))


def float64_twin(dtype: Any) -> np.dtype:
    """The 64-bit dtype an oracle evaluates a leaf of ``dtype`` in."""
    return _X64.get(np.dtype(dtype), np.dtype(dtype))


@dataclasses.dataclass(frozen=True)
class Arguments:
    """The caller's positional arguments, flattened and sorted into what can be differentiated.

    ``diff`` holds the floating-point and complex leaves (the inputs every check varies),
    ``fixed`` the integer and boolean array leaves (passed through unchanged) and ``static``
    the Python scalars that are not floating point (closed over, as a Python int would be).
    """

    treedef: Any
    kinds: tuple[str, ...]  # per leaf: "diff", "fixed" or "static"
    paths: tuple[str, ...]
    values: tuple[Any, ...]
    notes: tuple[str, ...]

    @property
    def diff(self) -> list[np.ndarray]:
        return [v for v, k in zip(self.values, self.kinds) if k == "diff"]

    @property
    def fixed(self) -> list[np.ndarray]:
        return [v for v, k in zip(self.values, self.kinds) if k == "fixed"]

    @property
    def diff_paths(self) -> list[str]:
        return [p for p, k in zip(self.paths, self.kinds) if k == "diff"]

    @property
    def static_key(self) -> tuple:
        pairs = enumerate(zip(self.values, self.kinds))
        return tuple((i, v) for i, (v, k) in pairs if k == "static")

    def rebuild(self, diff: Sequence[Any], fixed: Sequence[Any]) -> tuple:
        """The positional arguments with ``diff`` and ``fixed`` leaves put back in place."""
        diff_it, fixed_it = iter(diff), iter(fixed)
        leaves = []
        for value, kind in zip(self.values, self.kinds):
            if kind == "diff":
                leaves.append(next(diff_it))
            elif kind == "fixed":
                leaves.append(next(fixed_it))
            else:
                leaves.append(value)
        return tuple(jax.tree_util.tree_unflatten(self.treedef, leaves))


def validate_callable(fn: Any) -> None:
    if not callable(fn):
        raise InvalidArgument(
            f"fn must be a callable that takes the positional arguments in `args`; got "
            f"{type(fn).__name__} {fn!r:.80}. Pass the function itself, e.g. "
            "harness.check(jnp.sin, (x,)), not its value."
        )


def validate_order_and_modes(order: Any, modes: Any) -> tuple[str, ...]:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise InvalidArgument(
            f"order must be an integer >= 1 (1 checks first derivatives, 2 also second "
            f"derivatives, ...); got {order!r}."
        )
    if isinstance(modes, str):
        modes = (modes,)
    try:
        modes = tuple(modes)
    except TypeError:
        raise InvalidArgument(f"modes must be a tuple drawn from {MODES}; got {modes!r}.") from None
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise InvalidArgument(
            f"modes must be a non-empty tuple drawn from {MODES} ('fwd' = JVP, forward mode; "
            f"'rev' = VJP, reverse mode); got {modes!r}."
        )
    return tuple(dict.fromkeys(modes))


def _leaf_value(path: str, leaf: Any) -> tuple[str, Any, str | None]:
    """Classify one leaf: (kind, value, note)."""
    if isinstance(leaf, (bool, np.bool_)) or (
        isinstance(leaf, (int, np.integer)) and not isinstance(leaf, np.ndarray)
    ):
        return "static", leaf, f"{path} is a Python {type(leaf).__name__}: held fixed"
    if isinstance(leaf, (float, complex)) and not isinstance(leaf, np.generic):
        value = np.asarray(jnp.asarray(leaf))
        return "diff", value, None
    if isinstance(leaf, (np.ndarray, np.generic, jax.Array)):
        if isinstance(leaf, jax.core.Tracer):
            raise InvalidArgument(
                f"{path} is a JAX tracer: harness.check runs its own transformations and "
                "cannot be called inside jit, vmap or grad. Call it on concrete arrays."
            )
        value = np.asarray(leaf)
        if is_differentiable_dtype(value.dtype):
            return "diff", value, None
        if value.dtype.kind in "biu":
            return "fixed", value, (
                f"{path} has dtype {value.dtype}, which has no derivative: held fixed"
            )
    raise InvalidArgument(
        f"{path} is a {type(leaf).__name__} ({leaf!r:.60}); every leaf of args must be an array "
        "or a Python scalar. Close over other values, e.g. "
        "harness.check(functools.partial(fn, option=...), (x,))."
    )


def flatten_arguments(args: Any) -> Arguments:
    """Flatten ``args`` (a tuple of positional arguments) into classified leaves."""
    if isinstance(args, (list, np.ndarray, jax.Array, float, int, complex)) or not isinstance(
        args, tuple
    ):
        hint = "(x,)" if not isinstance(args, list) else "tuple(args)"
        raise InvalidArgument(
            f"args must be a tuple of fn's positional arguments; got {type(args).__name__}. "
            f"For a function of one array write args={hint}."
        )
    pairs, treedef = jax.tree_util.tree_flatten_with_path(args)
    kinds, paths, values, notes = [], [], [], []
    for key_path, leaf in pairs:
        path = "args" + jax.tree_util.keystr(key_path)
        kind, value, note = _leaf_value(path, leaf)
        kinds.append(kind)
        paths.append(path)
        values.append(value)
        if note:
            notes.append(note)
    if "diff" not in kinds:
        found = ", ".join(f"{p}: {getattr(v, 'dtype', type(v).__name__)}" for p, v in
                          zip(paths, values)) or "no leaves at all"
        raise InvalidArgument(
            f"args has no floating-point or complex leaf to differentiate ({found}). Pass "
            "float or complex arrays, e.g. np.float32(2.0) rather than 2."
        )
    return Arguments(treedef, tuple(kinds), tuple(paths), tuple(values), tuple(notes))


def leaf_function(fn: Callable, arguments: Arguments) -> Callable:
    """``fn`` as a function of (differentiable leaves, fixed leaves) returning its output leaves."""

    def flat(diff: Sequence[Any], fixed: Sequence[Any]) -> list:
        out = fn(*arguments.rebuild(diff, fixed))
        return [jnp.asarray(leaf) for leaf in jax.tree_util.tree_leaves(out)]

    return flat


def validate_holomorphic(holomorphic: bool, arguments: Arguments) -> None:
    if not holomorphic:
        return
    real = [
        f"{p} ({v.dtype})"
        for p, v in zip(arguments.diff_paths, arguments.diff)
        if not jnp.issubdtype(v.dtype, jnp.complexfloating)
    ]
    if real:
        raise InvalidArgument(
            "holomorphic=True needs every differentiable input to be complex, but "
            f"{', '.join(real)} {'is' if len(real) == 1 else 'are'} real. Cast the inputs to "
            "complex (x.astype(np.complex64)) or check with holomorphic=False."
        )
