"""Tests for the domain, matrix, dtype, shape and pytree strategies of harness.strategies."""

from __future__ import annotations

import doctest
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import errors as hypothesis_errors

import harness.strategies as hs
from harness._errors import InvalidArgument
from harness.strategies import (
    _complex_domains,
    _domains,
    _dtypes,
    _matrices,
    _pytrees,
)
from harness.strategies._complex_domains import distance_to_cut

DETERMINISTIC = settings(database=None, derandomize=True, deadline=None, max_examples=30,
                         phases=[Phase.explicit, Phase.generate])

REAL = ["float32", "float64", "bfloat16"]
COMPLEX = ["complex64", "complex128"]
MATRIX_DTYPES = ["float32", "float64", "complex64", "complex128"]


def every_draw(strategy, check, n=30):
    """Run ``check`` on ``n`` deterministic draws of ``strategy``."""

    @settings(DETERMINISTIC, max_examples=n)
    @given(strategy)
    def run(value):
        check(value)

    run()


def wide(a):
    return np.asarray(a).astype(np.complex128 if np.asarray(a).dtype.kind == "c" else np.float64)


# ---- public API ------------------------------------------------------------------------------

def test_the_namespace_exports_exactly_its_all():
    public = {name for name in dir(hs) if name.isidentifier() and not name.startswith("_")}
    assert public == set(hs.__all__)


def test_the_docstring_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hypothesis_errors.NonInteractiveExampleWarning)
        for module in (_dtypes, _domains, _complex_domains, _matrices, _pytrees):
            for test in finder.find(module, globs=vars(module).copy()):
                runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 14


# ---- dtypes and shapes ---------------------------------------------------------------------

@pytest.mark.parametrize(("options", "allowed"), [
    ({}, {"float32", "float64"}),
    ({"real": False, "complex": True}, {"complex64", "complex128"}),
    ({"complex": True, "bfloat16": True},
     {"float32", "float64", "complex64", "complex128", "bfloat16"}),
], ids=["default", "complex", "all"])
def test_dtypes_draws_only_the_names_asked_for(options, allowed):
    seen = set()
    every_draw(hs.dtypes(**options), lambda name: seen.add(name) or None, n=60)
    assert seen == allowed


def test_shapes_stay_within_their_bounds():
    def check(shape):
        assert 1 <= len(shape) <= 3
        assert all(2 <= side <= 3 for side in shape)

    every_draw(hs.shapes(min_dims=1, max_dims=3, min_side=2, max_side=3), check)


# ---- real domains ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", REAL)
def test_real_line_respects_its_magnitude_cap(dtype):
    def check(x):
        assert x.dtype == np.dtype(dtype) and x.shape == (4,)
        assert np.all(np.abs(wide(x)) <= 2.5)

    every_draw(hs.real_line(dtype, (4,), max_magnitude=2.5), check)


@pytest.mark.parametrize("dtype", REAL)
def test_positive_draws_inside_its_bounds(dtype):
    every_draw(hs.positive(dtype, (3,), min_value=1e-3, max_value=50.0),
               lambda x: np.testing.assert_array_equal((wide(x) >= 1e-3) & (wide(x) <= 50), True))
    every_draw(hs.positive(dtype, (3,)), lambda x: np.testing.assert_array_less(0, wide(x)))


@pytest.mark.parametrize("dtype", REAL)
def test_bounded_draws_inside_the_interval(dtype):
    every_draw(hs.bounded(dtype, (2, 2), -0.5, 3.0),
               lambda x: np.testing.assert_array_equal((wide(x) >= -0.5) & (wide(x) <= 3), True))


@pytest.mark.parametrize("dtype", REAL)
def test_unit_interval_keeps_its_margin_from_both_ends(dtype):
    every_draw(hs.unit_interval(dtype, (5,), margin=0.05),
               lambda x: np.testing.assert_array_equal(
                   (wide(x) >= 0.05) & (wide(x) <= 0.95), True))


@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize(("kinks", "low", "high"), [
    ([0.0], None, None), ([-1.0, 0.0, 2.0], -3.0, 3.0), (1.0, 0.0, None)])
def test_away_from_keeps_every_element_off_every_kink(dtype, kinks, low, high):
    margin = 0.25
    points = np.atleast_1d(kinks)

    def check(x):
        assert x.dtype == np.dtype(dtype) and x.shape == (6,)
        distance = np.abs(wide(x)[:, None] - points[None, :]).min(axis=1)
        assert np.all(distance >= margin)
        assert low is None or np.all(wide(x) >= low)
        assert high is None or np.all(wide(x) <= high)

    every_draw(hs.away_from(dtype, (6,), kinks, margin=margin, low=low, high=high), check)


def test_away_from_reaches_every_piece_and_the_points_at_the_margin():
    seen = set()
    every_draw(hs.away_from("float64", (4,), [-1.0, 1.0], margin=0.5, low=-2, high=2),
               lambda x: seen.update(np.sign(np.round(x)).tolist() + x.tolist()), n=80)
    assert {-1.0, 0.0, 1.0} <= seen  # the three pieces
    assert {-1.5, -0.5, 0.5, 1.5} & seen  # exactly margin away from a kink


def test_away_from_unique_draws_distinct_elements():
    every_draw(hs.away_from("float32", (6,), [0.0], margin=0.1, low=-1, high=1, unique=True),
               lambda x: np.testing.assert_equal(len(set(x.tolist())), 6))


# ---- complex domains -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
def test_complex_plane_stays_in_its_disk(dtype):
    def check(z):
        assert z.dtype == np.dtype(dtype) and z.shape == (5,)
        assert np.all(np.abs(wide(z)) <= 2.0)

    every_draw(hs.complex_plane(dtype, (5,), radius=2.0), check)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("cut", sorted(hs.BRANCH_CUTS))
def test_away_from_branch_cuts_keeps_its_margin(dtype, cut):
    margin = 0.1

    def check(z):
        assert z.dtype == np.dtype(dtype) and z.shape == (6,)
        assert np.all(distance_to_cut(z, cut) >= margin)
        assert np.all(np.abs(wide(z)) <= 3.0 + margin)

    every_draw(hs.away_from_branch_cuts(dtype, (6,), cut=cut, margin=margin, radius=3.0), check)


@pytest.mark.parametrize(("z", "cut", "distance"), [
    (-2.0 + 0.0j, "negative_real", 0.0), (-2.0 + 0.5j, "negative_real", 0.5),
    (3.0 + 4.0j, "negative_real", 5.0), (0.5 + 0.0j, "outside_unit_interval", 0.5),
    (0.0 + 3.0j, "outside_unit_imaginary", 0.0),
    (0.5 + 0.0j, "outside_unit_imaginary", 1.25**0.5),
], ids=["on", "above", "away", "between", "imaginary_on", "imaginary_off"])
def test_distance_to_cut_is_the_euclidean_distance(z, cut, distance):
    assert distance_to_cut(np.array([z]), cut)[0] == pytest.approx(distance)


def test_points_on_a_cut_go_to_the_side_of_their_signed_zero():
    on_cut = np.array([complex(-1.0, 0.0), complex(-1.0, -0.0), 0j], dtype=np.complex64)
    moved = _complex_domains._off_cut(on_cut, hs.BRANCH_CUTS["negative_real"], 0.1)
    assert moved[0].imag >= 0.1 and moved[1].imag <= -0.1 and abs(moved[2]) >= 0.1
    assert moved.real[:2].tolist() == [-1.0, -1.0]


# ---- matrix domains --------------------------------------------------------------------------

def tolerance(dtype):
    return 64 * float(jnp.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", MATRIX_DTYPES)
def test_spd_matrices_are_hermitian_positive_definite_and_well_conditioned(dtype):
    def check(a):
        assert a.dtype == np.dtype(dtype) and a.shape == (2, 3, 3)
        np.testing.assert_array_equal(a, np.conj(np.swapaxes(a, -1, -2)))
        values = np.linalg.eigvalsh(wide(a))
        assert np.all(values > 0)
        assert np.all(values[..., -1] / values[..., 0] <= 5.0 * (1 + tolerance(dtype)))

    every_draw(hs.spd_matrices(dtype, 3, batch=(2,), max_condition=5.0), check)


@pytest.mark.parametrize("dtype", MATRIX_DTYPES)
def test_orthogonal_matrices_are_orthogonal(dtype):
    def check(q):
        assert q.dtype == np.dtype(dtype) and q.shape == (4, 4)
        w = wide(q)
        np.testing.assert_allclose(np.conj(w.T) @ w, np.eye(4), atol=tolerance(dtype))

    every_draw(hs.orthogonal_matrices(dtype, 4), check)


@pytest.mark.parametrize("dtype", MATRIX_DTYPES)
def test_well_conditioned_matrices_have_a_bounded_condition_number(dtype):
    signs = set()

    def check(a):
        assert a.dtype == np.dtype(dtype) and a.shape == (3, 3)
        assert np.linalg.cond(wide(a)) <= 4.0 * (1 + tolerance(dtype))
        signs.add(bool(np.linalg.det(wide(a)).real > 0))

    every_draw(hs.well_conditioned_matrices(dtype, 3, max_condition=4.0), check)
    if dtype in ("float32", "float64"):
        assert signs == {True, False}


@pytest.mark.parametrize("dtype", MATRIX_DTYPES)
def test_symmetric_distinct_eigenvalues_are_gap_apart(dtype):
    def check(a):
        assert a.dtype == np.dtype(dtype) and a.shape == (2, 4, 4)
        np.testing.assert_array_equal(a, np.conj(np.swapaxes(a, -1, -2)))
        assert np.all(np.diff(np.linalg.eigvalsh(wide(a)), axis=-1) >= 0.3)

    every_draw(hs.symmetric_distinct_eigenvalues(dtype, 4, gap=0.3, batch=(2,)), check)


@pytest.mark.parametrize("dtype", MATRIX_DTYPES)
@pytest.mark.parametrize(("m", "n"), [(3, 3), (4, 2), (2, 3)])
def test_distinct_singular_values_are_positive_and_gap_apart(dtype, m, n):
    def check(a):
        assert a.dtype == np.dtype(dtype) and a.shape == (m, n)
        s = np.linalg.svd(wide(a), compute_uv=False)
        assert s.min() >= 0.2
        assert np.all(-np.diff(s) >= 0.2)

    every_draw(hs.distinct_singular_values(dtype, m, n, gap=0.2), check)


# ---- pytrees, tangents and cotangents --------------------------------------------------------

def test_pytrees_nest_containers_up_to_max_leaves():
    kinds = set()

    def check(tree):
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        assert 1 <= len(leaves) <= 3
        assert all(leaf.shape == (2,) for leaf in leaves)
        kinds.add(type(tree).__name__)

    every_draw(hs.pytrees(hs.arrays("float32", (2,)), max_leaves=3), check, n=60)
    assert {"ndarray", "list", "tuple", "dict"} <= kinds


PRIMALS = {
    "w": np.zeros((2, 3), np.float32),
    "z": [np.zeros(2, np.complex128), np.zeros((), jnp.bfloat16)],
    "n": (np.arange(3, dtype=np.int32), np.array([True, False])),
}


@pytest.mark.parametrize("strategy", [hs.tangents, hs.cotangents])
def test_tangents_follow_the_tree_and_jax_dtype_rules(strategy):
    expected = {"w": np.float32, "z": [np.complex128, jnp.bfloat16],
                "n": (jax.dtypes.float0, jax.dtypes.float0)}

    def check(tree):
        assert jax.tree_util.tree_structure(tree) == jax.tree_util.tree_structure(PRIMALS)
        for t, p, dt in zip(jax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(PRIMALS),
                            jax.tree_util.tree_leaves(expected)):
            assert t.shape == p.shape and t.dtype == np.dtype(dt)
            if t.dtype != jax.dtypes.float0:
                assert np.all(np.abs(wide(t)) <= 10.0 * 2**0.5)

    every_draw(strategy(PRIMALS), check)


def test_tangents_are_accepted_by_jax_jvp():
    primals = (np.ones(3, np.float32), np.int32(2))
    f = lambda x, k: x * k

    every_draw(hs.tangents(primals), lambda t: jax.jvp(f, primals, t), n=5)


def test_cotangents_of_eval_shape_are_accepted_by_the_pullback():
    x = np.ones(3, np.float32)
    f = lambda x: (jnp.sin(x), jnp.argmax(x))
    _, pullback = jax.vjp(f, x)

    every_draw(hs.cotangents(jax.eval_shape(f, x)), lambda c: pullback(c), n=5)


# ---- impossible domains and bad arguments ----------------------------------------------------

BAD = [
    (lambda: hs.bounded("float32", (), 3, 1), "bounded: low=3 must be below high=1"),
    (lambda: hs.bounded("float32", (), 1.0, float("nan")), "high=nan is not finite"),
    (lambda: hs.positive("float32", min_value=0.0), "positive: min_value=0.0 must be above 0"),
    (lambda: hs.positive("float32", min_value=2.0, max_value=1.0),
     "max_value=1.0 must be above min_value=2.0"),
    (lambda: hs.unit_interval("float32", margin=0.5), "margin=0.5 must be in (0, 0.5)"),
    (lambda: hs.real_line("float32", max_magnitude=-1), "max_magnitude=-1 must be positive"),
    (lambda: hs.away_from("float32", (), [0.0], margin=2.0, low=-1.0, high=1.0),
     "margin=2.0 around the kinks [0.0] leaves no float32 value inside [low=-1.0, high=1.0]"),
    (lambda: hs.away_from("float32", (), [], margin=0.1), "kinks=[] must be a number or"),
    (lambda: hs.away_from("float32", (), [0.0], margin=0.0), "margin=0.0 must be positive"),
    (lambda: hs.complex_plane("float32"),
     "complex_plane draws complex numbers, but dtype='float32' is real"),
    (lambda: hs.away_from_branch_cuts("float64", cut="negative_real"),
     "away_from_branch_cuts draws complex numbers, but dtype='float64' is real"),
    (lambda: hs.away_from_branch_cuts("complex64", cut="positive_real"),
     "unknown cut='positive_real'; pass one of 'negative_real'"),
    (lambda: hs.away_from_branch_cuts("complex64", cut="outside_unit_interval", margin=1.0),
     "margin=1.0 for cut='outside_unit_interval' must be positive and below 1"),
    (lambda: hs.complex_plane("complex64", radius=0), "radius=0 must be positive"),
    (lambda: hs.positive("complex64"), "positive draws real numbers, but dtype='complex64'"),
    (lambda: hs.real_line("float33"), "real_line: unknown dtype 'float33'; pass one of"),
    (lambda: hs.bounded("int32", (), 0, 1), "bounded: unknown dtype 'int32'"),
    (lambda: hs.spd_matrices("float32", 0), "spd_matrices: n=0 must be an int >= 1"),
    (lambda: hs.spd_matrices("float32", 3, max_condition=1.0), "max_condition=1.0 must be above 1"),
    (lambda: hs.orthogonal_matrices("float32", 3, batch=(-1,)), "batch=(-1,) must be a tuple"),
    (lambda: hs.symmetric_distinct_eigenvalues("float32", 3, gap=0.0), "gap=0.0 must be positive"),
    (lambda: hs.distinct_singular_values("float32", 2, 0, gap=0.1), "n=0 must be an int >= 1"),
    (lambda: hs.dtypes(real=False), "real, complex and bfloat16 are all False"),
    (lambda: hs.shapes(min_side=3, max_side=2), "min_side=3 is above max_side=2"),
    (lambda: hs.pytrees(np.zeros(2)), "is not a Hypothesis strategy"),
    (lambda: hs.pytrees(hs.arrays("float32", ()), max_leaves=0), "max_leaves=0 must be an int"),
    (lambda: hs.tangents(["a string"]), "the leaf 'a string' is not an array"),
    (lambda: hs.cotangents(np.zeros(2), max_magnitude=0),
     "max_magnitude=0 must be a positive finite number"),
]


@pytest.mark.parametrize(("make", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_impossible_or_bad_arguments_raise_invalid_argument(make, message):
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        make()
