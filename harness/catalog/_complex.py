"""Catalog entries for functions of complex variables: holomorphic ones and ones that are not.

Holomorphic entries are also checked for complex differentiability (Cauchy-Riemann) and
``grad(..., holomorphic=True)``; the others are checked as maps of R^2.
"""

from __future__ import annotations

import jax.numpy as jnp

from harness.catalog._arguments import arguments, away_from_origin
from harness.catalog._entry import COMPLEX, Entry
from harness.strategies import away_from_branch_cuts, complex_plane

SHAPE = (3,)


def _disk(radius, shape=SHAPE):
    return lambda d: complex_plane(d, shape, radius=radius)


def _off_cut(cut, margin=0.1, radius=5.0):
    return arguments(lambda d: away_from_branch_cuts(d, SHAPE, cut=cut, margin=margin,
                                                     radius=radius))


def polynomial(z):
    """``z^3 - 2 z + 1``."""
    return z**3 - 2 * z + 1


def power_two_and_a_half(z):
    """``z**2.5`` on the principal branch."""
    return z**2.5


def squared_modulus(z):
    """``z conj(z)``, real part: ``|z|^2`` without abs."""
    return jnp.real(z * jnp.conj(z))


def square_plus_conjugate(z):
    """``z^2 + conj(z)``: complex valued, not holomorphic."""
    return z**2 + jnp.conj(z)


def real_part_of_exp(z):
    """``Re(exp(z))``: real valued, smooth."""
    return jnp.real(jnp.exp(z))


def complex_norm(z):
    """``jnp.linalg.norm`` of a complex vector."""
    return jnp.linalg.norm(z)


HOLOMORPHIC = dict(dtypes=COMPLEX, holomorphic=True)
NOT_HOLOMORPHIC = dict(dtypes=COMPLEX, holomorphic=False)

COMPLEX_FUNCTIONS: tuple[Entry, ...] = (
    # Holomorphic.
    Entry("complex.polynomial", polynomial, arguments(_disk(3.0)), order=3, **HOLOMORPHIC,
          domain="|z| <= 3"),
    Entry("complex.exp", jnp.exp, arguments(_disk(5.0)), order=2, **HOLOMORPHIC,
          domain="|z| <= 5"),
    Entry("complex.sin", jnp.sin, arguments(_disk(3.0)), order=2, **HOLOMORPHIC,
          domain="|z| <= 3"),
    Entry("complex.cos", jnp.cos, arguments(_disk(3.0)), order=2, **HOLOMORPHIC,
          domain="|z| <= 3"),
    Entry("complex.tanh", jnp.tanh, arguments(_disk(1.2)), order=2, **HOLOMORPHIC,
          kinks="poles at i pi (k + 1/2)", domain="|z| <= 1.2"),
    Entry("complex.log", jnp.log, _off_cut("negative_real"), order=2, **HOLOMORPHIC,
          kinks="branch cut (-inf, 0]", domain="|z| <= 5, 0.1 from (-inf, 0]"),
    Entry("complex.sqrt", jnp.sqrt, _off_cut("negative_real"), order=2, **HOLOMORPHIC,
          kinks="branch cut (-inf, 0]", domain="|z| <= 5, 0.1 from (-inf, 0]"),
    Entry("complex.power_2_5", power_two_and_a_half, _off_cut("negative_real"), **HOLOMORPHIC,
          kinks="branch cut (-inf, 0]", domain="|z| <= 5, 0.1 from (-inf, 0]"),
    Entry("complex.log1p", jnp.log1p, _off_cut("below_minus_one"), order=2, **HOLOMORPHIC,
          kinks="branch cut (-inf, -1]", domain="|z| <= 5, 0.1 from (-inf, -1]"),
    Entry("complex.arcsin", jnp.arcsin, _off_cut("outside_unit_interval", 0.1, 3.0),
          **HOLOMORPHIC, kinks="branch cuts (-inf, -1] and [1, inf)",
          domain="|z| <= 3, 0.1 from the real axis outside (-1, 1)"),
    Entry("complex.arctan", jnp.arctan, _off_cut("outside_unit_imaginary", 0.1, 3.0),
          **HOLOMORPHIC, kinks="branch cuts on the imaginary axis beyond +-i",
          domain="|z| <= 3, 0.1 from the imaginary axis outside (-i, i)"),
    Entry("complex.matmul", jnp.matmul, arguments(_disk(3.0, (2, 3)), _disk(3.0, (3, 2))),
          order=2, **HOLOMORPHIC, domain="|entries| <= 3, (2x3) times (3x2)"),
    # Not holomorphic.
    Entry("complex.squared_modulus", squared_modulus, arguments(_disk(10.0)), order=2,
          **NOT_HOLOMORPHIC, domain="|z| <= 10", why="real valued"),
    Entry("complex.conj", jnp.conj, arguments(_disk(10.0)), **NOT_HOLOMORPHIC,
          domain="|z| <= 10"),
    Entry("complex.real", jnp.real, arguments(_disk(10.0)), **NOT_HOLOMORPHIC,
          domain="|z| <= 10", why="real valued"),
    Entry("complex.imag", jnp.imag, arguments(_disk(10.0)), **NOT_HOLOMORPHIC,
          domain="|z| <= 10", why="real valued"),
    Entry("complex.abs", jnp.abs, _off_cut("origin", 0.1, 10.0), order=2, **NOT_HOLOMORPHIC,
          kinks="z = 0", domain="|z| <= 10, 0.1 from 0", why="real valued"),
    Entry("complex.angle", jnp.angle, _off_cut("negative_real", 0.1, 10.0), order=2,
          **NOT_HOLOMORPHIC, kinks="a jump across (-inf, 0]",
          domain="|z| <= 10, 0.1 from (-inf, 0]", why="real valued"),
    Entry("complex.square_plus_conj", square_plus_conjugate, arguments(_disk(5.0)), order=2,
          **NOT_HOLOMORPHIC, domain="|z| <= 5"),
    Entry("complex.real_of_exp", real_part_of_exp, arguments(_disk(5.0)), order=2,
          **NOT_HOLOMORPHIC, domain="|z| <= 5", why="real valued"),
    Entry("complex.norm", complex_norm, arguments(away_from_origin(SHAPE, margin=0.5,
                                                                   high=10.0)),
          order=2, **NOT_HOLOMORPHIC, kinks="z = 0",
          domain="|z_k| <= 10 with |z_0| >= 0.5", why="real valued"),
)
