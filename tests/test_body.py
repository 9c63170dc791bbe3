"""The body of right functions (tests/body): it covers every public function of the modules it
claims, each entry draws points of its domain, its known JAX bugs are probed, and a sample of
it passes the checker (the whole body is measured by ``python tests/body/measure.py``)."""

from __future__ import annotations

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
