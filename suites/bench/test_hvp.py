"""Hessian-vector products: forward-over-reverse, reverse-over-forward, reverse-over-reverse and
the full Hessian with tensordot, beside the function and its gradient, eager and jitted, on
the seeds' sum(tanh(X)^2), their logistic-regression loss and an MLP loss, over sizes."""

from harness.bench import run_case

FAMILY = "hvp"


def test_hvp(benchmark, case, preset):
    run_case(benchmark, case, preset=preset)
