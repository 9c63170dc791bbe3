"""The pytest plugin: JAX backend and precision, Hypothesis profiles, markers, sharding, header.

Options (all ``--adh-``): ``--adh-profile dev|ci|thorough``, ``--adh-backend cpu|gpu|tpu``,
``--adh-matmul-precision highest|high|default``, ``--adh-compile fast|optimized``,
``--adh-skip-slow``, ``--adh-shard I/N``,
``--adh-bench-preset quick|full`` (see ``harness.plugin._bench`` for how benchmarks meet xdist).
Markers: ``slow`` and ``accelerator`` (skipped on the CPU backend).

Under pytest-xdist ``pytest_configure`` runs in the controller and in every worker with the same
options, so each process selects the same backend, precision and profile; collection (and so the
sharding, a hash of each node id) happens in the workers and gives every worker the same tests.
There, unless XLA_PYTHON_CLIENT_PREALLOCATE or XLA_PYTHON_CLIENT_MEM_FRACTION is set, JAX's GPU
memory preallocation is turned off so that the processes can share one GPU.

Its modules import JAX only inside the hooks, never at import.
"""

from __future__ import annotations

import pytest

from harness.plugin import _bench
from harness.plugin._jax import (
    BACKENDS,
    COMPILE_MODES,
    MATMUL_PRECISIONS,
    compile_mode,
    describe_setup,
    select_backend,
    set_compile_mode,
    set_matmul_precision,
    share_gpu_between_workers,
)
from harness.plugin._profiles import PROFILES, load_chosen_profile, loads_profile
from harness.plugin._shards import Shard, parse_shard

MARKERS = (
    "slow: takes more than a few seconds (deselect with --adh-skip-slow)",
    "accelerator: needs a GPU or TPU; skipped on the CPU backend",
)
ACCELERATOR_SKIP_REASON = (
    "needs a GPU or TPU (marked accelerator) and JAX's backend is cpu; run it on a machine with "
    "one, e.g. with --adh-backend gpu"
)
_LOADED_PROFILE = pytest.StashKey[str | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("adharness", "JAX derivative checks")
    group.addoption(
        "--adh-profile", choices=sorted(PROFILES), default=None,
        help="Hypothesis profile for the derivative suites: dev (fast), ci (derandomized; the "
        "default when CI is set), thorough (nightly).",
    )
    group.addoption(
        "--adh-backend", choices=BACKENDS, default=None,
        help="JAX backend to run on (default: JAX's own choice). A backend this machine lacks "
        "is a usage error that lists the available ones.",
    )
    group.addoption(
        "--adh-matmul-precision", choices=MATMUL_PRECISIONS, default="highest",
        help="jax_default_matmul_precision for the run (default: highest, so float32 is not "
        "computed in TF32 or bfloat16 on GPU/TPU).",
    )
    group.addoption(
        "--adh-compile", choices=COMPILE_MODES, default=None,
        help="how much XLA optimizes what it compiles: fast (the default for the derivative "
        "suites on the CPU, where compiling dominates; jax_disable_most_optimizations) or "
        "optimized (JAX's default; always so when benchmarks are timed).",
    )
    group.addoption(
        "--adh-skip-slow", action="store_true", default=False,
        help="deselect the tests marked slow.",
    )
    group.addoption(
        "--adh-shard", type=parse_shard, default=None, metavar="I/N",
        help="run only shard I of N (1-based); a test's shard is a hash of its node id, so the "
        "N shards are disjoint and together run every test.",
    )
    _bench.add_options(group)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    return _bench.auto_workers(config)


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    _bench.update_machine_info(config, machine_info)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    if _under_xdist(config):
        share_gpu_between_workers()
    _bench.disable_benchmarks_under_xdist(config, _under_xdist(config))
    _bench.keep_partial_results(config)
    backend = config.getoption("--adh-backend")
    if backend:
        select_backend(backend)
    set_matmul_precision(config.getoption("--adh-matmul-precision"))
    asked = config.getoption("--adh-compile")
    set_compile_mode(compile_mode(asked, checks_run=loads_profile(config),
                                  timing=_bench.timing_requested(config)),
                     asked=asked is not None)
    config.stash[_LOADED_PROFILE] = load_chosen_profile(config)


def _under_xdist(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker, or a controller that will start some."""
    return hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses", None))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _deselect_other_shards_and_slow_tests(config, items)
    _skip_accelerator_tests_on_the_cpu(items)
    _record_backend_for_junit(config, items)


def _record_backend_for_junit(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --junitxml, each test carries the JAX backend (for the correctness matrix)."""
    if not getattr(config.option, "xmlpath", None):
        return
    import jax

    backend = jax.default_backend()
    for item in items:
        item.user_properties.append(("jax_backend", backend))


def _deselect_other_shards_and_slow_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard: Shard | None = config.getoption("--adh-shard")
    skip_slow = config.getoption("--adh-skip-slow")
    if shard is None and not skip_slow:
        return
    kept, deselected = [], []
    for item in items:
        unwanted = (shard is not None and not shard.holds(item.nodeid)) or (
            skip_slow and item.get_closest_marker("slow") is not None)
        (deselected if unwanted else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _skip_accelerator_tests_on_the_cpu(items: list[pytest.Item]) -> None:
    marked = [item for item in items if item.get_closest_marker("accelerator") is not None]
    if not marked:
        return
    import jax

    if jax.default_backend() == "cpu":
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=ACCELERATOR_SKIP_REASON))


def pytest_report_header(config: pytest.Config) -> list[str]:
    profile = config.stash.get(_LOADED_PROFILE, None) or "default (no --adh-profile)"
    shard = config.getoption("--adh-shard")
    return [
        f"adharness: {describe_setup()}, hypothesis profile {profile}"
        + (f", shard {shard}" if shard else ""),
        _bench.header(config),
    ]
