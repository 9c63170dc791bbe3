"""The plugin's side of the benchmark suites: the preset, xdist, and what machine_info records.

pytest-benchmark cannot time tests spread over pytest-xdist workers, and the project's pytest
options turn xdist on (``-n auto``). So:

- when the command line asks for benchmark results (``--benchmark-only``, ``--benchmark-json``,
  ``--benchmark-save``, ``--benchmark-autosave``, ``--benchmark-compare``,
  ``--benchmark-histogram`` or ``--benchmark-enable``), ``-n auto`` starts no workers and the
  benchmarks are timed in this one process;
- otherwise, under xdist, the benchmarks are disabled as pytest-benchmark would, but without
  its warning: each runs once, checked against its reference, as a test.

pytest-benchmark writes ``--benchmark-json=FILE`` once, at the end (version 4 also empties
FILE at the start; version 5 leaves it alone until the end). So that a run stopped by a time
limit keeps what it measured, ``FILE.partial``, beside FILE, holds the benchmarks finished so
far, rewritten atomically at most every few seconds; it is removed once FILE is written. A FILE
whose folder does not exist is refused at the start, not after every benchmark ran.
"""

from __future__ import annotations

import os
import time

import pytest

from harness._files import write_atomically

PRESETS = ("quick", "full")
_RESULT_OPTIONS = ("benchmark_only", "benchmark_json", "benchmark_save", "benchmark_autosave",
                   "benchmark_compare", "benchmark_histogram", "benchmark_enable")


def add_options(group) -> None:
    group.addoption(
        "--adh-bench-preset", choices=PRESETS, default="quick",
        help="benchmark sizes: quick (the default; a few minutes on 2 CPU cores) or full "
        "(from the dispatch floor up to what the device holds).",
    )


def timing_requested(config: pytest.Config) -> bool:
    """Whether the command line asks pytest-benchmark for results."""
    return any(getattr(config.option, name, None) not in (None, False, [])
               for name in _RESULT_OPTIONS)


def auto_workers(config: pytest.Config) -> int | None:
    """0 workers for ``-n auto`` when benchmarks are to be timed; else xdist decides."""
    return 0 if timing_requested(config) else None


def disable_benchmarks_under_xdist(config: pytest.Config, under_xdist: bool) -> None:
    """Run benchmarks once each (as checks) in xdist workers, silently."""
    if under_xdist and hasattr(config.option, "benchmark_disable") \
            and not timing_requested(config):
        config.option.benchmark_disable = True


class PartialResults:
    """Keeps ``FILE.partial`` up to date with the finished benchmarks of a JSON run."""

    def __init__(self, config: pytest.Config, path: str, *, every_s: float = 5.0):
        self.config, self.path, self.every_s = config, f"{path}.partial", every_s
        self.last = time.monotonic()
        self.context: dict | None = None  # machine and commit: asked once, not every write

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self) -> None:
        if time.monotonic() - self.last >= self.every_s:
            self.write()

    def write(self) -> None:
        session = self.config._benchmarksession
        if not session.benchmarks:
            return
        hook = self.config.hook
        if self.context is None:
            self.context = dict(
                machine_info=session.get_machine_info(),
                commit_info=hook.pytest_benchmark_generate_commit_info(config=self.config))
        output = hook.pytest_benchmark_generate_json(
            config=self.config, benchmarks=session.benchmarks, include_data=True, **self.context)
        from pytest_benchmark.utils import safe_dumps  # as pytest-benchmark writes FILE

        write_atomically(self.path, safe_dumps(output, ensure_ascii=True, indent=4))
        self.last = time.monotonic()

    def pytest_unconfigure(self) -> None:
        final = self.path[: -len(".partial")]
        if os.path.exists(self.path) and os.path.exists(final) and os.path.getsize(final) > 0:
            os.unlink(self.path)


def json_target(option: object) -> str:
    """The path that ``--benchmark-json`` names, as pytest-benchmark will open it.

    pytest-benchmark before 5.3 parses the option into an open file (``argparse.FileType``), 5.3
    and later into a ``pathlib.Path``; a plugin or a ``pytest.main`` call may also pass a string.

    >>> import pathlib
    >>> json_target(pathlib.Path("../elsewhere/run.json"))
    '../elsewhere/run.json'
    >>> json_target("/tmp/run.json")
    '/tmp/run.json'
    """
    if isinstance(option, (str, os.PathLike)):
        return os.fspath(option)
    name = getattr(option, "name", None)  # an open file object
    if isinstance(name, (str, os.PathLike)):
        return os.fspath(name)
    raise TypeError(f"--benchmark-json is a {type(option).__name__} ({option!r}), not a path "
                    "or a file open for writing")


def keep_partial_results(config: pytest.Config) -> None:
    """Register ``PartialResults`` for a timed run with ``--benchmark-json``."""
    target = getattr(config.option, "benchmark_json", None)
    if target is None or getattr(config.option, "benchmark_disable", False) \
            or hasattr(config, "workerinput"):
        return
    path = json_target(target)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise pytest.UsageError(
            f"--benchmark-json={path}: the folder {folder} does not exist, and pytest-benchmark "
            "would fail to write the file only after every benchmark ran; create it first")
    config.pluginmanager.register(PartialResults(config, path),
                                  "adharness-partial")


def header(config: pytest.Config) -> str:
    preset = config.getoption("--adh-bench-preset")
    if getattr(config.option, "benchmark_disable", False):
        how = ("run once each as checks, not timed (time them with --benchmark-only or "
               "--benchmark-json=FILE, which run them in one process)")
    else:
        how = "timed"
    return f"adharness benchmarks: preset {preset}, {how}"


def update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    from harness.bench import machine_info as jax_machine_info

    machine_info.update(jax_machine_info())
    machine_info["adh_bench_preset"] = config.getoption("--adh-bench-preset")
