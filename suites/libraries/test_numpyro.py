"""numpyro's log densities, differentiated in the value and in every parameter.

Each density is summed over a few points to a scalar, as in a model's log joint; parameters
that must be positive (scales, concentrations, rates) are drawn positive, values on the
distribution's support.
"""

from __future__ import annotations

import pytest

dist = pytest.importorskip("numpyro.distributions")


import properties  # noqa: E402
from harness.catalog import Entry  # noqa: E402
from harness.strategies import bounded, positive, spd_matrices  # noqa: E402

SHAPE = (3,)


def _real(dtype, low=-5.0, high=5.0):
    return bounded(dtype, SHAPE, low, high)


def _scale(dtype, low=0.1, high=10.0):
    return positive(dtype, SHAPE, min_value=low, max_value=high)


def normal(value, loc, scale):
    return dist.Normal(loc, scale).log_prob(value).sum()


def student_t(value, df, loc, scale):
    return dist.StudentT(df, loc, scale).log_prob(value).sum()


def gamma(value, concentration, rate):
    return dist.Gamma(concentration, rate).log_prob(value).sum()


def beta(value, a, b):
    return dist.Beta(a, b).log_prob(value).sum()


def log_normal(value, loc, scale):
    return dist.LogNormal(loc, scale).log_prob(value).sum()


def dirichlet(value, concentration):
    simplex = value / value.sum()
    return dist.Dirichlet(concentration).log_prob(simplex)


def multivariate_normal(value, loc, covariance):
    return dist.MultivariateNormal(loc, covariance_matrix=covariance).log_prob(value)


def von_mises(value, loc, concentration):
    return dist.VonMises(loc, concentration).log_prob(value).sum()


ENTRIES = (
    Entry("numpyro.Normal", normal, lambda d: (_real(d), _real(d), _scale(d)), order=2),
    Entry("numpyro.StudentT", student_t,
          lambda d: (_real(d), _scale(d, 0.5, 30.0), _real(d), _scale(d)), order=2),
    Entry("numpyro.Gamma", gamma, lambda d: (_scale(d), _scale(d, 0.5, 10.0), _scale(d)),
          order=2),
    Entry("numpyro.Beta", beta,
          lambda d: (bounded(d, SHAPE, 0.05, 0.95), _scale(d, 0.5, 10.0), _scale(d, 0.5, 10.0)),
          order=2),
    Entry("numpyro.LogNormal", log_normal, lambda d: (_scale(d), _real(d, -2.0, 2.0), _scale(d)),
          order=2),
    Entry("numpyro.Dirichlet", dirichlet, lambda d: (_scale(d, 0.1, 1.0), _scale(d, 0.5, 10.0)),
          order=2),
    Entry("numpyro.MultivariateNormal", multivariate_normal,
          lambda d: (_real(d), _real(d), spd_matrices(d, 3, max_condition=10.0)),
          tangents={2: "symmetric"}, order=2),
    Entry("numpyro.VonMises", von_mises,
          lambda d: (_real(d, -3.0, 3.0), _real(d, -3.0, 3.0), _scale(d, 0.1, 20.0)), order=2),
)

test_numpyro = properties.tests_for(*ENTRIES, rules=properties.ORACLE_RULES)
