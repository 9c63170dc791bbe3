"""The functions the benchmarks differentiate, and their inputs at a given size.

Each builder takes a size and returns a ``Workload``: a function of one flat float32 array
(parameters are raveled, so every strategy sees the same signature), that array, and for
Jacobian products the batch of 128 tangents or covectors. Inputs come from a NumPy generator
seeded by the workload's name and size: the same size always gives the same numbers.

>>> w = build("sum_tanh_squared", 1200)
>>> w.x.shape, float(w.fn(w.x)) > 0
((30, 40), True)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from harness._errors import InvalidArgument
from harness.catalog._seeds import sigmoid, sum_tanh_squared

# The seed notebooks pull back and push forward 128 vectors at once.
PRODUCTS = 128


@dataclasses.dataclass(frozen=True)
class Workload:
    """A function ``fn(x)`` at a point ``x``, with ``consts`` it closes over as arguments.

    ``fn`` takes ``(x, *consts)``; constants are passed rather than closed over so that XLA
    does not embed large arrays in the program. ``label`` says what ``size`` means.
    """

    name: str
    size: int
    label: str
    fn: Callable
    x: np.ndarray
    consts: tuple = ()
    tangent: np.ndarray | None = None
    output_shape: tuple[int, ...] = ()


def _rng(name: str, size: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{name}:{size}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _normal(rng, shape, scale=1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _sum_tanh_squared(size: int) -> Workload:
    """The seeds' ``sum(tanh(X)^2)``; X has 40 columns as in the notebooks (30 x 40 = 1200)."""
    rng = _rng("sum_tanh_squared", size)
    shape = (size // 40, 40) if size % 40 == 0 else (size,)
    return Workload("sum_tanh_squared", size, "inputs", lambda x: sum_tanh_squared(x),
                    _normal(rng, shape), tangent=_normal(rng, shape))


def _logistic(size: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray, np.ndarray]:
    """Features of the seeds' logistic regression at ``size`` weights (the seeds' own at 3)."""
    rng = _rng("logistic", size)
    if size == 3:
        from harness.catalog._seeds import INPUTS, TARGETS

        return rng, INPUTS.copy(), TARGETS.astype(np.float32), _normal(rng, (3,))
    rows = max(4, 2 * size)
    inputs = _normal(rng, (rows, size), scale=1.0 / np.sqrt(size))
    return rng, inputs, (rng.random(rows) < 0.5).astype(np.float32), _normal(rng, (size,))


def _logistic_loss(W, inputs, targets):
    """The seeds' ``loss`` with the data as arguments and b = 0."""
    preds = sigmoid(jnp.dot(inputs, W))
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


def _logistic_loss_workload(size: int) -> Workload:
    rng, inputs, targets, W = _logistic(size)
    return Workload("logistic_loss", size, "weights", _logistic_loss, W, (inputs, targets),
                    tangent=_normal(rng, W.shape))


def _predict(W, inputs):
    """The seeds' ``predict`` with b = 0 and the inputs as an argument."""
    return sigmoid(jnp.dot(inputs, W))


def _predict_workload(size: int) -> Workload:
    _, inputs, _, W = _logistic(size)
    return Workload("predict", size, "weights", _predict, W, (inputs,),
                    output_shape=(inputs.shape[0],))


MLP_BATCH = 64


def _mlp_parts(size: int, name: str):
    """A 3-layer tanh MLP of width ``size`` on a batch of 64 inputs of ``size`` features."""
    rng = _rng(name, size)
    params = [(_normal(rng, (size, size), 1 / np.sqrt(size)), _normal(rng, (size,), 0.1)),
              (_normal(rng, (size, size), 1 / np.sqrt(size)), _normal(rng, (size,), 0.1)),
              (_normal(rng, (size, 1), 1 / np.sqrt(size)), _normal(rng, (1,), 0.1))]
    flat, unravel = ravel_pytree(params)
    inputs = _normal(rng, (MLP_BATCH, size))
    targets = _normal(rng, (MLP_BATCH,))

    def outputs(theta, inputs):
        h = inputs
        layers = unravel(theta)
        for W, b in layers[:-1]:
            h = jnp.tanh(h @ W + b)
        W, b = layers[-1]
        return (h @ W + b)[:, 0]

    return rng, np.asarray(flat), inputs, targets, outputs


def _mlp_loss_workload(size: int) -> Workload:
    rng, theta, inputs, targets, outputs = _mlp_parts(size, "mlp_loss")

    def loss(theta, inputs, targets):
        return jnp.mean((outputs(theta, inputs) - targets) ** 2)

    return Workload("mlp_loss", size, "width", loss, theta, (inputs, targets),
                    tangent=_normal(rng, theta.shape))


def _mlp_workload(size: int) -> Workload:
    _, theta, inputs, _, outputs = _mlp_parts(size, "mlp")
    return Workload("mlp", size, "width", outputs, theta, (inputs,), output_shape=(MLP_BATCH,))


def _tanh_affine(x, A):
    """``tanh(A x)``: a map from R^n to R^m whose Jacobian is m x n."""
    return jnp.tanh(A @ x)


def tanh_affine_workload(rows: int, columns: int) -> Workload:
    """``tanh(A x)`` with A of ``rows`` x ``columns``: tall, square or wide Jacobians."""
    rng = _rng("tanh_affine", rows * 1_000_003 + columns)
    A = _normal(rng, (rows, columns), 1 / np.sqrt(columns))
    return Workload("tanh_affine", rows * columns, f"{rows}x{columns}", _tanh_affine,
                    _normal(rng, (columns,)), (A,), output_shape=(rows,))


BUILDERS: dict[str, Callable[[int], Workload]] = {
    "sum_tanh_squared": _sum_tanh_squared,
    "logistic_loss": _logistic_loss_workload,
    "mlp_loss": _mlp_loss_workload,
    "predict": _predict_workload,
    "mlp": _mlp_workload,
}


def build(name: str, size: int) -> Workload:
    """The workload ``name`` at ``size``.

    Raises:
        InvalidArgument: for an unknown name or a size below 1.
    """
    if name not in BUILDERS:
        raise InvalidArgument(f"unknown workload {name!r}; use one of {', '.join(BUILDERS)}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidArgument(f"workload {name!r}: size={size!r} must be a positive int")
    return BUILDERS[name](size)


def products(workload: Workload, *, kind: str) -> np.ndarray:
    """128 covectors (``kind="mjp"``, shaped like the output) or tangents (``"jmp"``, like x)."""
    shape = workload.output_shape if kind == "mjp" else workload.x.shape
    return _normal(_rng(f"{workload.name}:{kind}", workload.size), (PRODUCTS, *shape))


def parameter_count(workload: Workload) -> int:
    """How many numbers the function is differentiated in."""
    return int(np.size(workload.x))


def to_float64(tree):
    """A float64 NumPy copy of a pytree (for references computed under ``jax.enable_x64``)."""
    return jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), tree)
