"""Named derivative properties: each checks one rule and raises ``DerivativeMismatch``.

>>> import numpy as np, jax.numpy as jnp, properties
>>> checks = properties.jvp_matches_oracle(jnp.tanh, (np.float32([0.5, 2.0]),), order=2)
"""

from properties._first_order import grad_matches_oracle as grad_matches_oracle
from properties._first_order import jvp_matches_oracle as jvp_matches_oracle
from properties._first_order import jvp_vjp_transposition as jvp_vjp_transposition
from properties._first_order import vjp_matches_oracle as vjp_matches_oracle

__all__ = [
    "grad_matches_oracle",
    "jvp_matches_oracle",
    "jvp_vjp_transposition",
    "vjp_matches_oracle",
]
