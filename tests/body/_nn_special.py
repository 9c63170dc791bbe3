"""The body's jax.nn and jax.scipy.special functions, each on its natural domain."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from ._domains import (
    COMPLEX,
    END,
    box,
    entry,
    fixed_int,
    line,
    off,
    plane,
    pos,
    static,
)
from ._jax_bugs import (
    BESSEL_I0_NEAR_ZERO,
    BESSEL_I1_NEAR_ZERO,
    BESSEL_JN_NAN,
    BETALN_HESSIAN,
    BOXCOX_LAMBDA_NEAR_ZERO,
    EXP1_SECOND_DERIVATIVE,
    EXPN_ORDER_ZERO,
    FRESNEL_SECOND_DERIVATIVE_AT_ODD_INTEGERS,
    HYPERGEOMETRIC_A_NEAR_ZERO,
    LOG1MEXP_SECOND_DERIVATIVE,
    LOG_NDTR_FAR_LEFT,
    REL_ENTR_SECOND_DERIVATIVE_TINY_Y,
    SPENCE_AT_ONE,
    TRIGAMMA_NEGATIVE,
    XLOGY_SECOND_DERIVATIVE_TINY_Y,
)

NEGATIVE_INTEGERS = [-float(k) for k in range(0, 41)]


def _nn():
    smooth = ["sigmoid", "log_sigmoid", "softplus", "silu", "swish", "gelu", "mish", "tanh",
              "squareplus", "identity", "softmax", "log_softmax", "logsumexp", "logmeanexp",
              "standardize"]
    entries = [entry(f"nn.{name}", getattr(jax.nn, name), line(cap=1e6), order=2)
               for name in smooth]
    entries.append(entry("nn.gelu[approximate=False]",
                         functools.partial(jax.nn.gelu, approximate=False), line(cap=1e6),
                         order=2))
    kinked = [("relu", [0.0]), ("relu6", [0.0, 6.0]), ("leaky_relu", [0.0]),
              ("elu", [0.0]), ("celu", [0.0]), ("selu", [0.0]), ("hard_tanh", [-1.0, 1.0]),
              ("hard_sigmoid", [-3.0, 3.0]), ("hard_silu", [-3.0, 3.0]),
              ("hard_swish", [-3.0, 3.0]), ("sparse_plus", [-1.0, 1.0]),
              ("sparse_sigmoid", [-1.0, 1.0]), ("soft_sign", [0.0])]
    entries += [entry(f"nn.{name}", getattr(jax.nn, name), off(kinks, low=-1e6, high=1e6),
                      order=2, kinks=f"at {kinks}")
                for name, kinks in kinked]
    entries.append(entry("nn.log1mexp", jax.nn.log1mexp, pos(), order=2,
                         xfail={"*": LOG1MEXP_SECOND_DERIVATIVE}))
    entries.append(entry("nn.glu", jax.nn.glu, line((3, 4), cap=1e6), order=2))
    entries.append(entry(
        "nn.dot_product_attention",
        lambda q, k, v: jax.nn.dot_product_attention(q, k, v),
        box(-3.0, 3.0, (1, 3, 2, 4)), box(-3.0, 3.0, (1, 5, 2, 4)),
        box(-3.0, 3.0, (1, 5, 2, 4)), domain="B T N H = 1 3|5 2 4 in [-3, 3]"))
    return entries


def _special():
    real_line = ["erf", "erfc", "expit", "ndtr", "dawsn", "i0e", "i1e", "erfcx",
                 "log_softmax", "softmax", "logsumexp"]
    entries = [entry(f"special.{name}", getattr(jsp, name), line(cap=1e6), order=2)
               for name in real_line]
    entries.append(entry("special.log_ndtr", jsp.log_ndtr, line(cap=1e6), order=2,
                         xfail={"*": LOG_NDTR_FAR_LEFT}))
    entries += [entry(f"special.{name}", getattr(jsp, name), line(cap=1e6), order=2,
                      xfail={"*": bug})
                for name, bug in (("i0", BESSEL_I0_NEAR_ZERO), ("i1", BESSEL_I1_NEAR_ZERO))]
    entries += [
        entry("special.erfinv", jsp.erfinv, box(-1 + END, 1 - END), order=2),
        entry("special.ndtri", jsp.ndtri, box(END, 1 - END), order=2),
        entry("special.logit", jsp.logit, box(END, 1 - END), order=2),
        entry("special.gamma", jsp.gamma, off(NEGATIVE_INTEGERS, 1e-3, -40.0, 171.0),
              order=2, domain="[-40, 171] away from the poles 0, -1, ...",
              xfail={"*": TRIGAMMA_NEGATIVE}),
        entry("special.gammaln", jsp.gammaln, off(NEGATIVE_INTEGERS, 1e-3, -40.0, 1e30),
              order=2, xfail={"*": TRIGAMMA_NEGATIVE}),
        entry("special.loggamma", jsp.loggamma, pos(), order=2),
        entry("special.digamma", jsp.digamma, off(NEGATIVE_INTEGERS, 1e-3, -40.0, 1e30),
              order=2, xfail={"*": TRIGAMMA_NEGATIVE}),
        entry("special.polygamma", lambda x: jsp.polygamma(2, x), pos(1e-3, 1e6)),
        entry("special.gammasgn", jsp.gammasgn, off(NEGATIVE_INTEGERS, 1e-3, -40.0, 100.0)),
        entry("special.factorial", jsp.factorial, pos(1e-3, 170.0)),
        # Scalars: on an array that holds both 2.8 and 4.1e-28, exp1 does not return
        # (jax 0.10.2, CPU; each alone takes milliseconds), as expi is slow on arrays with
        # small elements (JAX issue #21760).
        entry("special.exp1", jsp.exp1, pos(shape=()), order=2,
              xfail={"*": EXP1_SECOND_DERIVATIVE}),
        entry("special.expi", jsp.expi, off(0.0, 1e-3, -700.0, 700.0), order=2),
        entry("special.expn", jsp.expn, fixed_int((0, 1, 2, 3, 5)), pos(1e-3, 700.0),
              xfail={"*": EXPN_ORDER_ZERO}),
        entry("special.fresnel", jsp.fresnel, line(cap=1e6), order=2,
              xfail={"*": FRESNEL_SECOND_DERIVATIVE_AT_ODD_INTEGERS}),
        entry("special.sici", jsp.sici, off(0.0, 1e-3, -1e6, 1e6), order=2),
        entry("special.spence", jsp.spence, pos(), order=2, xfail={"*": SPENCE_AT_ONE}),
        entry("special.entr", jsp.entr, pos(), order=2),
        entry("special.xlogy", jsp.xlogy, line(cap=1e6), pos(), order=2,
              xfail={"*": XLOGY_SECOND_DERIVATIVE_TINY_Y}),
        entry("special.xlog1py", jsp.xlog1py, line(cap=1e6), pos(-1 + END), order=2),
        entry("special.rel_entr", jsp.rel_entr, pos(), pos(), order=2,
              xfail={"*": REL_ENTR_SECOND_DERIVATIVE_TINY_Y}),
        entry("special.kl_div", jsp.kl_div, pos(), pos(), order=2,
              xfail={"*": REL_ENTR_SECOND_DERIVATIVE_TINY_Y}),
        entry("special.beta", jsp.beta, pos(1e-3, 100.0), pos(1e-3, 100.0), order=2,
              xfail={"*": BETALN_HESSIAN}),
        entry("special.betaln", jsp.betaln, pos(1e-3, 1e6), pos(1e-3, 1e6), order=2,
              xfail={"*": BETALN_HESSIAN}),
    ]
    # JAX differentiates betainc in x alone: its a and b raise "Betainc gradient with respect
    # to a and b not supported", so they are fixed here, at small, moderate and large values.
    entries += [entry(f"special.betainc[a={a}, b={b}]", functools.partial(jsp.betainc, a, b),
                      box(END, 1 - END), order=2)
                for a, b in ((0.5, 3.0), (2.0, 0.3), (7.5, 20.0))]
    entries += [
        entry("special.gammainc", jsp.gammainc, pos(0.1, 100.0), pos(1e-3, 200.0)),
        entry("special.gammaincc", jsp.gammaincc, pos(0.1, 100.0), pos(1e-3, 200.0)),
        entry("special.boxcox", jsp.boxcox, pos(), box(-3.0, 3.0),
              xfail={"*": BOXCOX_LAMBDA_NEAR_ZERO}),
        entry("special.boxcox1p", jsp.boxcox1p, pos(-1 + END), box(-3.0, 3.0),
              xfail={"*": BOXCOX_LAMBDA_NEAR_ZERO}),
        entry("special.comb", jsp.comb, pos(5.0, 100.0), box(0.5, 4.5)),
        entry("special.poch", jsp.poch, pos(1e-3, 50.0), box(-0.9, 5.0)),
        entry("special.multigammaln", jsp.multigammaln, pos(1.5, 1e3), static((1, 2, 3))),
        entry("special.zeta", jsp.zeta, box(1 + END, 30.0), pos(1e-3, 1e3)),
        entry("special.owens_t", jsp.owens_t, line(cap=1e3), line(cap=1e3)),
        entry("special.hyp1f1", jsp.hyp1f1, box(-5.0, 5.0), pos(0.1, 10.0), box(-10.0, 10.0),
              xfail={"*": HYPERGEOMETRIC_A_NEAR_ZERO}),
        entry("special.hyp2f1", jsp.hyp2f1, box(-3.0, 3.0), box(-3.0, 3.0), pos(0.1, 5.0),
              box(-0.9, 0.9), xfail={"*": HYPERGEOMETRIC_A_NEAR_ZERO}),
        entry("special.bessel_jn", lambda x: jsp.bessel_jn(x, v=3), pos(1e-3, 100.0),
              xfail={"*": BESSEL_JN_NAN}),
        entry("special.sph_harm_y",
              lambda theta, phi: jsp.sph_harm_y(jnp.array([2]), jnp.array([1]), theta, phi,
                                                  n_max=2),
              box(END, 3.14), box(-3.14, 3.14)),
        entry("special.wofz", jsp.wofz, plane(10.0), dtypes=COMPLEX),
    ]
    return entries


NN = tuple(_nn())
SPECIAL = tuple(_special())
