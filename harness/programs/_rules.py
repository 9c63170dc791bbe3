"""``CustomRule``: a ``custom_jvp`` or ``custom_vjp`` function that generated programs call.

Built-in rules (all correct) let every generated program exercise both kinds of custom rule;
users add their own with ``programs(custom_rules=...)``, and a wrong rule planted this way is
what the mutation tests catch.
"""

from __future__ import annotations

import dataclasses
import math
import re
import textwrap

from harness._errors import InvalidArgument
from harness.programs._ops import LIMIT, Bounds, Op

KINDS = ("custom_jvp", "custom_vjp")


@dataclasses.dataclass(frozen=True)
class CustomRule:
    """An elementwise function of one array with a hand-written derivative rule.

    Args:
        name: the function's name in ``source`` (a Python identifier).
        kind: ``"custom_jvp"`` or ``"custom_vjp"`` (a custom_vjp function has no forward mode,
            so programs that need one leave it out).
        source: module-level Python defining ``name`` and its rule; it may use ``jax``,
            ``jnp`` and ``lax``.
        domain: the inputs it is smooth on, ``(lo, hi)``; it is only applied to values that
            lie inside.
        image: bounds on its outputs over that domain, ``(lo, hi)``.

    Example:
        >>> rule = CustomRule("my_tanh", kind="custom_jvp", source='''
        ... @jax.custom_jvp
        ... def my_tanh(x):
        ...     return jnp.tanh(x)
        ...
        ... @my_tanh.defjvp
        ... def _my_tanh_jvp(primals, tangents):
        ...     (x,), (t,) = primals, tangents
        ...     y = jnp.tanh(x)
        ...     return y, (1.0 - y ** 2) * t
        ... ''', image=(-1.0, 1.0))
        >>> rule.op().name
        'my_tanh'
    """

    name: str
    kind: str
    source: str
    domain: tuple[float, float] = (-math.inf, math.inf)
    image: tuple[float, float] = (-LIMIT, LIMIT)

    def __post_init__(self) -> None:
        where = f"CustomRule {self.name!r}"
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InvalidArgument(f"CustomRule name={self.name!r} must be a Python identifier, "
                                  "the name of the function its source defines")
        if self.kind not in KINDS:
            raise InvalidArgument(f"{where}: kind={self.kind!r}; use 'custom_jvp' or "
                                  "'custom_vjp'")
        if not isinstance(self.source, str) or not re.search(
                rf"^def {re.escape(self.name)}\(", textwrap.dedent(self.source), re.M):
            raise InvalidArgument(f"{where}: source must define `def {self.name}(...)` at "
                                  "module level, decorated with jax.custom_jvp or "
                                  "jax.custom_vjp, with its rule")
        for field in ("domain", "image"):
            pair = getattr(self, field)
            if (not isinstance(pair, tuple) or len(pair) != 2
                    or not all(isinstance(v, (int, float)) for v in pair) or pair[0] >= pair[1]):
                raise InvalidArgument(f"{where}: {field}={pair!r} must be a pair (lo, hi) "
                                      "with lo < hi")
        if max(abs(v) for v in self.image) > LIMIT:
            raise InvalidArgument(f"{where}: image={self.image!r} reaches beyond +-{LIMIT}, "
                                  "where generated programs keep their values; narrow domain "
                                  "and image")

    def op(self) -> Op:
        """The operation generated programs draw: ``name(x)`` wherever x lies in the domain."""
        lo, hi = self.domain
        image = Bounds(*map(float, self.image))
        return Op(self.name, self.name + "({})", lambda b: b.inside(lo, hi), lambda b: image,
                  helper=textwrap.dedent(self.source).strip(),
                  forward=self.kind == "custom_jvp", reverse=True, holomorphic=False)


BUILT_IN = (
    CustomRule("tanh_custom_jvp", kind="custom_jvp", image=(-1.0, 1.0), source="""
@jax.custom_jvp
def tanh_custom_jvp(x):
    return jnp.tanh(x)


@tanh_custom_jvp.defjvp
def _tanh_custom_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    y = jnp.tanh(x)
    return y, (1.0 - y ** 2) * t
"""),
    CustomRule("softplus_custom_jvp", kind="custom_jvp", domain=(-LIMIT, 29.0),
               image=(0.0, LIMIT), source="""
@jax.custom_jvp
def softplus_custom_jvp(x):
    return jnp.logaddexp(x, 0.0)


@softplus_custom_jvp.defjvp
def _softplus_custom_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus_custom_jvp(x), jax.nn.sigmoid(x) * t
"""),
    CustomRule("sin_custom_vjp", kind="custom_vjp", image=(-1.0, 1.0), source="""
@jax.custom_vjp
def sin_custom_vjp(x):
    return jnp.sin(x)


def _sin_custom_vjp_fwd(x):
    return jnp.sin(x), jnp.cos(x)


def _sin_custom_vjp_bwd(cos_x, g):
    return (g * cos_x,)


sin_custom_vjp.defvjp(_sin_custom_vjp_fwd, _sin_custom_vjp_bwd)
"""),
    CustomRule("exp_custom_vjp", kind="custom_vjp", domain=(-LIMIT, 3.4), image=(0.0, LIMIT),
               source="""
@jax.custom_vjp
def exp_custom_vjp(x):
    return jnp.exp(x)


def _exp_custom_vjp_fwd(x):
    y = jnp.exp(x)
    return y, y


def _exp_custom_vjp_bwd(y, g):
    return (g * y,)


exp_custom_vjp.defvjp(_exp_custom_vjp_fwd, _exp_custom_vjp_bwd)
"""),
)
