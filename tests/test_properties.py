"""Each named property passes on a right rule and fails on a rule that violates it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
import properties


@jax.custom_jvp
def sine_jvp_5_percent_off(x):
    return jnp.sin(x)


sine_jvp_5_percent_off.defjvp(lambda p, t: (jnp.sin(p[0]), 1.05 * jnp.cos(p[0]) * t[0]))


@jax.custom_vjp
def sine_vjp_sign_flipped(x):
    return jnp.sin(x)


sine_vjp_sign_flipped.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (-g * jnp.cos(x),))

POINT = (np.float64([0.3, 1.2, -2.0]),)
PROPERTIES = [properties.jvp_matches_oracle, properties.vjp_matches_oracle,
              properties.jvp_vjp_transposition, properties.grad_matches_oracle]


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.__name__)
def test_property_passes_on_a_right_function(prop):
    fn = (lambda x: jnp.sum(jnp.sin(x))) if prop is properties.grad_matches_oracle else jnp.sin
    checks = prop(fn, POINT, order=2)
    assert checks and all(c.status == "passed" for c in checks)


def test_jvp_property_fails_on_a_wrong_jvp():
    with pytest.raises(harness.DerivativeMismatch, match="jvp_matches_oracle"):
        properties.jvp_matches_oracle(sine_jvp_5_percent_off, POINT)


def test_vjp_and_grad_properties_fail_on_a_wrong_vjp():
    with pytest.raises(harness.DerivativeMismatch, match="vjp_matches_oracle"):
        properties.vjp_matches_oracle(sine_vjp_sign_flipped, POINT)
    with pytest.raises(harness.DerivativeMismatch, match="grad_matches_oracle"):
        properties.grad_matches_oracle(lambda x: jnp.sum(sine_vjp_sign_flipped(x)), POINT)


def test_wrong_custom_vjp_is_caught_with_forward_mode_skipped():
    @jax.custom_jvp
    def inner(x):
        return jnp.sin(x)

    inner.defjvp(lambda p, t: (jnp.sin(p[0]), jnp.cos(p[0]) * t[0]))

    @jax.custom_vjp
    def outer(x):
        return inner(x)

    # Forward mode does not exist for a custom_vjp: its checks are skipped, and the wrong VJP
    # rule is still caught by the reverse-mode checks.
    outer.defvjp(lambda x: (inner(x), x), lambda x, g: (2 * g * jnp.cos(x),))
    report = harness.check(outer, POINT)
    assert any(c.property == "jvp_matches_oracle" and c.status == "skipped" for c in report.checks)
    assert not report.ok
