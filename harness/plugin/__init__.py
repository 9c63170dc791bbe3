"""The pytest plugin (entry point ``adharness``): its hooks, and nothing else, are public.

See ``harness.plugin._hooks`` for the options and markers it adds.
"""

from harness.plugin._hooks import pytest_addoption as pytest_addoption
from harness.plugin._hooks import (
    pytest_benchmark_update_machine_info as pytest_benchmark_update_machine_info,
)
from harness.plugin._hooks import pytest_collection_modifyitems as pytest_collection_modifyitems
from harness.plugin._hooks import pytest_configure as pytest_configure
from harness.plugin._hooks import pytest_report_header as pytest_report_header
from harness.plugin._hooks import pytest_xdist_auto_num_workers as pytest_xdist_auto_num_workers

__all__ = [
    "pytest_addoption",
    "pytest_benchmark_update_machine_info",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_xdist_auto_num_workers",
]
