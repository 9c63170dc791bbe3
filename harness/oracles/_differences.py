"""Finite-difference and complex-step oracles for directional derivatives, with error estimates.

The central oracle evaluates ``h(x + s t)`` on a geometric ladder of steps ``s`` (ratio 2) and
extrapolates the central, forward and backward difference quotients with Richardson's method
(Ridders' tableau). Each entry of the tableau carries an error estimate: the change against its
neighbours plus the rounding of the function values divided by the step. Per output element the
entry with the smallest estimate wins, so the step adapts to the point: large steps where the
function is smooth, small ones near a pole or the edge of the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np

EXTRAPOLATIONS = 3


def _tableau(quotients, rounding, power: int):
    """Richardson tableau over the ladder; returns (best estimate, its error) per element."""
    finite = lambda e, v: np.where(np.isfinite(e) & np.isfinite(v), e, np.inf)
    first_diff = np.abs(quotients[1:] - quotients[:-1])
    inf_row = np.full_like(np.abs(quotients[:1]), np.inf)
    estimates = [quotients]
    errors = [finite(np.concatenate([inf_row, first_diff]) + rounding, quotients)]
    prev, prev_round = quotients, rounding
    for k in range(1, EXTRAPOLATIONS + 1):
        factor = 2.0 ** (power * k) - 1.0
        cur = prev[1:] + (prev[1:] - prev[:-1]) / factor
        cur_round = prev_round[1:] * (1 + 1 / factor) + prev_round[:-1] / factor
        change = np.maximum(np.abs(cur - prev[1:]), np.abs(cur - prev[:-1]))
        pad = np.broadcast_to(inf_row, (k,) + inf_row.shape[1:])
        estimates.append(np.concatenate([np.zeros_like(prev[:k]), cur]))
        errors.append(finite(np.concatenate([pad, change + cur_round]), estimates[-1]))
        prev, prev_round = cur, cur_round
    est = np.concatenate(estimates)
    err = np.concatenate(errors)
    best = np.argmin(err, axis=0)
    pick = lambda a: np.take_along_axis(a, best[None], axis=0)[0]
    return pick(est), pick(err)


class Summary(dict):
    """Estimates from one stencil. The one-sided and second differences, needed only where AD
    disagrees with the central estimate or for the curvature length, are computed on first use.
    """

    def __init__(self, ready: dict, later: dict[str, Callable[[], dict]]):
        super().__init__(ready)
        self._later = later  # name -> function computing the group that holds it

    def __missing__(self, key):
        compute = self._later.get(key)
        if compute is None:
            raise KeyError(key)
        group = compute()
        for name in group:
            self._later.pop(name, None)
        self.update(group)
        return dict.__getitem__(self, key)


SIDES = ("forward", "forward_err", "backward", "backward_err")
LATER = SIDES + ("second",)


def summarize_stencil(values: np.ndarray, steps: np.ndarray, eps: float,
                      moved: np.ndarray | None = None, noise: np.ndarray | None = None,
                      bounds: np.ndarray | None = None) -> Summary:
    """Turn h at offsets ``[+steps, -steps, 0]`` into central and one-sided estimates.

    Runs on the host in NumPy: the device program only evaluates h on the stencil. ``moved``
    is ``_steps.displacement_error`` per step; ``noise`` the error of one evaluation of h
    measured by ``evaluation_noise`` at each step (it replaces ``eps |h|`` where it is
    larger); ``bounds`` the running-error bound of each value of the stencil
    (``stencil_bound_program``), which replaces ``eps |h|`` at that offset where it is larger.
    """
    m = steps.shape[0]
    expand = lambda a: a.reshape(a.shape + (1,) * (values.ndim - a.ndim))
    if _overflows(values, expand(steps)):
        values, steps = values.astype(WIDE), steps.astype(WIDE)
        bounds = None if bounds is None else bounds.astype(WIDE)
    plus, minus, center = values[:m], values[m : 2 * m], values[2 * m]
    s = expand(steps)
    moved = np.zeros(steps.shape) if moved is None else np.asarray(moved)
    # Rounding in h is relative to h's scale along the whole line, not to its value at the
    # point: near a zero of h (x = 0 for an odd h) the terms that h adds up are not small.
    def magnitude(*sides):
        found = np.abs(center)
        for side in sides:
            found = np.maximum(found, np.max(np.abs(side), axis=0))
        # Below the smallest normal number a value is off by up to half the subnormal
        # spacing, however small it is: prod at (-2.3e-161, 0.097, 4.1e-28, -2.3e-161)
        # underflows to 0 at every step, and differences of 0 +- 0 failed a derivative of
        # 7.6e-190.
        found = np.maximum(found[None], underflow_unit(eps) / eps)
        if noise is not None:  # h's measured noise per step, as a magnitude
            found = np.maximum(found, np.asarray(noise) / eps)
        return found

    mag = magnitude(plus, minus)
    per_side = moved.ndim == steps.ndim + 1
    # Where the moves are known per side, so is the scale of each side's values: the side
    # that left the normal range (log's -inf at the flushed point) bounds nothing of the other.
    mag_plus, mag_minus = (magnitude(plus), magnitude(minus)) if per_side else (mag, mag)
    # A step that moves some element by more than 1% off what was asked is useless: on one
    # side only where ``moved`` is given per side (a point at the bottom of the normal range,
    # whose backward steps leave it and are flushed to 0).
    useless = lambda m: expand(np.where(m > 0.01, np.inf, m))
    if per_side:
        off_plus, off_minus = useless(moved[0]), useless(moved[1])
    else:
        off_plus = off_minus = useless(moved)
    off = np.maximum(off_plus, off_minus)
    # The rounding of a difference of two values: at least eps |h| each, at most their
    # running-error bounds where those are larger.
    b_plus = b_minus = b_center = np.zeros_like(mag)
    if bounds is not None:
        # A bound that is not finite at a finite value is a gap of the error model (an
        # operation it cannot bound there), not a measurement: eps |h| stands for that value,
        # as it does for a program without a bound.
        bounds = np.where(np.isfinite(bounds), bounds,
                          np.where(np.isfinite(values), 0.0, np.inf))
        b_plus, b_minus, b_center = bounds[:m], bounds[m : 2 * m], bounds[2 * m][None]
    quotient = lambda q, bound, off=off, mag=mag: (q, np.maximum(2 * eps * mag / s, bound)
                                                   + off * np.abs(q))
    central = _tableau(*quotient((plus - minus) / (2 * s), (b_plus + b_minus) / (2 * s)),
                       power=2)

    def sides() -> dict:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            forward = _tableau(*quotient((plus - center) / s, (b_plus + b_center) / s,
                                         off_plus, mag_plus), power=1)
            backward = _tableau(*quotient((center - minus) / s, (b_center + b_minus) / s,
                                          off_minus, mag_minus), power=1)
        return {"forward": forward[0], "forward_err": forward[1], "backward": backward[0],
                "backward_err": backward[1]}

    def second() -> dict:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            value, _ = _tableau((plus + minus - 2 * center) / (s * s),
                                np.maximum(8 * eps * mag, b_plus + b_minus + 2 * b_center)
                                / (s * s) + off * np.abs(plus + minus) / (s * s),
                                power=2)
        return {"second": value}

    ready = {"center": center, "central": central[0], "central_err": central[1]}
    later = {name: sides for name in SIDES}
    later["second"] = second
    if per_side and not np.all(np.isfinite(central[1])):
        ready.update(sides())
        later = {"second": second}
        _one_side_alone(ready, eps)
    return Summary(ready, later)


# NumPy's long double where its exponent range is wider than float64's (x86-64 and aarch64
# Linux; on Windows and macOS it is float64 itself, and such quotients stay inf).
WIDE = np.longdouble if np.finfo(np.longdouble).max > np.finfo(np.float64).max else None


def _overflows(values: np.ndarray, s: np.ndarray) -> bool:
    """Whether float64 difference quotients overflow where the differences are finite, and a
    wider type holds them: log'' at 2.2e-308 is -2e615 and its quotients are -inf in float64,
    which no comparison can judge; in the wider type they converge like any other, and
    ``_compare`` passes AD's -inf as the correctly rounded value."""
    if WIDE is None or values.dtype != np.float64:
        return False
    m = s.shape[0]
    plus, minus, center = values[:m], values[m : 2 * m], values[2 * m]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # Central, forward and backward: beside 2.2e-308 only the steps away from 0 stay in
        # the normal range.
        for difference in (plus - minus, plus - center, center - minus):
            if np.any(np.isfinite(difference) & np.isinf(difference / s)):
                return True
    return False


def _one_side_alone(found: dict, eps: float) -> None:
    """Where the central differences give nothing, one side resolves the derivative and the
    other side gives no difference at all, that side's estimate stands in as the central one
    (marked ``sided``): at the bottom of the normal range (log at 2.2e-308) every step toward
    0 leaves it and XLA flushes the moved point to 0, while the steps away are exact."""
    fwd, fwd_err = found["forward"], found["forward_err"]
    bwd, bwd_err = found["backward"], found["backward_err"]
    missing = ~np.isfinite(found["central_err"])
    with np.errstate(invalid="ignore"):
        # Resolved: to three digits, or, for a derivative of 0 (the outputs that the moved
        # elements do not touch, while the other side is nan because fn is undefined there),
        # to a thousand times fn's rounding per unit step.
        near_zero = 1e3 * eps * np.abs(found["center"])
        resolved = lambda v, e: np.isfinite(v) & np.isfinite(e) & (
            (e <= 1e-3 * np.abs(v)) | (e <= near_zero))
        fwd_alone = missing & resolved(fwd, fwd_err) & ~np.isfinite(bwd_err)
        bwd_alone = missing & resolved(bwd, bwd_err) & ~np.isfinite(fwd_err)
    sided = fwd_alone | bwd_alone
    if np.any(sided):
        found["central"] = np.where(fwd_alone, fwd, np.where(bwd_alone, bwd, found["central"]))
        found["central_err"] = np.where(fwd_alone, fwd_err,
                                        np.where(bwd_alone, bwd_err, found["central_err"]))
        found["sided"] = sided


# A vmapped program holds every item's inputs at once: above this many bytes, items run in
# chunks of ``lax.map`` (a stencil of 21 offsets of 8M float64 parameters would hold 1.4 GB,
# and XLA's batched products over distinct matrices run slower than one at a time).
MAP_MEMORY = 1 << 26


def map_over(fn: Callable, *batched, eager: bool, item_bytes: int | None = None):
    """``jax.vmap(fn)`` or, for functions with Python control flow, a loop that stacks.

    ``item_bytes``: the memory one item's evaluation holds (its inputs' by default); over
    ``MAP_MEMORY`` in all, the items run in chunks that fit.
    """
    n = jax.tree_util.tree_leaves(batched)[0].shape[0]
    if not eager:
        if item_bytes is None:
            item_bytes = nbytes(batched) // max(n, 1)
        chunk = max(1, MAP_MEMORY // max(item_bytes, 1))
        if n == 1 and chunk == 1:  # no batch axis at all: XLA's unbatched products are faster
            first = fn(*jax.tree_util.tree_map(lambda a: a[0], batched))
            return jax.tree_util.tree_map(lambda a: a[None], first)
        if n <= chunk:
            return jax.vmap(fn)(*batched)
        return jax.lax.map(lambda args: fn(*args), batched,
                           batch_size=None if chunk == 1 else chunk)
    outs = [fn(*jax.tree_util.tree_map(lambda a, i=i: a[i], batched)) for i in range(n)]
    return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *outs)


def nbytes(tree) -> int:
    """The bytes of every array leaf of ``tree`` (traced ones included)."""
    return sum(int(np.prod(np.shape(a))) * np.dtype(a.dtype).itemsize
               for a in jax.tree_util.tree_leaves(tree) if hasattr(a, "dtype"))


def stencil(h: Callable, x: Sequence[Any], t: Sequence[Any], steps, *, eager: bool,
            evaluate: Callable | None = None, scale=None) -> list:
    """h at ``x + s t`` for s in ``[+steps, -steps, 0]``, stacked, one array per output leaf.

    ``evaluate(line, [s, x, t])`` replaces ``line(s, x, t)``, the value at one offset: the
    running-error bound of that value, for instance. ``scale``: an integer k, with ``steps``
    given times 2^k: the point moves as ``(x 2^k + s t) 2^-k`` (``moved_point``).
    """
    offsets = jnp.concatenate([steps, -steps, jnp.zeros((1,), steps.dtype)])

    def line(s, x, t):
        return h(moved_point(x, t, s, scale))

    at = ((lambda s: line(s, x, t)) if evaluate is None
          else (lambda s: evaluate(line, [s, x, t])))
    return map_over(at, offsets, eager=eager, item_bytes=nbytes(x))


def moved_point(x: Sequence[Any], t: Sequence[Any], s, scale=None) -> list:
    """``x + s t`` per leaf; with ``scale`` k (``s`` given times 2^k), computed as
    ``(x 2^k + s t) 2^-k`` on the elements that move.

    XLA's CPU backend flushes subnormal numbers to zero: beside x = 2.2e-308 a step of 1e-310
    is flushed before it is added, and x does not move, though ``x + s t`` is a normal number.
    Scaled by a power of two, every intermediate is normal and the result is the same single
    rounding of ``x + s t`` (``s t`` is exact: ``harness.oracles._steps``); an element that
    does not move keeps its value (scaled up, a large one would overflow).
    """
    if scale is None:
        return [xi + (s * ti).astype(xi.dtype) for xi, ti in zip(x, t)]
    out = []
    for xi, ti in zip(x, t):
        step = (s * ti).astype(xi.dtype)
        if jnp.issubdtype(xi.dtype, jnp.complexfloating):
            out.append(xi + jnp.ldexp(jnp.real(step), -scale) + 1j * jnp.ldexp(
                jnp.imag(step), -scale))
            continue
        out.append(jnp.where(ti != 0, jnp.ldexp(jnp.ldexp(xi, scale) + step, -scale), xi))
    return out


def underflow_unit(eps: float) -> float:
    """The smallest subnormal number of the float dtype whose epsilon is ``eps`` (0 if none).

    >>> underflow_unit(float(np.finfo(np.float32).eps))
    1.401298464324817e-45
    """
    for dtype in (np.float64, np.float32, np.float16, jnp.bfloat16):
        info = jnp.finfo(dtype)
        if float(info.eps) == eps:
            return float(info.smallest_subnormal)
    return 0.0


def summarize_pairs(values: np.ndarray, steps: np.ndarray, eps: float,
                    moved: np.ndarray | None = None, noise: np.ndarray | None = None,
                    bounds: np.ndarray | None = None) -> dict:
    """``summarize_stencil`` for a batch of (point, direction) pairs: arrays gain a pair axis.

    ``values`` and ``bounds`` are (pairs, 2 levels + 1, ...), ``steps`` and ``moved``
    (pairs, levels; ``moved`` per side: pairs, 2, levels), ``noise`` (pairs, levels, ...).
    """
    swap = lambda a: None if a is None else np.swapaxes(a, 0, 1)
    if moved is not None and np.ndim(moved) == 3:  # per side: (pairs, 2, levels)
        moved = np.moveaxis(moved, 0, -1)
    else:
        moved = swap(moved)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return summarize_stencil(swap(values), swap(steps), eps, moved, swap(noise),
                                 swap(bounds))


def complex_step(h: Callable, x: Sequence[Any], t: Sequence[Any], sigma) -> list:
    """``Im h(x + i sigma t) / sigma`` per output leaf: a quotient with no cancellation."""
    z = [xi.astype(jnp.complex128) + 1j * sigma * ti for xi, ti in zip(x, t)]
    return [jnp.imag(out) / sigma for out in h(z)]


_ANALYTIC = frozenset(
    """add sub mul div neg exp exp2 log log1p expm1 sin cos tan tanh sinh cosh logistic sqrt
    atan asin acos atanh asinh acosh
    rsqrt cbrt integer_pow pow square dot_general reduce_sum reduce_prod cumsum cumprod
    broadcast_in_dim reshape transpose squeeze expand_dims slice dynamic_slice
    dynamic_update_slice concatenate pad copy copy_p rev select_n iota gather scatter-add
    scatter_add pjit jit closed_call core_call custom_jvp_call custom_vjp_call
    custom_vjp_call_jaxpr remat checkpoint scan cond while stop_gradient
    """.split()
)
_COMPARISONS = frozenset("eq ne lt le gt ge".split())
# Analytic, but evaluated inaccurately at complex points: XLA's complex expm1 takes its imaginary
# part from expm1(x) + 1, which is 0 at x = -40 where exp(x) sin(y) is 4e-18 sin(y). A complex
# step through these is an estimate, not an exact reference. pow and cbrt go through the
# principal branch of log: at a negative base just above the cut, x^3.0 = exp(3 log z) takes
# its imaginary part from sin(3 arg z), whose 3 pi rounds to 1e-16 against 3 h / |x| (jnp.vander
# at x = -100 gave a complex step of 4e27 where x^3 has slope 3e4), and complex cbrt(-8) is
# not -2.
INEXACT_COMPLEX = frozenset({"expm1", "pow", "cbrt"})


def _sub_jaxprs(params: dict):
    for value in params.values():
        items = value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            if isinstance(item, jax.extend.core.ClosedJaxpr):
                yield item.jaxpr
            elif isinstance(item, jax.extend.core.Jaxpr):
                yield item


def primitive_names(jaxpr) -> set[str]:
    """The names of every primitive in ``jaxpr`` and its sub-jaxprs."""
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for sub in _sub_jaxprs(eqn.params):
            names |= primitive_names(sub)
    return names


def is_analytic_jaxpr(jaxpr) -> bool:
    """Whether every operation keeps complex values analytic (no abs, real, conj, max, ...)."""
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name in _COMPARISONS:
            if any(jnp.issubdtype(v.aval.dtype, jnp.complexfloating) for v in eqn.invars
                   if hasattr(v, "aval")):
                return False
            continue
        if name == "convert_element_type":
            if not jnp.issubdtype(eqn.params["new_dtype"], jnp.complexfloating) and any(
                jnp.issubdtype(v.aval.dtype, jnp.complexfloating) for v in eqn.invars
            ):
                return False
            continue
        if name not in _ANALYTIC:
            return False
        if not all(is_analytic_jaxpr(sub) for sub in _sub_jaxprs(eqn.params)):
            return False
    return True
