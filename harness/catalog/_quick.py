"""``QUICK``: a representative subset of every catalog family, what ``adharness verify`` runs
by default.

Each family keeps a few entries that cover its kinds of rule (higher orders, pytrees,
structured and complex matrices, loops, custom rules, holomorphic functions) and that check
in about a second each; one known JAX bug shows what such a verdict looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

QUICK: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "notebooks": ("seed.tanh", "seed.loss", "seed.predict_dict", "seed.hvp_fwd_rev",
                  "seed.vmap_mjp", "seed.squared_modulus"),
    "elementwise": ("sin", "log1p", "erf", "arctan2", "sqrt", "sinc_near_zero"),
    "reductions": ("prod", "logsumexp", "max", "sort", "norm"),
    "linalg": ("solve", "cholesky", "det", "eigh"),
    "nn": ("softplus", "softmax", "relu", "log_softmax"),
    "control_flow": ("cond", "scan", "while_loop", "fori_loop"),
    "custom_rules": ("custom_jvp.log1pexp", "custom_jvp.defjvps", "custom_vjp.tree_tanh",
                     "custom_vjp.stable_norm"),
    "complex": ("complex.polynomial", "complex.exp", "complex.log", "complex.abs"),
})
