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


def predict_dict(params, inputs=INPUTS):
    """``predict`` of a dict of parameters ``{'W': ..., 'b': ...}``."""
    return predict(params["W"], params["b"], inputs)


def value_and_grad_loss(W, b):
    """``value_and_grad(loss, (0, 1))``: the loss and its gradient in W and in b."""
    return jax.value_and_grad(loss, (0, 1))(W, b)


def grad_loss2(params):
    """``grad(loss2)``: the gradient as a dict like the parameters."""
    return jax.grad(loss2)(params)


def hessian(f):
    """The notebooks' Hessian: ``jacfwd(jacrev(f))``."""
    return jax.jacfwd(jax.jacrev(f))


def jacfwd_predict(W, b):
    """``jacfwd`` of the predictions in W (4 x 3)."""
    return jax.jacfwd(lambda w: predict(w, b))(W)


def jacrev_predict(W, b):
    """``jacrev`` of the predictions in W (4 x 3)."""
    return jax.jacrev(lambda w: predict(w, b))(W)


def jacrev_predict_dict(params):
    """``jacrev(predict_dict)``: a dict of Jacobians, one per parameter."""
    return jax.jacrev(predict_dict)(params)


def hessian_predict(W, b):
    """The Hessian of the predictions in W (4 x 3 x 3)."""
    return hessian(lambda w: predict(w, b))(W)


def vgrad(f, x):
    """The notebooks' ``vgrad``: the VJP of f with a cotangent of ones."""
    y, vjp_fn = jax.vjp(f, x)
    return vjp_fn(jnp.ones(y.shape, y.dtype))[0]


def vgrad_three_x_squared(x):
    """``vgrad(lambda x: 3 * x**2, x)``: ``6 x`` element by element."""
    return vgrad(three_x_squared, x)


def hvp_full_hessian(X, V):
    """The Hessian-vector product by materializing the Hessian: ``tensordot(H, V, 2)``."""
    return jnp.tensordot(hessian(sum_tanh_squared)(X), V, 2)


def vmap_mjp(W, b, M):
    """Matrix-Jacobian product of the predictions in W: the VJP, vmapped over the rows of M."""
    _, vjp_fun = jax.vjp(lambda w: predict(w, b), W)
    (outs,) = jax.vmap(vjp_fun)(M)
    return outs


def loop_mjp(W, b, M):
    """``vmap_mjp`` by a Python loop over the rows of M.

    The notebooks' version, ``jnp.vstack([vjp_fun(mi) for mi in M])``, stacks the tuples the
    pullback returns and no longer runs on current JAX; this one takes their single element.
    """
    _, vjp_fun = jax.vjp(lambda w: predict(w, b), W)
    return jnp.vstack([vjp_fun(mi)[0] for mi in M])


def vmap_jmp(W, b, S):
    """Jacobian-matrix product of the predictions in W: the JVP, vmapped over the rows of S."""
    _jvp = lambda s: jax.jvp(lambda w: predict(w, b), (W,), (s,))[1]
    return jax.vmap(_jvp)(S)


def loop_jmp(W, b, S):
    """``vmap_jmp`` by a Python loop over the rows of S."""
    return jnp.vstack([jax.jvp(lambda w: predict(w, b), (W,), (si,))[1] for si in S])


def our_jacrev(f):
    """The notebooks' ``jacrev``: the pullback vmapped over the identity."""

    def jacfun(x):
        y, vjp_fun = jax.vjp(f, x)
        (J,) = jax.vmap(vjp_fun, in_axes=0)(jnp.eye(len(y), dtype=y.dtype))
        return J

    return jacfun


def our_jacfwd(f):
    """The notebooks' ``jacfwd``: the pushforward vmapped over the identity, transposed."""

    def jacfun(x):
        _jvp = lambda s: jax.jvp(f, (x,), (s,))[1]
        Jt = jax.vmap(_jvp, in_axes=1)(jnp.eye(len(x), dtype=x.dtype))
        return jnp.transpose(Jt)

    return jacfun


def our_jacrev_predict(W, b):
    """``our_jacrev`` of the predictions in W."""
    return our_jacrev(lambda w: predict(w, b))(W)


def our_jacfwd_predict(W, b):
    """``our_jacfwd`` of the predictions in W."""
    return our_jacfwd(lambda w: predict(w, b))(W)
