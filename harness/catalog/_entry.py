"""``Entry``: one catalog function with its domain, its dtypes and the facts the checks rely on."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping

import hypothesis
import hypothesis.errors
import hypothesis.strategies as st
import jax
import numpy as np

from harness._errors import InvalidArgument
from harness.catalog._known_bugs import KnownBug
from harness.inputs._structure import OnStructure, normalize

REAL = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
KNOWN_DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")
MAX_ORDER = 3

# The first point Hypothesis generates: the simplest one, the same on every run.
_FIRST_POINT = hypothesis.settings(
    database=None, derandomize=True, deadline=None, max_examples=100,
    phases=[hypothesis.Phase.generate], suppress_health_check=list(hypothesis.HealthCheck),
    verbosity=hypothesis.Verbosity.quiet)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalog function: its domain, its dtypes and the facts the properties rely on.

    ``arguments(dtype)`` returns one Hypothesis strategy per positional argument, drawing
    points of the function's domain in that dtype.

    Facts:
        order: how many derivatives deep the checks go (1 to 3).
        holomorphic: complex differentiable (only meaningful with complex dtypes).
        kinks: where fn is not differentiable, in words, kept out of the domain ("" = smooth).
        forward_mode: whether ``jax.jvp`` exists (False for ``custom_vjp`` functions).
        reverse_mode: whether ``jax.vjp`` exists (False for ``while_loop`` on the carry).
        eager: Python control flow on values: fn cannot be jitted, vmapped or traced.
        xfail: property name (or "*" for every property judged against the oracles) -> why
            today's JAX gets it wrong, as a str (always) or a ``KnownBug`` (while its probe
            finds the bug in the running JAX); the suite marks those cases as strict expected
            failures, so a fix shows up. (Identities such as jacfwd = jacrev hold even for a
            wrong rule, so "*" skips them while the bug is there.)
        domain: the domain in words.
        tangents: argument index -> structure ("symmetric", "lower", ...) for a function
            defined on structured matrices: the properties check ``checked_fn``, which
            projects those arguments (and so every tangent) on the structure, as
            ``harness.check(..., tangents=...)`` does.

    Raises:
        InvalidArgument: at construction, for a field of the wrong kind, naming the entry.

    Example:
        >>> import jax.numpy as jnp
        >>> from harness.strategies import bounded
        >>> entry = Entry("tanh", jnp.tanh, lambda dtype: (bounded(dtype, (2,), -3.0, 3.0),))
        >>> entry.example("float32")
        (array([0., 0.], dtype=float32),)
    """

    name: str
    fn: Callable
    arguments: Callable[[str], tuple[st.SearchStrategy, ...]]
    dtypes: tuple[str, ...] = REAL
    order: int = 1
    holomorphic: bool = False
    kinks: str = ""
    forward_mode: bool = True
    reverse_mode: bool = True
    eager: bool = False
    xfail: Mapping[str, str | KnownBug] = dataclasses.field(default_factory=dict)
    domain: str = ""
    why: str = ""
    tangents: Mapping[int, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidArgument(f"catalog entry name={self.name!r} must be a non-empty str")
        where = f"catalog entry {self.name!r}"
        if not callable(self.fn):
            raise InvalidArgument(f"{where}: fn={self.fn!r} is not callable; pass the function "
                                  "to differentiate")
        if not callable(self.arguments):
            raise InvalidArgument(
                f"{where}: arguments={self.arguments!r} is not callable; pass a function of the "
                "dtype name returning one strategy per positional argument, e.g. "
                "lambda dtype: (bounded(dtype, (3,), -1.0, 1.0),)")
        if not isinstance(self.dtypes, tuple) or not self.dtypes:
            raise InvalidArgument(f"{where}: dtypes={self.dtypes!r} must be a non-empty tuple of "
                                  "dtype names, e.g. ('float32', 'float64')")
        unknown = [d for d in self.dtypes if d not in KNOWN_DTYPES]
        if unknown:
            raise InvalidArgument(f"{where}: unknown dtype {unknown[0]!r} in dtypes; use names "
                                  f"from {', '.join(KNOWN_DTYPES)}")
        if isinstance(self.order, bool) or not isinstance(self.order, int) \
                or not 1 <= self.order <= MAX_ORDER:
            raise InvalidArgument(f"{where}: order={self.order!r} must be an int from 1 to "
                                  f"{MAX_ORDER}")
        for flag in ("holomorphic", "forward_mode", "reverse_mode", "eager"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidArgument(f"{where}: {flag}={getattr(self, flag)!r} must be a bool")
        if self.holomorphic and any(d not in COMPLEX for d in self.dtypes):
            raise InvalidArgument(
                f"{where}: holomorphic=True needs complex dtypes, but dtypes={self.dtypes!r}; "
                "use complex64 and complex128, or holomorphic=False")
        if not (self.forward_mode or self.reverse_mode):
            raise InvalidArgument(f"{where}: forward_mode and reverse_mode are both False, so "
                                  "there is nothing to check")
        for text in ("kinks", "domain", "why"):
            if not isinstance(getattr(self, text), str):
                raise InvalidArgument(f"{where}: {text}={getattr(self, text)!r} must be a str")
        if not isinstance(self.xfail, Mapping) or not all(
                isinstance(k, str) and k
                and (isinstance(v, KnownBug) or isinstance(v, str) and v.strip())
                for k, v in self.xfail.items()):
            raise InvalidArgument(
                f"{where}: xfail={self.xfail!r} must map property names (or '*') to a non-empty "
                "reason or a KnownBug, e.g. {'*': 'why: what JAX gets wrong, which versions'}")
        if self.tangents is not None:
            try:
                normalize(self.tangents)
            except InvalidArgument as error:
                raise InvalidArgument(f"{where}: {error}") from None

    @property
    def checked_fn(self) -> Callable:
        """``fn`` as the properties differentiate it: on its structured tangents, if any."""
        if self.tangents is None:
            return self.fn
        return OnStructure(self.fn, normalize(self.tangents))

    def expected_failure(self, prop: str, *, oracle: bool) -> str | None:
        """Why the running JAX fails property ``prop`` here (None: it should pass).

        ``oracle``: whether the property judges against the finite-difference oracles, which
        a ``"*"`` mark covers.
        """
        why = self.xfail.get(prop) or (self.xfail.get("*") if oracle else None)
        if isinstance(why, KnownBug):
            return why.why if why.present() else None
        return why

    def derivative_is_wrong(self) -> bool:
        """Whether the running JAX computes this entry's derivative wrongly (a live "*" mark)."""
        return self.expected_failure("*", oracle=True) is not None

    def modes(self) -> tuple[str, ...]:
        """The AD modes this entry's function supports: ``("fwd", "rev")`` or one of them."""
        return tuple(m for m, ok in (("fwd", self.forward_mode), ("rev", self.reverse_mode))
                     if ok)

    def example(self, dtype: str) -> tuple:
        """One deterministic point of the domain in ``dtype``: the simplest one Hypothesis draws.

        Raises:
            InvalidArgument: naming the entry and dtype, when ``arguments(dtype)`` raises,
                returns something other than one strategy per argument of fn, or draws nothing.
        """
        where = f"catalog entry {self.name!r} in {dtype}"
        try:
            strategies = self.arguments(dtype)
        except Exception as error:  # noqa: BLE001 - reported with the entry's name
            raise InvalidArgument(f"{where}: arguments({dtype!r}) raised "
                                  f"{type(error).__name__}: {error}") from error
        if not isinstance(strategies, tuple) or not strategies:
            raise InvalidArgument(f"{where}: arguments({dtype!r}) returned {strategies!r}, not a "
                                  "non-empty tuple of strategies (one per positional argument)")
        for i, strategy in enumerate(strategies):
            if not isinstance(strategy, st.SearchStrategy):
                raise InvalidArgument(f"{where}: arguments({dtype!r})[{i}] is a "
                                      f"{type(strategy).__name__}, not a Hypothesis strategy")
        self._check_arity(where, len(strategies))
        try:
            return hypothesis.find(st.tuples(*strategies), lambda _: True,
                                   settings=_FIRST_POINT)
        except (hypothesis.errors.NoSuchExample, hypothesis.errors.Unsatisfiable) as error:
            raise InvalidArgument(f"{where}: arguments({dtype!r}) draws nothing; widen the "
                                  "domain") from error
        except InvalidArgument as error:
            raise InvalidArgument(f"{where}: arguments({dtype!r}) cannot draw: {error}") from error
        except Exception as error:  # noqa: BLE001 - a strategy that fails while drawing
            raise InvalidArgument(f"{where}: drawing from arguments({dtype!r}) raised "
                                  f"{type(error).__name__}: {error}") from error

    def points(self, dtype: str, count: int) -> list[tuple]:
        """``count`` points of the domain in ``dtype``, drawn by Hypothesis, the same on every run.

        The first is ``example(dtype)``'s; the rest are the distinct points a derandomized
        Hypothesis run draws (value classes, special points and their neighbours included).
        A domain with fewer distinct points gives fewer.

        Raises:
            InvalidArgument: as ``example`` does, or for a count below 1.

        Example:
            >>> import jax.numpy as jnp
            >>> from harness.strategies import bounded
            >>> entry = Entry("tanh", jnp.tanh, lambda dtype: (bounded(dtype, (2,), -3.0, 3.0),))
            >>> len(entry.points("float64", 5))
            5
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidArgument(f"catalog entry {self.name!r}: points(count={count!r}) needs a "
                                  "positive int")
        first = self.example(dtype)
        found, seen = [first], {_key(first)}
        strategy = st.tuples(*self.arguments(dtype))

        @hypothesis.settings(_FIRST_POINT, max_examples=3 * count)
        @hypothesis.given(strategy)
        def collect(args):
            key = _key(args)
            if len(found) < count and key not in seen:
                seen.add(key)
                found.append(args)

        if count > 1:
            collect()
        return found

    def _check_arity(self, where: str, count: int) -> None:
        try:
            signature = inspect.signature(self.fn)
        except (TypeError, ValueError):  # builtins and some wrappers have none: nothing to check
            return
        try:
            signature.bind(*range(count))
        except TypeError as error:
            raise InvalidArgument(f"{where}: arguments gives {count} strategies, which do not "
                                  f"fit fn{signature}: {error}") from None


def _key(args: tuple) -> bytes:
    """The bytes of every leaf of a point: equal points have equal keys."""
    return b"|".join(np.asarray(leaf).tobytes() + str(np.asarray(leaf).dtype).encode()
                     for leaf in jax.tree_util.tree_leaves(args))
