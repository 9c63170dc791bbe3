"""harness.check against jax.test_util.check_grads: same functions, same 50 draws, cold start.

Each (tool, function) runs in a fresh Python process, so both pay for their compilation, and
prints its wall time; the parent prints the ratio check_grads / harness per function and over
all. Both tools check the same order and modes; false alarms (failures on these correct
functions) are counted too.

    python suites/bench/check_speed.py            # all functions, 50 draws
    python suites/bench/check_speed.py --draws 10 --functions loss
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

FUNCTIONS = {
    # name: (order, description)
    "loss": (2, "the seeds' logistic-regression loss(W, b)"),
    "loss2": (2, "the same loss of a dict {'W', 'b'}"),
    "sum_tanh_squared": (2, "the seeds' sum(tanh(X)**2), X of 30x40"),
    "tanh": (3, "jnp.tanh at a scalar, third order"),
    "mlp": (1, "a 2-layer tanh MLP, dict of weights (8x4, 8, 1x8, 1)"),
    "softmax": (1, "jax.nn.softmax on 16 elements"),
}


def _setup(name: str):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from harness.catalog import _seeds

    rng = np.random.default_rng(0)
    f32 = lambda *shape: rng.normal(size=shape).astype(np.float32)
    if name == "loss":
        return _seeds.loss, [(f32(3), np.float32(rng.normal())) for _ in range(64)]
    if name == "loss2":
        return _seeds.loss2, [({"W": f32(3), "b": np.float32(rng.normal())},)
                              for _ in range(64)]
    if name == "sum_tanh_squared":
        return _seeds.sum_tanh_squared, [(f32(30, 40),) for _ in range(64)]
    if name == "tanh":
        return jnp.tanh, [(np.float32(rng.normal()),) for _ in range(64)]
    if name == "mlp":
        x = f32(4)

        def mlp(p):
            h = jnp.tanh(p["W1"] @ x + p["b1"])
            return jnp.tanh(p["W2"] @ h + p["b2"])

        return mlp, [({"W1": f32(8, 4), "b1": f32(8), "W2": f32(1, 8), "b2": f32(1)},)
                     for _ in range(64)]
    if name == "softmax":
        return jax.nn.softmax, [(f32(16),) for _ in range(64)]
    raise SystemExit(f"unknown function {name!r}; choose from {sorted(FUNCTIONS)}")


def worker(tool: str, name: str, draws: int) -> None:
    fn, points = _setup(name)
    order = FUNCTIONS[name][0]
    start = time.perf_counter()
    failures = 0
    if tool == "harness":
        import harness

        for i, args in enumerate(points[:draws]):
            failures += not harness.check(fn, args, order=order, seed=i).ok
    else:
        from jax.test_util import check_grads

        for args in points[:draws]:
            try:
                check_grads(fn, args, order=order, modes=("fwd", "rev"))
            except AssertionError:
                failures += 1
    print(json.dumps({"seconds": time.perf_counter() - start, "failures": failures}))


def run(tool: str, name: str, draws: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", tool, "--functions", name, "--draws", str(draws)],
        capture_output=True, text=True, check=True, env=dict(os.environ),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=50)
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--worker", choices=("harness", "check_grads"))
    options = parser.parse_args()
    names = options.functions.split(",")
    if options.worker:
        worker(options.worker, names[0], options.draws)
        return
    print(f"{'function':18} {'order':>5} {'check_grads s':>14} {'harness s':>10} {'ratio':>7} "
          f"{'false alarms (check_grads / harness)':>38}")
    totals = {"check_grads": 0.0, "harness": 0.0}
    for name in names:
        theirs = run("check_grads", name, options.draws)
        ours = run("harness", name, options.draws)
        totals["check_grads"] += theirs["seconds"]
        totals["harness"] += ours["seconds"]
        print(f"{name:18} {FUNCTIONS[name][0]:>5} {theirs['seconds']:>14.2f} "
              f"{ours['seconds']:>10.2f} {theirs['seconds'] / ours['seconds']:>6.1f}x "
              f"{theirs['failures']:>20} / {ours['failures']} of {options.draws}", flush=True)
    print(f"{'all':18} {'':>5} {totals['check_grads']:>14.2f} {totals['harness']:>10.2f} "
          f"{totals['check_grads'] / totals['harness']:>6.1f}x")


if __name__ == "__main__":
    main()
