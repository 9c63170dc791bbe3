"""``adharness verify``: the quick default and --all, the live line, the table, the summary last
with a why for every verdict but passed, the JSON report and the exit status; help text."""

from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import pty
import signal
import subprocess
import sys
import time
import traceback

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.catalog import ENTRIES, FAMILIES, QUICK, Entry, KnownBug
from harness.cli import _fuzz as _fuzz_cli
from harness.cli import _main as cli
from harness.cli import _verify
from harness.cli._progress import CLEAR, Progress, duration
from harness.results._report import Check, Report
from harness.strategies import arrays

ROOT = pathlib.Path(__file__).resolve().parents[1]
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
    monkeypatch.setattr(_verify, "ENTRIES", (WRONG,))
    path = tmp_path / "verify.json"
    assert cli.main(["verify", "--all", "--max-examples", "10", "--report", str(path)]) == 1
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["wrong_sin", "float32", "failed"] for line in out.splitlines())
    assert out.splitlines()[-1].startswith(
        "0 passed, 1 failed, 0 inconclusive, 0 known JAX bugs, 0 errors in")
    assert "  failed  wrong_sin (float32): jvp_matches_oracle [JVP]" in out
    assert "derivative check of sin_with_wrong_rule: FAILED" in out
    assert "Reproduce with:" in out
    (result,) = json.loads(path.read_text())["results"]
    assert result["verdict"] == "failed"
    assert "jvp_matches_oracle" in result["failures"]
    assert result["why"].startswith("jvp_matches_oracle [JVP]") and result["why"] in out


def test_an_entry_the_harness_cannot_use_is_an_error_not_a_traceback(monkeypatch, capsys):
    not_a_strategy = Entry("fixed_point", jnp.sin, lambda dtype: (np.zeros(3, dtype),),
                           ("float32",))
    monkeypatch.setattr(_verify, "ENTRIES", (not_a_strategy, *_verify.ENTRIES))
    assert cli.main(["verify", "--only", "fixed_point", "--only", "sin", "--dtype", "float32",
                     "--max-examples", "2"]) == 1
    out = capsys.readouterr().out
    assert "error: fixed_point (float32) could not be checked: argument 0 after fn is a" in out
    assert "1 passed, 0 failed, 0 inconclusive, 0 known JAX bugs, 1 error in" in out
    assert "  error  fixed_point (float32): argument 0 after fn is a" in out
    assert "Traceback" not in out


SCRIPT = pathlib.Path(sys.executable).parent / "adharness"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed for this Python")
def test_console_script():
    done = subprocess.run([str(SCRIPT), "verify", "--only", "seed.tanh", "--max-examples", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seed.tanh" in done.stdout and "2 passed, 0 failed" in done.stdout


def test_the_default_run_is_every_family_on_its_quick_subset(capsys):
    assert cli.main(["verify", "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert sorted(names) == sorted(name for names in QUICK.values() for name in names)
    assert sorted(QUICK) == sorted(FAMILIES)
    for family, chosen in QUICK.items():
        assert chosen and set(chosen) <= {e.name for e in FAMILIES[family]}, family
    assert len(names) < len(ENTRIES) / 3
    assert cli.main(["verify", "--list", "--all"]) == 0
    everything = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert everything == [e.name for e in ENTRIES]


def test_the_header_says_what_runs_and_how_to_run_everything(monkeypatch, capsys):
    monkeypatch.setattr(_verify, "run_one", lambda entry, dtype, args, progress:
                        _verify._outcomes.Outcome(entry.name, dtype, "passed", 1, 0.01))
    assert cli.main(["verify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    quick = sum(len(e.dtypes) for e in ENTRIES
                if e.name in {n for names in QUICK.values() for n in names})
    assert lines[0].startswith(f"adharness verify: {quick} checks: ")
    assert "10 examples each" in lines[0] and "'adharness verify --all'" in lines[0]
    assert lines[-1].startswith(f"{quick} passed, 0 failed, 0 inconclusive")


def _planted_bug_is_there() -> bool:
    return True


KNOWN = Entry("known_wrong_sin", sin_with_wrong_rule,
              lambda dtype: (arrays(dtype, (3,), min_value=-3, max_value=3),), ("float32",),
              xfail={"*": KnownBug("why: this rule is 5% too large everywhere: a planted bug. "
                                   "More text that the summary line leaves out.",
                                   _planted_bug_is_there)})


def _undecided(x):
    return jnp.sin(x)


UNDECIDED = Entry("undecided", _undecided,
                  lambda dtype: (arrays(dtype, (2,), min_value=-1, max_value=1),), ("float64",))
ORACLE_NOTE = "the oracles disagree beyond their errors (complex step 1.5, differences 1.2)"


def _search_undecided(monkeypatch):
    """harness.search, except for UNDECIDED: an inconclusive report with the oracle's reason."""
    search = harness.search

    def fake(fn, *strategies, **options):
        if fn is not _undecided:
            return search(fn, *strategies, **options)
        checks = (Check("jvp_matches_oracle", "JVP", 1, "inconclusive", leaf="out",
                        note=ORACLE_NOTE),
                  Check("vjp_matches_oracle", "VJP", 1, "passed", leaf="out"))
        return Report("_undecided", checks, order=1, modes=("fwd", "rev"), holomorphic=False,
                      seed=0, examples=options["max_examples"])

    monkeypatch.setattr(harness, "search", fake)


def test_the_summary_comes_last_and_says_why_for_every_verdict_but_passed(
        monkeypatch, tmp_path, capsys):
    _search_undecided(monkeypatch)
    sin = next(e for e in ENTRIES if e.name == "sin")
    monkeypatch.setattr(_verify, "ENTRIES", (sin, KNOWN, UNDECIDED))
    path = tmp_path / "verify.json"
    assert cli.main(["verify", "--all", "--max-examples", "3", "--dtype", "float32",
                     "--dtype", "float64", "--report", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "FAILED" not in out and "failed  " not in out  # a known bug is not a failure
    why = lines.index("not passed, and why:")
    assert lines[why + 1:] == [
        "  known-bug     known_wrong_sin (float32): this rule is 5% too large everywhere "
        f"(probe planted_bug_is_there finds it in jax {jax.__version__}); seen as "
        + lines[why + 1].split("seen as ")[1],
        f"  inconclusive  undecided (float64): jvp_matches_oracle [JVP] out: {ORACLE_NOTE}",
        lines[-1],
    ]
    assert "jvp_matches_oracle" in lines[why + 1].split("seen as ")[1]
    assert lines[-1].startswith("2 passed, 0 failed, 1 inconclusive, 1 known JAX bug, 0 errors")
    assert lines.index(f"wrote {path}") < why  # nothing after the summary
    results = {r["name"]: r for r in json.loads(path.read_text())["results"]}
    assert results["undecided"]["verdict"] == "inconclusive"
    assert results["undecided"]["reason"] == f"jvp_matches_oracle [JVP] out: {ORACLE_NOTE}"
    known = results["known_wrong_sin"]
    assert known["verdict"] == "known-bug" and known["failures"] == ""
    assert known["known_bug"].startswith("this rule is 5% too large everywhere: a planted bug.")
    assert known["probe"] == "planted_bug_is_there"
    assert known["why"] in lines[why + 1] and "harness.check(" in known["reproduce"]
    assert results["sin"]["why"] == "" and results["sin"]["verdict"] == "passed"


def test_verify_help_says_what_each_verdict_means(capsys):
    assert cli.main(["verify", "--help"]) == 0
    text = capsys.readouterr().out
    section = text[text.index("what the verdicts mean:"):]
    for verdict in ("passed", "failed", "inconclusive", "undefined", "skipped", "known-bug"):
        assert f"\n  {verdict} " in section, verdict
    assert "--all" in text and "exit status" in text


def _options():
    parser = cli._parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    yield "adharness", parser
    for name, subparser in commands.choices.items():
        yield f"adharness {name}", subparser


@pytest.mark.parametrize("command,parser", list(_options()), ids=lambda v: str(v))
def test_every_option_of_every_command_has_help(command, parser):
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        name = "/".join(action.option_strings) or action.metavar or action.dest
        assert action.help and action.help != argparse.SUPPRESS and len(action.help) > 10, \
            f"{command} {name} has no help text"
    assert parser.description or command == "adharness"


def test_progress_line_says_what_runs_how_far_and_the_time_left():
    now = [0.0]
    out, status = io.StringIO(), io.StringIO()
    progress = Progress(4, out=out, status=status, interval=60, clock=lambda: now[0])
    with progress:
        progress.begin("seed.tanh (float32)", planned=10)
        assert progress.line() == ("checking seed.tanh (float32), 0 s | 0/4 done | "
                                   "estimating the time left")
        for _ in range(3):
            progress.step()
        now[0] = 2.0
        assert progress.line().startswith("checking seed.tanh (float32), example 3 of 10, 2 s")
        progress.finish("seed.tanh float32 passed", verdict="passed")
        assert out.getvalue() == "seed.tanh float32 passed\n"
        assert progress.line() == "1/4 done (1 passed) | about 6 s left"
        progress.begin("sin (float32)", planned=10)
        for _ in range(12):
            progress.step()
        now[0] = 3.0
        assert "shrinking, 12 examples" in progress.line()
        assert progress.line().endswith("about 5 s left")  # 3 at 2 s each, 1 s of one done
    drawn = status.getvalue()
    assert drawn.startswith(CLEAR + "checking seed.tanh") and drawn.endswith(CLEAR)
    assert progress.counts == {"passed": 1}
    assert duration(125) == "2 min 5 s" and duration(44.4) == "44 s"


def test_without_a_terminal_nothing_is_drawn():
    out = io.StringIO()
    with Progress(1, out=out, status=None, interval=0.01) as progress:
        progress.begin("sin (float32)")
        time.sleep(0.05)
        progress.finish("done", verdict="passed")
    assert out.getvalue() == "done\n"


def test_a_terminal_sees_the_live_line_while_the_first_check_runs(tmp_path):
    """On a terminal, a line saying what is being checked comes before the first result."""
    leader, follower = pty.openpty()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "verify", "--only", "seed.tanh", "--dtype",
         "float32", "--max-examples", "3"],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    os.close(follower)
    seen, first = b"", {}
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            for key, text in (("header", b"adharness verify: 1 checks"),
                              ("live", b"checking seed.tanh (float32)"),
                              ("result", b"seed.tanh                    float32     passed")):
                if text in seen and key not in first:
                    first[key] = (time.monotonic() - started, seen.index(text))
    finally:
        os.close(leader)
        assert process.wait(timeout=300) == 0, seen.decode(errors="replace")[-3000:]
    text = seen.decode(errors="replace")
    assert set(first) == {"header", "live", "result"}, text
    assert first["live"][1] < first["result"][1], text
    assert "0/1 done" in text and "estimating the time left" in text
    assert text.rstrip().splitlines()[-1].startswith("1 passed, 0 failed"), text


def test_public_exceptions_print_under_their_public_names():
    for name in harness.__all__:
        error = getattr(harness, name)
        if isinstance(error, type) and issubclass(error, BaseException):
            assert error.__module__ == "harness", name
            assert repr(error) == f"<class 'harness.{name}'>"
            assert traceback.format_exception_only(error("why")) == [f"harness.{name}: why\n"]
    done = subprocess.run([sys.executable, "-c", "import harness; harness.check(1, ())"],
                          capture_output=True, text=True, timeout=120,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("harness.InvalidArgument: fn must be a callable"), done.stderr
    assert "_errors" not in done.stderr


# `python -m harness ARGS` with Python's own Ctrl-C handler, even where the test runner was
# started with SIGINT ignored (a background job), which the child would inherit.
WITH_CTRL_C = ("import runpy, signal, sys; "
               "signal.signal(signal.SIGINT, signal.default_int_handler); "
               "sys.argv[0] = 'adharness'; runpy.run_module('harness', run_name='__main__')")


def _fuzz(out: pathlib.Path, minutes: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WITH_CTRL_C, "fuzz", "--minutes", minutes, "--out", str(out),
         "--rule", "jvp_matches_oracle"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)})


def test_fuzz_stops_on_ctrl_c_with_its_summary_and_exit_status_130(tmp_path):
    out = tmp_path / "found"
    process = _fuzz(out, "30")
    try:
        first = process.stdout.readline()
        assert first.startswith(f"fuzzing for 30 minutes (Ctrl-C stops sooner), seed 0; "
                                f"reproducers go to {out}"), first
        rounds = process.stdout.readline()  # some programs were checked
        assert rounds.startswith("round 1 "), rounds
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    lines = rest.splitlines()
    ended = next(line for line in lines if line.startswith("interrupted (Ctrl-C) after "))
    programs = int(ended.split(": ")[1].split()[0])
    assert programs >= 10 and "checked against 1 property in " in ended, rest
    assert f"0 failures found (0 new, 0 already in {out})" in lines, rest
    assert lines[-1] == f"reproducers are in {out}", rest


def test_fuzz_prints_the_same_summary_when_its_time_is_up(tmp_path):
    process = _fuzz(tmp_path, str(5 / 60))
    text, _ = process.communicate(timeout=300)
    assert process.returncode == 0, text
    assert text.startswith("fuzzing for 5 seconds (Ctrl-C stops sooner)"), text
    ended = next(line for line in text.splitlines() if line.startswith("time is up after "))
    assert "programs checked against 1 property in " in ended, text
    assert text.splitlines()[-1] == f"reproducers are in {tmp_path}", text


@pytest.mark.parametrize("minutes,words", [(1, "1 minute"), (30, "30 minutes"),
                                           (0.5, "30 seconds"), (1 / 60, "1 second"),
                                           (1.5, "1.5 minutes")])
def test_fuzz_says_its_duration_in_good_english(minutes, words):
    assert _fuzz_cli.for_how_long(minutes) == words
