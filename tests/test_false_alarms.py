"""No false alarms: every right function of the corpus passes at 20 draws per dtype.

Right functions include plain jax.numpy code and correct custom_jvp / custom_vjp rules, real
and complex, up to order 3. The draws are seeded, so a failure here replays exactly. Functions
with Python control flow on values are checked eagerly (slowly) and at 5 draws.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from corpus import CORRECT, draws, is_eager

import harness

DRAWS = 20
EAGER_DRAWS = 5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CORRECT, ids=[c.name for c in CORRECT])
def test_right_function_passes(case, dtype):
    if dtype not in case.dtypes:
        pytest.skip(f"{case.name} is defined for {case.dtypes}")
    count = EAGER_DRAWS if is_eager(case) else DRAWS
    alarms = []
    for i, args in enumerate(draws(case, dtype, count)):
        report = harness.check(case.fn, args, order=case.order, modes=case.modes,
                               holomorphic=case.holomorphic, seed=i)
        if not report.ok:
            alarms.append(str(report))
    assert not alarms, f"{len(alarms)} false alarm(s) on {case.name}:\n\n" + "\n\n".join(alarms)


def test_second_order_grad_checks_of_a_one_element_output_shaped_1():
    """The output is one number shaped (1,) and the inputs have other shapes: the grad checks of
    the JVP level used to index the output's inherited rounding with the input's index (found by
    a generated program)."""
    def program(x0, x1):
        return jnp.cosh(x1) + jnp.sum(jnp.arctan2(x1, x0))

    args = (np.float32([0.5, 1.6256738, 2.0]), np.float32([-0.0]))
    assert harness.check(program, args, order=2).ok
