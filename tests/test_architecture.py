"""The layers of docs/architecture.md, read from the code: every module under pipelines/ is
parsed with `ast`, and no module may import from a layer above its own, nor take part in an
import cycle. Imports inside functions count too: a deferred import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipelines"

LAYERS = {
    "core": 0,
    "registry": 1,
    "sources": 2,
    "warehouse": 2,
    "analysis": 3,
    "publish": 4,
    "orchestration": 5,
    "definitions": 6,
    "cli": 6,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """`core`, `demo`, … for pipelines.<layer>…; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imported_modules(module: str) -> set[str]:
    """The modules under pipelines/ that `module` imports, resolved to the file that is read:
    `from pipelines.x import y` is pipelines.x.y when y is a module, else pipelines.x."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else _known(base))
    found.discard(None)
    return {name for name in found if name != module}


def _known(name: str) -> str | None:
    """The longest prefix of a dotted name that is a module under pipelines/."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def test_every_module_belongs_to_a_known_layer():
    unknown = {m for m in MODULES if layer_of(m) not in {*LAYERS, "demo", None}}
    assert not unknown, f"modules outside the layers of docs/architecture.md: {sorted(unknown)}"


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in graph.items():
        own = layer_of(module)
        for target in sorted(targets):
            theirs = layer_of(target)
            if theirs == "demo" and own != "demo":
                problems.append(f"{module} imports {target}: nothing but demo imports demo")
            elif own in LAYERS and theirs in LAYERS and LAYERS[theirs] > LAYERS[own]:
                problems.append(f"{module} ({own}) imports {target} ({theirs}), a layer above")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {module: imported_modules(module) for module in MODULES}


def test_no_module_imports_from_a_layer_above_its_own(graph):
    assert not layer_violations(graph), "\n".join(layer_violations(graph))


def test_no_import_cycles_between_modules(graph):
    assert not cycles(graph), cycles(graph)


def test_the_checks_find_what_they_look_for():
    """The two rules on a made-up graph, so a rule that can never fire is caught."""
    made_up = {
        "pipelines.core.settings": {"pipelines.publish.report"},
        "pipelines.publish.report": {"pipelines.core.settings"},
        "pipelines.analysis.indicators": {"pipelines.demo.model"},
        "pipelines.demo.model": {"pipelines.cli"},
        "pipelines.cli": {"pipelines.orchestration.checks"},
    }
    assert sorted(layer_violations(made_up)) == [
        "pipelines.analysis.indicators imports pipelines.demo.model: nothing but demo imports demo",
        "pipelines.core.settings (core) imports pipelines.publish.report (publish), a layer above",
    ]
    assert cycles(made_up) == [["pipelines.core.settings", "pipelines.publish.report"]]


def test_the_parser_sees_every_kind_of_import():
    """Absolute, from-package-import-module, relative and deferred imports are all found."""
    assert "pipelines.sources.scb.client" in imported_modules("pipelines.sources.scb")
    assert any(
        m.startswith("pipelines.orchestration") for m in imported_modules("pipelines.definitions")
    )
