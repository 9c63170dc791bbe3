"""A Python snippet that replays a check: the function, the exact inputs and the seed."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from harness.inputs._structure import OnStructure

MAX_INLINE_ELEMENTS = 256


def function_name(fn: Callable) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None and hasattr(fn, "func"):  # functools.partial
        return f"partial({function_name(fn.func)})"
    return name or type(fn).__name__


def _importable(fn: Callable) -> str | None:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", "")
    if not module or not name or "<" in name or module == "__main__":
        return None
    return module


def structure_text(structures) -> str:
    """(index, structure) pairs as a dict literal, e.g. ``{0: 'symmetric'}``."""
    return "{" + ", ".join(
        f"{i}: {s!r}" if isinstance(s, str) else f"{i}: {function_name(s)}"
        for i, s in structures) + "}"


def literal(value: Any) -> str:
    """Source text that rebuilds ``value`` exactly (arrays with their dtype, pytrees)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        return repr(value)
    if value is None:
        return "None"
    arr = np.asarray(value)
    dtype = arr.dtype.name
    if arr.size > MAX_INLINE_ELEMENTS:
        return f"report.args  # {dtype}{list(arr.shape)}: too large to inline"
    if dtype == "bfloat16":
        body = np.array2string(arr.astype(np.float32), separator=", ", threshold=10**6,
                               floatmode="unique", max_line_width=10**6)
        return f"np.array({body}, dtype=np.float32).astype(jnp.bfloat16)"
    body = np.array2string(arr, separator=", ", threshold=10**6, floatmode="unique",
                           max_line_width=10**6)
    return f"np.array({body}, dtype=np.{dtype})"


def reproduce_snippet(fn: Callable, args: tuple, *, order: int, modes, holomorphic: bool,
                      rtol, atol, seed: int, structures=None, accuracy: str = "fail") -> str:
    options = [f"order={order}", f"modes={tuple(modes)!r}"]
    if holomorphic:
        options.append("holomorphic=True")
    if rtol is not None:
        options.append(f"rtol={rtol!r}")
    if atol is not None:
        options.append(f"atol={atol!r}")
    options.append(f"seed={seed}")
    if structures:
        options.append(f"tangents={structure_text(structures)}")
    if accuracy != "fail":
        options.append(f"accuracy={accuracy!r}")
    return call_snippet("harness.check", fn, args, options, module="harness",
                        suffix=".raise_if_failed()")


def call_snippet(call: str, fn: Callable, args: tuple, options: list[str], *, module: str,
                 suffix: str = "") -> str:
    """Source that imports ``module``, rebuilds ``args`` and runs ``call(fn, args, *options)``."""
    structures = fn.structures if isinstance(fn, OnStructure) else None
    if structures is not None:  # harness.on_structure(inner, {...}): rebuild the wrapper
        fn = fn.fn
    fn_module = _importable(fn)
    name = function_name(fn)
    lines = ["import numpy as np", "import jax.numpy as jnp", f"import {module}"]
    if structures is not None and module != "harness":
        lines.append("import harness")
    source = getattr(fn, "__adh_source__", None)  # a generated program: its whole source
    if source:
        lines = source.rstrip().splitlines() + ["", "", f"import {module}"]
        fn_text = name
    elif fn_module and "." not in name:
        lines.append(f"from {fn_module} import {name}")
        fn_text = name
    else:
        fn_text = f"fn  # {name} (define it as in your code)"
    leaves = jax.tree_util.tree_leaves(args)
    args_text = literal(tuple(args)) if all(
        np.size(leaf) <= MAX_INLINE_ELEMENTS for leaf in leaves) else "report.args"
    lines.append(f"args = {args_text}")
    if structures is not None:
        fn_text = (f"harness.on_structure({fn_text.split('  #')[0]}, "
                   f"{structure_text(structures)})" + ("  #" + fn_text.split("  #")[1]
                                                       if "  #" in fn_text else ""))
    lines.append(f"{call}({fn_text.split('  #')[0]}, args, {', '.join(options)}){suffix}"
                 + ("  # " + fn_text.split("# ")[1] if "#" in fn_text else ""))
    # Every physical line is indented, those of a multi-line array literal included, so that
    # textwrap.dedent gives a script that runs.
    return "\n".join("    " + line for text in lines for line in text.splitlines())


_INTERNAL = tuple(os.path.dirname(m.__file__) + os.sep for m in (jax, np))
_OURS = os.path.dirname(__file__) + os.sep
TRACEBACK_FRAMES = 6


def describe_exception(error: BaseException) -> str:
    """The exception's type and message, then the frames of the caller's code that raised it.

    Frames inside JAX, NumPy and the harness are left out: what remains is where in fn it
    happened.

    >>> try:
    ...     {}["missing"]
    ... except KeyError as error:
    ...     print(describe_exception(error).splitlines()[0])
    KeyError: 'missing'
    """
    lines = str(error).strip().splitlines()
    head = f"{type(error).__name__}: {lines[0][:300] if lines else ''}".rstrip(": ")
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(_INTERNAL + (_OURS,))]
    shown = [f"    {os.path.basename(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}"
             for f in frames[-TRACEBACK_FRAMES:]]
    return "\n".join([head] + (["  raised at (innermost last):"] + shown if shown else []))
