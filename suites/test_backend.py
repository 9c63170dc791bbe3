"""What the backend itself must get right before any float32 derivative check means anything."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest


@pytest.mark.accelerator
def test_float32_matmul_is_not_judged_at_tf32():
    """With --adh-matmul-precision highest (the default), a float32 product is float32-accurate.

    At TF32 (10-bit mantissa) or bfloat16 passes, a 256x256 product is off by about 1e-3
    relative; every float32 derivative check through a matmul would then fail or need a
    tolerance that hides real bugs.
    """
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 256, 256)).astype(np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    got = np.asarray(jax.jit(jnp.matmul)(a, b), dtype=np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    assert np.max(np.abs(got - exact) / scale) < 1e-5, (
        f"float32 matmul on {jax.devices()[0].device_kind} is not float32-accurate: "
        f"jax_default_matmul_precision = {jax.config.jax_default_matmul_precision!r}")
