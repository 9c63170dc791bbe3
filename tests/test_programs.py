"""``harness.strategies.programs``: what it draws, that it is right, and that it catches and
isolates a wrong custom rule planted in it."""

from __future__ import annotations

import subprocess
import sys

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pytest
from corpus.program_rules import TANH_WRONG_JVP

import harness
import properties
from harness import DerivativeMismatch, InvalidArgument, NotApplicable, UndefinedPoint
from harness.programs._program import compile_source
from harness.strategies import CustomRule, op_names, programs

DRAW = hypothesis.settings(database=None, deadline=None,
                           suppress_health_check=list(hypothesis.HealthCheck),
                           phases=[hypothesis.Phase.generate])
BUILT_IN_CUSTOM = ("tanh_custom_jvp", "softplus_custom_jvp", "sin_custom_vjp", "exp_custom_vjp")
CONTROL_FLOW = {"cond", "scan", "while"}
CUSTOM_CALLS = {"custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"}


def draw_many(strategy: st.SearchStrategy, count: int, *, seed: int = 0) -> list:
    drawn = []

    @hypothesis.settings(DRAW, max_examples=count)
    @hypothesis.seed(seed)
    @hypothesis.given(strategy)
    def collect(value) -> None:
        drawn.append(value)

    collect()
    return drawn


@pytest.fixture(scope="module")
def three_hundred():
    return draw_many(programs(), 300, seed=1)


def test_300_programs_use_40_primitives_with_control_flow_and_both_custom_kinds(three_hundred):
    assert len(three_hundred) == 300
    used = frozenset().union(*(p.primitives() for p in three_hundred))
    assert len(used) >= 40, sorted(used)
    assert CONTROL_FLOW <= used, sorted(used)
    assert "custom_jvp_call" in used and used & (CUSTOM_CALLS - {"custom_jvp_call"}), sorted(used)
    assert {"remat2", "jit"} & used  # checkpoint and inner jit (names differ across versions)


def test_harness_check_passes_on_drawn_programs(three_hundred):
    """Drawn programs are differentiable where their inputs are drawn: harness.check agrees
    with JAX on them (first derivatives on every third of the 300, second on every 30th; all
    300 at first order and every tenth at second passed when measured, which takes 2 minutes)."""
    failures = []
    for i, program in enumerate(three_hundred[::3]):
        report = harness.check(program.fn, program.args, modes=program.modes,
                               order=2 if i % 10 == 0 else 1)
        if not report.ok or report.undefined:
            failures.append(f"{program!r}\n{report}")
    assert not failures, "\n\n".join(failures[:3])


def test_source_runs_on_its_own_and_matches_fn():
    for program in draw_many(programs(max_ops=5), 20, seed=2):
        script = program.reproducer() + "import sys; sys.stdout.flush()\n"
        namespace: dict = {"__name__": "reproducer"}
        exec(compile(program.source, "<source>", "exec"), namespace)
        with harness.computations._compiled.x64_for(list(program.args)):
            expected = np.asarray(program.fn(*program.args))
            got = np.asarray(namespace["program"](*program.args))
        np.testing.assert_array_equal(got, expected)
        assert "def program(" in script and "args = (" in script


def test_every_operation_runs_on_the_numpy_inputs_of_the_standalone_source():
    """The reproducer calls ``program`` on NumPy arrays, outside jit: no operation may need a
    JAX array (``x.at[...]`` on a NumPy input fails there)."""
    missing, failed = [], []
    for name in [n for group in op_names().values() for n in group]:
        program = _a_program_using(name, (name,), tries=100) or \
            _a_program_using(name, (name, "unary"), tries=1000)
        if program is None:
            missing.append(name)
            continue
        assert all(isinstance(a, np.ndarray) for a in program.args)
        try:
            with harness.computations._compiled.x64_for(list(program.args)):
                program.fn(*program.args)
        except Exception as error:  # noqa: BLE001 - every failure is collected and shown
            failed.append(f"{name}: {error!r}\n{program.source}")
    assert not missing, f"never drawn: {missing}"
    assert not failed, "\n\n".join(failed)


def _a_program_using(name: str, ops: tuple[str, ...], *, tries: int):
    """A drawn program that uses the operation ``name``, or None. Drawn from ``ops`` alone, an
    operation with a narrow domain (arcsin) still applies after the fallback ``tanh``; one
    that needs more (maximum, whose operands' ranges must be apart) needs the unary ones."""
    try:
        return hypothesis.find(programs(ops=ops, max_ops=3), lambda p: name in p.ops,
                               settings=hypothesis.settings(DRAW, max_examples=tries,
                                                            derandomize=True))
    except hypothesis.errors.NoSuchExample:
        return None


def test_reproducer_is_a_standalone_script():
    program = draw_many(programs(max_ops=4, dtypes=("float64",)), 1, seed=3)[0]
    run = subprocess.run([sys.executable, "-c", program.reproducer()], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    with harness.computations._compiled.x64_for(list(program.args)):
        expected = np.asarray(program.fn(*program.args))
    assert str(expected).split()[0].strip("[") in run.stdout


def test_same_structure_shares_one_compiled_function():
    first = draw_many(programs(max_ops=3), 1, seed=4)[0]
    again = harness.strategies.Program(first.source, first.args, first.ops, first.dtype)
    assert again.fn is first.fn  # so harness.check's compiled programs are reused
    assert compile_source(first.source + "\n") is not first.fn


def test_drawing_is_deterministic_under_a_seed():
    a = [p.source for p in draw_many(programs(), 10, seed=5)]
    b = [p.source for p in draw_many(programs(), 10, seed=5)]
    assert a == b


def test_programs_shrink_to_one_operation_on_a_scalar():
    simplest = hypothesis.find(programs(), lambda p: True,
                               settings=hypothesis.settings(DRAW, derandomize=True))
    assert simplest.ops == ("tanh",)
    assert [np.shape(a) for a in simplest.args] == [()]


def test_options_restrict_what_is_drawn():
    for program in draw_many(programs(ops=("unary",), dtypes=("float64",), max_ops=3,
                                      max_inputs=1, max_ndim=1, max_size=2), 30, seed=6):
        assert set(program.ops) <= set(op_names()["unary"])
        assert program.dtype == "float64" and len(program.args) == 1
        assert all(np.ndim(a) <= 1 and np.size(a) <= 2 for a in program.args)
        assert len(program.ops) <= 3
    for program in draw_many(programs(modes=("fwd",)), 30, seed=7):
        assert program.forward_mode and not ({"sin_custom_vjp", "exp_custom_vjp"}
                                             & set(program.ops))
    for program in draw_many(programs(modes=("rev",)), 30, seed=8):
        assert program.reverse_mode and "while_loop" not in program.ops
    for program in draw_many(programs(output="scalar"), 20, seed=9):
        with harness.computations._compiled.x64_for(list(program.args)):
            assert np.shape(program.fn(*program.args)) == ()


def test_every_program_keeps_an_ad_mode():
    for program in draw_many(programs(ops=("control", "custom")), 60, seed=10):
        assert program.modes, program


@pytest.mark.parametrize(("options", "message"), [
    ({"dtypes": ("float16",)}, "dtype 'float16' is not supported"),
    ({"dtypes": ("float32", "complex64")}, "mixes real and complex"),
    ({"holomorphic": True}, "holomorphic=True needs complex dtypes"),
    ({"dtypes": ()}, "dtypes is empty"),
    ({"max_ops": 0}, "max_ops=0 must be an int >= 1"),
    ({"max_size": 20}, "max_size=20 is above"),
    ({"ops": ("unary", "fft")}, "unknown operation or group 'fft'"),
    ({"modes": ("backward",)}, "unknown mode 'backward'"),
    ({"output": "vector"}, "output='vector'"),
    ({"custom_rules": ("tanh",)}, "custom_rules takes"),
])
def test_bad_options_are_explained(options, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        programs(**options)


def test_custom_rule_is_validated():
    with pytest.raises(InvalidArgument, match="must define `def f"):
        CustomRule("f", kind="custom_jvp", source="def g(x): return x")
    with pytest.raises(InvalidArgument, match="kind='jvp'"):
        CustomRule("f", kind="jvp", source="def f(x): return x")
    with pytest.raises(InvalidArgument, match="image=.* reaches beyond"):
        CustomRule("f", kind="custom_jvp", source="def f(x): return x", image=(0.0, 1e6))


def _fails(program) -> bool:
    try:
        properties.jvp_matches_oracle(program.fn, program.args)
    except DerivativeMismatch:
        return True
    except (UndefinedPoint, NotApplicable):
        return False
    return False


def test_planted_wrong_rule_is_caught_and_the_shrunk_program_isolates_it():
    strategy = programs(custom_rules=(TANH_WRONG_JVP,), modes=("fwd",),
                        ops=("unary", "binary", "reduce", "shape", "control", "custom"))
    settings = hypothesis.settings(DRAW, max_examples=400, derandomize=True,
                                   phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink])
    shrunk = hypothesis.find(strategy, _fails, settings=settings, random=None)
    assert "tanh_wrong_jvp" in shrunk.ops
    assert len(shrunk.ops) <= 2, shrunk
    assert all(np.size(a) == 1 for a in shrunk.args), shrunk
    with pytest.raises(DerivativeMismatch) as failure:
        properties.jvp_matches_oracle(shrunk.fn, shrunk.args)
    assert "def tanh_wrong_jvp(x):" in str(failure.value)  # the report holds the whole source
    assert "def program(" in str(failure.value)


def test_correct_built_in_rules_pass_alone_and_in_loops():
    for name in BUILT_IN_CUSTOM:
        for program in draw_many(programs(ops=(name, "scan", "fori_loop", "checkpoint"),
                                          max_ops=3), 5, seed=11):
            assert harness.check(program.fn, program.args, modes=program.modes, order=2).ok, \
                program
