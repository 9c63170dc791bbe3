"""Second and higher derivatives: symmetric Hessians, the HVP strategies, n-th derivatives.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments, real; fn returns one
real number unless said otherwise), returns a ``harness.Report`` when the rule holds and raises
``harness.DerivativeMismatch`` when it does not.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from harness import Report
from harness._errors import InvalidArgument
from harness.computations._compiled import PROGRAMS

from ._flat import flat_point, flat_scalar
from ._run import (
    Subject,
    identity_property,
    one_dtype,
    oracle_property,
    real_inputs,
    scalar_real_output,
    validate_seed,
)

STRATEGIES = ("forward-over-reverse", "reverse-over-forward", "reverse-over-reverse",
              "full Hessian")


def hvp(f: Callable, x, v, strategy: str):
    """The Hessian of scalar ``f`` at ``x`` times ``v``, computed one of four ways.

    Example:
        >>> import jax.numpy as jnp
        >>> f = lambda x: jnp.sum(x ** 3)
        >>> [float(hvp(f, jnp.ones(2), jnp.ones(2), s)[0]) for s in STRATEGIES]
        [6.0, 6.0, 6.0, 6.0]
    """
    if strategy == "forward-over-reverse":
        return jax.jvp(jax.grad(f), (x,), (v,))[1]
    if strategy == "reverse-over-forward":
        return jax.grad(lambda y: jax.jvp(f, (y,), (v,))[1])(x)
    if strategy == "reverse-over-reverse":
        return jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), v))(x)
    if strategy == "full Hessian":
        return jnp.tensordot(jax.hessian(f)(x), v, axes=v.ndim)
    raise InvalidArgument(f"strategy must be one of {STRATEGIES}; got {strategy!r}.")


def _hessian_subject(fn: Callable, args: tuple, name: str) -> tuple[Subject, Callable]:
    subject = Subject.of(fn, args)
    scalar_real_output(subject, name)
    real_inputs(subject, name)
    one_dtype(subject, name)
    return subject, flat_scalar(subject)


def _flat(d):
    return jnp.concatenate([jnp.ravel(x) for x in d])


def hessian_is_symmetric(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``hessian(fn)(x)`` equals its transpose.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> hessian_is_symmetric(lambda x: jnp.sum(jnp.tanh(x) ** 2), (np.float32([1, 2]),)).ok
        True
    """
    name = "hessian_is_symmetric"
    subject, F = _hessian_subject(fn, args, name)
    return identity_property(
        name, subject, seed=validate_seed(seed), chain="hessian vs its transpose",
        relation="H = H^T",
        left=lambda d, fx, _: jax.hessian(F)(_flat(d), fx),
        right=lambda d, fx, _: jax.hessian(F)(_flat(d), fx).T)


def hvp_strategies_agree(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """The four HVP strategies give the same ``H v`` for a random ``v``.

    Forward-over-reverse, reverse-over-forward, reverse-over-reverse and the full Hessian with
    ``tensordot``, each against forward-over-reverse.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> hvp_strategies_agree(lambda x: jnp.sum(jnp.tanh(x) ** 2), (np.float32([1, 2]),)).ok
        True
    """
    name = "hvp_strategies_agree"
    seed = validate_seed(seed)
    subject, F = _hessian_subject(fn, args, name)
    v = subject.directions(seed, "v", [flat_point(subject)])[0]

    def each(d, fx, v):
        f = lambda x: F(x, fx)
        return {s: hvp(f, _flat(d), v, s) for s in STRATEGIES[1:]}

    def reference(d, fx, v):
        f = lambda x: F(x, fx)
        value = hvp(f, _flat(d), v, STRATEGIES[0])
        return {s: value for s in STRATEGIES[1:]}

    return identity_property(name, subject, seed=seed, extra=v, left=each, right=reference,
                             chain="HVP strategies vs forward-over-reverse",
                             relation="every strategy's H v = forward-over-reverse H v")


def _hvp_rule(F: Callable, strategy: str) -> Callable:
    """``grad F`` whose JVP is the chosen HVP strategy: what the oracle then checks."""
    G = jax.custom_jvp(lambda x, fx: jax.grad(F)(x, fx))

    @G.defjvp
    def rule(primals, tangents):
        x, fx = primals
        return jax.grad(F)(x, fx), hvp(lambda y: F(y, fx), x, tangents[0], strategy)

    return G


def hvp_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0,
                       strategy: str = "forward-over-reverse") -> Report:
    """``H v`` by ``strategy`` equals the oracle's finite difference of the gradient along ``v``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> hvp_matches_oracle(lambda x: jnp.sum(jnp.sin(x) * x), (np.float64([1.0, 2.0]),)).ok
        True
    """
    name = "hvp_matches_oracle"
    if strategy not in STRATEGIES:
        raise InvalidArgument(f"strategy must be one of {STRATEGIES}; got {strategy!r}.")
    subject, F = _hessian_subject(fn, args, name)
    key = subject.key("hvp wrapper", strategy)
    G = PROGRAMS.get(key, lambda: _hvp_rule(F, strategy))
    return oracle_property(name, G, (flat_point(subject), subject.fixed), modes=("fwd",),
                           keep=("jvp_matches_oracle",), rename=True, seed=validate_seed(seed),
                           subject=subject, options={"strategy": strategy})


def nth_derivative_matches_oracle(fn: Callable, args: tuple, *, order: int = 3,
                                  seed: int = 0) -> Report:
    """Every derivative up to ``order`` matches the oracle (JVPs, VJPs and grads of each level).

    For a scalar function of a scalar this is ``grad(grad(grad(f)))`` and below at order 3.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> nth_derivative_matches_oracle(jnp.tanh, (np.float64(2.0),), order=3).ok
        True
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 2:
        raise InvalidArgument(f"order must be an integer >= 2; got {order!r}.")
    return oracle_property(
        "nth_derivative_matches_oracle", fn, args, order=order, seed=validate_seed(seed),
        keep=("jvp_matches_oracle", "vjp_matches_oracle", "grad_matches_oracle"),
        options={"order": order})
