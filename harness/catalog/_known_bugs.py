"""Known JAX bugs that catalog entries run into, each with a probe for the installed JAX.

A catalog entry marks the properties today's JAX fails on it with ``Entry(xfail=...)``. A plain
reason marks them always; a :class:`KnownBug` marks them only while its probe still finds the
bug in the JAX that is running, so a release (or a backend) that fixes it runs the properties
as ordinary tests instead of failing them as an unexpected pass.

>>> import jax, jax.numpy as jnp
>>> bug = KnownBug("why: sin is wrong (a made-up example)", lambda: jax.grad(jnp.sin)(0.0) != 1)
>>> bug.present()
False
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class KnownBug:
    """A JAX bug in words (``why``) and ``probe()``: True while the running JAX has it.

    The probe runs once per process, on the default backend, the first time it is asked. A
    probe that raises counts as finding the bug: the property is still expected to fail,
    which is what was seen.
    """

    why: str
    probe: Callable[[], bool]
    # ``shows_at(*args) -> bool``: whether the bug shows at these arguments of the entry's
    # function (the region its ``why`` establishes); None where that is not said.
    shows_at: Callable[..., bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.why, str) or not self.why.strip():
            raise TypeError(f"KnownBug(why={self.why!r}) needs a non-empty reason")
        if not callable(self.probe):
            raise TypeError(f"KnownBug(probe={self.probe!r}) needs a function returning a bool")
        if self.shows_at is not None and not callable(self.shows_at):
            raise TypeError(f"KnownBug(shows_at={self.shows_at!r}) needs a function of the "
                            "entry's arguments returning a bool")

    def present(self) -> bool:
        """Whether the running JAX still has this bug (probed once, then remembered)."""
        if self not in _SEEN:
            try:
                _SEEN[self] = bool(self.probe())
            except Exception:  # noqa: BLE001 - a probe that cannot run says nothing of a fix
                _SEEN[self] = True
        return _SEEN[self]


_SEEN: dict[KnownBug, bool] = {}


def _sinc_grad_is_infinite_at_tiny_x() -> bool:
    return not np.isfinite(float(jax.grad(jnp.sinc)(np.float32(1e-30))))


def _log_ndtr_grad_is_off_far_left() -> bool:
    with jax.enable_x64(True):
        slope = float(jax.grad(jax.scipy.special.log_ndtr)(np.float64(-20.01)))
    return abs(slope / 20.059728448042 - 1) > 1e-10  # the mpmath value


SINC_NEAR_ZERO = KnownBug(
    "why: jax.grad(jnp.sinc) is -inf (+inf for x < 0) at tiny nonzero x (float32 "
    "|x| < 3.5e-20, float64 |x| < 1e-154), where it is -pi^2 x / 3: the custom_jvp (a "
    "Maclaurin series) covers x == 0 only, and elsewhere JAX differentiates sin(pi x) / (pi x), "
    "whose (pi x)^2 underflows to 0. At larger |x| it is finite but cancels: float32 1e-4 gives "
    "-1.36e-3 (true -3.29e-4) and a second derivative of +5.96 (true -3.29), float64 1e-60 "
    "gives 1.4e44; the harness's measured rounding forgives much of that in float32. "
    "Seen with JAX 0.10.2 on the CPU; not with 0.11.2 on an H100",
    _sinc_grad_is_infinite_at_tiny_x)

LOG_NDTR_FAR_LEFT = KnownBug(
    "why: in float64, jax.scipy.special.log_ndtr uses a 3-term asymptotic series below x = -20, "
    "whose value is off by 2e-11 (relative) at -20.01, and its custom_jvp computes the "
    "derivative exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) from that value: jax.grad(log_ndtr) "
    "at -20.01 is 20.059728528397 where the derivative is 20.059728448042 (mpmath), a relative "
    "error of 4e-9 (1.6e-10 at -30), and it is not the slope of the function JAX computes "
    "either. Seen with JAX 0.10.2 on the CPU and 0.11.2 on an H100",
    _log_ndtr_grad_is_off_far_left)
