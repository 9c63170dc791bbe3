"""The corpus is what it claims to be, checked with JAX alone (no harness code), in float64.

Mutants: the primal equals the reference's and the derivative at `order` differs from JAX's
derivative of the reference, on some draw, in every listed mode; below `order` the two agree.
Right custom rules: derivatives to `order` equal JAX's derivatives of the plain reference.
"""

from __future__ import annotations

import zlib

import jax
import numpy as np
import pytest
from corpus import CORRECT, MUTANTS, Case

DRAWS = 4
# Relative differences: float64 rounding is about 1e-16, the smallest planted bug about 1e-4.
CLEARLY_WRONG = 1e-6
AGREES = 1e-9

CUSTOM = tuple(case for case in CORRECT if case.reference is not None)


def _ids(cases: tuple[Case, ...]) -> list[str]:
    return [case.name for case in cases]


def _complex_of(dtype: str) -> np.dtype:
    return np.result_type(np.dtype(dtype), np.complex64)


def _cast(args: tuple, dtype: str) -> tuple:
    def leaf(a):
        a = np.asarray(a)
        return a.astype(_complex_of(dtype) if np.iscomplexobj(a) else dtype)

    return jax.tree.map(leaf, args)


def _points(case: Case, dtype: str = "float64") -> list[tuple]:
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    points = [case.make_args(rng, dtype) for _ in range(DRAWS)]
    if case.fixed_args is not None:
        points.append(_cast(case.fixed_args, dtype))
    return points


def _random_like(rng: np.random.Generator, tree):
    """Normal draws shaped like the leaves of `tree` (arrays or shape-dtype structs)."""

    def leaf(a):
        x = rng.standard_normal(a.shape)
        if np.issubdtype(a.dtype, np.complexfloating):
            x = x + 1j * rng.standard_normal(a.shape)
        return x.astype(a.dtype)

    return jax.tree.map(leaf, tree)


def _directions(out, args: tuple, order: int, mode: str, seed: int) -> tuple:
    """Seeded random directions for `_derivative`: tangents in fwd mode, cotangents in rev mode.

    The first cotangent is shaped like fn's output `out` (arrays or shape-dtype structs); a
    nested VJP's output has the arguments' structure. The same seed gives the same directions
    to functions of one signature.
    """
    rng = np.random.default_rng(seed)
    first = args if mode == "fwd" else out
    return (_random_like(rng, first), *(_random_like(rng, args) for _ in range(order - 1)))


def _nested_derivative(fn, mode: str, args: tuple, directions: tuple):
    """The derivative of fn at args of order len(directions): nested jax.jvp or jax.vjp."""
    f = fn
    for d in directions:
        if mode == "fwd":
            f = (lambda g, t: lambda *a: jax.jvp(g, a, t)[1])(f, d)
        else:
            f = (lambda g, c: lambda *a: jax.vjp(g, *a)[1](c))(f, d)
    return f(*args)


_derivative = jax.jit(_nested_derivative, static_argnums=(0, 1))


def _derivatives_differ(case: Case, args: tuple, order: int, mode: str, seed: int, *,
                        scale: float = 1.0) -> float:
    """The relative difference of the case's and its reference's derivatives along one draw
    (its directions times ``scale``)."""
    directions = _directions(jax.eval_shape(case.fn, *args), args, order, mode, seed)
    directions = jax.tree.map(lambda d: d * scale, directions)
    got = _derivative(case.fn, mode, args, directions)
    return _relative_difference(got, _derivative(case.reference, mode, args, directions))


def _relative_difference(got, want) -> float:
    assert jax.tree.structure(got) == jax.tree.structure(want)
    got, want = jax.tree.leaves(got), jax.tree.leaves(want)
    error = max(
        float(np.max(np.abs(np.subtract(g, w)), initial=0)) for g, w in zip(got, want, strict=True)
    )
    scale = max(float(np.max(np.abs(w), initial=0)) for w in want)
    return error / max(scale, 1e-300) if error else 0.0


def _assert_same_primal(case: Case, args: tuple) -> None:
    got, want = jax.jit(case.fn)(*args), jax.jit(case.reference)(*args)
    assert _relative_difference(got, want) < AGREES, f"{case.name}: primal differs at {args}"


def test_corpus_is_large_and_well_formed():
    names = _ids(MUTANTS + CORRECT)
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(MUTANTS) >= 28 and len(CORRECT) >= 36 and len(CUSTOM) >= 10
    for case in MUTANTS + CORRECT:
        assert case.order >= 1 and case.modes and set(case.modes) <= {"fwd", "rev"}, case.name
        assert case.dtypes and set(case.dtypes) <= {"float32", "float64"}, case.name
    for case in MUTANTS:
        assert case.why and case.reference is not None, f"{case.name}: why and reference needed"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", MUTANTS + CORRECT, ids=_ids(MUTANTS + CORRECT))
def test_draws_differ_and_keep_their_dtype(case: Case, dtype: str):
    rng = np.random.default_rng(0)
    first, second = case.make_args(rng, dtype), case.make_args(rng, dtype)
    allowed = {np.dtype(dtype), _complex_of(dtype)}
    assert {np.asarray(a).dtype for a in jax.tree.leaves(first)} <= allowed
    pairs = zip(jax.tree.leaves(first), jax.tree.leaves(second), strict=True)
    assert any(np.any(a != b) for a, b in pairs), f"{case.name}: two draws are equal"
    if dtype == "float32":  # float64 results are checked by the tests below
        with jax.enable_x64(False):
            out = jax.tree.leaves(case.fn(*first))
        assert {np.asarray(y).dtype for y in out} <= allowed, f"{case.name} changes precision"
        assert all(np.all(np.isfinite(y)) for y in out)


@pytest.mark.parametrize("case", MUTANTS, ids=_ids(MUTANTS))
def test_mutant_primal_is_right_and_derivative_is_wrong(case: Case):
    """In the case's widest dtype, along random directions and the same scaled by 1024 (a rule
    that is not linear in its direction may be right along small ones)."""
    worst = dict.fromkeys(case.modes, 0.0)
    dtype = "float64" if "float64" in case.dtypes else "float32"
    agrees = AGREES if dtype == "float64" else 1e-5
    with jax.enable_x64(True):
        for seed, args in enumerate(_points(case, dtype)):
            _assert_same_primal(case, args)
            for mode in case.modes:
                for order in range(1, case.order + 1):
                    difference = max(_derivatives_differ(case, args, order, mode, seed, scale=s)
                                     for s in (1.0, 1024.0))
                    if order < case.order:
                        assert difference < agrees, f"{case.name} already wrong at order {order}"
                    else:
                        worst[mode] = max(worst[mode], difference)
    for mode, difference in worst.items():
        assert difference > CLEARLY_WRONG, f"{case.name} looks right in {mode} mode"


@pytest.mark.parametrize("case", CUSTOM, ids=_ids(CUSTOM))
def test_custom_rule_matches_jax_derivative_of_reference(case: Case):
    with jax.enable_x64(True):
        for seed, args in enumerate(_points(case)):
            _assert_same_primal(case, args)
            for mode in case.modes:
                for order in range(1, case.order + 1):
                    difference = _derivatives_differ(case, args, order, mode, seed)
                    assert difference < AGREES, f"{case.name}: {mode} order {order} at {args}"


PLAIN = tuple(case for case in CORRECT if case.reference is None)


def _traceable(fn, args: tuple) -> bool:
    try:
        jax.eval_shape(fn, *args)
    except jax.errors.ConcretizationTypeError:  # Python control flow on traced values
        return False
    return True


@pytest.mark.parametrize("case", PLAIN, ids=_ids(PLAIN))
def test_plain_function_and_its_derivatives_are_finite_at_its_draws(case: Case):
    """The draws avoid kinks, poles and domain edges up to `order` (custom rules: see above)."""
    with jax.enable_x64(True):
        for seed, args in enumerate(_points(case)):
            out = case.fn(*args)
            assert all(np.all(np.isfinite(y)) for y in jax.tree.leaves(out)), case.name
            derivative = _derivative if _traceable(case.fn, args) else _nested_derivative
            for mode in case.modes:  # the deepest derivative computes the shallower ones
                directions = _directions(out, args, case.order, mode, seed)
                leaves = jax.tree.leaves(derivative(case.fn, mode, args, directions))
                assert all(np.all(np.isfinite(d)) for d in leaves), (case.name, mode)


HOLOMORPHIC = tuple(case for case in CORRECT if case.holomorphic)


@pytest.mark.parametrize("case", HOLOMORPHIC, ids=_ids(HOLOMORPHIC))
def test_holomorphic_case_is_complex_linear(case: Case):
    """f'(z) (i t) = i f'(z) t in forward mode; the cotangent i c gives i times the VJP of c."""
    with jax.enable_x64(True):
        for seed, args in enumerate(_points(case)):
            rng = np.random.default_rng(seed)
            if "fwd" in case.modes:
                t = _random_like(rng, args)
                it = jax.tree.map(lambda v: 1j * v, t)
                lhs, rhs = jax.jvp(case.fn, args, it)[1], 1j * jax.jvp(case.fn, args, t)[1]
            else:
                out, pullback = jax.vjp(case.fn, *args)
                c = _random_like(rng, out)
                lhs, rhs = pullback(1j * c), jax.tree.map(lambda v: 1j * v, pullback(c))
            assert _relative_difference(lhs, rhs) < AGREES
