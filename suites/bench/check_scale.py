"""harness.check against jax.test_util.check_grads on a loss of millions of parameters.

A tanh MLP ``input -> hidden -> hidden -> 10`` on a batch of 8 in float32 (hidden 2048: 8.4M
parameters), order 1, forward and reverse modes. Each tool runs in a fresh Python process and
checks three points of the same shapes; the script prints the wall time of each point (the
first pays for compiling; at the second, a weight below 1e-10 gives the oracle's direction a
part of its own scale, ``harness.oracles._ladders.split_by_scale``), the process's peak
memory, and the ratios harness / check_grads measured side by side in this run.

    python suites/bench/check_scale.py                 # 8.4M parameters
    python suites/bench/check_scale.py --hidden 512    # 0.5M
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

SEEDS = (1, 2, 3)


def _parameters(hidden: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    normal = lambda *shape: (rng.normal(size=shape) / np.sqrt(shape[-1])).astype(np.float32)
    return {"W1": normal(hidden, hidden), "b1": np.zeros(hidden, np.float32),
            "W2": normal(hidden, hidden), "b2": np.zeros(hidden, np.float32),
            "W3": normal(10, hidden), "b3": np.zeros(10, np.float32)}


def worker(tool: str, hidden: int) -> None:
    import jax.numpy as jnp
    from jax.test_util import check_grads

    import harness

    x = np.random.default_rng(0).normal(size=(8, hidden)).astype(np.float32)

    def loss(p):
        h = jnp.tanh(x @ p["W1"].T + p["b1"])
        h = jnp.tanh(h @ p["W2"].T + p["b2"])
        return jnp.mean((h @ p["W3"].T + p["b3"]) ** 2)

    seconds, verdicts = [], []
    for seed in SEEDS:
        params = _parameters(hidden, seed)
        start = time.perf_counter()
        if tool == "harness":
            verdicts.append(harness.check(loss, (params,), order=1, seed=seed).verdict)
        else:
            try:
                check_grads(loss, (params,), order=1, modes=("fwd", "rev"))
                verdicts.append("passed")
            except AssertionError:
                verdicts.append("failed")
        seconds.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "verdicts": verdicts}))


def run(tool: str, hidden: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", tool, "--hidden", str(hidden)],
                         capture_output=True, text=True, env=dict(os.environ))
    if out.returncode:
        raise SystemExit(f"the {tool} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=2048,
                        help="width of the two hidden layers (2048: 8.4M parameters)")
    parser.add_argument("--worker", choices=("harness", "check_grads"),
                        help="run one tool in this process and print its figures as JSON")
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.hidden)
        return
    size = sum(v.size for v in _parameters(options.hidden, 0).values())
    found = {tool: run(tool, options.hidden) for tool in ("check_grads", "harness")}
    print(f"{size / 1e6:.1f}M float32 parameters, order 1, modes fwd and rev")
    heads = ["first point s", "second point s", "third point s"][:len(SEEDS)]
    print(f"{'':12} " + " ".join(f"{h:>15}" for h in heads) + f" {'peak MB':>8}  verdicts")
    for tool, figures in found.items():
        print(f"{tool:12} " + " ".join(f"{s:>15.2f}" for s in figures["seconds"])
              + f" {figures['peak_mb']:>8.0f}  {', '.join(figures['verdicts'])}")
    ours, theirs = found["harness"], found["check_grads"]
    print(f"{'ratio':12} " + " ".join(f"{a / b:>14.1f}x" for a, b in
                                      zip(ours["seconds"], theirs["seconds"]))
          + f" {ours['peak_mb'] / theirs['peak_mb']:>7.1f}x  (harness / check_grads)")
    print("harness: later points / first = " + ", ".join(
        f"{s / ours['seconds'][0]:.2f}" for s in ours["seconds"][1:]))


if __name__ == "__main__":
    main()
