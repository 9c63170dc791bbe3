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
    plus, minus, center = values[:m], values[m : 2 * m], values[2 * m]
    expand = lambda a: a.reshape(a.shape + (1,) * (values.ndim - a.ndim))
    s = expand(steps)
    moved = np.zeros(steps.shape) if moved is None else moved
    # Rounding in h is relative to h's scale along the whole line, not to its value at the
    # point: near a zero of h (x = 0 for an odd h) the terms that h adds up are not small.
    mag = np.maximum(np.max(np.abs(plus), axis=0), np.max(np.abs(minus), axis=0))
    mag = np.maximum(mag, np.abs(center))[None]
    # Below the smallest normal number a value is off by up to half the subnormal spacing,
    # however small it is: prod at (-2.3e-161, 0.097, 4.1e-28, -2.3e-161) underflows to 0 at
    # every step, and differences of 0 +- 0 failed a derivative of 7.6e-190.
    mag = np.maximum(mag, underflow_unit(eps) / eps)
    if noise is not None:  # h's measured noise per step, as a magnitude: eps-fraction of it
        mag = np.maximum(mag, np.asarray(noise) / eps)
    # A step that moves some element by more than 1% off what was asked is useless.
    off = expand(np.where(moved > 0.01, np.inf, moved))
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
    quotient = lambda q, bound: (q, np.maximum(2 * eps * mag / s, bound) + off * np.abs(q))
    central = _tableau(*quotient((plus - minus) / (2 * s), (b_plus + b_minus) / (2 * s)),
                       power=2)

    def sides() -> dict:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            forward = _tableau(*quotient((plus - center) / s, (b_plus + b_center) / s),
                               power=1)
            backward = _tableau(*quotient((center - minus) / s, (b_center + b_minus) / s),
                                power=1)
        return {"forward": forward[0], "forward_err": forward[1], "backward": backward[0],
                "backward_err": backward[1]}

    def second() -> dict:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            value, _ = _tableau((plus + minus - 2 * center) / (s * s),
                                np.maximum(8 * eps * mag, b_plus + b_minus + 2 * b_center)
                                / (s * s) + off * np.abs(plus + minus) / (s * s),
                                power=2)
        return {"second": value}

    later = {name: sides for name in SIDES}
    later["second"] = second
    return Summary({"center": center, "central": central[0], "central_err": central[1]}, later)


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
            evaluate: Callable | None = None) -> list:
    """h at ``x + s t`` for s in ``[+steps, -steps, 0]``, stacked, one array per output leaf.

    ``evaluate(line, [s, x, t])`` replaces ``line(s, x, t)``, the value at one offset: the
    running-error bound of that value, for instance.
    """
    offsets = jnp.concatenate([steps, -steps, jnp.zeros((1,), steps.dtype)])

    def line(s, x, t):
        return h([xi + (s * ti).astype(xi.dtype) for xi, ti in zip(x, t)])

    at = ((lambda s: line(s, x, t)) if evaluate is None
          else (lambda s: evaluate(line, [s, x, t])))
    return map_over(at, offsets, eager=eager, item_bytes=nbytes(x))


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
    (pairs, levels), ``noise`` (pairs, levels, ...).
    """
    swap = lambda a: None if a is None else np.swapaxes(a, 0, 1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return summarize_stencil(swap(values), swap(steps), eps, swap(moved), swap(noise),
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
