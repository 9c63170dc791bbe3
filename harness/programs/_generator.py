"""``programs``: Hypothesis draws random differentiable JAX programs and points of their domain.

A program is a straight-line sequence of operations over its inputs: elementwise functions,
broadcasting arithmetic, reductions, shape operations, linear algebra on matrices built to be
well conditioned, control flow (``cond``, ``scan``, ``fori_loop``, ``while_loop``),
``checkpoint``, inner ``jit`` and ``custom_jvp``/``custom_vjp`` functions with correct rules.
Every value carries bounds (``harness.programs._ops``), so an operation is only applied where it
is smooth: every drawn program is differentiable, to every order, at every point of its domain.

Each draw picks the number of operations, then for each one an operand, a group and an
operation, all by indices that shrink to zero: failing programs shrink towards one operation
(``tanh``) on one scalar input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import hypothesis.strategies as st

from harness._errors import InvalidArgument
from harness.programs._array_ops import LINALG, REDUCTIONS, SHAPES
from harness.programs._builder import (
    ATTEMPTS,
    FALLBACK,
    MAX_DIM,
    Builder,
    Var,
    applicable,
    elementwise_binary,
    elementwise_unary,
)
from harness.programs._control_ops import CONTROL
from harness.programs._ops import (
    BINARY,
    COMPLEX_BINARY,
    COMPLEX_UNARY,
    UNARY,
    Bounds,
    Op,
    disk,
)
from harness.programs._program import FUNCTION_NAME, HEADER, Program
from harness.programs._rules import BUILT_IN, CustomRule
from harness.strategies._complex_domains import complex_plane
from harness.strategies._domains import bounded

REAL_DTYPES = ("float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
INPUT_BOUNDS = (Bounds(-2.0, 2.0), Bounds(0.25, 2.0), Bounds(-1.0, 1.0), Bounds(0.5, 4.0))
INPUT_DISKS = (disk(1.0), disk(2.0))

GROUPS = ("unary", "binary", "reduce", "shape", "linalg", "control", "custom")


def _complex_registry() -> dict[str, dict[str, object]]:
    """What complex programs draw: entire functions, arithmetic, sums and products, shapes,
    matmul, checkpoint and inner jit (no comparisons, so no cond, loops or clipping)."""
    return {
        "unary": {op.name: op for op in COMPLEX_UNARY},
        "binary": {op.name: op for op in COMPLEX_BINARY},
        "reduce": {k: REDUCTIONS[k] for k in ("sum", "mean", "prod", "cumsum")},
        "shape": dict(SHAPES),
        "linalg": {"matmul": LINALG["matmul"]},
        "control": {k: CONTROL[k] for k in ("checkpoint", "jit")},
    }


def _registry(custom: Sequence[Op]) -> dict[str, dict[str, object]]:
    return {
        "unary": {op.name: op for op in UNARY},
        "binary": {op.name: op for op in BINARY},
        "reduce": REDUCTIONS,
        "shape": SHAPES,
        "linalg": LINALG,
        "control": CONTROL,
        "custom": {op.name: op for op in custom},
    }


def op_names() -> dict[str, tuple[str, ...]]:
    """Every operation ``programs`` can draw, by group (the built-in custom rules included)."""
    return {group: tuple(ops) for group, ops in
            _registry([rule.op() for rule in BUILT_IN]).items()}


def programs(
    *,
    dtypes: Sequence[str] = REAL_DTYPES,
    max_ops: int = 8,
    max_inputs: int = 3,
    max_size: int = 3,
    max_ndim: int = 2,
    ops: Sequence[str] | None = None,
    custom_rules: Sequence[CustomRule] = (),
    modes: Sequence[str] = (),
    output: str = "any",
    known_bugs: bool = False,
    holomorphic: bool = False,
) -> st.SearchStrategy[Program]:
    """Strategy for random differentiable JAX programs, each with a point of its domain.

    Args:
        dtypes: the inputs' dtype is drawn from these: float32 and float64, or complex64
            and complex128 (complex programs use entire functions, arithmetic, sums,
            products, shape operations, matmul, checkpoint and jit; conj too unless
            ``holomorphic``).
        max_ops: at most this many top-level operations (a loop or a wrapper counts once).
        max_inputs: at most this many positional array arguments.
        max_size, max_ndim: the inputs' shapes have up to ``max_ndim`` dimensions of 1 to
            ``max_size`` elements.
        ops: draw only these operations or groups (see ``op_names()``); None draws all.
        custom_rules: ``CustomRule`` functions drawn alongside the built-in ones (group
            ``"custom"``), e.g. a rule you want checked in many contexts.
        modes: AD modes every program must support: ``("fwd",)`` leaves out custom_vjp
            functions, ``("rev",)`` leaves out while_loop.
        output: ``"any"`` or ``"scalar"`` (the result summed to one number).
        holomorphic: complex programs of holomorphic operations only (``program.holomorphic``).
        known_bugs: also draw what today's JAX is known to get wrong (``KNOWN_BUGS_IN_LOOPS``:
            softplus and log_sigmoid inside loops), which is left out by default so that
            suites stay green and fuzzing looks for new bugs.

    Raises:
        InvalidArgument: an unknown dtype, operation, group, mode or output, or a bound below 1.

    Example:
        >>> program = programs(max_ops=3, ops=("unary", "reduce")).example()
        >>> out = program.fn(*program.args)
    """
    dtypes = tuple(dtypes)
    for d in dtypes:
        if d not in REAL_DTYPES + COMPLEX_DTYPES:
            raise InvalidArgument(f"programs: dtype {d!r} is not supported; use "
                                  f"{', '.join(REAL_DTYPES + COMPLEX_DTYPES)}")
    is_complex = bool(dtypes) and dtypes[0] in COMPLEX_DTYPES
    if any((d in COMPLEX_DTYPES) != is_complex for d in dtypes):
        raise InvalidArgument(f"programs: dtypes={dtypes!r} mixes real and complex; draw real "
                              "and complex programs from two strategies")
    if holomorphic and not is_complex:
        raise InvalidArgument("programs: holomorphic=True needs complex dtypes, e.g. "
                              "dtypes=('complex64', 'complex128')")
    if holomorphic and output == "scalar":
        raise InvalidArgument("programs: holomorphic=True returns complex values; a scalar "
                              "output is real (|out|^2 summed), which is not holomorphic")
    if not dtypes:
        raise InvalidArgument("programs: dtypes is empty; pass e.g. ('float32', 'float64')")
    for name, value in (("max_ops", max_ops), ("max_inputs", max_inputs),
                        ("max_size", max_size), ("max_ndim", max_ndim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgument(f"programs: {name}={value!r} must be an int >= 1")
    if max_size > MAX_DIM:
        raise InvalidArgument(f"programs: max_size={max_size} is above {MAX_DIM}, beyond which "
                              "the linear algebra's conditioning bounds no longer hold")
    if output not in ("any", "scalar"):
        raise InvalidArgument(f"programs: output={output!r}; use 'any' or 'scalar'")
    unknown_modes = set(modes) - {"fwd", "rev"}
    if unknown_modes:
        raise InvalidArgument(f"programs: unknown mode {sorted(unknown_modes)[0]!r} in modes; "
                              "use 'fwd' and/or 'rev'")
    if not all(isinstance(r, CustomRule) for r in custom_rules):
        raise InvalidArgument("programs: custom_rules takes harness.strategies.CustomRule "
                              "objects")
    if is_complex and custom_rules:
        raise InvalidArgument("programs: custom_rules are real functions; complex programs "
                              "draw none")
    custom = [rule.op() for rule in BUILT_IN + tuple(custom_rules)]
    registry = _complex_registry() if is_complex else _registry(custom)
    chosen = _choose(registry, ops)
    if holomorphic:
        chosen = {g: {k: v for k, v in d.items() if not (isinstance(v, Op) and not v.holomorphic)}
                  for g, d in chosen.items()}
    if "fwd" in modes:
        chosen = {g: {k: v for k, v in d.items() if not (isinstance(v, Op) and not v.forward)}
                  for g, d in chosen.items()}
    if "rev" in modes:
        chosen["control"] = {k: v for k, v in chosen.get("control", {}).items()
                             if k != "while_loop"}
    chosen = {g: d for g, d in chosen.items() if d}
    if not chosen:
        raise InvalidArgument(f"programs: no operation left from ops={ops!r} under "
                              f"modes={tuple(modes)!r}")
    unary = [op for group in ("unary", "custom") for op in chosen.get(group, {}).values()]
    return _draw_program(_Spec(dtypes=dtypes, max_ops=max_ops, max_inputs=max_inputs,
                               max_size=max_size, max_ndim=max_ndim, chosen=chosen,
                               unary=tuple(unary) or (FALLBACK[is_complex],),
                               scalar=output == "scalar", known_bugs=bool(known_bugs),
                               is_complex=is_complex))


def _choose(registry: dict, ops: Sequence[str] | None) -> dict[str, dict]:
    if ops is None:
        return {g: dict(d) for g, d in registry.items()}
    if isinstance(ops, str):
        ops = (ops,)
    chosen: dict[str, dict] = {}
    for name in ops:
        if name in registry:
            chosen.setdefault(name, {}).update(registry[name])
            continue
        group = next((g for g, d in registry.items() if name in d), None)
        if group is None:
            known = ", ".join(f"{g}: {' '.join(d)}" for g, d in registry.items())
            raise InvalidArgument(f"programs: unknown operation or group {name!r}; groups and "
                                  f"operations are {known}")
        chosen.setdefault(group, {})[name] = registry[group][name]
    return {g: chosen[g] for g in GROUPS if g in chosen}


@dataclasses.dataclass(frozen=True)
class _Spec:
    """What ``programs`` was asked for (its repr is what Hypothesis shows of the strategy)."""

    dtypes: tuple[str, ...]
    max_ops: int
    max_inputs: int
    max_size: int
    max_ndim: int
    chosen: dict
    unary: tuple[Op, ...]
    scalar: bool
    known_bugs: bool
    is_complex: bool

    def __repr__(self) -> str:
        ops = sum(len(d) for d in self.chosen.values())
        return (f"programs(dtypes={self.dtypes!r}, max_ops={self.max_ops}, "
                f"max_inputs={self.max_inputs}, max_size={self.max_size}, "
                f"max_ndim={self.max_ndim}, {ops} operations in {'/'.join(self.chosen)}, "
                f"output={'scalar' if self.scalar else 'any'!r})")


@st.composite
def _draw_program(draw, spec: _Spec) -> Program:
    chosen, max_ndim = spec.chosen, spec.max_ndim
    dtype = draw(st.sampled_from(spec.dtypes))
    n_inputs = draw(st.integers(1, spec.max_inputs))
    inputs = []
    for i in range(n_inputs):
        ndim = draw(st.integers(0, max_ndim))
        shape = tuple(draw(st.integers(1, spec.max_size)) for _ in range(ndim))
        domains = INPUT_DISKS if spec.is_complex else INPUT_BOUNDS
        inputs.append(Var(f"x{i}", shape, draw(st.sampled_from(domains))))
    unary = list(spec.unary)
    b = Builder(draw, inputs, unary=unary, max_ndim=max_ndim, known_bugs=spec.known_bugs)
    groups = list(chosen)
    for _ in range(draw(st.integers(1, spec.max_ops))):
        for _attempt in range(ATTEMPTS):
            x = draw(st.sampled_from(b.vars))
            group = draw(st.sampled_from(groups))
            node = chosen[group][draw(st.sampled_from(list(chosen[group])))]
            if isinstance(node, Op):
                made = (elementwise_binary if node.arity == 2 else elementwise_unary)(
                    b, x, node)
            else:
                made = node(b, x)
            if made is not None:
                break
        else:  # nothing drawn applied: the simplest operation that always does
            elementwise_unary(b, x, applicable(unary, x.bounds)[0])
    out = _output(b, spec.scalar, spec.is_complex)
    strategies = tuple(complex_plane(dtype, v.shape, radius=v.bounds.hi) if spec.is_complex
                       else bounded(dtype, v.shape, v.bounds.lo, v.bounds.hi) for v in inputs)
    args = draw(st.tuples(*strategies))
    return Program(_source(b, inputs, out), args, tuple(b.ops), dtype,
                   forward_mode=b.forward, reverse_mode=b.reverse,
                   holomorphic=spec.is_complex and b.holomorphic and not spec.scalar,
                   arguments=strategies)


def _output(b: Builder, scalar: bool, is_complex: bool) -> str:
    """The returned expression: the last value, plus the sums of values nothing else used;
    for a scalar output of a complex program, the sum of its squared moduli."""
    last = b.vars[-1]
    unused = [v for v in b.vars[:-1] if v.name not in b.used]
    terms = [last.name if last.ndim == 0 or not scalar else f"jnp.sum({last.name})"]
    terms += [v.name if v.ndim == 0 else f"jnp.sum({v.name})" for v in unused]
    out = " + ".join(terms)
    if scalar and is_complex:
        b.lines.append(f"out = {out}")
        return "jnp.sum(jnp.real(out * jnp.conj(out)))"
    return out


def _source(b: Builder, inputs: list[Var], out: str) -> str:
    helpers = "\n\n\n".join(b.helpers.values())
    body = "\n".join("    " + line for line in b.lines + [f"return {out}"])
    signature = ", ".join(v.name for v in inputs)
    parts = [HEADER] + ([helpers] if helpers else []) + [
        f"def {FUNCTION_NAME}({signature}):\n{body}\n"]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
