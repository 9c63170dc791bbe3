"""``python -m harness``: the ``adharness`` command line."""

import sys

from harness.cli import main

sys.exit(main())
