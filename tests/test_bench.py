"""The benchmark machinery: timing discipline, reference check, cases, and pytest-benchmark runs.

The end-to-end runs go through a subprocess: ``pytest suites/bench --benchmark-only
--benchmark-json=FILE`` must give pytest-benchmark users what they expect, with our keys.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from harness._errors import InvalidArgument
from harness.bench import (
    _cases,
    _run,
    _strategies,
    cases,
    compile_for_timing,
    machine_info,
    plan_rounds,
    run_case,
)
from harness.bench._timing import max_abs_error
from harness.bench._workloads import build, products

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
EXTRA_KEYS = {"strategy", "size", "mode", "compile_s", "flops", "bytes_accessed", "temp_bytes",
              "max_abs_error"}
MACHINE_KEYS = {"jax_backend", "device_kind", "device_count", "jax_version", "jaxlib_version",
                "x64", "XLA_FLAGS"}


class FakeBenchmark:
    """Stands in for pytest-benchmark's fixture where only the calls are of interest."""

    def __init__(self):
        self.extra_info, self.calls, self.group = {}, 0, None

    def pedantic(self, target, *, rounds, iterations, warmup_rounds):
        for _ in range((rounds + warmup_rounds) * iterations):
            target()
            self.calls += 1


# ---- timing -----------------------------------------------------------------------------------

def test_jit_compiles_ahead_and_reports_costs():
    timed = compile_for_timing(lambda x: jnp.sin(x) @ x, (np.ones((4, 4), np.float32),),
                               mode="jit")
    assert timed.compile_s > 0 and timed.flops > 0 and timed.bytes_accessed > 0
    assert isinstance(timed.call(), jax.Array)
    np.testing.assert_allclose(timed.call(), np.sin(np.ones((4, 4))) @ np.ones((4, 4)),
                               rtol=1e-6)


def test_eager_runs_op_by_op_and_has_no_program_costs():
    timed = compile_for_timing(jnp.cos, (np.zeros(3, np.float32),), mode="eager")
    assert timed.flops is None and timed.bytes_accessed is None and timed.temp_bytes is None
    np.testing.assert_array_equal(timed.first_result, np.ones(3))


def test_an_unknown_mode_is_refused_with_the_choices():
    with pytest.raises(InvalidArgument, match="mode='pmap': use one of eager, jit"):
        compile_for_timing(jnp.sin, (1.0,), mode="pmap")


def test_every_call_waits_for_the_whole_output_pytree(monkeypatch):
    def fn(x):
        return {"a": x + 1, "b": (x * 2, x - 1)}

    timed = compile_for_timing(fn, (np.ones(2, np.float32),), mode="jit")
    waited = []
    original = jax.block_until_ready
    monkeypatch.setattr(jax, "block_until_ready",
                        lambda tree: waited.append(tree) or original(tree))
    out = timed.call()
    assert len(waited) == 1 and waited[0] is out
    assert len(jax.tree_util.tree_leaves(waited[0])) == 3


@pytest.mark.parametrize(("per_call", "budget", "expected"), [
    (0.01, 1.0, (100, 1)),      # 100 calls fill the budget
    (2.0, 1.0, (5, 1)),         # slow: the fewest rounds
    (1e-6, 0.01, (100, 100)),   # fast: 100 calls per round so a round lasts 0.1 ms
])
def test_rounds_fill_the_budget_with_at_least_the_fewest(per_call, budget, expected):
    assert plan_rounds(per_call, budget_s=budget, min_rounds=5) == expected


def test_max_abs_error_compares_pytrees_and_refuses_mismatched_shapes():
    assert max_abs_error((np.ones(3), np.zeros(2)), (np.ones(3), np.full(2, 0.5))) == 0.5
    with pytest.raises(AssertionError, match="shape"):
        max_abs_error(np.ones(3), np.ones(4))


# ---- strategies and references ----------------------------------------------------------------

@pytest.mark.parametrize("name", _strategies.HVP_MODES)
def test_each_hvp_strategy_is_the_hessian_times_v(name):
    w = build("logistic_loss", 3)
    hessian = jax.hessian(w.fn)(w.x, *w.consts)
    got = _strategies.HVP[name](w.fn)(w.x, w.tangent, *w.consts)
    np.testing.assert_allclose(got, hessian @ w.tangent, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["mjp", "jmp"])
def test_loop_map_and_vmap_products_agree(kind):
    w = build("predict", 3)
    batch = products(w, kind=kind)
    results = [_strategies.LOOP_VS_VMAP[f"{kind}_{how}"](w.fn)(w.x, batch, *w.consts)
               for how in ("loop", "map", "vmap")]
    assert results[0].shape == ((128, 3) if kind == "mjp" else (128, 4))
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-5, atol=1e-7)


def test_a_wrong_strategy_fails_before_it_is_timed(monkeypatch):
    wrong = lambda f: (lambda x, v, *c: 1.01 * _strategies.HVP["fwd_over_rev"](f)(x, v, *c))
    monkeypatch.setitem(_cases.STRATEGIES["hvp"], "rev_over_rev", wrong)
    monkeypatch.setitem(_run.STRATEGIES["hvp"], "rev_over_rev", wrong)
    bench = FakeBenchmark()
    case = _cases.Case("hvp", "logistic_loss", 3, "rev_over_rev", "jit")
    with pytest.raises(AssertionError, match="rev_over_rev disagrees with the float64 reference"):
        run_case(bench, case, preset="quick")
    assert bench.calls == 0 and bench.extra_info == {}


def test_a_right_strategy_is_timed_and_records_every_key():
    bench = FakeBenchmark()
    info = run_case(bench, _cases.Case("jacobian", "tanh_affine", (8, 4), "vmap_jacrev", "jit"),
                    preset="quick")
    assert bench.calls >= 3 and EXTRA_KEYS <= set(info) and info["shape_kind"] == "tall"
    assert info["max_abs_error"] <= info["tolerance"]
    assert bench.group == "jacobian tanh_affine 8x4 jit"


# ---- cases ------------------------------------------------------------------------------------

def test_the_quick_preset_has_every_family_and_strategy():
    quick = [c for f in _cases.FAMILIES for c in cases(f, preset="quick", backend="cpu")]
    assert len(quick) >= 12 and len({c.id for c in quick}) == len(quick)
    strategies = {c.strategy for c in quick}
    assert set(_strategies.HVP) | set(_strategies.LOOP_VS_VMAP) | set(_strategies.JACOBIAN) \
        <= strategies
    assert {c.mode for c in quick} == {"eager", "jit"}


def test_the_full_preset_leaves_the_full_hessian_out_where_it_does_not_fit():
    full = cases("hvp", preset="full", backend="gpu")
    hessians = {(c.workload, c.size) for c in full if c.strategy == "full_hessian"}
    assert ("sum_tanh_squared", 12000) in hessians
    assert ("sum_tanh_squared", 120000000) not in hessians
    assert max(c.size for c in full if c.workload == "sum_tanh_squared") == 120_000_000


def test_unknown_families_and_presets_are_refused():
    with pytest.raises(InvalidArgument, match="unknown benchmark family 'hessian'"):
        cases("hessian", preset="quick", backend="cpu")
    with pytest.raises(InvalidArgument, match="unknown preset 'huge'; use one of quick, full"):
        cases("hvp", preset="huge", backend="cpu")


def test_machine_info_names_the_backend_and_versions():
    info = machine_info()
    assert MACHINE_KEYS <= set(info) and info["jax_version"] == jax.__version__


# ---- through pytest-benchmark -----------------------------------------------------------------

def _pytest(*args, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "JAX_PLATFORMS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "suites/bench", "-p", "no:cacheprovider", *args],
        cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=600)


SUBSET = "-k", "logistic_loss or tanh_affine-jacrev-jit-64x64 or predict-mjp_vmap"


def _partial_files(*folders: pathlib.Path) -> list[pathlib.Path]:
    return [p for folder in folders for p in folder.rglob("*.partial")]


def test_benchmark_json_holds_the_keys_and_groups(tmp_path):
    out = tmp_path / "elsewhere" / "run.json"  # an absolute path outside the working folder
    out.parent.mkdir()
    run = _pytest("--benchmark-only", f"--benchmark-json={out}", *SUBSET, tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "adharness benchmarks: preset quick, timed" in run.stdout
    data = json.loads(out.read_text())
    assert MACHINE_KEYS <= set(data["machine_info"])
    benchmarks = data["benchmarks"]
    assert len(benchmarks) >= 12
    for b in benchmarks:
        assert EXTRA_KEYS <= set(b["extra_info"]), b["name"]
        assert b["stats"]["rounds"] >= 3
    groups = {b["group"].split()[0] for b in benchmarks}
    assert groups == {"hvp", "loop_vs_vmap", "jacobian"}
    # FILE.partial was written beside FILE and removed once pytest-benchmark wrote FILE
    assert not _partial_files(tmp_path, REPOSITORY)


def test_a_relative_benchmark_json_path_is_taken_from_the_working_folder(tmp_path):
    out = tmp_path / "relative" / "run.json"
    out.parent.mkdir()
    relative = os.path.relpath(out, REPOSITORY)  # pytest runs in REPOSITORY
    assert relative.startswith("..")
    run = _pytest("--benchmark-only", f"--benchmark-json={relative}", "--benchmark-max-time=0",
                  "-k", "tanh_affine-jacrev-jit-64x64", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert len(json.loads(out.read_text())["benchmarks"]) == 1
    assert not _partial_files(tmp_path, REPOSITORY)


def test_a_benchmark_json_in_a_missing_folder_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "missing" / "run.json"
    run = _pytest("--benchmark-only", f"--benchmark-json={out}", *SUBSET, tmp_path=tmp_path)
    assert run.returncode == 4, run.stdout[-3000:] + run.stderr[-3000:]  # a usage error
    # Releases that parse the option into a Path leave it to the plugin, which names the folder;
    # those that parse it with argparse.FileType (4.x, and some 5.x) open the file while they
    # parse the command line and refuse it there. Either way nothing has run.
    ours = "does not exist" in run.stderr and "create it first" in run.stderr
    argparse_refusal = "argument --benchmark-json: can't open" in run.stderr
    assert ours or argparse_refusal, run.stderr[-3000:]
    assert str(out) in run.stderr, run.stderr[-3000:]
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("kind", ["str", "Path", "open file"])
def test_the_partial_file_lies_beside_the_json_however_the_option_arrives(tmp_path, kind):
    """pytest-benchmark 5.3 parses --benchmark-json into a Path, older ones into an open file."""
    from harness.plugin._bench import PartialResults, json_target

    out = tmp_path / "sub" / "run.json"
    out.parent.mkdir()
    if kind == "open file":
        with open(out, "wb") as option:
            target = json_target(option)
    else:
        target = json_target(str(out) if kind == "str" else out)
    assert target == str(out)
    partial = PartialResults(config=None, path=target)
    assert partial.path == f"{out}.partial"
    pathlib.Path(partial.path).write_text("{}")
    out.write_text("")
    partial.pytest_unconfigure()  # FILE empty: the run did not finish, the partial stays
    assert pathlib.Path(partial.path).exists()
    out.unlink()
    partial.pytest_unconfigure()  # FILE never written (pytest-benchmark >= 5.3): it stays too
    assert pathlib.Path(partial.path).exists()
    out.write_text("{}")
    partial.pytest_unconfigure()
    assert not pathlib.Path(partial.path).exists()


def test_a_benchmark_json_option_that_is_no_path_is_named():
    from harness.plugin._bench import json_target

    with pytest.raises(TypeError, match="--benchmark-json is a int"):
        json_target(3)


def test_under_xdist_benchmarks_run_once_as_checks(tmp_path):
    run = _pytest("-n", "2", "-k", "tanh_affine and 64x64", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "run once each as checks, not timed" in run.stdout
    assert "8 passed" in run.stdout


def test_the_docstring_examples_run():
    import doctest

    from harness import bench
    from harness.bench import _machine, _timing, _workloads
    from harness.plugin import _bench

    runner = doctest.DocTestRunner()
    for module in (bench, _cases, _machine, _strategies, _timing, _workloads, _bench):
        for test in doctest.DocTestFinder().find(module, globs=vars(module).copy()):
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 10


def test_a_killed_json_run_keeps_what_it_measured(tmp_path):
    """pytest-benchmark writes FILE at the end only; FILE.partial survives a kill."""
    import signal
    import time

    out = tmp_path / "run.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "JAX_PLATFORMS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "suites/bench/test_hvp.py", "-p", "no:cacheprovider",
         "--benchmark-only", f"--benchmark-json={out}"],
        cwd=REPOSITORY, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = pathlib.Path(f"{out}.partial")
    try:
        deadline = time.monotonic() + 300
        while not partial.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert partial.exists(), "no partial results appeared while the run went on"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    # pytest-benchmark's own file never got written (4 empties it at the start, 5 never opens it)
    assert not out.exists() or out.read_text() == ""
    data = json.loads(partial.read_text())
    assert data["benchmarks"] and MACHINE_KEYS <= set(data["machine_info"])
    assert all(EXTRA_KEYS <= set(b["extra_info"]) for b in data["benchmarks"])
