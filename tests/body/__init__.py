"""A body of right functions that nobody picked for being easy: every differentiable public
function of jax.numpy (with its linalg and fft), jax.nn, jax.scipy.special and
jax.scipy.linalg, each on its natural domain, as catalog ``Entry``s; every other public
function of those modules is in ``LEFT_OUT`` with the reason.

An entry's name is the module's short name and the function's (``jnp.sin``,
``special.gammainc``, ``scipy.linalg.expm``), with the options in brackets where one function
has a second entry (``nn.gelu[approximate=False]``).
"""

from ._left_out import LEFT_OUT as LEFT_OUT
from ._left_out import MODULES as MODULES
from ._left_out import public_functions as public_functions
from ._linalg import FFT, LINALG
from ._nn_special import NN, SPECIAL
from ._numpy import NUMPY
from ._shapes import SHAPES

BODY = NUMPY + SHAPES + NN + SPECIAL + LINALG + FFT

__all__ = ["BODY", "LEFT_OUT", "MODULES", "public_functions"]
