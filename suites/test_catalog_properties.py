"""Every property over every catalog entry and dtype it applies to.

Test ids read ``test_jvp_matches_oracle[tanh-float32]``. Each test draws points from the
entry's domain with Hypothesis under the active profile (``--adh-profile dev|ci|thorough``);
which rules apply follows from the entry's facts (see ``properties.RULES``), and entries whose
functions today's JAX differentiates wrongly carry strict expected failures that say why.
"""

from harness.catalog import ENTRIES
from properties._pytest import suite_tests

globals().update(suite_tests(ENTRIES))
