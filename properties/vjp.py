"""Reverse mode: ``jax.vjp`` against the oracle and the JVP, batched with ``vmap``, under ``jit``.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments), returns a
``harness.Report`` when the rule holds and raises ``harness.DerivativeMismatch`` when it does not.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from harness import Report
from harness.computations._compiled import compiled

from ._run import Subject, identity_property, oracle_property, row_program, validate_seed

BATCH = 4  # directions per vmap-versus-loop comparison


def vjp_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0, order: int = 1) -> Report:
    """``<vjp(fn)(x; c), t> = <c, J t>`` with the oracle's ``J t`` and random ``c``, ``t``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> vjp_matches_oracle(jnp.sin, (np.float64([0.5, 3.0]),)).ok
        True
    """
    return oracle_property("vjp_matches_oracle", fn, args, keep=("vjp_matches_oracle",),
                           order=order, seed=validate_seed(seed), options={"order": order})


def jvp_vjp_transposition(fn: Callable, args: tuple, *, seed: int = 0,
                          order: int = 1) -> Report:
    """``<vjp(c), t> = <c, jvp(t)>``: the VJP is the transpose of the JVP (exact identity).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jvp_vjp_transposition(jnp.sin, (np.float64([0.5, 3.0]),)).ok
        True
    """
    return oracle_property("jvp_vjp_transposition", fn, args, keep=("jvp_vjp_transposition",),
                           order=order, seed=validate_seed(seed), options={"order": order})


def _pullback(subject: Subject, d, fx):
    """The pullback at (d, fx), taking cotangents in any float dtype (cast to the output's)."""
    y, pullback = jax.vjp(lambda v: jax.tree_util.tree_leaves(subject.call(v, fx)), d)
    dtypes = [jnp.result_type(leaf) for leaf in y]
    return lambda c: pullback([jnp.asarray(ci).astype(dt) for ci, dt in zip(c, dtypes)])


def vmap_vjp_matches_loop(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``vmap`` of the VJP over a batch of cotangents equals a loop over them.

    The notebooks' ``vmap_mjp`` against ``loop_mjp``: a matrix-Jacobian product.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> vmap_vjp_matches_loop(jnp.tanh, (np.float32([0.5, 3.0]),)).ok
        True
    """
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    batch = _batch(subject, seed, "cotangents", subject.output_leaves())

    def vmapped(d, fx, cs):
        return jax.vmap(_pullback(subject, d, fx))(cs)[0]

    one = row_program(subject, "vmap_vjp_matches_loop",
                      lambda d, fx, c: _pullback(subject, d, fx)(c)[0])

    def looped(d, fx, cs):
        return _stacked([one(d, fx, [c[k] for c in cs]) for k in range(BATCH)])

    return identity_property("vmap_vjp_matches_loop", subject, seed=seed, extra=batch,
                             left=vmapped, right=looped, jit_right=False,
                             chain="vmap of VJP vs loop",
                             relation="vmap(vjp)(C) = stack(vjp(c) for c in C)")


def _stacked(rows: list) -> list[np.ndarray]:
    """Rows of leaves (each row a list of arrays) stacked leaf by leaf."""
    return [np.stack([np.asarray(p) for p in parts]) for parts in zip(*rows)]


def vmap_jvp_matches_loop(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``vmap`` of the JVP over a batch of tangents equals a loop over them.

    The notebooks' ``vmap_jmp`` against ``loop_jmp``: a Jacobian-matrix product.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> vmap_jvp_matches_loop(jnp.tanh, (np.float32([0.5, 3.0]),)).ok
        True
    """
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    batch = _batch(subject, seed, "tangents", subject.diff)

    def tangent(d, fx, t):
        return jax.jvp(lambda v: jax.tree_util.tree_leaves(subject.call(v, fx)), (d,), (t,))[1]

    def vmapped(d, fx, ts):
        return jax.vmap(lambda t: tangent(d, fx, t))(ts)

    one = row_program(subject, "vmap_jvp_matches_loop", tangent)

    def looped(d, fx, ts):
        return _stacked([one(d, fx, [t[k] for t in ts]) for k in range(BATCH)])

    return identity_property("vmap_jvp_matches_loop", subject, seed=seed, extra=batch,
                             left=vmapped, right=looped, jit_right=False,
                             chain="vmap of JVP vs loop",
                             relation="vmap(jvp)(T) = stack(jvp(t) for t in T)")


def jit_vjp_matches_eager(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``jit`` of the pullback that ``vjp`` returns equals the pullback run eagerly.

    The pullback comes from an eager ``jax.vjp``, so this works for functions with Python
    control flow too (the notebooks' ``jit(f_vjp)(1.)`` of a try/except function).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jit_vjp_matches_eager(jnp.tanh, (np.float32([0.5, 3.0]),)).ok
        True
    """
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    cotangent = subject.directions(seed, "cotangent", subject.output_leaves())
    state: dict = {}

    def eager(d, fx, c):
        # Runs first and un-jitted: the pullback of this very point, kept for the jitted side.
        state["pullback"] = _pullback(subject, [np.asarray(v) for v in d],
                                      [np.asarray(v) for v in fx])
        return state["pullback"](list(c))[0]

    def jitted(d, fx, c):
        return compiled(state["pullback"])(list(c))[0]

    return identity_property("jit_vjp_matches_eager", subject, seed=seed, extra=cotangent,
                             left=eager, right=jitted, jit_left=False, jit_right=False,
                             chain="jit of the pullback vs the pullback",
                             relation="jit(vjp(f, x)[1])(c) = vjp(f, x)[1](c)")


def _batch(subject: Subject, seed: int, role: str, like) -> list[np.ndarray]:
    rows = [subject.directions(seed, f"{role} {k}", like) for k in range(BATCH)]
    return [np.stack(parts) for parts in zip(*rows)]
