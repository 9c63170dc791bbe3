"""Tests of the catalog's contents and of ``Entry``: validation, examples, families, domains.

harness.search over the whole catalog runs in suites/test_catalog.py, not here.
"""

from __future__ import annotations

import doctest
import inspect
import re
import warnings

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import errors as hypothesis_errors

import harness.catalog as catalog
from harness._errors import InvalidArgument
from harness.catalog import ENTRIES, FAMILIES, Entry, KnownBug, _arguments, _entry, _seeds
from harness.strategies import bounded

BY_NAME = {entry.name: entry for entry in ENTRIES}

# What the catalog must cover, family by family.
REQUIRED = {
    "elementwise": ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh",
                    "tanh", "arcsinh", "arccosh", "arctanh", "exp", "expm1", "exp2", "log",
                    "log1p", "log2", "log10", "logaddexp", "square", "sqrt", "cbrt",
                    "reciprocal", "cube", "power_2_5", "power", "abs", "erf", "erfc", "erfinv",
                    "gammaln", "digamma", "xlogy", "sinc", "i0e", "i1e"],
    "reductions": ["sum", "prod", "mean", "var", "max", "logsumexp", "cumsum", "cumprod",
                   "cumlogsumexp", "sort", "norm"],
    "linalg": ["matmul", "solve", "inv", "det", "slogdet", "cholesky", "qr", "eigh", "svd",
               "expm", "solve_triangular"],
    "nn": ["softmax", "log_softmax", "gelu", "gelu_exact", "softplus", "sigmoid", "silu", "relu",
           "elu", "nn.logsumexp"],
    "control_flow": ["cond", "switch", "scan", "fori_loop", "while_loop", "checkpoint", "map"],
}

# Functions of _seeds that build derivative programs rather than being checked themselves.
SEED_HELPERS = {"hessian", "vgrad", "our_jacrev", "our_jacfwd"}


def leaves_of(args):
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(args)]


# ---- the catalog's contents ------------------------------------------------------------------

def test_names_are_unique():
    names = [entry.name for entry in ENTRIES]
    assert len(names) == len(set(names))


def test_there_are_at_least_80_entries():
    assert len(ENTRIES) >= 80


def test_entries_are_the_families_gathered():
    assert [e.name for f in FAMILIES.values() for e in f] == [e.name for e in ENTRIES]
    assert all(FAMILIES.values())


@pytest.mark.parametrize("family", sorted(REQUIRED))
def test_each_family_holds_its_functions(family):
    names = {entry.name for entry in FAMILIES[family]}
    assert set(REQUIRED[family]) <= names


def test_the_custom_rules_cover_jvp_vjp_pytrees_and_nondiff_arguments():
    names = {entry.name for entry in FAMILIES["custom_rules"]}
    assert {"custom_jvp.integer_power", "custom_jvp.affine_tanh", "custom_vjp.tree_tanh",
            "custom_vjp.scaled_tanh"} <= names
    for entry in FAMILIES["custom_rules"]:
        is_vjp = isinstance(entry.fn, jax.custom_vjp)
        assert isinstance(entry.fn, (jax.custom_jvp, jax.custom_vjp)), entry.name
        assert entry.forward_mode is not is_vjp, entry.name


def test_the_complex_family_has_holomorphic_and_other_functions():
    family = FAMILIES["complex"]
    assert all(set(e.dtypes) <= {"complex64", "complex128"} for e in family)
    holomorphic = {e.name for e in family if e.holomorphic}
    assert {"complex.exp", "complex.sin", "complex.log", "complex.sqrt",
            "complex.matmul"} <= holomorphic
    assert {"complex.conj", "complex.real", "complex.squared_modulus"} <= {
        e.name for e in family if not e.holomorphic}


def test_every_seed_function_is_in_the_catalog():
    functions = {name for name, value in vars(_seeds).items()
                 if inspect.isfunction(value) and value.__module__ == _seeds.__name__}
    used = {entry.fn.__name__ for entry in ENTRIES if getattr(entry.fn, "__module__", "")
            == _seeds.__name__}
    assert functions - SEED_HELPERS <= used


def test_while_loop_is_forward_only_and_python_control_flow_is_eager():
    assert BY_NAME["while_loop"].modes() == ("fwd",)
    assert BY_NAME["custom_vjp.log1pexp"].modes() == ("rev",)
    assert {e.name for e in ENTRIES if e.eager} == {
        "seed.piecewise", "seed.piecewise_negative", "seed.piecewise_try"}


def test_expected_failures_say_what_jax_gets_wrong_and_in_which_version():
    marked = {e.name: e.xfail for e in ENTRIES if e.xfail}
    assert set(marked) == {"sinc_near_zero", "log_ndtr_far_left"}
    for reasons in marked.values():
        for reason in reasons.values():
            why = reason.why if isinstance(reason, KnownBug) else reason
            assert why.startswith("why: ") and "JAX 0.10.2" in why


def test_a_known_bug_marks_its_properties_only_while_its_probe_finds_it():
    fixed = KnownBug("why: fixed in this JAX", lambda: False)
    live = KnownBug("why: still there", lambda: True)
    broken_probe = KnownBug("why: the probe cannot run", lambda: 1 / 0)
    for bug, expected in ((fixed, None), (live, "why: still there"),
                          (broken_probe, "why: the probe cannot run")):
        entry = Entry("ok", jnp.sin, one_vector, xfail={"*": bug})
        assert entry.expected_failure("jvp_matches_oracle", oracle=True) == expected
        assert entry.expected_failure("jacfwd_matches_jacrev", oracle=False) is None
        assert entry.derivative_is_wrong() is (expected is not None)


def test_the_catalog_probes_run_on_this_jax():
    """Each probe runs here without raising (a raising probe would count as the bug being
    there, silently) and answers with a bool. (The suite cross-checks the answers: a probe
    that finds a fixed bug makes the entry's strict xfails pass unexpectedly, one that misses a
    live bug makes its properties fail.)"""
    for name in ("sinc_near_zero", "log_ndtr_far_left"):
        bug = BY_NAME[name].xfail["*"]
        assert isinstance(bug, KnownBug) and isinstance(bug.probe(), bool)


def test_every_entry_says_what_its_domain_is():
    assert [e.name for e in ENTRIES if not e.domain] == []


# ---- examples --------------------------------------------------------------------------------

CASES = [pytest.param(entry, dtype, id=f"{entry.name}-{dtype}")
         for entry in ENTRIES for dtype in entry.dtypes]


@pytest.mark.parametrize(("entry", "dtype"), CASES)
def test_example_draws_a_point_in_the_dtype(entry, dtype):
    args = entry.example(dtype)
    assert isinstance(args, tuple) and len(args) == len(entry.arguments(dtype))
    assert np.dtype(dtype) in {leaf.dtype for leaf in leaves_of(args)}


def test_example_is_deterministic():
    entry = BY_NAME["eigh"]
    first, second = entry.example("float64"), entry.example("float64")
    np.testing.assert_array_equal(first[0], second[0])


def eigenvalue_gaps(a):
    return np.diff(np.linalg.eigvalsh(a.astype(np.complex128)))


# Domain facts that can be checked on a point, per entry: each takes the example's arguments.
DOMAINS = {
    "log": lambda x: np.all(x > 0),
    "log1p": lambda x: np.all(x > -1),
    "arcsin": lambda x: np.all(np.abs(x) < 1),
    "arctanh": lambda x: np.all(np.abs(x) < 1),
    "arccosh": lambda x: np.all(x > 1),
    "logit": lambda x: np.all((x > 0) & (x < 1)),
    "tan": lambda x: np.all(np.abs(np.cos(x.astype(np.float64))) > 0.09),
    "abs": lambda x: np.all(np.abs(x) >= 0.05),
    "relu": lambda x: np.all(np.abs(x) >= 0.05),
    "hard_tanh": lambda x: np.all(np.abs(np.abs(x) - 1) >= 0.05),
    "max": lambda x: len(set(x.tolist())) == x.size,
    "sort": lambda x: len(set(x.tolist())) == x.size,
    "norm": lambda x: np.linalg.norm(x) >= 0.5,
    "power": lambda x, y: np.all(x > 0),
    "solve": lambda a, b: np.all(np.linalg.eigvalsh(a.astype(np.float64)) > 0),
    "cholesky": lambda a: np.all(np.linalg.eigvalsh(a.astype(np.float64)) > 0),
    "inv": lambda a: np.linalg.cond(a.astype(np.complex128)) <= 10.01,
    "eigh": lambda a: np.all(eigenvalue_gaps(a) >= 0.5),
    "svd": lambda a: np.all(np.abs(np.diff(np.linalg.svd(a.astype(np.complex128),
                                                         compute_uv=False))) >= 0.5),
    "complex.log": lambda z: np.all((z.real > 0) | (np.abs(z.imag) >= 0.1)),
    "complex.arcsin": lambda z: np.all((np.abs(z.real) < 1) | (np.abs(z.imag) >= 0.1)),
    "complex.abs": lambda z: np.all(np.abs(z) >= 0.1),
}


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_the_example_lies_in_the_domain(name):
    entry = BY_NAME[name]
    for dtype in entry.dtypes:
        assert DOMAINS[name](*entry.example(dtype)), (name, dtype)


# ---- Entry validation ------------------------------------------------------------------------

def one_vector(dtype):
    return (bounded(dtype, (3,), -1.0, 1.0),)


BAD_FIELDS = [
    (dict(name=""), "catalog entry name='' must be a non-empty str"),
    (dict(fn=3), "catalog entry 'bad': fn=3 is not callable"),
    (dict(arguments=(1,)), "catalog entry 'bad': arguments=(1,) is not callable"),
    (dict(dtypes="float32"), "catalog entry 'bad': dtypes='float32' must be a non-empty tuple"),
    (dict(dtypes=()), "catalog entry 'bad': dtypes=() must be a non-empty tuple"),
    (dict(dtypes=("float32", "float33")), "catalog entry 'bad': unknown dtype 'float33'"),
    (dict(order=0), "catalog entry 'bad': order=0 must be an int from 1 to 3"),
    (dict(order=4), "catalog entry 'bad': order=4 must be an int from 1 to 3"),
    (dict(order=True), "catalog entry 'bad': order=True must be an int from 1 to 3"),
    (dict(holomorphic=True), "catalog entry 'bad': holomorphic=True needs complex dtypes"),
    (dict(eager="yes"), "catalog entry 'bad': eager='yes' must be a bool"),
    (dict(forward_mode=False, reverse_mode=False),
     "catalog entry 'bad': forward_mode and reverse_mode are both False"),
    (dict(xfail={"*": ""}), "catalog entry 'bad': xfail={'*': ''} must map property names"),
    (dict(xfail={1: "why"}), "catalog entry 'bad': xfail={1: 'why'} must map property names"),
    (dict(xfail=["*"]), "catalog entry 'bad': xfail=['*'] must map property names"),
    (dict(kinks=None), "catalog entry 'bad': kinks=None must be a str"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_FIELDS, ids=[m[22:70] for _, m in BAD_FIELDS])
def test_entry_rejects_bad_fields_naming_the_entry(fields, message):
    options = dict(name="bad", fn=jnp.sin, arguments=one_vector) | fields
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        Entry(**options)


def test_a_valid_entry_with_an_xfail_is_accepted():
    entry = Entry("ok", jnp.sin, one_vector, xfail={"*": "why: nothing, this is a test"})
    assert entry.modes() == ("fwd", "rev")


def fails_while_drawing(dtype):
    def broken(x):
        raise ValueError("no such point")

    return (bounded(dtype, (), 0.0, 1.0).map(broken),)


BAD_ARGUMENTS = [
    (lambda dtype: (bounded(dtype, (), 3.0, 1.0),),
     "catalog entry 'impossible' in float32: arguments('float32') raised InvalidArgument: "
     "bounded: low=3.0 must be below high=1.0"),
    (lambda dtype: bounded(dtype, (), 0.0, 1.0),
     "catalog entry 'impossible' in float32: arguments('float32') returned"),
    (lambda dtype: (np.zeros(3, dtype),),
     "catalog entry 'impossible' in float32: arguments('float32')[0] is a ndarray, not a "
     "Hypothesis strategy"),
    (lambda dtype: one_vector(dtype) * 2,
     "catalog entry 'impossible' in float32: arguments gives 2 strategies, which do not fit"),
    (lambda dtype: (st.nothing(),),
     "catalog entry 'impossible' in float32: arguments('float32') draws nothing"),
    (fails_while_drawing,
     "catalog entry 'impossible' in float32: drawing from arguments('float32') raised "
     "ValueError: no such point"),
]


@pytest.mark.parametrize(("make", "message"), BAD_ARGUMENTS,
                         ids=["raises", "not_a_tuple", "not_a_strategy", "too_many", "nothing",
                              "fails_drawing"])
def test_example_names_the_entry_when_its_arguments_are_impossible(make, message):
    entry = Entry("impossible", lambda x: jnp.sin(x), make, ("float32",))
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        entry.example("float32")


# ---- documentation ---------------------------------------------------------------------------

def test_the_docstring_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hypothesis_errors.NonInteractiveExampleWarning)
        for module in (catalog, _entry, _arguments):
            for test in finder.find(module, globs=vars(module).copy()):
                runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 3
