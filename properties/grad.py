"""``grad`` and its options: against the oracle, with ``value_and_grad``, ``argnums`` and pytrees.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments, arrays or pytrees),
returns a ``harness.Report`` when the rule holds and raises ``harness.DerivativeMismatch`` when
it does not. ``fn`` must return one real number.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from harness import Report
from harness._errors import DerivativeMismatch, NotApplicable
from harness.computations._compiled import x64_for

from ._run import (
    Subject,
    identity_property,
    oracle_property,
    scalar_real_output,
    validate_seed,
)


def grad_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0, order: int = 1) -> Report:
    """``grad(fn)`` equals the oracle's gradient element by element, and ``vjp(1)``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> grad_matches_oracle(lambda x: jnp.sum(x ** 3), (np.float64([0.5, 2.0]),)).ok
        True
    """
    return oracle_property("grad_matches_oracle", fn, args, order=order,
                           keep=("grad_matches_oracle", "grad_matches_vjp"),
                           seed=validate_seed(seed), options={"order": order})


def value_and_grad_matches(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``value_and_grad(fn)(x)`` equals ``(fn(x), grad(fn)(x))``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> value_and_grad_matches(lambda x: jnp.sum(jnp.sin(x)), (np.float32([1.0, 2.0]),)).ok
        True
    """
    name = "value_and_grad_matches"
    subject = Subject.of(fn, args)
    scalar_real_output(subject, name)
    f = _scalar(subject)
    return identity_property(
        name, subject, seed=validate_seed(seed), chain="value_and_grad vs (f, grad)",
        relation="value_and_grad(f)(x) = (f(x), grad(f)(x))",
        left=lambda d, fx, _: jax.value_and_grad(f)(d, fx),
        right=lambda d, fx, _: (f(d, fx), jax.grad(f)(d, fx)))


def grad_argnums_agree(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``grad(fn, argnums=i)`` for each int ``i`` equals part ``i`` of ``grad(fn, argnums=(...))``.

    The positional arguments holding only floating-point leaves are differentiated; each may be
    a pytree (``loss(W, b)`` or ``loss2({'W': W, 'b': b})``).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> f = lambda w, b: jnp.sum(jnp.tanh(w * 2.0 + b))
        >>> grad_argnums_agree(f, (np.float32([1.0, 2.0]), np.float32(0.5))).ok
        True
    """
    name = "grad_argnums_agree"
    subject = Subject.of(fn, args)
    scalar_real_output(subject, name)
    positions = _float_positions(args)
    if not positions:
        raise NotApplicable(f"{name}: no positional argument holds only floating-point leaves")

    def call(d, fx):
        return subject.arguments.rebuild(d, fx)

    def by_int(d, fx, _):
        full = call(d, fx)
        out = []
        for i in positions:
            g = jax.grad(lambda a, i=i: _real(fn(*full[:i], a, *full[i + 1:])))(full[i])
            out.append(g)
        return tuple(out)

    def by_tuple(d, fx, _):
        full = call(d, fx)

        def of(*chosen):
            rebuilt = list(full)
            for i, value in zip(positions, chosen):
                rebuilt[i] = value
            return _real(fn(*rebuilt))

        return tuple(jax.grad(of, argnums=tuple(range(len(positions))))(
            *[full[i] for i in positions]))

    return identity_property(
        name, subject, seed=validate_seed(seed), left=by_int, right=by_tuple,
        chain=f"argnums={positions[0]} ... vs argnums={tuple(positions)}",
        relation="grad(f, argnums=i) = grad(f, argnums=(all))[i]")


def grad_pytree_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``grad`` over pytree arguments has their structure and matches the oracle leaf by leaf.

    The notebooks' ``loss2({'W': W, 'b': b})``: the gradient is a dict with the same keys,
    shapes and dtypes, and each leaf is the oracle's partial derivative for that key.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> f = lambda p: jnp.sum(p["W"] ** 2) * p["b"]
        >>> grad_pytree_matches_oracle(f, ({"W": np.float64([1.0, 2.0]), "b": np.float64(3.0)},)).ok
        True
    """
    name = "grad_pytree_matches_oracle"
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    scalar_real_output(subject, name)
    positions = pytree_positions(args)
    if not positions:
        raise NotApplicable(f"{name} needs a positional argument that is a pytree (a dict, "
                            "list or tuple of arrays)")
    with x64_for(args):
        grads = jax.grad(lambda *a: _real(fn(*a)), argnums=tuple(positions))(*args)
    for i, g in zip(positions, grads):
        want = jax.tree_util.tree_map(lambda v: (np.shape(v), np.asarray(v).dtype), args[i])
        got = jax.tree_util.tree_map(lambda v: (np.shape(v), np.asarray(v).dtype), g)
        if jax.tree_util.tree_structure(args[i]) != jax.tree_util.tree_structure(g) \
                or want != got:
            raise DerivativeMismatch(
                f"{name} fails for {subject.name}: grad of argument {i} has structure, shapes "
                f"and dtypes {got}, but the argument has {want}")
    return oracle_property(name, fn, args, keep=("grad_matches_oracle",), seed=seed,
                           rename=True)


def pytree_positions(args: tuple) -> list[int]:
    """The positional arguments that are containers (dicts, lists, tuples, pytree nodes)."""
    return [i for i, a in enumerate(args) if not jax.tree_util.treedef_is_leaf(
        jax.tree_util.tree_structure(a))]


def has_aux_grad_matches(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``grad(g, has_aux=True)`` with ``g = x -> (fn(x), aux)`` gives ``(grad(fn), aux)``.

    The auxiliary output (fn's value and the inputs) comes back unchanged and undifferentiated.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> has_aux_grad_matches(lambda x: jnp.sum(jnp.exp(x)), (np.float32([0.5, 1.0]),)).ok
        True
    """
    name = "has_aux_grad_matches"
    subject = Subject.of(fn, args)
    scalar_real_output(subject, name)
    f = _scalar(subject)

    def with_aux(d, fx, _):
        return jax.grad(lambda v: (f(v, fx), {"value": f(v, fx), "inputs": v}),
                        has_aux=True)(d)

    def plain(d, fx, _):
        return jax.grad(f)(d, fx), {"value": f(d, fx), "inputs": [jnp.asarray(v) for v in d]}

    return identity_property(name, subject, seed=validate_seed(seed), left=with_aux,
                             right=plain, chain="grad(has_aux=True) vs grad and aux",
                             relation="grad(x -> (f(x), aux), has_aux=True) = (grad f, aux)")


def _real(value):
    return jnp.real(jnp.asarray(jax.tree_util.tree_leaves(value)[0])).reshape(())


def _scalar(subject: Subject) -> Callable:
    return lambda d, fx: _real(subject.call(d, fx))


def _float_positions(args: tuple) -> list[int]:
    positions = []
    for i, arg in enumerate(args):
        leaves = jax.tree_util.tree_leaves(arg)
        if leaves and all(isinstance(v, (np.ndarray, np.generic, jax.Array, float))
                          and jnp.issubdtype(np.asarray(v).dtype, jnp.floating)
                          for v in leaves):
            positions.append(i)
    return positions
