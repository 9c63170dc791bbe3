"""optax's losses and one Adam update, checked as a user checks the losses they train with.

Each loss is summed to a scalar, so the gradient, Hessian and higher rules apply; labels that
optax takes as probabilities are the softmax (or sigmoid) of a free argument, so every draw is
a valid input and the derivative in the labels is checked too.
"""

from __future__ import annotations

import pytest

optax = pytest.importorskip("optax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded  # noqa: E402

SHAPE = (4, 3)


def _pair(low: float = -10.0, high: float = 10.0):
    return lambda dtype: (bounded(dtype, SHAPE, low, high), bounded(dtype, SHAPE, low, high))


def softmax_cross_entropy(logits, free):
    return optax.losses.softmax_cross_entropy(logits, jax.nn.softmax(free)).sum()


def sigmoid_binary_cross_entropy(logits, free):
    return optax.losses.sigmoid_binary_cross_entropy(logits, jax.nn.sigmoid(free)).sum()


def kl_divergence(log_predictions, free):
    log_p = jax.nn.log_softmax(log_predictions)
    return optax.losses.kl_divergence(log_p, jax.nn.softmax(free)).sum()


def poly_loss_cross_entropy(logits, free):
    return optax.losses.poly_loss_cross_entropy(logits, jax.nn.softmax(free), epsilon=2.0).sum()


def sigmoid_focal_loss(logits, free):
    return optax.losses.sigmoid_focal_loss(logits, jax.nn.sigmoid(free), gamma=2.0).sum()


def integer_label_cross_entropy(logits):
    labels = jnp.array([0, 2, 1, 2])
    return optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels).sum()


def l2_loss(predictions, targets):
    return optax.losses.l2_loss(predictions, targets).sum()


def log_cosh(predictions, targets):
    return optax.losses.log_cosh(predictions, targets).sum()


def cosine_similarity(predictions, targets):
    return optax.losses.cosine_similarity(predictions, targets).sum()


def dice_loss(logits, free):
    return optax.losses.dice_loss(logits, jax.nn.softmax(free)).sum()


def ntxent(embeddings):
    return optax.losses.ntxent(embeddings, jnp.array([0, 0, 1, 1]), temperature=0.5)


def huber_loss(predictions, targets):
    return optax.losses.huber_loss(predictions, targets, delta=1.0).sum()


def adam_update(grads):
    """The update Adam makes on its second step, as a function of the gradient."""
    opt = optax.adam(1e-2)
    params = jnp.zeros_like(grads)
    _, state = opt.update(jnp.ones_like(grads), opt.init(params), params)
    return opt.update(grads, state, params)[0]


ENTRIES = (
    Entry("optax.softmax_cross_entropy", softmax_cross_entropy, _pair(), order=2),
    Entry("optax.sigmoid_binary_cross_entropy", sigmoid_binary_cross_entropy, _pair(), order=2),
    Entry("optax.kl_divergence", kl_divergence, _pair(), order=2),
    Entry("optax.poly_loss_cross_entropy", poly_loss_cross_entropy, _pair(), order=2),
    Entry("optax.sigmoid_focal_loss", sigmoid_focal_loss, _pair(), order=2),
    Entry("optax.softmax_cross_entropy_with_integer_labels", integer_label_cross_entropy,
          lambda dtype: (bounded(dtype, SHAPE, -10.0, 10.0),), order=2),
    Entry("optax.l2_loss", l2_loss, _pair(), order=2),
    Entry("optax.log_cosh", log_cosh, _pair(), order=2),
    Entry("optax.cosine_similarity", cosine_similarity, _pair(1.0, 10.0), order=2,
          domain="[1, 10]^(4x3): rows away from the origin"),
    Entry("optax.dice_loss", dice_loss, _pair(), order=2),
    Entry("optax.ntxent", ntxent, lambda dtype: (bounded(dtype, SHAPE, 1.0, 10.0),), order=2,
          domain="[1, 10]^(4x3): embeddings away from the origin"),
    Entry("optax.huber_loss", huber_loss, _pair(), kinks="second derivative at |p - t| = 1"),
    Entry("optax.adam", adam_update, lambda dtype: (bounded(dtype, SHAPE, -10.0, 10.0),),
          order=2),
)

test_optax = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)
