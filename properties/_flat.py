"""fn as a map between flat vectors, for the properties that build Jacobians and Hessians."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from ._run import Subject


def _unravel(subject: Subject, v):
    """The differentiable leaves back from the flat vector, in the vector's own dtype."""
    leaves, start = [], 0
    for x in subject.diff:
        size = int(np.size(x))
        leaves.append(jnp.reshape(v[start:start + size], np.shape(x)))
        start += size
    return leaves


def flat_function(subject: Subject) -> Callable:
    """``F(v, fixed)``: fn of the raveled differentiable leaves, returning a raveled vector."""

    def F(v, fx):
        out = jax.tree_util.tree_leaves(subject.call(_unravel(subject, v), fx))
        return jnp.concatenate([jnp.ravel(jnp.asarray(o)) for o in out])

    return F


def flat_scalar(subject: Subject) -> Callable:
    """``F(v, fixed)`` for a function returning one real number: a real scalar."""

    def F(v, fx):
        out = jax.tree_util.tree_leaves(subject.call(_unravel(subject, v), fx))[0]
        return jnp.real(jnp.asarray(out)).reshape(())

    return F


def flat_point(subject: Subject) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(x)) for x in subject.diff])
