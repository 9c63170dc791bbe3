"""Complex differentiation: holomorphic gradients, Cauchy-Riemann, and JAX's conventions.

JAX's conventions, for ``z = x + i y``: the JVP of a C -> C function is the R-linear pushforward
``(u_x c + u_y d) + i (v_x c + v_y d)`` of ``t = c + i d``; its VJP of ``w`` is
``conj(J^T conj(w))``; and ``grad`` of a real function of ``z`` is ``df/dx - i df/dy``
(``|z|^2`` at ``3+4j`` gives ``6-8j``). PyTorch conjugates both; a custom rule written in its
convention is named as such.

Each property takes ``fn`` and ``args`` (a tuple of positional arguments with complex leaves),
returns a ``harness.Report`` when the rule holds and raises ``harness.DerivativeMismatch`` when
it does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

import harness
from harness import Report
from harness._errors import DerivativeMismatch, FunctionRaised, NotApplicable, UndefinedPoint
from harness.computations._compiled import PROGRAMS
from harness.results._report import FAILED, PASSED

from ._run import Subject, conclude, oracle_property, validate_seed

PYTORCH = ("this rule follows PyTorch's conjugate convention: conjugating its result "
           "(and the cotangent it receives) makes it right. JAX expects grad = df/dx - i df/dy "
           "and vjp(w) = conj(J^T conj(w)); return jnp.conj of what the rule computes from "
           "jnp.conj(cotangent)")


def _complex_inputs(subject: Subject, name: str) -> None:
    if not any(np.iscomplexobj(x) for x in subject.diff):
        raise NotApplicable(f"{name} needs complex inputs; {subject.name} has none")


def _conjugated(fn: Callable) -> Callable:
    """``fn`` with its VJP conjugated on the way in and out (PyTorch's convention undone)."""
    G = jax.custom_vjp(lambda *args: fn(*args))

    def forward(*args):
        return jax.vjp(fn, *args)

    def backward(pullback, w):
        conj = lambda tree: jax.tree_util.tree_map(jnp.conj, tree)
        return conj(pullback(conj(w)))

    G.defvjp(forward, backward)
    return G


def _naming_pytorch(name: str, fn: Callable, args: tuple, *, keep: Sequence[str],
                    seed: int) -> Report:
    """The reverse-mode checks of ``keep``; a failure is named if PyTorch's convention fits."""
    try:
        return oracle_property(name, fn, args, keep=keep, modes=("rev",), seed=seed,
                               rename=True)
    except DerivativeMismatch as error:
        subject = Subject.of(fn, args)
        key = subject.key("conjugated")
        try:
            oracle_property(name, PROGRAMS.get(key, lambda: _conjugated(fn)), args, keep=keep,
                            modes=("rev",), seed=seed, rename=True)
        except (DerivativeMismatch, NotApplicable, UndefinedPoint):
            raise error from None
        raise DerivativeMismatch(f"{name}: {subject.name}: {PYTORCH}.\n{error}") from None


def real_of_complex_grad_convention(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``grad`` of a real function of complex ``z`` is ``df/dx - i df/dy`` (JAX's convention).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> f = lambda z: jnp.real(z) ** 2 + jnp.imag(z) ** 2
        >>> real_of_complex_grad_convention(f, (np.complex64(3 + 4j),)).ok
        True
    """
    name = "real_of_complex_grad_convention"
    subject = Subject.of(fn, args)
    _complex_inputs(subject, name)
    out = subject.output_leaves()
    if len(out) != 1 or out[0].shape != () or jnp.issubdtype(out[0].dtype, jnp.complexfloating):
        raise NotApplicable(f"{name} needs fn to return one real number")
    return _naming_pytorch(name, fn, args, keep=("grad_matches_oracle", "grad_matches_vjp"),
                           seed=validate_seed(seed))


def complex_jvp_convention(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """The JVP along complex ``t = c + i d`` is the R-linear pushforward of ``(c, d)``.

    The notebooks' first ``check(seed)`` cell, for any function and against the oracle.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> complex_jvp_convention(lambda z: jnp.real(z) * 2 + 3j * jnp.imag(z),
        ...                        (np.complex128(0.5 + 0.25j),)).ok
        True
    """
    name = "complex_jvp_convention"
    subject = Subject.of(fn, args)
    _complex_inputs(subject, name)
    return oracle_property(name, fn, args, keep=("jvp_matches_oracle",), modes=("fwd",),
                           seed=validate_seed(seed), rename=True)


def complex_vjp_convention(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """The VJP of ``w`` is ``conj(J^T conj(w))``, against the oracle's ``J``.

    The notebooks' second ``check(seed)`` cell, for any function. A rule in PyTorch's
    conjugate convention fails with a message that says so.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> complex_vjp_convention(lambda z: jnp.real(z) * 2 + 3j * jnp.imag(z),
        ...                        (np.complex128(0.5 + 0.25j),)).ok
        True
    """
    name = "complex_vjp_convention"
    subject = Subject.of(fn, args)
    _complex_inputs(subject, name)
    return _naming_pytorch(name, fn, args, keep=("vjp_matches_oracle",),
                           seed=validate_seed(seed))


def _scalarized(fn: Callable) -> Callable:
    """``(args, w) -> sum(w * fn(*args))``: holomorphic when fn is, with one complex output."""
    def g(args, weights):
        leaves = jax.tree_util.tree_leaves(fn(*args))
        return sum(jnp.sum(w * jnp.asarray(o)) for w, o in zip(weights, leaves))
    return g


def holomorphic_grad_matches_oracle(fn: Callable, args: tuple, *, seed: int = 0) -> Report:
    """``grad(fn, holomorphic=True)`` equals the oracle's complex derivative.

    A function with several complex outputs is checked through ``sum(w * fn(z))`` with random
    complex weights ``w``.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> holomorphic_grad_matches_oracle(jnp.sin, (np.complex128(3 + 4j),)).ok
        True
    """
    name = "holomorphic_grad_matches_oracle"
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    _complex_outputs(subject, name)
    out = subject.output_leaves()
    if len(out) == 1 and out[0].shape == ():
        return oracle_property(name, fn, args, keep=(name,), holomorphic=True, seed=seed)
    weights = subject.directions(seed, "weights", out)
    g = PROGRAMS.get(subject.key("scalarized"), lambda: _scalarized(fn))
    return oracle_property(name, g, (args, weights), keep=(name,), holomorphic=True,
                           seed=seed, subject=subject)


def _complex_outputs(subject: Subject, name: str) -> None:
    _complex_inputs(subject, name)
    real = [o for o in subject.output_leaves() if not jnp.issubdtype(o.dtype, jnp.complexfloating)]
    if real:
        raise NotApplicable(f"{name} needs complex outputs (a C -> C function); "
                            f"{subject.name} returns real values")


def is_holomorphic(fn: Callable, args: tuple, *, seed: int = 0) -> bool:
    """Whether fn satisfies the Cauchy-Riemann equations at ``args`` (the oracle decides).

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> is_holomorphic(jnp.sin, (np.complex64(3 + 4j),)), is_holomorphic(
        ...     jnp.conjugate, (np.complex64(3 + 4j),))
        (True, False)
    """
    subject = Subject.of(fn, args)
    _complex_outputs(subject, "is_holomorphic")
    report = harness.check(fn, args, holomorphic=True, modes=("fwd",), seed=validate_seed(seed))
    if report.error:
        raise FunctionRaised(f"fn raised at this point: {report.error}") from report.cause
    if report.undefined:
        raise UndefinedPoint(f"fn is undefined here: {report.undefined}")
    return not any(c.status == FAILED for c in report.checks if c.property == "cauchy_riemann")


def cauchy_riemann(fn: Callable, args: tuple, *, holomorphic: bool = True,
                   seed: int = 0) -> Report:
    """The Cauchy-Riemann test classifies fn as ``holomorphic`` says (True: it must hold).

    With ``holomorphic=True`` a function that is not complex-differentiable fails: the
    notebooks' ``grad(jnp.conjugate, holomorphic=True)`` runs but means nothing. With
    ``holomorphic=False`` the equations must fail at the point.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> cauchy_riemann(jnp.conjugate, (np.complex64(3 + 4j),), holomorphic=False).ok
        True
    """
    name = "cauchy_riemann"
    seed = validate_seed(seed)
    subject = Subject.of(fn, args)
    _complex_outputs(subject, name)
    report = harness.check(fn, args, holomorphic=True, modes=("fwd",), seed=seed)
    mine = tuple(c for c in report.checks if c.property == name)
    if holomorphic or report.undefined or report.error:
        return conclude(name, dataclasses.replace(report, checks=mine))
    holds = [c for c in mine if c.status == PASSED]
    if len(holds) == len(mine):
        flipped = tuple(dataclasses.replace(c, status=FAILED, note=(
            "declared not holomorphic, but the Cauchy-Riemann equations hold here"))
            for c in mine)
        return conclude(name, dataclasses.replace(report, checks=flipped))
    as_declared = tuple(dataclasses.replace(c, status=PASSED, note=(
        "not complex-differentiable here, as declared")) if c.status == FAILED else c
        for c in mine)
    return conclude(name, dataclasses.replace(report, checks=as_declared))
