"""The ``adharness`` command line: ``verify``, ``fuzz``, ``bench``, ``report``, ``compare`` and
``history`` (``adharness --help``)."""

from harness.cli._main import main as main

__all__ = ["main"]
