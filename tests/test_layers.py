"""The package's layering stays as designed: no import cycle, and no module imports a layer above it.

Every import statement counts, at module level or inside a function, and under ``TYPE_CHECKING``
too: a lazy or type-only import that dodges a cycle at run time still ties a lower layer to an
upper one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("okta_dbapi", "okta_sqlalchemy")

# Lowest first. A module may import its own layer and the layers below it; the cycle check keeps a
# layer's modules from leaning on each other both ways.
LAYERS: list[tuple[str, ...]] = [
    ("okta_dbapi.exceptions", "okta_dbapi.types", "okta_dbapi.redact"),
    ("okta_dbapi.catalog", "okta_dbapi.settings"),
    ("okta_dbapi.http",),
    ("okta_dbapi.sql",),
    ("okta_dbapi.writes",),
    ("okta_dbapi.snapshot",),
    ("okta_dbapi.runner",),
    ("okta_dbapi.cursor",),
    ("okta_dbapi.connection",),
    ("okta_dbapi",),  # the package's __init__: connect(), the module globals
    ("okta_dbapi.cli", "okta_sqlalchemy"),
]
EMULATOR = "okta_dbapi.emulator"
MAY_IMPORT_EMULATOR = ("okta_dbapi.cli",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules one file imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import name`` imports the module pkg.name when there is one, else pkg itself.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching prefix, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; returns the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles() -> None:
    assert strongly_connected(import_graph()) == []


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in import_graph() if not m.startswith(EMULATOR) and layer_of(m) is None]
    assert unplaced == [], "add these modules to LAYERS in tests/test_layers.py"


def test_no_upward_imports() -> None:
    upward = []
    for module, targets in import_graph().items():
        if module.startswith(EMULATOR):
            continue
        for target in targets:
            if target.startswith(EMULATOR):
                continue
            if layer_of(target) > layer_of(module):  # type: ignore[operator]
                upward.append(f"{module} -> {target}")
    assert sorted(upward) == []


def test_the_emulator_stands_apart() -> None:
    wrong = []
    for module, targets in import_graph().items():
        for target in targets:
            inside = module.startswith(EMULATOR)
            if inside and not target.startswith(EMULATOR):
                wrong.append(f"{module} -> {target} (the emulator imports nothing from the driver)")
            if not inside and target.startswith(EMULATOR) and not module.startswith(MAY_IMPORT_EMULATOR):
                wrong.append(f"{module} -> {target} (only the CLI uses the emulator)")
    assert wrong == []


def test_the_top_level_stays_small() -> None:
    top = [p.stem for p in (ROOT / "okta_dbapi").glob("*.py") if p.stem != "__init__"]
    assert len(top) <= 10, sorted(top)


def test_every_package_says_what_it_may_import() -> None:
    for init in (ROOT / "okta_dbapi").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "import" in doc, f"{init.relative_to(ROOT)}: the docstring must say which layers it may import"


def test_no_function_is_longer_than_100_lines() -> None:
    long = []
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > 100:
                        long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import okta_dbapi.sql.select\n", {"okta_dbapi.sql.select"}),
        ("from okta_dbapi.sql import rows\n", {"okta_dbapi.sql.rows"}),
        ("def f():\n    from okta_dbapi.connection import Connection\n", {"okta_dbapi.connection"}),
        ("if TYPE_CHECKING:\n    from okta_dbapi import runner\n", {"okta_dbapi.runner"}),
        ("from ..sql.rows import output_row\n", {"okta_dbapi.sql.rows"}),
        ("from . import ledger\n", {"okta_dbapi.writes.ledger"}),
    ],
)
def test_the_checker_sees_every_kind_of_import(tmp_path: Path, source: str, expected: set[str]) -> None:
    """The checker itself: lazy, type-only, relative and package-attribute imports all count."""
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    # Read as if it were okta_dbapi/writes/probe.py.
    assert imported_modules("okta_dbapi.writes.probe", probe, all_modules()) == expected


def test_the_checker_finds_a_cycle() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
