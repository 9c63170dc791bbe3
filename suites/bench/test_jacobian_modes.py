"""jacfwd against jacrev, and the seeds' vmap-built versions against the built-ins, for tall,
square and wide Jacobians of tanh(A x), eager and jitted."""

from harness.bench import run_case

FAMILY = "jacobian"


def test_jacobian_modes(benchmark, case, preset):
    run_case(benchmark, case, preset=preset)
