"""Every ```python block of the README runs as pasted: each in a fresh namespace, and the tests
it defines (plain functions of no argument, Hypothesis tests included) are called too."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The README's ```python blocks, each with the line its code starts on."""
    return [(text.count("\n", 0, match.start(1)) + 1, match.group(1))
            for match in FENCE.finditer(text)]


BLOCKS = python_blocks(README.read_text())


def test_the_readme_has_its_python_blocks():
    assert len(BLOCKS) >= 6
    with_tests = [source for _, source in BLOCKS if re.search(r"^def test_\w+\(", source, re.M)]
    assert len(with_tests) >= 2  # their tests are called, not only defined
    assert python_blocks("a\n```python\nx = 1\n```\n```bash\nls\n```\n") == [(3, "x = 1\n")]


def _tests_in(namespace: dict) -> list:
    """The test functions a block defines that pytest would call without fixtures."""
    return [value for name, value in namespace.items()
            if name.startswith("test_") and callable(value)
            and not inspect.signature(value).parameters]


@pytest.mark.parametrize("line,source", BLOCKS, ids=[f"line-{line}" for line, _ in BLOCKS])
def test_readme_block_runs_as_pasted(line, source):
    namespace = {"__name__": f"readme_line_{line}"}
    exec(compile(source, f"README.md, the block at line {line}", "exec"), namespace)  # noqa: S102
    for test in _tests_in(namespace):
        test()
