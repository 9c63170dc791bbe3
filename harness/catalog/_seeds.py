"""The functions of the two notebooks this project grew from, as importable definitions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

INPUTS = np.array(
    [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]],
    dtype=np.float32,
)
TARGETS = np.array([True, True, False, True])
HERMITIAN_A = np.array(
    [[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]], dtype=np.complex64
)


def piecewise(x):
    """``2 x^3`` for x > 0, else ``3 x``: Python control flow on the value."""
    if x > 0:
        return 2 * x**3
    return 3 * x


def sigmoid(x):
    """The logistic function written through tanh, as in the notebooks."""
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs=INPUTS):
    """Logistic regression: the probability that each row of ``inputs`` is labelled true."""
    return sigmoid(jnp.dot(inputs, W) + b)


def loss(W, b):
    """Negative log-likelihood of the toy data set."""
    preds = predict(W, b, INPUTS)
    label_probs = preds * TARGETS + (1 - preds) * (1 - TARGETS)
    return -jnp.sum(jnp.log(label_probs))


def loss2(params):
    """``loss`` of a dict of parameters ``{'W': ..., 'b': ...}``."""
    return loss(params["W"], params["b"])


def sum_tanh_squared(X):
    """``sum(tanh(X)^2)``, the function of the notebooks' Hessian-vector products."""
    return jnp.sum(jnp.tanh(X) ** 2)


def three_x_squared(x):
    """``3 x^2``, differentiated through ``vgrad`` in the notebooks."""
    return 3 * x**2


def piecewise_try(x):
    """``2 x^3`` below 3 and ``pi x`` above, through try/except: Python control flow."""
    try:
        if x < 3:
            return 2 * x**3
        raise ValueError
    except ValueError:
        return jnp.pi * x


def squared_modulus(z):
    """``x^2 + y^2`` of ``z = x + iy``: real valued, so its gradient is ``2x - 2iy``."""
    x, y = jnp.real(z), jnp.imag(z)
    return x**2 + y**2


def complex_sin(z):
    """``sin z``, holomorphic."""
    return jnp.sin(z)


def conjugate(z):
    """``conj z``: not holomorphic, though ``grad(..., holomorphic=True)`` runs on it."""
    return jnp.conjugate(z)


def cholesky_sin_residual(X):
    """``sum((L - sin L)^2)`` with ``L = cholesky(X)``, for Hermitian positive definite X."""
    L = jnp.linalg.cholesky(X)
    return jnp.sum((L - jnp.sin(L)) ** 2)


def hvp_fwd_rev(x, v):
    """Forward-over-reverse Hessian-vector product of ``sum_tanh_squared``."""
    return jax.jvp(jax.grad(sum_tanh_squared), (x,), (v,))[1]


def hvp_rev_fwd(x, v):
    """Reverse-over-forward Hessian-vector product of ``sum_tanh_squared``."""
    return jax.grad(lambda y: jax.jvp(sum_tanh_squared, (y,), (v,))[1])(x)


def hvp_rev_rev(x, v):
    """Reverse-over-reverse Hessian-vector product of ``sum_tanh_squared``."""
    return jax.grad(lambda y: jnp.vdot(jax.grad(sum_tanh_squared)(y), v))(x)


def linear_complex_map(z, coefficients):
    """``u + iv`` with u, v linear in (x, y): the notebooks' C -> C convention check."""
    a, b, c, d = coefficients[0], coefficients[1], coefficients[2], coefficients[3]
    x, y = jnp.real(z), jnp.imag(z)
    return (a * x + b * y) + (c * x + d * y) * 1j
