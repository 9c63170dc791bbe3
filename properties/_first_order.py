"""One rule each: a property runs ``harness.check`` and keeps the checks of its own rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import harness
from harness import Check, DerivativeMismatch


def _assert_property(name: str, fn: Callable, args: tuple, *, modes: Sequence[str], order: int,
                     seed: int, **options) -> list[Check]:
    report = harness.check(fn, args, order=order, modes=modes, seed=seed, **options)
    mine = [c for c in report.checks if c.property == name]
    failed = [c for c in mine if c.status == "failed"]
    if failed:
        text = "\n".join(c.details() for c in failed)
        raise DerivativeMismatch(f"{name} fails for {report.function}:\n{text}\n"
                                 f"Reproduce with:\n{report.reproduce}")
    return mine


def jvp_matches_oracle(fn: Callable, args: tuple, *, order: int = 1, seed: int = 0,
                       **options) -> list[Check]:
    """``jvp(fn)(x; t)`` equals the oracle's directional derivative along random ``t``.

    Raises:
        DerivativeMismatch: the JVP is wrong somewhere.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> len(jvp_matches_oracle(jnp.sin, (np.float64(0.5),))) >= 1
        True
    """
    return _assert_property("jvp_matches_oracle", fn, args, modes=("fwd",), order=order,
                            seed=seed, **options)


def vjp_matches_oracle(fn: Callable, args: tuple, *, order: int = 1, seed: int = 0,
                       **options) -> list[Check]:
    """``<vjp(fn)(x; c), t> = <c, J t>`` with the oracle's ``J t``, random ``c`` and ``t``.

    Raises:
        DerivativeMismatch: the VJP is wrong somewhere.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> len(vjp_matches_oracle(jnp.sin, (np.float64(0.5),))) >= 1
        True
    """
    return _assert_property("vjp_matches_oracle", fn, args, modes=("rev",), order=order,
                            seed=seed, **options)


def jvp_vjp_transposition(fn: Callable, args: tuple, *, order: int = 1, seed: int = 0,
                          **options) -> list[Check]:
    """``<vjp(c), t> = <c, jvp(t)>``: the VJP is the transpose of the JVP (an exact identity).

    Raises:
        DerivativeMismatch: JVP and VJP disagree beyond rounding.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> len(jvp_vjp_transposition(jnp.sin, (np.float64(0.5),))) >= 1
        True
    """
    return _assert_property("jvp_vjp_transposition", fn, args, modes=("fwd", "rev"),
                            order=order, seed=seed, **options)


def grad_matches_oracle(fn: Callable, args: tuple, *, order: int = 1, seed: int = 0,
                        **options) -> list[Check]:
    """``grad(fn)`` of a scalar function equals the oracle's gradient, element by element.

    Raises:
        DerivativeMismatch: the gradient is wrong somewhere.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> len(grad_matches_oracle(lambda x: jnp.sum(x ** 3), (np.float64([0.5, 2.0]),))) >= 1
        True
    """
    return _assert_property("grad_matches_oracle", fn, args, modes=("rev",), order=order,
                            seed=seed, **options)
