"""``Program``: a generated JAX function as standalone source, with inputs from its domain.

The callable is compiled from the source, once per distinct source text: programs of the same
structure share one function object, so every check keyed on the function (``harness.check``'s
compiled AD and oracle programs, the properties' identity programs) is traced and compiled once
for all of them, and JAX's own cache keys the rest on shapes and dtypes.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import hypothesis.strategies as st
import jax

from harness.computations._compiled import x64_for
from harness.results._reproduce import literal

FUNCTION_NAME = "program"
MODULE = "harness.generated"
HEADER = "import jax\nimport jax.numpy as jnp\nimport numpy as np\nfrom jax import lax\n"
SOURCES_KEPT = 2048


@functools.lru_cache(maxsize=SOURCES_KEPT)
def compile_source(source: str) -> Callable:
    """The function ``program`` that ``source`` defines (the same object for the same text)."""
    namespace: dict = {"__name__": MODULE}
    exec(compile(source, f"<generated program {abs(hash(source)):x}>", "exec"), namespace)
    fn = namespace[FUNCTION_NAME]
    fn.__adh_source__ = source
    return fn


@dataclasses.dataclass(frozen=True, eq=False)
class Program:
    """A drawn JAX program: ``source`` defines ``program(x0, ...)``; ``args`` is a point of its
    domain; ``fn`` is the compiled callable.

    Facts: ``ops`` names the operations in the order drawn (nested ones included); ``dtype``
    is the inputs' dtype; ``forward_mode`` / ``reverse_mode`` say which AD modes JAX has for
    it (a ``custom_vjp`` has no forward mode, a ``while_loop`` no reverse mode); ``holomorphic``
    that it is complex differentiable. ``arguments`` draws further points of the same domain.

    Example:
        >>> from harness.strategies import programs
        >>> program = programs(max_ops=2).example()
        >>> out = program.fn(*program.args)
    """

    source: str
    args: tuple
    ops: tuple[str, ...]
    dtype: str
    forward_mode: bool = True
    reverse_mode: bool = True
    holomorphic: bool = False
    arguments: tuple[st.SearchStrategy, ...] = dataclasses.field(default=(), repr=False)

    @property
    def fn(self) -> Callable:
        return compile_source(self.source)

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m for m, ok in (("fwd", self.forward_mode), ("rev", self.reverse_mode)) if ok)

    def primitives(self) -> frozenset[str]:
        """The jaxpr primitives the program uses, those inside control flow and rules included."""
        with x64_for(list(self.args)):
            closed = jax.make_jaxpr(self.fn)(*self.args)
        return frozenset(primitive_names(closed.jaxpr))

    def reproducer(self) -> str:
        """Standalone Python: the program's source and its inputs, ready to paste into an issue."""
        x64 = 'jax.config.update("jax_enable_x64", True)\n' if self.dtype == "float64" else ""
        return (f"{self.source}\n\n{x64}args = {literal(tuple(self.args))}\n"
                f"print({FUNCTION_NAME}(*args))\n")

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # how Hypothesis prints examples
        printer.text(repr(self))

    def __repr__(self) -> str:
        ops = ", ".join(self.ops)
        return (f"Program[{ops}]  # {self.dtype}, modes {'+'.join(self.modes)}\n"
                + self.reproducer())


def primitive_names(jaxpr) -> set[str]:
    """Names of the primitives in ``jaxpr`` and in every jaxpr nested in its equations."""
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for param in eqn.params.values():
            for inner in _jaxprs_in(param):
                names |= primitive_names(inner)
    return names


def _jaxprs_in(param) -> list:
    if isinstance(param, (tuple, list)):
        return [j for p in param for j in _jaxprs_in(p)]
    if hasattr(param, "eqns"):
        return [param]
    if hasattr(param, "jaxpr") and hasattr(param.jaxpr, "eqns"):
        return [param.jaxpr]
    return []
