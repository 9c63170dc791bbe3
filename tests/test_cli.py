"""``adharness verify``: the progress table, the summary, the JSON report and the exit status."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from harness.catalog import Entry
from harness.cli import _main as cli
from harness.strategies import arrays

FAST = ["--only", "seed.tanh", "--only", "sin", "--max-examples", "3"]


@jax.custom_jvp
def sin_with_wrong_rule(x):
    return jnp.sin(x)


@sin_with_wrong_rule.defjvp
def _sin_with_wrong_rule_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.sin(x), 1.05 * jnp.cos(x) * t


WRONG = Entry("wrong_sin", sin_with_wrong_rule,
              lambda dtype: (arrays(dtype, (3,), min_value=-3, max_value=3),), ("float32",))


def test_verify_prints_a_line_per_entry_and_dtype_and_a_summary(capsys):
    assert cli.main(["verify", *FAST]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for name in ("seed.tanh", "sin"):
        for dtype in ("float32", "float64"):
            assert any(line.split()[:3] == [name, dtype, "passed"] for line in lines), out
    assert not any(line.startswith("seed.complex_sin") for line in lines), out
    assert "4 passed, 0 failed, 0 inconclusive, 0 known JAX bugs, 0 errors in" in out


def test_dtype_and_order_restrict_the_run(capsys):
    assert cli.main(["verify", "--only", "seed.tanh", "--dtype", "float32", "--order", "1",
                     "--max-examples", "2"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [row[:2] for row in rows if row and row[0] == "seed.tanh"] == [["seed.tanh", "float32"]]


def test_list_prints_the_names_and_runs_nothing(capsys):
    assert cli.main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines()]
    assert "seed.loss" in names and "cholesky" in names
    assert "passed" not in out


def test_only_accepts_shell_patterns(capsys):
    assert cli.main(["verify", "--list", "--only", "seed.hvp_*"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["seed.hvp_fwd_rev", "seed.hvp_rev_fwd", "seed.hvp_rev_rev",
                     "seed.hvp_full_hessian"]


def test_a_pattern_that_matches_nothing_is_a_usage_error(capsys):
    assert cli.main(["verify", "--only", "no_such_function"]) == 2
    err = capsys.readouterr().err
    assert "'no_such_function' matches no catalog entry" in err


def test_an_unknown_dtype_is_a_usage_error(capsys):
    assert cli.main(["verify", "--dtype", "float8"]) == 2
    assert "'float8' is not a catalog dtype" in capsys.readouterr().err


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("adharness ")


def test_report_is_written_atomically_and_not_overwritten(tmp_path, capsys):
    path = tmp_path / "verify.json"
    argv = ["verify", "--only", "sin", "--dtype", "float32", "--max-examples", "2",
            "--report", str(path)]
    assert cli.main(argv) == 0
    summary = json.loads(path.read_text())
    (result,) = summary["results"]
    assert result["name"] == "sin" and result["dtype"] == "float32"
    assert result["verdict"] == "passed" and result["examples"] == 2
    assert result["seconds"] > 0 and result["failures"] == ""
    assert os.listdir(tmp_path) == ["verify.json"]  # no temporary file left behind

    path.write_text("keep")
    capsys.readouterr()
    assert cli.main(argv) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert path.read_text() == "keep"

    assert cli.main([*argv, "--force"]) == 0
    assert json.loads(path.read_text())["results"][0]["verdict"] == "passed"


def test_a_wrong_derivative_exits_1_and_prints_its_report(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "ENTRIES", (WRONG,))
    path = tmp_path / "verify.json"
    assert cli.main(["verify", "--max-examples", "10", "--report", str(path)]) == 1
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["wrong_sin", "float32", "failed"] for line in out.splitlines())
    assert "0 passed, 1 failed, 0 inconclusive, 0 known JAX bugs, 0 errors" in out
    assert "derivative check of sin_with_wrong_rule: FAILED" in out
    assert "Reproduce with:" in out
    (result,) = json.loads(path.read_text())["results"]
    assert result["verdict"] == "failed"
    assert "jvp_matches_oracle" in result["failures"]


def test_an_entry_the_harness_cannot_use_is_an_error_not_a_traceback(monkeypatch, capsys):
    not_a_strategy = Entry("fixed_point", jnp.sin, lambda dtype: (np.zeros(3, dtype),),
                           ("float32",))
    monkeypatch.setattr(cli, "ENTRIES", (not_a_strategy, *cli.ENTRIES))
    assert cli.main(["verify", "--only", "fixed_point", "--only", "sin", "--dtype", "float32",
                     "--max-examples", "2"]) == 1
    out = capsys.readouterr().out
    assert "error: fixed_point (float32) could not be checked: argument 0 after fn is a" in out
    assert "1 passed, 0 failed, 0 inconclusive, 0 known JAX bugs, 1 errors" in out
    assert "Traceback" not in out


SCRIPT = pathlib.Path(sys.executable).parent / "adharness"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed for this Python")
def test_console_script():
    done = subprocess.run([str(SCRIPT), "verify", "--only", "seed.tanh", "--max-examples", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seed.tanh" in done.stdout and "2 passed, 0 failed" in done.stdout
