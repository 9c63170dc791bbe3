"""Wrong custom rules to plant in generated programs (``programs(custom_rules=...)``)."""

from __future__ import annotations

from harness.programs._rules import CustomRule

# tanh with a JVP 5% too large: what a checker must catch inside loops, cond, checkpoint and jit.
TANH_WRONG_JVP = CustomRule("tanh_wrong_jvp", kind="custom_jvp", image=(-1.0, 1.0), source='''
@jax.custom_jvp
def tanh_wrong_jvp(x):
    return jnp.tanh(x)


@tanh_wrong_jvp.defjvp
def _tanh_wrong_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    y = jnp.tanh(x)
    return y, (1.0 - y ** 2) * t * 1.05  # 5% too large
''')
