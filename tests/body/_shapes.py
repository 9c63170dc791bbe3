"""The body's jax.numpy functions that move, copy, combine or contract arrays."""

from __future__ import annotations

import jax.numpy as jnp

from ._domains import box, entry, line, off, pos
from ._jax_bugs import POWER_ZERO_AT_ZERO

A = (3, 4)


def _one(name, fn, shape=A, cap=1e6):
    return entry(f"jnp.{name}", fn, line(shape, cap=cap))


def _two(name, fn, first=A, second=A, cap=1e3, order=1):
    return entry(f"jnp.{name}", fn, line(first, cap=cap), line(second, cap=cap), order=order)


def _polynomial(x):
    """Coefficients from the roots ``x`` (real)."""
    return jnp.poly(x)


SHAPES = (
    _one("reshape", lambda x: jnp.reshape(x, (2, 6))), _one("ravel", jnp.ravel),
    _one("transpose", jnp.transpose), _one("matrix_transpose", jnp.matrix_transpose),
    _one("permute_dims", lambda x: jnp.permute_dims(x, (1, 0))),
    _one("moveaxis", lambda x: jnp.moveaxis(x, 0, 1)),
    _one("swapaxes", lambda x: jnp.swapaxes(x, 0, 1)),
    _one("rollaxis", lambda x: jnp.rollaxis(x, 1)),
    _one("expand_dims", lambda x: jnp.expand_dims(x, 1)),
    _one("squeeze", jnp.squeeze, (3, 1, 4)), _one("flip", jnp.flip),
    _one("fliplr", jnp.fliplr), _one("flipud", jnp.flipud), _one("rot90", jnp.rot90),
    _one("roll", lambda x: jnp.roll(x, 2)), _one("tile", lambda x: jnp.tile(x, (2, 1))),
    _one("repeat", lambda x: jnp.repeat(x, 2, axis=0)),
    _one("resize", lambda x: jnp.resize(x, (5, 3))),
    _one("pad", lambda x: jnp.pad(x, 1, mode="reflect")),
    _one("broadcast_to", lambda x: jnp.broadcast_to(x, (2, 3, 4))),
    _one("broadcast_arrays", lambda x: jnp.broadcast_arrays(x, x[:1]), A),
    _one("atleast_1d", jnp.atleast_1d, ()), _one("atleast_2d", jnp.atleast_2d, (3,)),
    _one("atleast_3d", jnp.atleast_3d, (3,)), _one("copy", jnp.copy),
    _one("asarray", jnp.asarray), _one("array", jnp.array),
    _one("astype", lambda x: jnp.astype(x, jnp.float64 if x.dtype == jnp.float64
                                        else jnp.float32)),
    _one("diag", jnp.diag, (4, 4)), _one("diagflat", jnp.diagflat, (3,)),
    _one("diagonal", jnp.diagonal), _one("trace", jnp.trace), _one("tril", jnp.tril),
    _one("triu", jnp.triu), _one("fill_diagonal",
                                 lambda x: jnp.fill_diagonal(x, 2.0, inplace=False), (4, 4)),
    _one("split", lambda x: jnp.split(x, 2, axis=1)),
    _one("array_split", lambda x: jnp.array_split(x, 3, axis=1)),
    _one("hsplit", lambda x: jnp.hsplit(x, 2)), _one("vsplit", lambda x: jnp.vsplit(x, 3)),
    _one("dsplit", lambda x: jnp.dsplit(x, 2), (2, 2, 4)), _one("unstack", jnp.unstack),
    _one("delete", lambda x: jnp.delete(x, 1, axis=1)),
    _one("insert", lambda x: jnp.insert(x, 1, x[:, 0], axis=1)),
    _one("append", lambda x: jnp.append(x, x[:1], axis=0)),
    _one("take", lambda x: jnp.take(x, jnp.array([2, 0, 2, 11]))),
    _one("take_along_axis",
         lambda x: jnp.take_along_axis(x, jnp.array([[0, 3], [1, 1], [2, 0]]), axis=1)),
    _one("put", lambda x: jnp.put(x, jnp.array([1, 5]), x[0, :2], inplace=False)),
    _one("put_along_axis",
         lambda x: jnp.put_along_axis(x, jnp.array([[0], [2], [1]]), x[:, 3:], axis=1,
                                      inplace=False)),
    _one("compress", lambda x: jnp.compress(jnp.array([True, False, True]), x, axis=0)),
    _one("choose", lambda x: jnp.choose(jnp.array([0, 2, 1, 0]), x)),
    _one("select", lambda x: jnp.select([jnp.arange(4) < 1, jnp.arange(4) > 2], [x[0], x[1]],
                                        x[2])),
    _one("where", lambda x: jnp.where(jnp.arange(4) % 2 == 0, x[0], x[1])),
    _one("piecewise", lambda x: jnp.piecewise(x, [jnp.arange(4) < 2], [jnp.sin, jnp.cos]),
         (4,)),
    _one("apply_along_axis", lambda x: jnp.apply_along_axis(jnp.cumsum, 1, x)),
    _one("apply_over_axes", lambda x: jnp.apply_over_axes(jnp.sum, x, [0])),
    _one("vectorize", lambda x: jnp.vectorize(lambda v: v[0] * v[1] - v[2],
                                              signature="(n)->()")(x), (4, 3)),
    entry("jnp.vander", jnp.vander, line((4,), cap=100.0), xfail={"*": POWER_ZERO_AT_ZERO}),
    _two("concatenate", lambda a, b: jnp.concatenate([a, b])),
    _two("concat", lambda a, b: jnp.concat([a, b], axis=1)),
    _two("stack", lambda a, b: jnp.stack([a, b])),
    _two("hstack", lambda a, b: jnp.hstack([a, b])),
    _two("vstack", lambda a, b: jnp.vstack([a, b])),
    _two("dstack", lambda a, b: jnp.dstack([a, b])),
    _two("column_stack", lambda a, b: jnp.column_stack([a, b])),
    _two("block", lambda a, b: jnp.block([[a, b], [b, a]])),
    _two("kron", jnp.kron, (2, 3), (2, 2), order=2),
    _two("outer", jnp.outer, (3,), (4,), order=2),
    _two("inner", jnp.inner, (3,), (3,), order=2),
    _two("dot", jnp.dot, (3, 4), (4, 2), order=2),
    _two("vdot", jnp.vdot, (5,), (5,), order=2),
    _two("matmul", jnp.matmul, (3, 4), (4, 2), order=2),
    _two("matvec", jnp.matvec, (3, 4), (4,), order=2),
    _two("vecmat", jnp.vecmat, (3,), (3, 4), order=2),
    _two("vecdot", jnp.vecdot, A, A, order=2),
    _two("tensordot", lambda a, b: jnp.tensordot(a, b, axes=1), (3, 4), (4, 2), order=2),
    _two("einsum", lambda a, b: jnp.einsum("ij,jk->ik", a, b), (3, 4), (4, 2), order=2),
    _two("cross", jnp.cross, (3,), (3,), order=2),
    _two("convolve", jnp.convolve, (5,), (3,), order=2),
    _two("correlate", lambda a, b: jnp.correlate(a, b, mode="full"), (5,), (3,), order=2),
    _two("polyval", jnp.polyval, (4,), (3,), cap=10.0, order=2),
    _two("polyadd", jnp.polyadd, (4,), (3,)), _two("polysub", jnp.polysub, (4,), (3,)),
    _two("polymul", jnp.polymul, (4,), (3,), order=2),
    _one("polyder", jnp.polyder, (5,)), _one("polyint", jnp.polyint, (5,)),
    entry("jnp.polydiv", jnp.polydiv, line((5,), cap=1e3),
          off(0.0, 1e-2, -10.0, 10.0, shape=(3,))),
    entry("jnp.polyfit", lambda y: jnp.polyfit(jnp.arange(6.0, dtype=y.dtype), y, 2),
          line((6,), cap=1e3)),
    entry("jnp.poly", _polynomial, line((3,), cap=10.0), order=2),
    entry("jnp.interp", lambda x, fp: jnp.interp(x, jnp.arange(5.0, dtype=x.dtype), fp),
          off([0.0, 1.0, 2.0, 3.0, 4.0], low=0.0, high=4.0), line((5,), cap=1e3),
          domain="x in [0, 4] 1e-3 from the knots 0..4, fp any"),
    entry("jnp.linspace", lambda a, b: jnp.linspace(a, b, 5), line((), cap=1e6),
          line((), cap=1e6)),
    entry("jnp.logspace", lambda a, b: jnp.logspace(a, b, 4), box(-5.0, 5.0, ()),
          box(-5.0, 5.0, ())),
    entry("jnp.geomspace", lambda a, b: jnp.geomspace(a, b, 4), pos(1e-3, 1e3, ()),
          pos(1e-3, 1e3, ())),
)
