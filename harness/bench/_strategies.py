"""The ways of computing each derivative product that the benchmarks put side by side.

Every strategy takes a function ``f(x, *consts)`` and returns the function to time, of
``(x, probe, *consts)`` where ``probe`` is the vector (HVP), the batch of 128 covectors or
tangents (loop versus vmap), or unused (Jacobians). They are the seed notebooks' definitions,
generalized to constants passed as arguments.

>>> import jax.numpy as jnp
>>> f = lambda x: jnp.sum(x ** 3)
>>> [float(HVP[name](f)(jnp.float32(2.0), jnp.float32(1.0))) for name in HVP_MODES]
[12.0, 12.0, 12.0, 12.0]
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from harness.catalog._seeds import our_jacfwd, our_jacrev


def _value(f):
    return lambda x, v, *c: f(x, *c)


def _grad(f):
    return lambda x, v, *c: jax.grad(f)(x, *c)


def _fwd_over_rev(f):
    return lambda x, v, *c: jax.jvp(lambda y: jax.grad(f)(y, *c), (x,), (v,))[1]


def _rev_over_fwd(f):
    return lambda x, v, *c: jax.grad(lambda y: jax.jvp(lambda z: f(z, *c), (y,), (v,))[1])(x)


def _rev_over_rev(f):
    return lambda x, v, *c: jax.grad(lambda y: jnp.vdot(jax.grad(f)(y, *c), v))(x)


def _full_hessian(f):
    def full(x, v, *c):
        hessian = jax.jacfwd(jax.jacrev(lambda y: f(y, *c)))(x)
        return jnp.tensordot(hessian, v, x.ndim)

    return full


# The Hessian-vector products, and the function and its gradient for the cost ratios.
HVP: dict[str, Callable] = {
    "fwd_over_rev": _fwd_over_rev,
    "rev_over_fwd": _rev_over_fwd,
    "rev_over_rev": _rev_over_rev,
    "full_hessian": _full_hessian,
    "value": _value,
    "grad": _grad,
}
HVP_MODES = ("fwd_over_rev", "rev_over_fwd", "rev_over_rev", "full_hessian")


def _mjp_loop(f):
    def loop(x, M, *c):
        _, pullback = jax.vjp(lambda y: f(y, *c), x)
        return jnp.stack([pullback(m)[0] for m in M])

    return loop


def _mjp_vmap(f):
    def vmapped(x, M, *c):
        _, pullback = jax.vjp(lambda y: f(y, *c), x)
        return jax.vmap(pullback)(M)[0]

    return vmapped


def _mjp_map(f):
    def mapped(x, M, *c):
        _, pullback = jax.vjp(lambda y: f(y, *c), x)
        return jax.lax.map(lambda m: pullback(m)[0], M)

    return mapped


def _jmp_loop(f):
    return lambda x, S, *c: jnp.stack([jax.jvp(lambda y: f(y, *c), (x,), (s,))[1] for s in S])


def _jmp_map(f):
    return lambda x, S, *c: jax.lax.map(lambda s: jax.jvp(lambda y: f(y, *c), (x,), (s,))[1], S)


def _jmp_vmap(f):
    return lambda x, S, *c: jax.vmap(lambda s: jax.jvp(lambda y: f(y, *c), (x,), (s,))[1])(S)


# Matrix-Jacobian (VJP over 128 covectors) and Jacobian-matrix (JVP over 128 tangents) products:
# the seeds' Python loop (unrolled 128 times under jit), lax.map (one compiled sequential loop)
# and vmap (one batched computation).
LOOP_VS_VMAP: dict[str, Callable] = {
    "mjp_loop": _mjp_loop,
    "mjp_map": _mjp_map,
    "mjp_vmap": _mjp_vmap,
    "jmp_loop": _jmp_loop,
    "jmp_map": _jmp_map,
    "jmp_vmap": _jmp_vmap,
}


def _builtin(jacobian):
    return lambda f: (lambda x, _, *c: jacobian(f)(x, *c))


def _vmap_built(jacobian):
    return lambda f: (lambda x, _, *c: jacobian(lambda y: f(y, *c))(x))


JACOBIAN: dict[str, Callable] = {
    "jacfwd": _builtin(jax.jacfwd),
    "jacrev": _builtin(jax.jacrev),
    "vmap_jacfwd": _vmap_built(our_jacfwd),
    "vmap_jacrev": _vmap_built(our_jacrev),
}
