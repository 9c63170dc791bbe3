"""Every property, on programs Hypothesis generates.

One test per rule (``test_jvp_matches_oracle``), each drawing the profile's number of random
differentiable programs (``harness.strategies.programs``) with points of their domain. A
failure prints the shrunk program's whole source and inputs, ready to paste into an issue.
The complex rules draw complex programs (holomorphic ones where the rule says so). Only
``grad_pytree_matches_oracle`` is left out: generated programs take arrays, not pytrees.
"""

from properties._generated import program_rules, program_test

globals().update({f"test_{rule.name}": program_test(rule) for rule in program_rules()})
