"""The layout: every module imports, none is over 500 lines, no import cycle among the project's
modules (imports inside functions included), each package's ``__init__`` shows its public names
and nothing else, and docs/architecture.md names every package of the tree."""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("harness", "properties", "reports")
CHECKED = PACKAGES + ("suites", "tests")
MAX_LINES = 500


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules(roots=CHECKED) -> dict[str, pathlib.Path]:
    return {_module_name(p): p for root in roots for p in sorted((ROOT / root).rglob("*.py"))}


MODULES = _project_modules()


def _imported(name: str, path: pathlib.Path, known: dict) -> set[str]:
    """The project modules ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # ``from package import module`` depends on the module; ``from module import name``
            # on the module (a package's __init__ runs first either way, as Python does).
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_cycles(modules: dict[str, pathlib.Path]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    edges = {name: _imported(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return cycles


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] in PACKAGES
                                         and not n.endswith("__main__")))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_module_is_over_500_lines():
    long = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    long = {name: n for name, n in long.items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by responsibility): {long}"


def test_no_import_cycle_among_the_projects_modules():
    cycles = import_cycles(MODULES)
    assert not cycles, "import cycles (deferred imports count too): " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_deferred_cycle(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import g\n")
    (tmp_path / "pkg" / "b.py").write_text("def g():\n    from pkg import a\n")
    (tmp_path / "pkg" / "c.py").write_text("from . import a\n")
    modules = {f"pkg.{n}": tmp_path / "pkg" / f"{n}.py" for n in "abc"}
    modules["pkg"] = tmp_path / "pkg" / "__init__.py"
    assert import_cycles(modules) == [["pkg.a", "pkg.b"]]


def _public_names_only(path: pathlib.Path) -> list[str]:
    """What in a package's ``__init__`` is not a docstring, a re-export or ``__all__``."""
    tree = ast.parse(path.read_text())
    problems, exported = [], []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.asname is None:
                    problems.append(f"line {node.lineno}: import {alias.name} is not a "
                                    "re-export (write `import x as x`)")
                elif alias.asname.startswith("_"):
                    problems.append(f"line {node.lineno}: {alias.asname} is private")
                else:
                    exported.append(alias.asname)
            continue
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "__all__"):
            listed = sorted(ast.literal_eval(node.value))
            if listed != sorted(exported):
                problems.append(f"__all__ {listed} differs from the re-exports "
                                f"{sorted(exported)}")
            continue
        problems.append(f"line {node.lineno}: {type(node).__name__} (only the docstring, "
                        "re-exports and __all__ belong here)")
    return problems


@pytest.mark.parametrize("package", sorted(
    str(p.relative_to(ROOT)) for root in PACKAGES for p in (ROOT / root).rglob("__init__.py")))
def test_each_package_init_shows_its_public_names_and_nothing_else(package):
    problems = _public_names_only(ROOT / package)
    assert not problems, f"{package}: " + "; ".join(problems)


def test_the_architecture_document_names_every_package():
    text = (ROOT / "docs" / "architecture.md").read_text()
    packages = sorted(str(p.parent.relative_to(ROOT)) + "/" for root in PACKAGES
                      for p in (ROOT / root).rglob("__init__.py"))
    missing = [p for p in packages if p not in text]
    assert not missing, f"docs/architecture.md does not describe {missing}"
    named = {w.strip("`") for w in text.split() if w.strip("`").startswith("harness/")}
    stale = sorted(n for n in named if not (ROOT / n).exists())
    assert not stale, f"docs/architecture.md names paths that do not exist: {stale}"
