"""What the subcommands share: argument types, the package version, the compile mode."""

from __future__ import annotations

import argparse
import math
from importlib import metadata


def version() -> str:
    """The installed adharness version ("unknown" in a tree that is not installed)."""
    try:
        return metadata.version("adharness")
    except metadata.PackageNotFoundError:
        return "unknown"


def positive(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def minutes(text: str) -> float:
    """An argparse type: a finite number of minutes > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of minutes > 0, got {text!r}")
    return value


def compile_fast_on_the_cpu() -> None:
    """The checks compile many small programs: on the CPU, ask XLA for little optimization."""
    from harness.plugin._jax import compile_mode, set_compile_mode

    set_compile_mode(compile_mode(None, checks_run=True, timing=False), asked=False)
