"""The import graph of model/ is a layering: no circle, and no module imports one above it.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions: a
typing-only import is still a dependency a reader has to follow, and a circle of them is a
sign that components reach into the model object instead of being handed what they need.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# From the bottom up. Modules of the same layer may import each other (without a circle); a
# subpackage's entry covers every module in it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("base", frozenset({"model.errors", "model.constants", "model.states", "model.parameters",
                        "model.scenario", "model.district", "model.values", "model.work", "model.types"})),
    ("actors", frozenset({"model.services", "model.population", "model.committees", "model.owners", "model.agents",
                          "model.elections", "model.government", "model.order"})),
    ("schedule and metrics", frozenset({"model", "model.record", "model.metrics", "model.governance"})),
    ("study", frozenset({"model.study"})),
    ("research and report", frozenset({"model.research", "model.report"})),
    ("cli and app", frozenset({"model.cli", "model.app", "model.launcher"})),
)
SUBPACKAGES = ("model.study", "model.research", "model.report", "model.cli", "model.app")


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``package`` (a directory named model)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph(package: Path) -> dict[str, set[str]]:
    """Which modules of the package each module imports, anywhere in its code."""
    names = module_names(package)
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[:len(base) - node.level + (1 if is_package else 0)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in names else source
                           for alias in node.names]
            for target in targets:
                while target and target not in names:     # `import model.x.y` imports model.x.y's module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def layer(module: str) -> int | None:
    for level, (_, members) in enumerate(LAYERS):
        if module in members:
            return level
    for level, (_, members) in enumerate(LAYERS):
        if any(module.startswith(f"{p}.") for p in members if p in SUBPACKAGES):
            return level
    return None


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_problems(package: Path) -> list[str]:
    """Everything wrong with the package's imports, one line each (empty: a clean layering)."""
    graph = import_graph(package)
    problems = [f"circle: {' <-> '.join(c)}" for c in circles(graph)]
    problems += [f"{m}: in no layer of tests/test_layering.py" for m in sorted(graph) if layer(m) is None]
    for module in sorted(graph):
        for target in sorted(graph[module]):
            below, above = layer(module), layer(target)
            if below is not None and above is not None and above > below:
                problems.append(f"{module} ({LAYERS[below][0]}) imports {target} ({LAYERS[above][0]})")
    return problems


def test_model_imports_form_a_layering():
    assert import_problems(ROOT / "model") == []


def test_a_typing_only_circle_and_an_upward_import_are_found(tmp_path):
    package = tmp_path / "model"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "agents.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .governance import GovernanceModel\n")
    (package / "governance.py").write_text("from . import agents\n")
    (package / "errors.py").write_text("def f():\n    from model.agents import X\n")
    assert import_problems(package) == [
        "circle: model.agents <-> model.governance",
        "model.agents (actors) imports model.governance (schedule and metrics)",
        "model.errors (base) imports model.agents (actors)",
    ]
