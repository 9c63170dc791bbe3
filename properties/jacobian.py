"""Jacobians: ``jacfwd`` against ``jacrev`` and the oracle, and the ones built from ``vmap``.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments, real), returns a
``harness.Report`` when the rule holds and raises ``harness.DerivativeMismatch`` when it does not.
The Jacobian is that of fn between its flattened inputs and its flattened outputs.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from harness import Report
from harness.computations._compiled import PROGRAMS

from ._flat import flat_function, flat_point
from ._run import Subject, identity_property, one_dtype, oracle_property, real_inputs, validate_seed


def _flat_subject(fn: Callable, args: tuple, name: str) -> tuple[Subject, Callable]:
    subject = Subject.of(fn, args)
    real_inputs(subject, name)
    one_dtype(subject, name)
    return subject, flat_function(subject)


def jacfwd_matches_jacrev(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``jacfwd(fn)`` equals ``jacrev(fn)`` (forward and reverse mode build the same matrix).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jacfwd_matches_jacrev(jnp.sin, (np.float32([0.5, 3.0]),)).ok
        True
    """
    name = "jacfwd_matches_jacrev"
    subject, F = _flat_subject(fn, args, name)
    flat = lambda d: jnp.concatenate([jnp.ravel(x) for x in d])
    return identity_property(
        name, subject, seed=validate_seed(seed), chain="jacfwd vs jacrev",
        relation="jacfwd(f)(x) = jacrev(f)(x)",
        left=lambda d, fx, _: jax.jacfwd(F)(flat(d), fx),
        right=lambda d, fx, _: jax.jacrev(F)(flat(d), fx))


def our_jacrev(f: Callable) -> Callable:
    """The notebooks' reverse-mode Jacobian: ``vmap`` of the VJP over the identity's rows."""

    def jacfun(x):
        y, vjp_fun = jax.vjp(f, x)
        J, = jax.vmap(vjp_fun, in_axes=0)(jnp.eye(len(y), dtype=y.dtype))
        return J

    return jacfun


def our_jacfwd(f: Callable) -> Callable:
    """The notebooks' forward-mode Jacobian: ``vmap`` of the JVP over the identity's columns."""

    def jacfun(x):
        _jvp = lambda s: jax.jvp(f, (x,), (s,))[1]
        Jt = jax.vmap(_jvp, in_axes=1)(jnp.eye(len(x), dtype=x.dtype))
        return jnp.transpose(Jt)

    return jacfun


def vmap_jacobians_match_builtin(fn: Callable, args: tuple, *, seed: int = 0,
                                 forward: Callable = our_jacfwd,
                                 reverse: Callable = our_jacrev) -> Report:
    """Jacobians built from ``vmap`` of ``jvp`` and ``vjp`` equal ``jacfwd`` and ``jacrev``.

    ``forward`` and ``reverse`` build a Jacobian function from a function of one vector; the
    defaults are the notebooks' ``our_jacfwd`` and ``our_jacrev``. Pass your own to check them.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> vmap_jacobians_match_builtin(jnp.sin, (np.float32([0.5, 3.0]),)).ok
        True
    """
    name = "vmap_jacobians_match_builtin"
    subject, F = _flat_subject(fn, args, name)
    flat = lambda d: jnp.concatenate([jnp.ravel(x) for x in d])

    def ours(d, fx, _):
        f = lambda v: F(v, fx)
        return {"forward": forward(f)(flat(d)), "reverse": reverse(f)(flat(d))}

    def builtin(d, fx, _):
        return {"forward": jax.jacfwd(F)(flat(d), fx), "reverse": jax.jacrev(F)(flat(d), fx)}

    return identity_property(name, subject, seed=validate_seed(seed), left=ours,
                             right=builtin, key=(forward, reverse),
                             chain="vmap-built Jacobians vs jacfwd/jacrev",
                             relation="forward(f) = jacfwd(f), reverse(f) = jacrev(f)")


def _jacobian_rule(F: Callable) -> Callable:
    """``F`` whose JVP is computed as ``jacrev(F)(v) @ t``: what the oracle then checks."""
    G = jax.custom_jvp(lambda v, fx: F(v, fx))

    @G.defjvp
    def rule(primals, tangents):
        v, fx = primals
        return F(v, fx), jax.jacrev(F)(v, fx) @ tangents[0]

    return G


def jacobian_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``jacrev(fn)(x) @ t`` equals the oracle's directional derivative along random ``t``.

    With ``jacfwd_matches_jacrev`` this puts both Jacobians against the oracle.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> jacobian_matches_oracle(jnp.sin, (np.float64([0.5, 3.0]),)).ok
        True
    """
    name = "jacobian_matches_oracle"
    subject, F = _flat_subject(fn, args, name)
    key = subject.key("jacobian wrapper")
    G = PROGRAMS.get(None if key is None else key, lambda: _jacobian_rule(F))
    return oracle_property(name, G, (flat_point(subject), subject.fixed), modes=("fwd",),
                           keep=("jvp_matches_oracle",), rename=True, seed=validate_seed(seed),
                           subject=subject)
