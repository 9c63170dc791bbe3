"""The pytest plugin: header, backend, matmul precision, profiles, markers, shards, xdist.

Runs that change JAX's global state (backend, precision, profile) go through a subprocess;
the sharding runs only collect and run in process.
"""

from __future__ import annotations

import os
import pathlib
import re

import jax
import pytest

from harness.plugin._shards import Shard, parse_shard, shard_index

INSPECTED = """
import jax
import pytest
from hypothesis import settings


def test_matmul_precision_is_set():
    assert jax.config.jax_default_matmul_precision == "high"


def test_profile_is_loaded():
    assert settings.default.max_examples == 5 and settings.default.derandomize


def test_the_suites_compile_fast_on_the_cpu():
    assert jax.config.values["jax_disable_most_optimizations"]


@pytest.mark.accelerator
def test_on_an_accelerator():
    raise AssertionError("an accelerator test ran on the CPU")


@pytest.mark.slow
def test_slow():
    raise AssertionError("--adh-skip-slow did not deselect a slow test")
"""

MANY = """
import pytest


@pytest.mark.parametrize("n", range(30))
def test_case(n):
    pass
"""

SHARDED_UNDER_XDIST = """
import os

import jax
import pytest
from hypothesis import settings


@pytest.mark.parametrize("n", range(12))
def test_options_reach_the_worker(n):
    assert os.environ["PYTEST_XDIST_WORKER"].startswith("gw")
    assert jax.config.jax_default_matmul_precision == "highest"
    assert settings.default.max_examples == 500
"""


REPOSITORY = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subprocess environment that imports this checkout's harness, without CI (it changes the
    default profile), JAX_PLATFORMS or an xdist worker id inherited from the outer run."""
    for name in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "JAX_PLATFORMS"):
        monkeypatch.delenv(name, raising=False)
    path = [str(REPOSITORY), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))


@pytest.fixture
def jax_precision_restored():
    """In-process runs of the plugin set jax_default_matmul_precision: put it back after."""
    before = jax.config.jax_default_matmul_precision
    yield
    jax.config.update("jax_default_matmul_precision", before)


def test_options_markers_and_header_on_cpu(pytester: pytest.Pytester, clean_env) -> None:
    pytester.makepyfile(test_inspected=INSPECTED)
    result = pytester.runpytest_subprocess(
        "--adh-backend", "cpu", "--adh-matmul-precision", "high", "--adh-profile", "ci",
        "--adh-skip-slow", "--strict-markers", "-rs")
    result.assert_outcomes(passed=3, skipped=1, deselected=1)
    header = re.escape(f"adharness: jax {jax.__version__}, jaxlib {jax.__version__}") + (
        r", backend cpu, devices \d+ x cpu, x64 off, matmul precision high, compile fast, "
        r"hypothesis profile adh-ci$")
    result.stdout.re_match_lines([header])
    result.stdout.fnmatch_lines(["SKIPPED*test_inspected.py*needs a GPU or TPU*backend is cpu*"])


@pytest.mark.parametrize(("args", "fast"), [
    (("--adh-profile", "dev"), True),
    (("--adh-profile", "dev", "--adh-compile", "optimized"), False),
    (("--adh-compile", "fast"), True),
    ((), False),  # not the suites' run: JAX's own default
    (("--adh-profile", "dev", "--benchmark-enable"), False),  # timed: as users compile
], ids=["suites", "asked-optimized", "asked-fast", "other-runs", "timed"])
def test_compile_mode(pytester: pytest.Pytester, clean_env, args, fast) -> None:
    pytester.makepyfile(test_mode=f"""
import jax


def test_mode():
    assert jax.config.values.get("jax_disable_most_optimizations", False) is {fast}
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([rf"adharness: .*compile {'fast' if fast else 'optimized'}, "])


@pytest.mark.parametrize("backend", ["tpu", "gpu"])
def test_a_missing_backend_is_a_usage_error_naming_the_available_ones(
        pytester: pytest.Pytester, clean_env, backend: str) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("--adh-backend", backend)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: --adh-backend {backend}: JAX * has no working {backend} backend on this machine;"
        " available backends: cpu. Pick one of them with --adh-backend cpu*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def _collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest("--co", "-q", *args)
    assert result.ret == pytest.ExitCode.OK
    return [line for line in result.outlines if "::" in line]


def test_shards_are_disjoint_cover_the_suite_and_follow_the_hash(
        pytester: pytest.Pytester, jax_precision_restored) -> None:
    pytester.makepyfile(test_many=MANY)
    everything = _collected(pytester)
    shards = [_collected(pytester, "--adh-shard", f"{i}/3") for i in (1, 2, 3)]
    assert len(everything) == 30
    assert all(shards), "with 30 tests no shard of 3 should be empty"
    assert sum(len(s) for s in shards) == 30
    assert sorted(sum(shards, [])) == sorted(everything)
    for index, shard in enumerate(shards, start=1):
        assert shard == [n for n in everything if shard_index(n, 3) == index]


@pytest.mark.parametrize("text", ["5/4", "0/3", "-1/2", "2", "a/3", "1/0", "1/2/3"])
def test_a_bad_shard_is_a_usage_error(pytester: pytest.Pytester, text: str) -> None:
    result = pytester.runpytest(f"--adh-shard={text}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*argument --adh-shard: expects I/N with 1 <= I <= N, got {text}; for example*"])


def test_parse_shard_reads_i_over_n() -> None:
    assert parse_shard(" 2/4 ") == Shard(2, 4)
    assert str(Shard(2, 4)) == "2/4"
    assert shard_index("tests/test_x.py::test_y[1]", 4) == shard_index(
        "tests/test_x.py::test_y[1]", 4)


def test_xdist_workers_get_the_shard_profile_and_precision(
        pytester: pytest.Pytester, clean_env) -> None:
    pytester.makepyfile(test_sharded=SHARDED_UNDER_XDIST)
    nodeids = [f"test_sharded.py::test_options_reach_the_worker[{n}]" for n in range(12)]
    in_shard = [n for n in nodeids if shard_index(n, 2) == 1]
    result = pytester.runpytest_subprocess(
        "-n", "2", "--adh-shard", "1/2", "--adh-profile", "thorough")
    n = len(in_shard)
    # pytest-xdist 3.6 and later print "2 workers [N items]", older ones "gw0 [N] / gw1 [N]".
    result.stdout.re_match_lines([r"adharness: .*hypothesis profile adh-thorough, shard 1/2",
                                  rf"(2 workers \[{n} items\]|gw0 \[{n}\] / gw1 \[{n}\])"])
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=len(in_shard))
