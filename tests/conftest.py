"""Puts tests/ on sys.path, so the test modules can `import corpus`; loads pytester for
test_plugin.py."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

pytest_plugins = ["pytester"]
