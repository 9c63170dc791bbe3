"""Inputs the harness cannot check raise ``InvalidArgument`` saying what is wrong and how to fix
it; a function that raises, a point where it is undefined, and a report where nothing was
checked are reported as such, and never as ``ok``."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import harness
from harness.strategies import arrays

X = np.float32(1.0)


def sin_of_first(x, *_):
    return jnp.sin(x)


def raises_value_error(x):
    raise ValueError("the point is outside the model's range")


# (id, call, phrases the message must contain: the problem, then the fix)
CHECK_ERRORS = [
    ("fn-not-callable", lambda: harness.check(3.0, (X,)),
     ["fn must be a callable", "Pass the function itself"]),
    ("fn-is-an-array", lambda: harness.check(jnp.ones(3), (X,)),
     ["fn must be a callable", "not its value"]),
    ("args-bare-numpy-array", lambda: harness.check(jnp.sin, np.ones(3, np.float32)),
     ["args must be a tuple", "got ndarray", "args=(x,)"]),
    ("args-bare-jax-array", lambda: harness.check(jnp.sin, jnp.ones(3)),
     ["args must be a tuple", "args=(x,)"]),
    ("args-bare-float", lambda: harness.check(jnp.sin, 1.0),
     ["args must be a tuple", "got float", "args=(x,)"]),
    ("args-list", lambda: harness.check(jnp.sin, [X]),
     ["args must be a tuple", "got list", "args=tuple(args)"]),
    ("leaf-is-a-string", lambda: harness.check(sin_of_first, (X, "mean")),
     ["args[1] is a str", "functools.partial"]),
    ("leaf-is-an-object-in-a-dict", lambda: harness.check(sin_of_first, (X, {"k": object()})),
     ["args[1]['k']", "every leaf of args must be an array"]),
    ("only-integer-leaves", lambda: harness.check(lambda n: n * 1.0, (np.int32(3),)),
     ["no floating-point or complex leaf", "int32", "np.float32(2.0) rather than 2"]),
    ("only-python-int", lambda: harness.check(lambda n: n * 1.0, (3,)),
     ["no floating-point or complex leaf", "np.float32(2.0) rather than 2"]),
    ("only-bool-leaves", lambda: harness.check(lambda b: b * 1.0, (np.bool_(True),)),
     ["no floating-point or complex leaf", "bool"]),
    ("no-args-at-all", lambda: harness.check(lambda: jnp.float32(1.0), ()),
     ["no floating-point or complex leaf", "no leaves at all"]),
    ("holomorphic-with-real-input", lambda: harness.check(jnp.sin, (X,), holomorphic=True),
     ["holomorphic=True needs every differentiable input to be complex", "args[0] (float32)",
      "astype(np.complex64)", "holomorphic=False"]),
    ("holomorphic-with-real-output",
     lambda: harness.check(jnp.abs, (np.complex64(1 + 1j),), holomorphic=True),
     ["fn returns real values", "holomorphic=False"]),
    ("order-0", lambda: harness.check(jnp.sin, (X,), order=0),
     ["order must be an integer >= 1", "got 0"]),
    ("order-negative", lambda: harness.check(jnp.sin, (X,), order=-1),
     ["order must be an integer >= 1", "got -1"]),
    ("order-1.5", lambda: harness.check(jnp.sin, (X,), order=1.5),
     ["order must be an integer >= 1", "got 1.5"]),
    ("order-True", lambda: harness.check(jnp.sin, (X,), order=True),
     ["order must be an integer >= 1", "got True"]),
    ("order-string", lambda: harness.check(jnp.sin, (X,), order="2"),
     ["order must be an integer >= 1", "got '2'"]),
    ("mode-forward", lambda: harness.check(jnp.sin, (X,), modes=("forward",)),
     ["modes must be a non-empty tuple drawn from ('fwd', 'rev')", "'forward'",
      "'fwd' = JVP"]),
    ("mode-mixed-unknown", lambda: harness.check(jnp.sin, (X,), modes=("fwd", "jvp")),
     ["modes must be", "'jvp'"]),
    ("modes-empty", lambda: harness.check(jnp.sin, (X,), modes=()),
     ["modes must be a non-empty tuple", "got ()"]),
    ("modes-not-iterable", lambda: harness.check(jnp.sin, (X,), modes=3),
     ["modes must be a tuple drawn from ('fwd', 'rev')", "got 3"]),
    ("rtol-negative", lambda: harness.check(jnp.sin, (X,), rtol=-1e-3),
     ["rtol must be a finite number >= 0", "got -0.001"]),
    ("rtol-string", lambda: harness.check(jnp.sin, (X,), rtol="x"),
     ["rtol must be a finite number >= 0", "dict from dtype", "got 'x'"]),
    ("atol-nan", lambda: harness.check(jnp.sin, (X,), atol=float("nan")),
     ["atol must be a finite number >= 0", "got nan"]),
    ("rtol-dict-bad-key", lambda: harness.check(jnp.sin, (X,), rtol={"float99": 1e-3}),
     ["rtol keys must be dtypes", "'float64'", "'float99'"]),
    ("rtol-dict-bad-value", lambda: harness.check(jnp.sin, (X,), rtol={"float32": -1}),
     ["rtol['float32'] must be a finite number >= 0", "got -1"]),
    ("seed-float", lambda: harness.check(jnp.sin, (X,), seed=1.5),
     ["seed must be an integer", "got 1.5"]),
    ("seed-string", lambda: harness.check(jnp.sin, (X,), seed="0"),
     ["seed must be an integer", "got '0'"]),
    ("seed-bool", lambda: harness.check(jnp.sin, (X,), seed=True),
     ["seed must be an integer", "got True"]),
    ("fn-returns-integers", lambda: harness.check(lambda x: jnp.round(x).astype(jnp.int32), (X,)),
     ["fn returns no floating-point or complex output", "int32",
      "Return the float values"]),
    ("fn-returns-bools", lambda: harness.check(lambda x: x > 0, (X,)),
     ["fn returns no floating-point or complex output", "bool"]),
    ("fn-returns-tuple-of-integers",
     lambda: harness.check(lambda x: (jnp.int32(1), x.astype(jnp.int8)), (X,)),
     ["fn returns no floating-point or complex output", "int32, int8"]),
]

STRATEGY = arrays("float32", (3,))

SEARCH_ERRORS = [
    ("not-a-strategy", lambda: harness.search(jnp.sin, X),
     ["argument 0 after fn is a float32, not a Hypothesis strategy",
      "harness.strategies.arrays", "harness.check(fn, args)"]),
    ("second-not-a-strategy", lambda: harness.search(sin_of_first, STRATEGY, [1.0]),
     ["argument 1 after fn is a list, not a Hypothesis strategy"]),
    ("no-strategies", lambda: harness.search(jnp.sin),
     ["search needs one Hypothesis strategy per positional argument",
      "harness.strategies.arrays('float32', (3,))"]),
    ("max-examples-0", lambda: harness.search(jnp.sin, STRATEGY, max_examples=0),
     ["max_examples must be an integer >= 1", "got 0"]),
    ("max-examples-float", lambda: harness.search(jnp.sin, STRATEGY, max_examples=2.5),
     ["max_examples must be an integer >= 1", "got 2.5"]),
    ("search-fn-not-callable", lambda: harness.search("sin", STRATEGY),
     ["fn must be a callable"]),
    ("search-order-0", lambda: harness.search(jnp.sin, STRATEGY, order=0),
     ["order must be an integer >= 1"]),
    ("search-bad-mode", lambda: harness.search(jnp.sin, STRATEGY, modes=("backward",)),
     ["modes must be a non-empty tuple", "'backward'"]),
    ("search-bad-seed", lambda: harness.search(jnp.sin, STRATEGY, seed=None),
     ["seed must be an integer", "got None"]),
]


def _assert_invalid(call, phrases):
    with pytest.raises(harness.InvalidArgument) as caught:
        call()
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, harness.HarnessError)
    message = str(caught.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


@pytest.mark.parametrize(("call", "phrases"), [(c, p) for _, c, p in CHECK_ERRORS],
                         ids=[name for name, _, _ in CHECK_ERRORS])
def test_check_rejects_bad_input_with_a_fix(call, phrases):
    _assert_invalid(call, phrases)


@pytest.mark.parametrize(("call", "phrases"), [(c, p) for _, c, p in SEARCH_ERRORS],
                         ids=[name for name, _, _ in SEARCH_ERRORS])
def test_search_rejects_bad_input_with_a_fix(call, phrases):
    _assert_invalid(call, phrases)


def test_invalid_argument_is_catchable_as_type_error():
    with pytest.raises(TypeError):
        harness.check(jnp.sin, [X])


# ---- accepted inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixed", "note"),
    [(np.arange(3, dtype=np.int32), "args[1] has dtype int32, which has no derivative: held "
                                    "fixed"),
     (np.array([True, False, True]), "args[1] has dtype bool, which has no derivative: held "
                                     "fixed"),
     (2, "args[1] is a Python int: held fixed")],
    ids=["int32-array", "bool-array", "python-int"],
)
def test_integer_leaves_next_to_floats_are_held_fixed_with_a_note(fixed, note):
    fn = lambda x, n: jnp.sum(jnp.sin(x) * n)
    report = harness.check(fn, (np.array([0.5, -1.0, 2.0], np.float32), fixed))
    assert report.ok and not report.inconclusive, str(report)
    assert note in report.notes
    assert all(c.leaf != "args[1]" for c in report.checks)


def test_integer_output_next_to_a_float_output_is_not_differentiated():
    report = harness.check(lambda x: (jnp.sin(x), jnp.round(x).astype(jnp.int32)), (X,))
    assert report.ok, str(report)
    assert any("out[1] has dtype int32: not differentiated" in n for n in report.notes)


@pytest.mark.parametrize("modes", ["fwd", ["rev"], ("fwd", "fwd", "rev")],
                         ids=["string", "list", "duplicates"])
def test_modes_in_other_spellings_are_accepted(modes):
    report = harness.check(jnp.sin, (X,), modes=modes)
    assert report.ok
    assert report.modes == tuple(dict.fromkeys([modes] if isinstance(modes, str) else modes))


def test_numpy_integer_order_and_seed_are_accepted():
    report = harness.check(jnp.sin, (X,), order=np.int64(2), seed=np.uint32(7))
    assert report.ok and report.order == 2 and report.seed == 7


# ---- nothing silent: errors, undefined points and empty reports are never ok --------------


@pytest.mark.parametrize(
    "fn",
    [raises_value_error, lambda x: jnp.sin(x) + raises_value_error(x)],
    ids=["raises-before-jax", "raises-after-jax"],
)
def test_function_that_raises_gives_an_error_report_that_is_not_ok(fn):
    report = harness.check(fn, (X,))
    assert not report.ok
    assert report.checks == ()
    assert report.verdict == "error"
    assert re.search(r"ValueError: the point is outside the model's range", report.error)
    assert "raises_value_error" in report.error  # where in fn: its own frames
    assert "a bug in fn" in str(report)
    with pytest.raises(harness.FunctionRaised, match="outside the model's range") as raised:
        report.raise_if_failed()
    assert isinstance(raised.value.__cause__, ValueError)


def test_a_wrong_keyword_argument_fails_a_test_written_the_readme_way():
    def total(x):
        return jnp.sum(x, axes=0)  # a plain bug: jnp.sum takes axis

    with pytest.raises(harness.FunctionRaised, match="unexpected keyword argument 'axes'"):
        harness.check(total, (np.float32([1.0, 2.0]),)).raise_if_failed()
    with pytest.raises(harness.FunctionRaised, match="axes"):
        harness.search(total, arrays("float32", (2,)), max_examples=3).raise_if_failed()


def test_function_that_raises_only_on_some_branch_is_an_error_there():
    def guarded(x):
        if x < 0:  # Python control flow: checked eagerly
            raise ValueError("negative input")
        return jnp.sqrt(x)

    report = harness.check(guarded, (np.float32(-1.0),))
    assert not report.ok and "negative input" in report.error
    assert harness.check(guarded, (np.float32(4.0),)).ok


@pytest.mark.parametrize("x", [-1.0, 0.0], ids=["negative", "zero"])
def test_log_outside_its_domain_is_undefined_and_not_ok(x):
    report = harness.check(jnp.log, (np.float32(x),))
    assert not report.ok and report.checks == () and report.verdict == "undefined"
    assert re.search(r"out is (nan|-inf)", report.undefined) and "not finite" in report.undefined
    with pytest.raises(harness.UndefinedPoint, match="undefined at this point"):
        report.raise_if_failed()


def test_a_report_whose_every_check_was_skipped_says_so_and_is_not_ok():
    @jax.custom_vjp
    def f(x):
        return jnp.sin(x)

    f.defvjp(lambda x: (jnp.sin(x), x), lambda x, c: (jnp.cos(x) * c,))
    report = harness.check(f, (X,), modes=("fwd",))  # a custom_vjp has no JVP
    assert report.checks and all(c.status == "skipped" for c in report.checks)
    assert not report.ok and report.verdict == "nothing checked"
    assert "nothing was checked: every check was skipped" in str(report)
    with pytest.raises(harness.NotApplicable):
        report.raise_if_failed()
    assert harness.check(f, (X,), modes=("rev",)).ok


def test_the_note_that_the_float64_copy_failed_reaches_the_report():
    def float32_only(x):  # a library that pins float32 refuses the float64 copy
        if x.dtype != jnp.float32:
            raise TypeError(f"float32_only takes float32, not {x.dtype}")
        return jnp.sin(x)

    report = harness.check(float32_only, (np.float32([0.5, 1.5]),))
    assert report.ok, report
    assert any("float64 copy of fn failed" in note and "own dtypes" in note
               for note in report.notes), report.notes
    assert "float64 copy of fn failed" in str(report)


def test_nan_from_ad_where_the_oracle_is_finite_is_a_failure():
    @jax.custom_jvp
    def sin_with_nan_rule(x):
        return jnp.sin(x)

    @sin_with_nan_rule.defjvp
    def _rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return jnp.sin(x), jnp.nan * t

    report = harness.check(sin_with_nan_rule, (np.float32(0.5),))
    assert report.undefined is None
    assert not report.ok
    jvp = next(c for c in report.failures if c.property == "jvp_matches_oracle")
    assert np.isnan(jvp.got) and np.isfinite(jvp.expected)
    assert "AD returned nan where the oracle is finite" in jvp.note
    with pytest.raises(harness.DerivativeMismatch):
        report.raise_if_failed()


def test_search_over_an_undefined_domain_says_to_narrow_the_strategies():
    _assert_invalid(
        lambda: harness.search(jnp.log, arrays("float32", (), max_value=-1.0), max_examples=5),
        ["every point the strategies drew was one where log is undefined", "rejected",
         "Narrow the strategies to fn's domain", "min_value"])


def test_search_over_a_function_that_always_raises_reports_the_error():
    report = harness.search(raises_value_error, arrays("float32", ()), max_examples=5)
    assert not report.ok and report.verdict == "error"
    assert "outside the model's range" in report.error
    with pytest.raises(harness.FunctionRaised):
        report.raise_if_failed()


# ---- tracers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [jax.jit, jax.grad, jax.vmap],
    ids=["jit", "grad", "vmap"],
)
def test_check_inside_a_transformation_is_refused(transform):
    def inner(y):
        harness.check(jnp.sin, (y,))
        return jnp.sum(y)

    with pytest.raises(harness.InvalidArgument) as caught:
        transform(inner)(np.ones(2, np.float32) if transform is jax.vmap else X)
    message = str(caught.value)
    assert "JAX tracer" in message
    assert "cannot be called inside jit, vmap or grad" in message
    assert "concrete arrays" in message


def test_a_point_partly_outside_the_domain_names_the_elements():
    report = harness.check(jnp.arcsin, (np.float32([0.2, 1.2, -0.5, 3.0]),))
    assert not report.ok and report.verdict == "undefined"
    assert "out at [1], [3] is nan" in report.undefined, report.undefined
