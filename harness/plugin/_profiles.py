"""Hypothesis profiles for the derivative suites: adh-dev, adh-ci and adh-thorough."""

from __future__ import annotations

import os

import pytest

# Examples per test. `pytest suites` runs about 4,800 tests (every rule, catalog entry and
# dtype), each compiling its own programs first: dev and ci stay within 15 minutes on 2 cores;
# thorough is for nightly runs.
PROFILES: dict[str, dict] = {
    "dev": dict(max_examples=5),
    "ci": dict(max_examples=5, derandomize=True),
    "thorough": dict(max_examples=500),
}


def register_profiles() -> None:
    """Register every profile with Hypothesis as ``adh-<name>``."""
    from hypothesis import HealthCheck, settings

    for name, options in PROFILES.items():
        settings.register_profile(
            f"adh-{name}", deadline=None, database=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], **options,
        )


def chosen_profile(config: pytest.Config) -> str:
    """The profile ``--adh-profile`` names, else ``ci`` where CI is set, else ``dev``."""
    option = config.getoption("--adh-profile")
    if option:
        return option
    return "ci" if os.environ.get("CI") else "dev"


def loads_profile(config: pytest.Config) -> bool:
    """Whether this run loads a profile: ``--adh-profile`` was given or the args name the suites."""
    return bool(config.getoption("--adh-profile")) or any("suites" in str(a) for a in config.args)


def load_chosen_profile(config: pytest.Config) -> str | None:
    """Register the profiles and load the chosen one where this run wants it; return its name."""
    from hypothesis import settings

    register_profiles()
    if not loads_profile(config):
        return None
    name = f"adh-{chosen_profile(config)}"
    settings.load_profile(name)
    return name
