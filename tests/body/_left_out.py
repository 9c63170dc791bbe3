"""The public functions of the body's modules that it leaves out, each with the reason."""

from __future__ import annotations

import inspect
import types

import jax.nn
import jax.numpy as jnp
import jax.scipy.linalg
import jax.scipy.special

# Short name (the prefix of the body's entry names) -> module.
MODULES: dict[str, types.ModuleType] = {
    "jnp": jnp, "jnp.linalg": jnp.linalg, "jnp.fft": jnp.fft, "nn": jax.nn,
    "special": jax.scipy.special, "scipy.linalg": jax.scipy.linalg,
}


def public_functions() -> dict[str, object]:
    """Every public function of ``MODULES``, by its body name (``jnp.sin``)."""
    found = {}
    for short, module in MODULES.items():
        for name in dir(module):
            value = getattr(module, name)
            if name.startswith("_") or not callable(value) or inspect.isclass(value) \
                    or inspect.ismodule(value):
                continue
            found[f"{short}.{name}"] = value
    return found


LEFT_OUT: dict[str, str] = {}

_CONSTRUCTORS = ("arange", "empty", "empty_like", "eye", "full", "full_like", "identity",
                 "indices", "ones", "ones_like", "tri", "zeros", "zeros_like", "bartlett",
                 "blackman", "hamming", "hanning", "fromfunction", "diag_indices",
                 "diag_indices_from", "tril_indices", "tril_indices_from", "triu_indices",
                 "triu_indices_from", "mask_indices", "ix_", "fft.fftfreq", "fft.rfftfreq")
_PREDICATES = ("all", "any", "allclose", "array_equal", "array_equiv", "equal", "not_equal",
               "greater", "greater_equal", "less", "less_equal", "isclose", "iscomplex",
               "iscomplexobj", "isdtype", "isfinite", "isin", "isinf", "isnan", "isneginf",
               "isposinf", "isreal", "isrealobj", "isscalar", "issubdtype", "iterable",
               "logical_and", "logical_not", "logical_or", "logical_xor", "signbit",
               "can_cast")
_INTEGER_VALUED = ("argmax", "argmin", "argpartition", "argsort", "argwhere", "nanargmax",
                   "nanargmin", "nonzero", "flatnonzero", "count_nonzero", "bincount",
                   "searchsorted", "digitize", "lexsort", "ravel_multi_index",
                   "unravel_index", "gcd", "lcm", "histogram", "histogram2d", "histogramdd",
                   "histogram_bin_edges", "linalg.matrix_rank")
_BITS = ("bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift",
         "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "invert",
         "left_shift", "right_shift", "packbits", "unpackbits", "nextafter", "spacing")
_DATA_DEPENDENT_SHAPE = ("extract", "trim_zeros", "unique", "unique_all", "unique_counts",
                         "unique_inverse", "unique_values", "intersect1d", "setdiff1d",
                         "setxor1d", "union1d")
_NOT_ARRAY_FUNCTIONS = ("array_repr", "array_str", "broadcast_shapes", "einsum_path",
                        "from_dlpack", "frombuffer", "fromfile", "fromiter", "frompyfunc",
                        "fromstring", "get_printoptions", "printoptions", "set_printoptions",
                        "load", "save", "savez", "ndim", "shape", "size", "promote_types",
                        "result_type")

for _names, _why in (
        (_CONSTRUCTORS, "builds an array from shapes, sizes or integers: nothing to "
                        "differentiate"),
        (_PREDICATES, "returns booleans"),
        (_INTEGER_VALUED, "returns integers (indices, counts, ranks, bins)"),
        (_BITS, "works on the bits of its argument: integer-valued or a step of one ulp"),
        (_DATA_DEPENDENT_SHAPE, "its output's shape depends on the values: not traceable "
                                "under jit, and piecewise constant where given a size"),
        (_NOT_ARRAY_FUNCTIONS, "not a numerical function of arrays (printing, files, dtypes, "
                               "shapes)")):
    LEFT_OUT.update({f"jnp.{name}": _why for name in _names})

LEFT_OUT.update({
    "jnp.place": "modifies a NumPy array in place: JAX raises for every input",
    "jnp.roots": "the roots come in the order of the companion matrix's eigenvalues "
                 "(LAPACK's), not as a continuous function of the coefficients; "
                 "jnp.linalg.eigvals is checked",
    "jnp.linalg.eig": "eigenvectors are defined up to a complex factor each, which LAPACK "
                      "fixes by a normalization that is not smooth; its eigenvalues are "
                      "checked as jnp.linalg.eigvals",
    "nn.one_hot": "takes integer classes",
    "nn.get_scaled_dot_general_config": "returns a configuration, not an array",
    "nn.scaled_matmul": "a microscaled (MX) quantized product: piecewise constant in its "
                        "inputs by design",
    "nn.scaled_dot_general": "a microscaled (MX) quantized product: piecewise constant in its "
                             "inputs by design",
    "special.bernoulli": "Bernoulli numbers of an integer n",
    "scipy.linalg.dft": "builds the DFT matrix of a size",
    "scipy.linalg.hadamard": "builds a matrix of a size",
    "scipy.linalg.helmert": "builds a matrix of a size",
    "scipy.linalg.hilbert": "builds a matrix of a size",
    "scipy.linalg.invhilbert": "builds a matrix of a size",
    "scipy.linalg.pascal": "builds a matrix of a size",
    "scipy.linalg.invpascal": "builds a matrix of a size",
    "scipy.linalg.schur": "JAX defines no derivative of schur (NotImplementedError)",
    "scipy.linalg.rsf2csf": "its input is a Schur form, which JAX cannot differentiate",
    "scipy.linalg.funm": "computed through schur, which JAX cannot differentiate",
    "scipy.linalg.sqrtm": "computed through schur, which JAX cannot differentiate",
    "scipy.linalg.solve_sylvester": "computed through schur, which JAX cannot differentiate",
    "scipy.linalg.hessenberg": "JAX defines no derivative of hessenberg "
                               "(NotImplementedError)",
    "scipy.linalg.qr_multiply": "Q's columns carry LAPACK's signs, so Q c jumps with them; "
                                "the sign-free QR is checked as scipy.linalg.qr",
})
