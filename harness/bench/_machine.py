"""What a benchmark result must say about the machine JAX ran on.

>>> info = machine_info()
>>> sorted(k for k in info if k.startswith("jax"))
['jax_backend', 'jax_version', 'jaxlib_version']
"""

from __future__ import annotations

import os

import jax
import jaxlib


def machine_info() -> dict[str, object]:
    """Backend, device kind and count, jax/jaxlib versions, x64, matmul precision, XLA_FLAGS."""
    devices = jax.devices()
    return {
        "jax_backend": jax.default_backend(),
        "device_kind": devices[0].device_kind if devices else "",
        "device_count": len(devices),
        "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__,
        "x64": bool(jax.config.jax_enable_x64),
        "matmul_precision": str(jax.config.jax_default_matmul_precision or "default"),
        "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""),
    }
