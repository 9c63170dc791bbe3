"""flax.linen models, differentiated in their parameters and their inputs.

The parameters are drawn as pytrees of the shapes ``init`` gives (``strategies.tangents`` of
the parameter shapes, at the checked dtype), so every check sees other weights; each model is
checked as a function and as the scalar loss a training step differentiates.
"""

from __future__ import annotations

import pytest

nn = pytest.importorskip("flax.linen")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded, tangents  # noqa: E402


class MLP(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.gelu(nn.Dense(8)(x))
        x = jnp.tanh(nn.Dense(8)(x))
        return nn.Dense(2)(x)


class ConvNet(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.silu(nn.Conv(4, kernel_size=(3,))(x))
        return nn.Conv(2, kernel_size=(2,), strides=(2,))(x)


class NormedDense(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.LayerNorm()(nn.Dense(4)(x))


class Attention(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=4)(x)


class Recurrent(nn.Module):
    """A GRU over the sequence axis; its carry starts in ``param_dtype``, the input's dtype."""

    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, x):
        return nn.RNN(nn.GRUCell(features=3, param_dtype=self.param_dtype))(x)


class BatchNormed(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.BatchNorm(use_running_average=False)(nn.Dense(3)(x))


def _entry(name: str, module: nn.Module, shape: tuple[int, ...], *, stateful: bool = False,
           order: int = 1) -> tuple[Entry, Entry]:
    """The model as a function of (parameters, input), and its mean square as a loss."""
    x0 = jnp.zeros(shape)
    shapes = jax.eval_shape(module.init, jax.random.key(0), x0)["params"]

    def apply(params, x):
        variables = {"params": params}
        model = module.clone(param_dtype=x.dtype) if hasattr(module, "param_dtype") else module
        if stateful:
            return model.apply(variables, x, mutable=["batch_stats"])[0]
        return model.apply(variables, x)

    def loss(params, x):
        return jnp.mean(apply(params, x) ** 2)

    def arguments(dtype):
        like = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, dtype), shapes)
        return tangents(like, max_magnitude=1.0), bounded(dtype, shape, -3.0, 3.0)

    apply.__name__, loss.__name__ = name, f"{name}_loss"
    return (Entry(f"flax.{name}", apply, arguments, order=order),
            Entry(f"flax.{name}_loss", loss, arguments, order=2))


ENTRIES = (
    *_entry("MLP", MLP(), (4, 3), order=2),
    *_entry("Conv", ConvNet(), (2, 6, 3)),
    *_entry("LayerNorm", NormedDense(), (3, 3)),
    *_entry("MultiHeadDotProductAttention", Attention(), (2, 3, 4)),
    *_entry("GRU", Recurrent(), (2, 4, 2)),
)
BATCH_NORM, BATCH_NORM_LOSS = _entry("BatchNorm", BatchNormed(), (4, 3), stateful=True)

# BatchNorm's fast variance is max(0, E[z^2] - E[z]^2); where every row of z is equal (all-zero
# weights) it sits on the kink of that max, but AD's Hessian there is that of the smooth
# two-pass variance (to 5e-11 of 2e5: the variance's second-order term is multiplied by
# z - mean = 0), so the loss is checked at order 2 like the others.
test_flax = properties.tests_for(*ENTRIES, BATCH_NORM, BATCH_NORM_LOSS,
                                 rules=properties.ORACLE_RULES)
