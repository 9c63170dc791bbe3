"""``adharness fuzz``: a clean run passes, a planted wrong rule is written once as a reproducer
that fails on its own, and bad options are usage errors."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from corpus.program_rules import TANH_WRONG_JVP

from harness import InvalidArgument, cli
from harness.programs._program import HEADER, Program
from properties._fuzz import _Case, failing_primitives, fuzz, fuzzable_rules, reproducer

PLANTED = dict(rules=["jvp_matches_oracle"], custom_rules=[TANH_WRONG_JVP],
               ops=("unary", "custom"))


def _program(body: str, *args) -> Program:
    return Program(f"{HEADER}\n\ndef program(x0):\n    return {body}\n", tuple(args), ("tanh",),
                   "float32")


def test_a_short_run_of_correct_programs_finds_nothing(tmp_path, capsys):
    out = tmp_path / "failures"
    assert cli.main(["fuzz", "--minutes", str(20 / 60), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "round 1    check" in printed, printed
    assert "\n0 failures found (0 new, 0 already in " in printed, printed
    assert printed.rstrip().splitlines()[-1] == f"reproducers are in {out}", printed
    assert out.is_dir() and os.listdir(out) == []


def test_a_planted_wrong_rule_is_written_once_and_reproduces(tmp_path):
    lines: list[str] = []
    # Bounded by programs, not time, so a busy machine does not change the outcome.
    summary = fuzz(seconds=600, max_examples=30, out=tmp_path, progress=lines.append, **PLANTED)
    assert summary.failures, lines
    [failure] = summary.failures
    assert failure.new and failure.rule == "jvp_matches_oracle"
    assert summary.written == (failure.path,)
    assert os.path.basename(failure.path).startswith("jvp_matches_oracle--")
    assert "custom_jvp_call" in failure.primitive
    text = pathlib.Path(failure.path).read_text()
    assert "tanh_wrong_jvp" in text and "properties.jvp_matches_oracle(program" in text
    assert any(line.startswith("wrote ") for line in lines), lines
    assert any(line.startswith("round 1 ") for line in lines), lines

    done = subprocess.run([sys.executable, failure.path], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode != 0 and "DerivativeMismatch" in done.stderr, done.stderr

    before = sorted(os.listdir(tmp_path))
    again = fuzz(seconds=600, max_examples=30, out=tmp_path, progress=None, **PLANTED)
    assert [f.key for f in again.failures] == [failure.key]
    assert not again.failures[0].new and again.written == ()
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize(("name", "points"), [
    ("check", None),
    ("nth_derivative_matches_oracle", None),
    ("derivatives_unchanged_under_jit", None),
    ("vmap_grad_matches_per_example", [(np.float32(0.5),), (np.float32(-1.0),),
                                       (np.float32(2.0),)]),
], ids=str)
def test_reproducers_call_each_kind_of_rule_with_its_options(name, points, capsys):
    program = _program("jnp.tanh(x0)", np.float32(0.5))
    text = reproducer(name, _Case(program, points, seed=3), "message\nline two",
                      primitive="tanh", found="seed 0, round 1")
    assert "# message\n# line two\n" in text
    exec(compile(text, name, "exec"), {"__name__": "__main__"})  # a correct program passes
    assert float(capsys.readouterr().out) == pytest.approx(np.tanh(0.5), rel=1e-6)


def test_failures_are_keyed_by_the_primitives_that_are_not_plumbing():
    assert failing_primitives(_program("jnp.sin(x0) * 2.0 + jnp.exp(x0)",
                                       np.float32(0.5))) == "exp+sin"
    assert failing_primitives(_program("x0 * 2.0", np.float32(0.5))) == "mul"


def test_every_rule_that_generated_programs_meet_is_fuzzed():
    names = fuzzable_rules()
    assert names[0] == "check" and "jvp_matches_oracle" in names
    assert {"vmap_grad_matches_per_example", "cauchy_riemann"} <= set(names)
    assert "grad_pytree_matches_oracle" not in names  # programs take arrays, not pytrees


@pytest.mark.parametrize(("argv", "message"), [
    (["--out", "{file}"], "is a file"),
    (["--out", "{dir}", "--rule", "no_such_rule"], "jvp_matches_oracle"),
    (["--out", "{dir}", "--minutes", "0"], "minutes > 0"),
    (["--out", "{dir}", "--minutes", "nan"], "minutes > 0"),
    ([], "--out"),
], ids=["out-is-a-file", "unknown-rule", "zero-minutes", "nan-minutes", "no-out"])
def test_usage_errors(argv, message, tmp_path, capsys):
    file = tmp_path / "a_file"
    file.write_text("")
    argv = [a.format(file=file, dir=tmp_path / "failures") for a in argv]
    assert cli.main(["fuzz", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "failures").exists()


@pytest.mark.parametrize("options", [
    dict(seconds=0), dict(seconds=float("inf")), dict(rules=["nope"]), dict(rules=[]),
    dict(max_examples=0), dict(seed=1.5),
], ids=str)
def test_invalid_arguments(options, tmp_path):
    with pytest.raises(InvalidArgument, match="fuzz:"):
        fuzz(**({"seconds": 1, "out": tmp_path, "progress": None} | options))


def test_out_must_not_be_a_file(tmp_path):
    file = tmp_path / "a_file"
    file.write_text("")
    with pytest.raises(InvalidArgument, match="is a file"):
        fuzz(seconds=1, out=file, progress=None)


def test_ctrl_c_between_rounds_ends_the_run_with_what_it_did(tmp_path):
    def interrupt_after_the_first_round(line: str) -> None:
        if line.startswith("round 1 "):
            raise KeyboardInterrupt

    summary = fuzz(seconds=600, out=tmp_path, rules=["jvp_matches_oracle"],
                   progress=interrupt_after_the_first_round)
    assert summary.interrupted and summary.rounds == 1 and summary.programs >= 1
    assert summary.rules == ("jvp_matches_oracle",) and summary.failures == ()
    assert summary.seconds < 600
