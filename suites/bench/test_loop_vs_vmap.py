"""Matrix-Jacobian products (VJP over 128 covectors) and Jacobian-matrix products (JVP over 128
tangents) by a Python loop, lax.map and vmap, eager and jitted, on the seeds' logistic-regression
predict and an MLP, over sizes."""

from harness.bench import run_case

FAMILY = "loop_vs_vmap"


def test_loop_vs_vmap(benchmark, case, preset):
    run_case(benchmark, case, preset=preset)
