"""Tests for harness.strategies.arrays."""

from __future__ import annotations

import doctest
import math
import re
import warnings

import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import errors as hypothesis_errors
from hypothesis import strategies as st

from harness._errors import InvalidArgument
from harness.strategies import _arrays as arrays_module
from harness.strategies import _value_classes, arrays

# No example database and a fixed seed, so every run draws the same examples; the
# explain phase (slow, only useful for failure reports) is left out.
DETERMINISTIC = settings(database=None, derandomize=True, deadline=None,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink])
SHRINK = settings(DETERMINISTIC, max_examples=2000)
FIND = settings(SHRINK, phases=[Phase.generate])  # the first hit is enough

FLOAT_DTYPES = ["float16", jnp.bfloat16, "float32", "float64"]
COMPLEX_DTYPES = ["complex64", "complex128"]
ALL_DTYPES = [*FLOAT_DTYPES, *COMPLEX_DTYPES, "int8", np.int32, "uint16", "bool"]
ALIASES = [np.float16, jnp.float32, ml_dtypes.bfloat16, "bfloat16", np.complex64, float]
SHAPES = [((), ()), (0, (0,)), (5, (5,)), ([1, 4, 1], (1, 4, 1)), ((np.int64(12), 12), (12, 12))]


def draw_all(strategy, n=50):
    """The arrays a deterministic run of ``n`` examples draws from ``strategy``."""
    seen = []

    @settings(DETERMINISTIC, max_examples=n)
    @given(strategy)
    def collect(a):
        seen.append(a)

    collect()
    return seen


def reach(strategy, predicate):
    """Some value of ``strategy`` satisfying ``predicate`` (deterministic)."""
    return find(strategy, predicate, settings=FIND)


def parts(a):
    """The real components of ``a`` as float64, to compare exactly with bounds."""
    if a.dtype.kind == "c":
        return np.concatenate([a.real.ravel(), a.imag.ravel()]).astype(np.float64)
    return a.astype(np.float64).ravel()


def check_dtype_and_shape(dtype, shape, expected):
    for a in draw_all(arrays(dtype, shape), n=10):
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.dtype(dtype)
        assert a.shape == expected
        if a.dtype.kind in "fcV":
            assert np.isfinite(parts(a)).all()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize(("shape", "expected"), SHAPES, ids=str)
def test_dtype_and_shape_are_exact(dtype, shape, expected):
    check_dtype_and_shape(dtype, shape, expected)


@pytest.mark.parametrize("dtype", ALIASES, ids=str)
def test_dtype_aliases_are_accepted(dtype):
    check_dtype_and_shape(dtype, (2, 3), (2, 3))


@pytest.mark.parametrize("dtype", [*FLOAT_DTYPES, *COMPLEX_DTYPES], ids=str)
def test_unbounded_values_are_finite_and_capped(dtype):
    dt = np.dtype(dtype)
    component = {"complex64": np.float32, "complex128": np.float64}.get(dt.name, dt)
    cap = _value_classes._CAPS[np.dtype(component)]
    for a in draw_all(arrays(dtype, (6,)), n=100):
        values = parts(a)
        assert np.isfinite(values).all()
        assert (np.abs(values) <= cap).all()


BOUNDED = [
    ("float32", 0.1, None),
    ("float32", None, 0.1),
    ("float32", 0.1, 0.2),
    ("float32", -5.0, -4.0),
    ("float32", 1.0, 1.0),
    ("float16", -1e-3, 1e-3),
    ("float16", 0.0, None),
    (jnp.bfloat16, 0.5, 1e5),
    ("float64", 1e20, None),
    ("float64", None, -1e-300),
    ("complex64", -1.0, 2.0),
    ("complex128", 0.0, None),
    ("int8", -3.5, 100.2),
    ("uint8", None, 7),
    ("int64", None, None),
]


@pytest.mark.parametrize(("dtype", "lo", "hi"), BOUNDED, ids=str)
def test_bounds_are_respected(dtype, lo, hi):
    for a in draw_all(arrays(dtype, (2, 3), min_value=lo, max_value=hi), n=50):
        assert a.dtype == np.dtype(dtype)
        values = parts(a) if a.dtype.kind != "i" and a.dtype.kind != "u" else a.ravel()
        if a.dtype.kind in "fcV":
            assert np.isfinite(values).all()
        if lo is not None:
            assert all(v >= lo for v in values.tolist()), (lo, a)
        if hi is not None:
            assert all(v <= hi for v in values.tolist()), (hi, a)


@pytest.mark.parametrize(
    ("dtype", "lo", "hi"),
    [("float32", 0.1, 0.7), ("float16", -2.0, 0.3), (jnp.bfloat16, 1e-3, 5.0),
     ("float64", -7.25, 1e9), ("int16", -40, 17)],
    ids=str,
)
def test_both_bounds_are_reached(dtype, lo, hi):
    dt = np.dtype(dtype)
    inner_lo = _value_classes.round_up(lo, dt) if dt.kind != "i" else lo
    inner_hi = _value_classes.round_down(hi, dt) if dt.kind != "i" else hi
    strategy = arrays(dtype, (4,), min_value=lo, max_value=hi)
    assert (reach(strategy, lambda a: (a == inner_lo).any()) == inner_lo).any()
    assert (reach(strategy, lambda a: (a == inner_hi).any()) == inner_hi).any()


def test_awkward_float32_bounds_round_inwards():
    # 0.1 is not a float32; the nearest float32 above it is the smallest value allowed.
    lowest = float(np.float32(0.1))
    assert lowest > 0.1
    a = reach(arrays("float32", (3,), min_value=0.1, max_value=0.2), lambda a: (a < 0.1001).any())
    assert float(a.min()) == lowest


def test_just_inside_a_bound_is_reached():
    strategy = arrays("float32", (4,), min_value=0.0, max_value=1.0)
    tiny = float(np.finfo(np.float32).tiny)
    a = reach(strategy, lambda a: ((a > 0) & (a <= tiny)).any())
    assert float(a[a > 0].min()) == tiny  # the smallest normal, not a subnormal
    below_one = float(np.nextafter(np.float32(1), np.float32(0)))
    assert (reach(strategy, lambda a: (a == below_one).any()) == below_one).any()


@pytest.mark.parametrize("dtype", ["float32", "float64", jnp.bfloat16], ids=str)
def test_special_value_classes_are_reached(dtype):
    strategy = arrays(dtype, (4,))

    def values(a):
        return a.astype(np.float64)

    reach(strategy, lambda a: (values(a) == 0).any())
    reach(strategy, lambda a: ((values(a) != 0) & (np.abs(values(a)) <= 1e-8)).any())
    reach(strategy, lambda a: (np.abs(values(a)) <= 1e-20).any() and (values(a) != 0).any())
    reach(strategy, lambda a: (np.abs(values(a)) % 1 == 0.5).any())
    reach(strategy, lambda a: np.isin(values(a), [-3.0, 3.0]).any())
    reach(strategy, lambda a: ((np.abs(values(a)) >= 1e4) & (np.abs(values(a)) <= 1e8)).any())
    reach(strategy, lambda a: (np.abs(values(a)) >= 1e4).any())
    reach(strategy, lambda a: ((np.abs(values(a)) >= 0.01) & (np.abs(values(a)) <= 10)
                               & (np.abs(values(a)) % 0.5 != 0)).any())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_decade_below_one_is_reached_in_a_natural_domain(dtype):
    """A series branch for small arguments hands over somewhere in 1e-8 < |x| < 1 (2e-5 to 1e-3
    for a float32 one): draws over [-5, 5] must land in every decade there."""
    strategy = arrays(dtype, (3,), min_value=-5.0, max_value=5.0)
    for k in range(1, 9):
        reach(strategy, lambda a, k=k: ((np.abs(a) >= 10.0 ** -k)
                                        & (np.abs(a) < 10.0 ** -(k - 1))).any())
    reach(strategy, lambda a: ((np.abs(a) > 2e-5) & (np.abs(a) < 1e-3)).any())


def test_float16_special_values_are_reached():
    strategy = arrays("float16", (4,))
    tiny = float(np.finfo(np.float16).tiny)
    reach(strategy, lambda a: ((a != 0) & (np.abs(a) < 1e-3)).any())
    a = reach(strategy, lambda a: ((a != 0) & (np.abs(a) < 1e-4)).any())
    small = np.abs(a[a != 0]).astype(np.float64)
    assert (small >= tiny).all()  # no subnormals
    reach(strategy, lambda a: (np.abs(a) >= 1000).any())


def has_nonzero_tie(a):
    flat = a.ravel()
    nonzero = flat[flat != 0]
    return len(np.unique(nonzero)) < len(nonzero)


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex128", "int32"], ids=str)
def test_ties_are_reached(dtype):
    a = reach(arrays(dtype, (4,)), has_nonzero_tie)
    assert has_nonzero_tie(a)
    reach(arrays(dtype, (3, 3)), lambda a: has_nonzero_tie(a) and np.unique(a).size >= 3)


def test_complex_parts_reach_special_values():
    strategy = arrays("complex64", (3,), min_value=-1.0, max_value=4.0)
    reach(strategy, lambda a: ((a.real != 0) & (a.imag == 0)).any())
    reach(strategy, lambda a: (a.imag == 4.0).any())
    reach(strategy, lambda a: (a.real == -1.0).any())
    reach(strategy, lambda a: (np.abs(a.imag) % 1 == 0.5).any())


@pytest.mark.parametrize(
    ("dtype", "shape", "lo", "hi"),
    [
        ("float32", (12,), None, None),
        ("float64", (3, 4), -1.0, 1.0),
        (jnp.bfloat16, (10,), None, None),
        ("float16", (20,), 1.0, 1.03),  # only 31 float16 values in range
        ("complex64", (10,), 1.0, 1.0000005),  # 5 x 5 possible values
        ("int8", (20,), 0, 25),
        ("int8", (10,), 0, 9),  # a permutation
        ("uint16", (30,), None, None),
        ("bool", (2,), None, None),
    ],
    ids=str,
)
def test_unique_arrays_have_no_ties(dtype, shape, lo, hi):
    for a in draw_all(arrays(dtype, shape, min_value=lo, max_value=hi, unique=True), n=25):
        assert a.dtype == np.dtype(dtype)
        assert a.shape == shape
        assert np.unique(a).size == a.size
        if lo is not None:
            assert (parts(a) >= lo).all()
        if hi is not None:
            assert (parts(a) <= hi).all()


@given(arrays("float64", (5,), min_value=-3.0, max_value=2.5))
@settings(DETERMINISTIC, max_examples=200)
def test_many_examples_keep_every_invariant(a):
    assert a.dtype == np.float64
    assert a.shape == (5,)
    assert np.isfinite(a).all()
    assert (a >= -3.0).all()
    assert (a <= 2.5).all()


@given(arrays("float32", (3, 3), min_value=0.0, max_value=1.0), st.integers(0, 8))
@settings(DETERMINISTIC, max_examples=50)
def test_composes_with_other_strategies(a, i):
    assert 0.0 <= float(a.flat[i]) <= 1.0


def test_failures_shrink_to_simple_values():
    assert (find(arrays("float32", (3,)), lambda a: True, settings=SHRINK) == 0).all()
    a = find(arrays("float64", (3,)), lambda a: (a >= 1).any(), settings=SHRINK)
    assert sorted(a.tolist()) == [0.0, 0.0, 1.0]
    b = find(arrays("float32", (2, 2)), has_nonzero_tie, settings=SHRINK)
    assert set(b.ravel().tolist()) <= {0.0, 1.0}


def test_large_arrays_stay_within_bounds():
    for a in draw_all(arrays("float32", (40, 40), min_value=-1.0, max_value=1.0), n=10):
        assert a.shape == (40, 40)
        assert np.isfinite(a).all()
        assert (np.abs(a) <= 1.0).all()


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(np.float32(0.5), np.float64(2)), (jnp.float32(0.5), jnp.array(2)), (np.int8(1), 2),
     (0.5, jnp.bfloat16(2))],
    ids=str,
)
def test_numpy_and_jax_scalars_are_accepted_as_bounds(lo, hi):
    for a in draw_all(arrays("float32", (3,), min_value=lo, max_value=hi), n=20):
        assert ((a >= float(lo)) & (a <= float(hi))).all()


def test_invalid_argument_is_a_type_error():
    assert issubclass(InvalidArgument, TypeError)
    with pytest.raises(TypeError):
        arrays("not-a-dtype", 3)


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        (dict(dtype="float33", shape=3), "unknown dtype 'float33'"),
        (dict(dtype=None, shape=3), "dtype=None"),
        (dict(dtype="U8", shape=3), "unsupported dtype"),
        (dict(dtype=object, shape=3), "unsupported dtype"),
        (dict(dtype="datetime64[s]", shape=3), "unsupported dtype"),
        (dict(dtype="float32", shape=-1), "negative entry -1"),
        (dict(dtype="float32", shape=(2, -3)), "negative entry -3"),
        (dict(dtype="float32", shape=(2.0,)), "non-integer entry 2.0"),
        (dict(dtype="float32", shape=(True, 2)), "non-integer entry True"),
        (dict(dtype="float32", shape="3"), "is not a shape"),
        (dict(dtype="float32", shape=2.5), "is not a shape"),
        (dict(dtype="float32", shape=3, min_value=2.0, max_value=1.0),
         "min_value=2.0 is greater than max_value=1.0"),
        (dict(dtype="int32", shape=3, min_value=5, max_value=-5), "is greater than"),
        (dict(dtype="float32", shape=3, min_value=math.nan), "min_value=nan is not finite"),
        (dict(dtype="float64", shape=3, max_value=math.inf), "max_value=inf is not finite"),
        (dict(dtype="int8", shape=3, min_value=-math.inf), "is not finite"),
        (dict(dtype="float32", shape=3, min_value="0"), "is not a real number"),
        (dict(dtype="complex64", shape=3, max_value=1j), "is not a real number"),
        (dict(dtype="float32", shape=3, max_value=np.array([1.0, 2.0])), "is not a real number"),
        (dict(dtype="float32", shape=3, max_value=True), "max_value=True is not a real number"),
        (dict(dtype="bool", shape=3, min_value=0), "dtype bool"),
        (dict(dtype="bool", shape=3, max_value=True), "dtype bool"),
        (dict(dtype="float32", shape=3, min_value=1e40), "min_value=1e+40 is not representable"),
        (dict(dtype="float16", shape=3, max_value=-7e4), "not representable in float16"),
        (dict(dtype="complex64", shape=3, max_value=1e39), "not representable in float32"),
        (dict(dtype="int8", shape=3, min_value=300), "min_value=300 is not representable"),
        (dict(dtype="uint8", shape=3, min_value=-1), "not representable in uint8"),
        (dict(dtype="float32", shape=3, min_value=0.1, max_value=0.1), "no float32 value lies"),
        (dict(dtype="int32", shape=3, min_value=0.2, max_value=0.8), "no int32 value lies"),
        (dict(dtype="int8", shape=5, min_value=0, max_value=3, unique=True),
         "needs 5 distinct values"),
        (dict(dtype="int8", shape=(300,), unique=True), "has only 256"),
        (dict(dtype="bool", shape=3, unique=True), "needs 3 distinct values"),
        (dict(dtype="float16", shape=40, min_value=1.0, max_value=1.01, unique=True),
         "has only"),
        (dict(dtype="float32", shape=3, unique="yes"), "unique='yes' is not a bool"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_arguments_raise_invalid_argument(kwargs, phrase):
    kwargs = dict(kwargs)
    dtype, shape = kwargs.pop("dtype"), kwargs.pop("shape")
    with pytest.raises(InvalidArgument, match=re.escape(phrase)) as info:
        arrays(dtype, shape, **kwargs)
    message = str(info.value)
    assert any(word in message for word in ("pass", "widen", "drop", "swap", "use")), message


def test_docstring_example_runs():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hypothesis_errors.NonInteractiveExampleWarning)
        for test in finder.find(arrays_module.arrays, globs={"arrays": arrays}):
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 1

