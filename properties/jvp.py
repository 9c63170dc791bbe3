"""Forward mode: ``jax.jvp`` against the oracle, linear in its tangent, and its primal output.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments), returns a
``harness.Report`` when the rule holds and raises ``harness.DerivativeMismatch`` when it does not.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np

from harness import Report

from ._run import Subject, identity_property, oracle_property, validate_seed


def jvp_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0, order: int = 1) -> Report:
    """``jvp(fn)(x; t)`` equals the oracle's directional derivative along random ``t``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jvp_matches_oracle(jnp.sin, (np.float64([0.5, 3.0]),)).ok
        True
    """
    return oracle_property("jvp_matches_oracle", fn, args, keep=("jvp_matches_oracle",),
                           order=order, seed=validate_seed(seed), options={"order": order})


def jvp_is_linear(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``jvp(x; a t1 + b t2) = a jvp(x; t1) + b jvp(x; t2)`` for random ``t1, t2, a, b``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jvp_is_linear(jnp.tanh, (np.float32([0.5, 3.0]),)).ok
        True
    """
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    t1 = subject.directions(seed, "t1", subject.diff)
    t2 = subject.directions(seed, "t2", subject.diff)
    a, b = np.random.default_rng(seed).uniform(-2.0, 2.0, 2)
    real = np.asarray(subject.diff[0]).real.dtype
    weights = (np.asarray(a, real), np.asarray(b, real))

    def tangent(d, fx, t):
        return jax.jvp(lambda v: subject.call(v, fx), (d,), (t,))[1]

    def combined(d, fx, extra):
        t1, t2, (a, b) = extra
        return tangent(d, fx, [a * u + b * v for u, v in zip(t1, t2)])

    def separate(d, fx, extra):
        t1, t2, (a, b) = extra
        return jax.tree_util.tree_map(lambda u, v: a * u + b * v, tangent(d, fx, t1),
                                      tangent(d, fx, t2))

    return identity_property("jvp_is_linear", subject, seed=seed, left=combined,
                             right=separate, extra=(t1, t2, weights),
                             chain="JVP along a t1 + b t2",
                             relation="jvp(a t1 + b t2) = a jvp(t1) + b jvp(t2)")


def jvp_primal_matches(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """The primal output of ``jvp(fn, (x,), (t,))`` equals ``fn(x)``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jvp_primal_matches(jnp.exp, (np.float32([0.5, 3.0]),)).ok
        True
    """
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    t = subject.directions(seed, "t", subject.diff)
    return identity_property(
        "jvp_primal_matches", subject, seed=seed, extra=t, chain="primal output of jvp",
        relation="jvp(f, x, t)[0] = f(x)",
        left=lambda d, fx, t: jax.jvp(lambda v: subject.call(v, fx), (d,), (t,))[0],
        right=lambda d, fx, _: subject.call(d, fx))
