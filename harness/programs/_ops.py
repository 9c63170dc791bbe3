"""The operations generated programs are built from, each with its domain and the range it maps to.

Every value of a generated program carries ``Bounds``: an interval holding each of its elements
(for complex values, a disk ``|z| <= hi``). An operation applies only where its argument's bounds
lie inside its domain with a margin (a logarithm sees values >= 0.2, a divisor stays 0.25 from
zero, ``abs`` is never applied across zero), and its result gets the bounds of its image, so
every drawn program is smooth at every point of its inputs' domain. Operations whose result could
exceed ``LIMIT`` in magnitude are not applied, so values stay where finite differences are sharp.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

LIMIT = 30.0
MARGIN = 0.2  # distance kept from a singularity or kink


@dataclasses.dataclass(frozen=True)
class Bounds:
    """Every element lies in ``[lo, hi]`` (complex values: ``|z| <= hi``, with ``lo = -hi``)."""

    lo: float
    hi: float

    @property
    def magnitude(self) -> float:
        return max(abs(self.lo), abs(self.hi))

    def hull(self, other: Bounds) -> Bounds:
        return Bounds(min(self.lo, other.lo), max(self.hi, other.hi))

    def inside(self, lo: float, hi: float) -> bool:
        return lo <= self.lo and self.hi <= hi

    def off_zero(self, margin: float = MARGIN) -> bool:
        return self.lo >= margin or self.hi <= -margin

    def scaled(self, k: float) -> Bounds:
        return Bounds(min(k * self.lo, k * self.hi), max(k * self.lo, k * self.hi))

    def plus(self, other: Bounds) -> Bounds:
        return Bounds(self.lo + other.lo, self.hi + other.hi)

    def times(self, other: Bounds) -> Bounds:
        corners = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Bounds(min(corners), max(corners))

    def power(self, k: int) -> Bounds:
        """Bounds of x**k for an integer k >= 1."""
        ends = [self.lo ** k, self.hi ** k]
        if k % 2 == 0 and self.lo < 0 < self.hi:
            return Bounds(0.0, max(ends))
        return Bounds(min(ends), max(ends))


UNIT = Bounds(-1.0, 1.0)


def increasing(f: Callable[[float], float]) -> Callable[[Bounds], Bounds]:
    return lambda b: Bounds(f(b.lo), f(b.hi))


def decreasing(f: Callable[[float], float]) -> Callable[[Bounds], Bounds]:
    return lambda b: Bounds(f(b.hi), f(b.lo))


def even(f: Callable[[float], float]) -> Callable[[Bounds], Bounds]:
    """Bounds of an even function increasing in |x|."""
    def image(b: Bounds) -> Bounds:
        low = 0.0 if b.lo <= 0.0 <= b.hi else min(abs(b.lo), abs(b.hi))
        return Bounds(f(low), f(b.magnitude))
    return image


def constant(lo: float, hi: float) -> Callable[[Bounds], Bounds]:
    return lambda b: Bounds(lo, hi)


def anywhere(b: Bounds) -> bool:
    return True


def at_least(lo: float) -> Callable[[Bounds], bool]:
    return lambda b: b.lo >= lo


def at_most(hi: float) -> Callable[[Bounds], bool]:
    return lambda b: b.hi <= hi


def within(magnitude: float) -> Callable[[Bounds], bool]:
    return lambda b: b.magnitude <= magnitude


def off_zero(b: Bounds) -> bool:
    return b.off_zero()


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _lgamma_image(b: Bounds) -> Bounds:
    ends = [math.lgamma(b.lo), math.lgamma(b.hi)]
    low = -0.1215 if b.lo <= 1.4616 <= b.hi else min(ends)  # minimum of lgamma at 1.4616
    return Bounds(low, max(ends))


def _digamma(x: float) -> float:
    shift = 0.0
    while x < 6.0:
        shift -= 1.0 / x
        x += 1.0
    return shift + math.log(x) - 1 / (2 * x) - 1 / (12 * x * x) + 1 / (120 * x ** 4)


def _clip(args: list[str], bounds: list[Bounds]) -> str:
    b = bounds[0]
    return f"jnp.clip({args[0]}, {math.floor(b.lo) - 1.0!r}, {math.ceil(b.hi) + 1.0!r})"


def _where(args: list[str], bounds: list[Bounds]) -> str:
    # The condition holds everywhere on the domain: select_n with a constant choice.
    return f"jnp.where({args[0]} > {math.floor(bounds[0].lo) - 1.0!r}, {args[0]}, 0.0)"


@dataclasses.dataclass(frozen=True)
class Op:
    """One operation: source text of its call, where it applies and what it maps its domain to.

    ``render(args, bounds)`` gives the expression (``template.format(*args)`` by default);
    ``helper`` is module-level source it needs (custom rules); ``forward``/``reverse``: whether
    JAX has that AD mode for it; ``holomorphic``: for complex operations.
    """

    name: str
    template: str
    accepts: Callable[..., bool]
    image: Callable[..., Bounds]
    arity: int = 1
    helper: str = ""
    forward: bool = True
    reverse: bool = True
    holomorphic: bool = True
    render_with: Callable[[list[str], list[Bounds]], str] | None = None

    def render(self, args: list[str], bounds: list[Bounds]) -> str:
        if self.render_with is not None:
            return self.render_with(args, bounds)
        return self.template.format(*args)

    def applies(self, *bounds: Bounds) -> bool:
        if not self.accepts(*bounds):
            return False
        try:
            out = self.image(*bounds)
        except (OverflowError, ValueError, ZeroDivisionError):
            return False
        return out.magnitude <= LIMIT


def _unary(name, template, accepts, image, **kw) -> Op:
    return Op(name, template, accepts, image, **kw)


# Real elementwise operations of one argument. The first is what programs shrink towards.
UNARY: tuple[Op, ...] = (
    _unary("tanh", "jnp.tanh({})", anywhere, increasing(math.tanh)),
    _unary("sin", "jnp.sin({})", anywhere, constant(-1.0, 1.0)),
    _unary("cos", "jnp.cos({})", anywhere, constant(-1.0, 1.0)),
    _unary("exp", "jnp.exp({})", at_most(3.4), increasing(math.exp)),
    _unary("log", "jnp.log({})", at_least(MARGIN), increasing(math.log)),
    _unary("sqrt", "jnp.sqrt({})", at_least(MARGIN), increasing(math.sqrt)),
    _unary("square", "{} ** 2", anywhere, lambda b: b.power(2)),
    _unary("cube", "{} ** 3", within(3.0), lambda b: b.power(3)),
    _unary("negative", "-{}", anywhere, lambda b: Bounds(-b.hi, -b.lo)),
    _unary("reciprocal", "1.0 / {}", off_zero, lambda b: Bounds(1 / b.hi, 1 / b.lo)),
    _unary("logistic", "jax.nn.sigmoid({})", anywhere, increasing(_sigmoid)),
    _unary("softplus", "jax.nn.softplus({})", anywhere, increasing(_softplus)),
    _unary("log_sigmoid", "jax.nn.log_sigmoid({})", anywhere,
           increasing(lambda x: -_softplus(-x))),
    _unary("log1p", "jnp.log1p({})", at_least(-0.8), increasing(math.log1p)),
    _unary("expm1", "jnp.expm1({})", at_most(3.4), increasing(math.expm1)),
    _unary("rsqrt", "lax.rsqrt({})", at_least(MARGIN), decreasing(lambda x: x ** -0.5)),
    _unary("erf", "lax.erf({})", anywhere, increasing(math.erf)),
    _unary("arctan", "jnp.arctan({})", anywhere, increasing(math.atan)),
    _unary("arcsinh", "jnp.arcsinh({})", anywhere, increasing(math.asinh)),
    _unary("sinh", "jnp.sinh({})", within(4.0), increasing(math.sinh)),
    _unary("cosh", "jnp.cosh({})", within(4.0), even(math.cosh)),
    _unary("tan", "jnp.tan({})", within(1.2), increasing(math.tan)),
    _unary("arcsin", "jnp.arcsin({})", within(0.8), increasing(math.asin)),
    _unary("arccos", "jnp.arccos({})", within(0.8), decreasing(math.acos)),
    _unary("lgamma", "jax.scipy.special.gammaln({})",
           lambda b: b.inside(0.5, 10.0), _lgamma_image),
    _unary("digamma", "jax.scipy.special.digamma({})",
           lambda b: b.inside(0.5, 10.0), increasing(_digamma)),
    _unary("erf_inv", "lax.erf_inv({})", within(0.8), increasing(lambda x: _erf_inv(x))),
    _unary("abs", "jnp.abs({})", off_zero, even(abs)),
    _unary("cbrt", "jnp.cbrt({})", off_zero, increasing(lambda x: math.copysign(
        abs(x) ** (1 / 3), x))),
    _unary("exp2", "jnp.exp2({})", at_most(4.9), increasing(lambda x: 2.0 ** x)),
    _unary("power", "jnp.power({}, 1.5)", at_least(MARGIN), increasing(lambda x: x ** 1.5)),
    _unary("clip", "", anywhere, lambda b: b, render_with=_clip),
    _unary("where", "", anywhere, lambda b: b, render_with=_where),
)


def _erf_inv(y: float) -> float:
    lo, hi = -6.0, 6.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return (lo + hi) / 2


def _div_image(a: Bounds, b: Bounds) -> Bounds:
    return a.times(Bounds(1 / b.hi, 1 / b.lo))


def _pow_image(a: Bounds, b: Bounds) -> Bounds:
    corners = [x ** y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Bounds(min(corners), max(corners))


def _logaddexp(x: float, y: float) -> float:
    top = max(x, y)
    return top + math.log1p(math.exp(-abs(x - y)))


def _apart(a: Bounds, b: Bounds) -> bool:
    return a.lo >= b.hi + MARGIN or b.lo >= a.hi + MARGIN


# Real elementwise operations of two (broadcast) arguments.
BINARY: tuple[Op, ...] = (
    Op("add", "{} + {}", lambda a, b: True, lambda a, b: a.plus(b), arity=2),
    Op("subtract", "{} - {}", lambda a, b: True,
       lambda a, b: a.plus(Bounds(-b.hi, -b.lo)), arity=2),
    Op("multiply", "{} * {}", lambda a, b: True, lambda a, b: a.times(b), arity=2),
    Op("divide", "{} / {}", lambda a, b: b.off_zero(0.25), _div_image, arity=2),
    Op("arctan2", "jnp.arctan2({}, {})", lambda a, b: b.lo >= MARGIN,
       lambda a, b: Bounds(-math.pi / 2, math.pi / 2), arity=2),
    Op("pow", "jnp.power({}, {})", lambda a, b: a.lo >= MARGIN and b.magnitude <= 3.0,
       _pow_image, arity=2),
    Op("logaddexp", "jnp.logaddexp({}, {})", lambda a, b: True,
       lambda a, b: Bounds(_logaddexp(a.lo, b.lo), _logaddexp(a.hi, b.hi)), arity=2),
    Op("maximum", "jnp.maximum({}, {})", _apart,
       lambda a, b: Bounds(max(a.lo, b.lo), max(a.hi, b.hi)), arity=2),
)


# Complex operations: bounds are disks |z| <= hi (lo = -hi), which the shape operations and
# matmul above handle as they are. Entire functions only (no branch cuts, no poles).
def disk(radius: float) -> Bounds:
    return Bounds(-radius, radius)


def _disk_image(f: Callable[[float], float]) -> Callable[[Bounds], Bounds]:
    return lambda b: disk(f(b.magnitude))


def _radius_at_most(r: float) -> Callable[[Bounds], bool]:
    return lambda b: b.magnitude <= r


COMPLEX_UNARY: tuple[Op, ...] = (
    _unary("negative", "-{}", anywhere, lambda b: b),
    _unary("sin", "jnp.sin({})", _radius_at_most(3.0), _disk_image(math.cosh)),
    _unary("cos", "jnp.cos({})", _radius_at_most(3.0), _disk_image(math.cosh)),
    _unary("exp", "jnp.exp({})", _radius_at_most(3.4), _disk_image(math.exp)),
    _unary("sinh", "jnp.sinh({})", _radius_at_most(3.0), _disk_image(math.cosh)),
    _unary("cosh", "jnp.cosh({})", _radius_at_most(3.0), _disk_image(math.cosh)),
    _unary("square", "{} ** 2", anywhere, _disk_image(lambda r: r * r)),
    _unary("cube", "{} ** 3", anywhere, _disk_image(lambda r: r ** 3)),
    _unary("conj", "jnp.conj({})", anywhere, lambda b: b, holomorphic=False),
)

COMPLEX_BINARY: tuple[Op, ...] = tuple(op for op in BINARY
                                       if op.name in ("add", "subtract", "multiply"))
