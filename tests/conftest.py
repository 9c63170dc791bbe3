"""Puts tests/ on sys.path, so the test modules can `import corpus`."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
