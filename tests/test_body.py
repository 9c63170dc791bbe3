"""The body of right functions (tests/body): it covers every public function of the modules it
claims, each entry draws points of its domain, its known JAX bugs are probed, and a sample of
it passes the checker (the whole body is measured by ``python tests/body/measure.py``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest
from body import BODY, LEFT_OUT, public_functions
from body import _jax_bugs as jax_bugs

import harness
from harness.catalog import KnownBug

BY_NAME = {e.name: e for e in BODY}
KNOWN_BUGS = {name: bug for name, bug in vars(jax_bugs).items() if isinstance(bug, KnownBug)}
# A sample across the modules and kinds of function, checked at each entry's first point.
SAMPLE = ("jnp.tanh", "jnp.arccosh", "jnp.maximum", "jnp.mod", "jnp.median", "jnp.cumprod",
          "jnp.polyval", "jnp.interp", "nn.softplus", "nn.relu6", "special.erfinv",
          "special.xlog1py", "jnp.linalg.slogdet", "scipy.linalg.lu", "jnp.fft.rfft",
          "special.spence")


def _function(name: str) -> str:
    return name.split("[")[0]


def test_every_public_function_is_in_the_body_or_left_out_with_a_reason():
    public = public_functions()
    covered = {_function(e.name) for e in BODY}
    missing = sorted(set(public) - covered - set(LEFT_OUT))
    assert not missing, f"neither in tests/body nor in its LEFT_OUT: {missing}"
    assert not covered & set(LEFT_OUT), sorted(covered & set(LEFT_OUT))
    unknown = sorted((covered | set(LEFT_OUT)) - set(public))
    assert not unknown, f"not public functions of the running JAX: {unknown}"
    assert all(why.strip() for why in LEFT_OUT.values())


def test_the_body_names_are_unique():
    assert len(BY_NAME) == len(BODY)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_entry_draws_distinct_points_of_its_domain(dtype):
    for entry in BODY:
        own = dtype if dtype in entry.dtypes else {"float32": "complex64",
                                                   "float64": "complex128"}[dtype]
        if own not in entry.dtypes:
            continue
        points = entry.points(own, 2)
        assert 1 <= len(points) <= 2, entry.name


@pytest.mark.parametrize("name", sorted(KNOWN_BUGS))
def test_each_known_bug_probe_answers(name):
    """A probe answers True or False without raising (KnownBug reads a raise as present)."""
    assert isinstance(KNOWN_BUGS[name].probe(), bool)


@pytest.mark.parametrize("name", SAMPLE)
def test_a_sample_of_the_body_passes_or_fails_only_by_a_known_bug(name):
    entry = BY_NAME[name]
    args = entry.example("float64")
    report = harness.check(entry.checked_fn, args, order=entry.order, modes=entry.modes(),
                           seed=0)
    if entry.derivative_is_wrong() and report.verdict == "failed":
        return
    assert report.verdict == "passed", str(report)


def _second(fn):
    return jax.grad(jax.grad(fn))


def _mixed(fn):
    return lambda x, y: jax.hessian(lambda v: fn(v[0], v[1]))(jnp.stack([x, y]))[1, 0]


# Where each known bug says it shows (``shows_at``), checked against the truth: inside, AD's
# relative error is over 100 eps of its dtype; outside, under. (bug, AD's derivative, dtype,
# args inside, the derivative there, args outside, the derivative there); the derivatives
# are mpmath's at 50 digits (and -1 / y for rel_entr's mixed derivative).
REGIONS = [
    ("BESSEL_I0_NEAR_ZERO", jax.grad(jsp.i0), "float64",
     (1e-3,), 0.0005000000625000026, (0.03,), 0.015001687563282437),
    ("BESSEL_I1_NEAR_ZERO", _second(jsp.i1), "float64",
     (0.03,), 0.011251406305372162, (1.0,), 0.42941143422544675),
    ("TRIGAMMA_NEGATIVE", jax.grad(jsp.digamma), "float64",
     (-5.5,), 9.7033198653394004, (-4.5,), 9.670262014099731),
    ("TRIGAMMA_NEGATIVE", jax.grad(jsp.digamma), "float32",
     (-8.5,), 9.7586071126202596, (-7.5,), 9.7447662821704326),
    ("LOG_NDTR_FAR_LEFT", jax.grad(jsp.log_ndtr), "float64",
     (-20.01,), 20.059728448042081, (-5.0,), 5.1865039671258421),
    ("LOG_NDTR_FAR_LEFT", jax.grad(jsp.log_ndtr), "float32",
     (-28.0,), 28.035623753469084, (-5.0,), 5.1865039671258421),
    ("BOXCOX_LAMBDA_NEAR_ZERO", jax.grad(jsp.boxcox1p, 1), "float64",
     (4.0, 1e-4), 1.2952841690962924, (4.0, 0.1), 1.4428682878894061),
    ("BOXCOX_LAMBDA_NEAR_ZERO", jax.grad(jsp.boxcox1p, 1), "float32",
     (4.0, 1e-4), 1.2952841690927814, (4.0, 0.1), 1.4428682902269153),
    ("HYPOT_HESSIAN_AT_TIE", _second(lambda x: jnp.hypot(x, 1.0)), "float64",
     (1.0,), 0.5 ** 1.5, (2.0,), 5.0 ** -1.5),
    ("REL_ENTR_SECOND_DERIVATIVE_TINY_Y", _mixed(jsp.rel_entr), "float64",
     (1.0, 1e-160), -1e160, (1.0, 1e-150), -1e150),
    ("REL_ENTR_SECOND_DERIVATIVE_TINY_Y", _mixed(jsp.rel_entr), "float32",
     (1.0, 1e-20), -1e20, (1.0, 1e-18), -1e18),
]


@pytest.mark.parametrize(("name", "derivative", "dtype", "inside", "truth_inside", "outside",
                          "truth_outside"), REGIONS,
                         ids=[f"{r[0]}-{r[2]}" for r in REGIONS])
def test_a_known_bug_shows_where_it_says(name, derivative, dtype, inside, truth_inside,
                                         outside, truth_outside):
    """The measurement excuses a non-pass of a function with a known bug only at the draws
    where the bug shows: the region must be where AD is wrong, and only there."""
    bug = KNOWN_BUGS[name]
    as_args = lambda values: tuple(np.asarray(v, dtype) for v in values)  # noqa: E731
    if name == "HYPOT_HESSIAN_AT_TIE":  # hypot(x, 1): the tie is at |x| == 1
        assert bug.shows_at(*as_args((inside[0], 1.0)))
        assert not bug.shows_at(*as_args((outside[0], 1.0)))
    else:
        assert bug.shows_at(*as_args(inside)) and not bug.shows_at(*as_args(outside))
    eps = float(np.finfo(dtype).eps)
    with jax.enable_x64(dtype == "float64"):
        got_inside = float(derivative(*as_args(inside)))
        got_outside = float(derivative(*as_args(outside)))
    assert abs(got_outside / truth_outside - 1) < 100 * eps, got_outside
    if bug.present():
        assert not abs(got_inside / truth_inside - 1) < 100 * eps, got_inside
