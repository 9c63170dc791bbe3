"""Properties as pytest tests: the README's own-function example, collection errors, the suite."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import pytest

import harness
import properties
from harness.catalog import Entry
from harness.strategies import arrays
from properties._pytest import applicable_rules

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_example() -> str:
    text = README.read_text()
    match = re.search(r"```python\n# test_my_rules.py\n(.*?)```", text, re.S)
    assert match, "the README's own-function example is missing"
    return match.group(1)


def test_readme_example_runs_and_catches_a_wrong_rule(pytester):
    source = _readme_example()
    pytester.makepyfile(test_my_rules=source)
    result = pytester.runpytest_subprocess("-q", "--adh-profile", "dev", "-p",
                                           "no:cacheprovider")
    result.assert_outcomes(passed=len(_rule_names(source)))
    wrong = source.replace("g * jax.nn.sigmoid(x)", "g * jax.nn.sigmoid(1.01 * x)")
    pytester.makepyfile(test_my_rules=wrong)
    result = pytester.runpytest_subprocess("-q", "--adh-profile", "dev", "-p", "no:cacheprovider",
                                           "-k", "vjp_matches_oracle and float32")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "vjp_matches_oracle-log1pexp-float32" in text
    # The minimal example Hypothesis shrank to ("Falsifying example" before 6.159, "Failing
    # test case" from 6.159 on), with the arguments it found.
    assert re.search(r"(Falsifying example|Failing test case): check\(\s*E?\s*args=\(", text)
    # The reproducer runs on its own, outside pytest and Hypothesis, and fails the same way.
    reproducer = _reproducer(text)
    assert "properties.vjp_matches_oracle(log1pexp, args" in reproducer
    pytester.makepyfile(reproduce=reproducer)
    run = pytester.run(sys.executable, "reproduce.py")
    assert run.ret == 1 and "DerivativeMismatch: vjp_matches_oracle fails for log1pexp" in \
        run.stderr.str(), run.stderr.str()[-3000:]


def _reproducer(output: str) -> str:
    """The indented snippet under the first "Reproduce with:" of a pytest failure's output."""
    lines = [re.sub(r"^E ", "  ", line) for line in output.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.strip() == "Reproduce with:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = []
    for line in lines[start + 1:]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return textwrap.dedent("\n".join(body))


def _rule_names(source: str) -> list[str]:
    namespace: dict = {}
    exec(compile(source, "test_my_rules.py", "exec"), namespace)  # noqa: S102
    entry = namespace["LOG1PEXP"]
    return [rule.name for dtype in entry.dtypes for rule in applicable_rules(entry, dtype)]


def test_custom_vjp_entry_gets_reverse_rules_only():
    source = _readme_example()
    names = set(_rule_names(source))
    assert "vjp_matches_oracle" in names and "grad_matches_oracle" not in names  # not scalar
    assert not names & {"jvp_matches_oracle", "jvp_is_linear", "jacfwd_matches_jacrev"}


def test_collection_errors_name_the_entry():
    untraceable = Entry("branchy", lambda x: x if x.sum() > 0 else -x,
                        lambda dtype: (arrays(dtype, (3,)),))
    with pytest.raises(harness.InvalidArgument, match="'branchy'.*cannot be traced.*eager=True"):
        properties.tests_for(untraceable)
    integer_out = Entry("argmax", lambda x: jnp.argmax(x), lambda dtype: (arrays(dtype, (3,)),))
    with pytest.raises(harness.InvalidArgument, match="'argmax'.*no floating-point output"):
        properties.tests_for(integer_out)
    impossible = Entry("impossible", jnp.sin,
                       lambda dtype: (arrays(dtype, (3,), min_value=3.0, max_value=1.0),))
    with pytest.raises(harness.InvalidArgument, match="impossible"):
        properties.tests_for(impossible)
    with pytest.raises(harness.InvalidArgument, match="unique"):
        properties.tests_for(Entry("a", jnp.sin, lambda d: (arrays(d, (3,)),)),
                             Entry("a", jnp.cos, lambda d: (arrays(d, (3,)),)))
    with pytest.raises(harness.InvalidArgument, match="Entry"):
        properties.tests_for(jnp.sin)


def test_every_family_is_in_the_suite():
    from harness.catalog import ENTRIES
    from properties._pytest import params_for

    counts = {rule.name: len(params_for(rule, ENTRIES)) for rule in properties.RULES}
    assert all(counts.values()), {k: v for k, v in counts.items() if not v}
    assert sum(counts.values()) >= 300
