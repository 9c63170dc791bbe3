"""Benchmark cases are generated per preset (``--adh-bench-preset``) and JAX backend."""

from __future__ import annotations

import jax
import pytest

from harness.bench import cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    family = getattr(metafunc.module, "FAMILY", None)
    if family is None or "case" not in metafunc.fixturenames:
        return
    preset = metafunc.config.getoption("--adh-bench-preset")
    chosen = cases(family, preset=preset, backend=jax.default_backend())
    metafunc.parametrize("case", chosen, ids=[c.id for c in chosen])


@pytest.fixture
def preset(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--adh-bench-preset")
