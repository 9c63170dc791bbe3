"""JAX derivative bugs the body runs into, each established against mpmath or an analytic
derivative, with a probe that finds it in the running JAX (``KnownBug``).

The body marks the entries that hit one with ``xfail={"*": bug}``; the measurement counts
their failures as known bugs while the probe still finds the bug, and as false alarms once
a JAX release fixes it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.special as jsp
import numpy as np

from harness.catalog import KnownBug


def _below(limit32: float, limit64: float, *, arg: int = 0, magnitude: bool = False):
    """``shows_at``: some element of argument ``arg`` (its magnitude, with ``magnitude``) is
    below the limit of its dtype: where mpmath finds AD's relative error over 100 eps."""
    def shows_at(*args) -> bool:
        x = np.asarray(args[arg])
        limit = limit32 if x.dtype in (np.float32, np.complex64) else limit64
        return bool(np.any((np.abs(x) if magnitude else x) < limit))

    return shows_at


def _x64(fn):
    def probe() -> bool:
        with jax.enable_x64(True):
            return bool(fn())

    return probe


TRIGAMMA_NEGATIVE = KnownBug(
    "why: polygamma(1, x), the derivative of digamma (and the second derivative of gamma and "
    "gammaln), is wrong for x below about -6: jax.grad(digamma)(-10.5) is 2.85e12 and "
    "(-20.5) is -0.048 where the trigamma function is 9.7788 and 9.8220 (mpmath); XLA's "
    "polygamma has no reflection formula (JAX issues #11481, #37635). Its relative error "
    "(mpmath) is over 100 eps below x = -5.25 in float64 (170 eps at -5.3, 5.5e5 at -6.5) and "
    "below -8 in float32 (6 eps at -7.5, 2.5e6 at -8.5)",
    _x64(lambda: abs(float(jax.grad(jsp.digamma)(np.float64(-20.5))) - 9.82199434464988)
         > 1e-6),
    shows_at=_below(-8.0, -5.25))

BETALN_HESSIAN = KnownBug(
    "why: the Hessian of betaln (and of beta) at a = b = 1 has all four entries 0.17753 "
    "where d^2/da^2 betaln(a, 1) = 1/a^2 = 1 and the mixed derivative is 1 - pi^2/6 = -0.645 "
    "(mpmath; the first derivatives are right); JAX issue #34353",
    _x64(lambda: abs(float(jax.hessian(lambda v: jsp.betaln(v[0], v[1]))(
        jnp.array([1.0, 1.0]))[0, 0]) - 1.0) > 1e-6))

HYPOT_HESSIAN_AT_TIE = KnownBug(
    "why: the Hessian of jnp.hypot(x, y) at |x| == |y| is 0, where it is "
    "[[y^2, -x y], [-x y, x^2]] / r^3 ([[1, -1], [-1, 1]] / 2.83 at (1, 1); right at "
    "(1, 1 + 1e-7)): jnp.hypot computes max(|x|, |y|) sqrt(1 + (min / max)^2), and at a tie "
    "the JVP rules of max and min give both half of each tangent, so AD differentiates "
    "hypot along the line min = max, where it is linear",
    _x64(lambda: abs(float(jax.hessian(lambda v: jnp.hypot(v[0], v[1]))(
        jnp.array([1.0, 1.0]))[0, 0]) - 0.5 ** 1.5) > 1e-6),
    shows_at=lambda x, y: bool(np.any(np.abs(np.asarray(x)) == np.abs(np.asarray(y)))))

FRESNEL_SECOND_DERIVATIVE_AT_ODD_INTEGERS = KnownBug(
    "why: the second derivative of jax.scipy.special.fresnel's C at an odd integer x is 0, "
    "where C''(x) = -pi x sin(pi x^2 / 2) = -pi x (-pi at x = 1, -3.9e4 at 12345, -3.1e6 at "
    "999999; S'' is right): the JVP rule's cos(pi x^2 / 2) is jnp.where(r == 0.5, 0.0, ...) "
    "with r = x^2 / 2 mod 2, a constant at exactly those points (sincospisquaredhalf); not in "
    "JAX's tracker",
    lambda: abs(float(jax.grad(jax.grad(lambda v: jsp.fresnel(v)[1]))(np.float32(1.0)))
                + np.pi) > 1e-4)

_PROD_POINT = np.array([-2.2250738585072014e-308, -5.82550372, -0.0, -9.03357562e5])
_PROD_TANGENT = np.array([0.3, -1.2, 0.7, 0.5])

PROD_JVP_FLUSHED = KnownBug(
    "why: on the CPU the float64 JVP of jnp.prod at (-2.2e-308, -5.8, -0, -9e5) along "
    "(0.3, -1.2, 0.7, 0.5) is 0, where it is 0.7 x (-2.2e-308)(-5.8)(-9e5) = -8.2e-302 (the "
    "VJP and the JVP along 1024 times that tangent are right): the rule multiplies the "
    "tangent into the smallest normal number first, and XLA's CPU backend flushes the "
    "subnormal product to zero",
    _x64(lambda: float(jax.jvp(jnp.prod, (_PROD_POINT,), (_PROD_TANGENT,))[1]) == 0.0))

LDEXP_AT_ZERO = KnownBug(
    "why: jax.grad(lambda x: jnp.ldexp(x, 3))(0.0) is 1.0, where ldexp(x, 3) = 8 x has slope "
    "8 (right at every x != 0); JAX pull request #38001 fixes it",
    lambda: float(jax.grad(lambda x: jnp.ldexp(x, 3))(np.float32(0.0))) != 8.0)

POWER_ZERO_AT_ZERO = KnownBug(
    "why: the derivative of x ** 0 (an integer array exponent) at x = 0 is nan, where x ** 0 "
    "= 1 has slope 0: JAX's rule computes y x^(y-1) = 0 * inf. jnp.vander's last column is "
    "x ** 0, so its derivative at x = 0 is nan (JAX issue #12409 discusses the same rule)",
    lambda: not np.isfinite(float(jax.grad(lambda x: jnp.vander(x)[0, -1])(
        jnp.zeros(3, np.float32))[0])))

_BESSEL_I_AT_ZERO = (
    "why: jax.scipy.special.i0'(0) is 1.0 and i1''(0) is 1.0, where I0 is even (I0'(0) = 0) "
    "and I1 odd (I1''(0) = 0) (JAX issues #40627, #40628, fixed by pull request #40640). ")


def _bessel_i_at_zero_is_wrong() -> bool:
    return (float(jax.grad(jsp.i0)(np.float32(0.0))) != 0.0
            or float(jax.grad(jax.grad(jsp.i1))(np.float32(0.0))) != 0.0)


BESSEL_I0_NEAR_ZERO = KnownBug(
    _BESSEL_I_AT_ZERO + "Near 0, i0' is off by over 100 eps of its dtype (mpmath) below "
    "|x| = 1e-2: 0 at 7.6e-21 where it is -3.8e-21, 5.9e-10 relative at 1e-7 in float64, "
    "4.6% at 1e-6 and 110 eps at 1e-2 in float32",
    _bessel_i_at_zero_is_wrong, shows_at=_below(1e-2, 1e-2, magnitude=True))

BESSEL_I1_NEAR_ZERO = KnownBug(
    _BESSEL_I_AT_ZERO + "Near 0, i1'' is off by over 100 eps of its dtype (mpmath) below "
    "|x| = 0.1: -1 at -7.6e-21 where it is -2.9e-21, 1.5e-8 at -7.6e-9 where it is -2.9e-9 "
    "(float64), 22% at 1e-3 and 350 eps at 0.1 in float32, 190 eps at 0.1 in float64",
    _bessel_i_at_zero_is_wrong, shows_at=_below(0.1, 0.1, magnitude=True))

SPENCE_AT_ONE = KnownBug(
    "why: jax.grad(spence)(1.0) is 0.0 and nan at 1 + 1e-9, where spence'(z) = log(z) / (1 - "
    "z) tends to -1 (mpmath: -1.0 at 1, -1.0005 at 0.999); the rule evaluates the removable "
    "singularity 0 / 0 as written",
    lambda: float(jax.grad(jsp.spence)(np.float32(1.0))) != -1.0)

EXPN_ORDER_ZERO = KnownBug(
    "why: the derivative of expn(0, x) = exp(-x) / x is nan, where it is -exp(-x) (1/x + "
    "1/x^2) (-0.7357589 at x = 1): the rule d E_n / dx = -E_{n-1} asks for E_{-1}",
    lambda: not np.isfinite(float(jax.grad(lambda x: jsp.expn(0, x))(np.float32(1.0)))))

EXP1_SECOND_DERIVATIVE = KnownBug(
    "why: the second derivative of jax.scipy.special.exp1 raises TypeError ('No constant "
    "handler for type: DynamicJaxprTracer') from its custom_jvp, where it is "
    "exp(-x) (1/x + 1/x^2) (0.7357589 at x = 1); the first derivative is right",
    lambda: _raises(lambda: jax.grad(jax.grad(jsp.exp1))(np.float32(1.0))))


def _raises(fn) -> bool:
    try:
        fn()
    except TypeError:
        return True
    return False


def _tridiagonal_jvp_is_wrong() -> bool:
    d, e = jnp.zeros(3), -jnp.ones(2)
    td, te = jnp.array([0.1, -0.8, 0.6]), jnp.array([1.3, 0.9])
    fn = lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True)  # noqa: E731
    got = jax.jvp(fn, (d, e), (td, te))[1]
    w, v = np.linalg.eigh(np.diag(np.zeros(3)) + np.diag([-1.0, -1.0], 1)
                          + np.diag([-1.0, -1.0], -1))
    t = np.diag(np.asarray(td)) + np.diag(np.asarray(te), 1) + np.diag(np.asarray(te), -1)
    return bool(np.abs(np.asarray(got) - np.einsum("ik,ij,jk->k", v, t, v)).max() > 1e-3)


EIGH_TRIDIAGONAL_JVP = KnownBug(
    "why: the JVP of scipy.linalg.eigh_tridiagonal(d, e, eigvals_only=True) is wrong along "
    "a general tangent: at d = 0, e = (-1, -1), along one it gives (-0.437, -0.132, 0.172) "
    "where v_k^T dT v_k (and central differences of numpy's eigvalsh) give "
    "(-0.179, 0.383, 0.430); along d = (1, 1, 1) alone it is right",
    _tridiagonal_jvp_is_wrong)


LOG1MEXP_SECOND_DERIVATIVE = KnownBug(
    "why: the second derivative of jax.nn.log1mexp is nan in float32 from about x = 100 "
    "(1000, 7.6e14), where it is -exp(-x) / (1 - exp(-x))^2, -3.7e-44 at 100 (0 in float32); "
    "at 50 it is -0.0 where the truth, -1.9e-22, is a float32 number; the first derivative "
    "is right",
    lambda: not np.isfinite(float(jax.grad(jax.grad(jax.nn.log1mexp))(np.float32(1000.0)))))


LOG_NDTR_FAR_LEFT = KnownBug(
    "why: jax.grad(jax.scipy.special.log_ndtr) loses its accuracy below x = -20. In float32 "
    "its relative error (mpmath) is 52 eps at -20.5, 170 eps at -28, and then all of it: "
    "998.5 at -1e3, 2981 at -1e4 and 1.0 at -1e5, where phi(x) / Phi(x) is 1000.001, "
    "10000.0001 and 100000.00001. The derivative is exp(log phi(x) - log_ndtr(x)), a "
    "difference of two numbers near -x^2 / 2 whose float32 spacing at -5e7 is 4. In float64 "
    "the value below -20 is a 3-term asymptotic series (the catalog's log_ndtr_far_left): "
    "4e-9 relative at -20.01, 2e-5 at -1e6 (999980.16 where it is 1000000.000001)",
    lambda: abs(float(jax.grad(jsp.log_ndtr)(np.float32(-1e4))) - 1e4) > 10.0,
    shows_at=_below(-20.0, -20.0))


BOXCOX_LAMBDA_NEAR_ZERO = KnownBug(
    "why: the derivative of jax.scipy.special.boxcox(x, lmbda) and boxcox1p in lmbda is 0 at "
    "lmbda = 0 and at 1e-10 (float32; 1e-20 in float64), and -inf at 1e-30, where it is "
    "log(x)^2 / 2 + O(lmbda) (1.2951 at boxcox(5, .), boxcox1p(4, .)); the lmbda == 0 "
    "branch is log(x), whose derivative in lmbda is 0, and expm1(lmbda L) / lmbda "
    "differentiates to L exp(lmbda L) / lmbda - expm1(lmbda L) / lmbda^2, which cancels "
    "(added in JAX pull request #37564; no issue found). Its relative error (mpmath) "
    "grows as eps / |lmbda|: 85 eps at lmbda = 1e-2 and 750 at 3e-3 in float32, 55 eps at "
    "1e-2, 280 at 3e-3 and 1e7 at 1e-8 in float64",
    lambda: abs(float(jax.grad(jsp.boxcox1p, 1)(np.float32(4.0), np.float32(0.0)))
                - 1.2951452) > 1e-3,
    shows_at=_below(1e-2, 1e-2, arg=1, magnitude=True))


HYPERGEOMETRIC_A_NEAR_ZERO = KnownBug(
    "why: the derivative of jax.scipy.special.hyp1f1(a, b, x) and hyp2f1(a, b, c, x) in a is "
    "0 at a = 0 (where the function is special-cased to 1) and off near it: "
    "d/da 1F1(a; 2; 0.5) is 0 at a = 0 and 0.25 at a = 1e-6 where it is 0.272709 (mpmath), "
    "d/da 2F1(a, 2; 3; 0.5) 0 and 0.3958 where it is 0.420559; right at a = 0.1 (JAX issue "
    "#21503 is about the same truncated series, not this derivative)",
    lambda: abs(float(jax.grad(jsp.hyp1f1)(np.float32(0.0), np.float32(2.0), np.float32(0.5)))
                - 0.2727089) > 1e-3)


KAISER_FLOAT32_LARGE_BETA = KnownBug(
    "why: in float32 the derivative of jnp.kaiser(M, beta) in beta is nan from about beta = 45 "
    "(i0(beta)^2 overflows in the quotient rule of i0(beta r) / i0(beta)) and of the wrong "
    "sign just below: jax.jacfwd(lambda b: jnp.kaiser(5, b))(49.64) is (0, 0.00119, nan, "
    "0.00119, 0) where the float64 derivative is (-4.8e-21, -1.86e-4, -1.4e-16, -1.86e-4, "
    "-4.8e-21); no issue found",
    lambda: not np.isfinite(float(jax.jacfwd(lambda b: jnp.kaiser(5, b))(
        np.float32(49.63779))[2])))

XLOGY_SECOND_DERIVATIVE_TINY_Y = KnownBug(
    "why: in float32 the second derivative of jax.scipy.special.xlogy(x, y) in y is -x / y^2 "
    "computed with y^2, which underflows below y = 1e-19: it is inf at x = -8.9e-22, y = "
    "1.5e-20 where -x / y^2 = 3.96e18, and nan at x = 0, y = 4.2e-25 where it is 0; no issue "
    "found",
    lambda: not np.isfinite(float(jax.grad(jax.grad(jsp.xlogy, 1), 1)(
        np.float32(-8.9012722e-22), np.float32(1.5e-20)))))


_TINY32 = np.float32(np.finfo(np.float32).tiny)

REL_ENTR_SECOND_DERIVATIVE_TINY_Y = KnownBug(
    "why: in float32 the Hessian of jax.scipy.special.rel_entr(x, y) (and of kl_div) at "
    "x = y = 1.2e-38 is [[8.5e37, -8.5e37], [nan, inf]], where it is [[1 / x, -1 / y], "
    "[-1 / y, x / y^2]] = 8.5e37 [[1, -1], [-1, 1]], every entry a float32 number: the "
    "derivatives in y go through y^2, which underflows (as xlogy's above) below y = "
    "sqrt(tiny), 1.1e-19 in float32 and 1.5e-154 in float64 (at y = 2.2e-308 its "
    "mixed derivative is nan where -1 / y = -4.5e307, at any x); no issue found",
    lambda: not np.all(np.isfinite(np.asarray(jax.hessian(
        lambda v: jsp.rel_entr(v[0], v[1]))(jnp.array([_TINY32, _TINY32]))))),
    shows_at=_below(float(np.sqrt(np.finfo(np.float32).tiny)),
                    float(np.sqrt(np.finfo(np.float64).tiny)), arg=1, magnitude=True))

BESSEL_JN_NAN = KnownBug(
    "why: jax.scipy.special.bessel_jn(x, v=3) has a nan derivative where its value is finite: "
    "in float32 from x = 4 to about 10 (its value is nan below 4), in float64 at x = 1e-3, "
    "where J_k'(x) = (J_{k-1}(x) - J_{k+1}(x)) / 2 is finite (scipy.special.jvp gives "
    "0.0774, -0.376, -0.254, 0.0355 at x = 4.03); float64 is right from 0.5 (the float32 "
    "trouble near 0 is discussed in JAX pull request #17038)",
    lambda: not np.isfinite(float(jax.jvp(lambda x: jsp.bessel_jn(x, v=3),
                                          (np.float32([5.0]),), (np.float32([1.0]),))[1][0, 0])))
