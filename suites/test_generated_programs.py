"""Every property that applies to real functions, on programs Hypothesis generates.

One test per rule (``test_jvp_matches_oracle``), each drawing the profile's number of random
differentiable programs (``harness.strategies.programs``) with points of their domain. A
failure prints the shrunk program's whole source and inputs, ready to paste into an issue.
The complex rules need complex programs and ``grad_pytree_matches_oracle`` pytree arguments;
generated programs have neither, and the catalog suite covers them.
"""

from properties._generated import program_rules, program_test

globals().update({f"test_{rule.name}": program_test(rule) for rule in program_rules()})
