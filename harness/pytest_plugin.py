"""The pytest plugin: a report header with the JAX setup, and the Hypothesis profile option.

It imports nothing heavy until pytest calls it.
"""

from __future__ import annotations

PROFILES = {
    "dev": dict(max_examples=10),
    "ci": dict(max_examples=25, derandomize=True),
    "thorough": dict(max_examples=500),
}


def pytest_addoption(parser) -> None:
    group = parser.getgroup("adharness", "JAX derivative checks")
    group.addoption(
        "--adh-profile",
        choices=sorted(PROFILES),
        default=None,
        help="Hypothesis profile for the derivative suites: dev (fast), ci (derandomized; the "
        "default when CI is set), thorough (nightly).",
    )


def _register_profiles() -> None:
    from hypothesis import HealthCheck, settings

    for name, options in PROFILES.items():
        settings.register_profile(
            f"adh-{name}", deadline=None, database=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], **options,
        )


def chosen_profile(config) -> str:
    import os

    option = config.getoption("--adh-profile")
    if option:
        return option
    return "ci" if os.environ.get("CI") else "dev"


def pytest_configure(config) -> None:
    from hypothesis import settings

    _register_profiles()
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    if config.getoption("--adh-profile") or _runs_suites(config):
        settings.load_profile(f"adh-{chosen_profile(config)}")


def _runs_suites(config) -> bool:
    return any("suites" in str(arg) for arg in config.args)


def pytest_report_header(config) -> list[str]:
    import jax
    import jaxlib

    device = jax.devices()[0]
    return [
        f"adharness: jax {jax.__version__}, jaxlib {jaxlib.__version__}, backend "
        f"{jax.default_backend()} ({getattr(device, 'device_kind', device.platform)}), "
        f"x64 {'on' if jax.config.jax_enable_x64 else 'off'}, "
        f"profile {chosen_profile(config)}"
    ]
