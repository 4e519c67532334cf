"""The house drawn from the imports, kept true.

domain/ at the bottom imports nothing of ours but itself; storage/ (the neutral
`Database`) imports nothing of ours; projections/ import only domain, storage and
each other; adapters/ sit on top. Imports inside functions count too, there is no
import cycle, the HTTP handlers (adapters/http) hold no SQL, and each projection
writes only the tables it owns: the projections and stores own their tables and
export query functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "storage", "projections", "adapters")
MAY_IMPORT = {
    "domain": {"domain"},
    "storage": {"storage"},
    "projections": {"domain", "storage", "projections"},
    "adapters": {"domain", "storage", "projections", "adapters"},
}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TABLE|INDEX))\b", re.DOTALL)
SQL_ALLOWED: set[str] = set()  # every table's SQL lives under storage/, adapters/storage/
# or projections/


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Our modules that this module imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    wanted: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        wanted.update(t for t in targets if t.split(".")[0] in LAYERS)
    return {t for t in wanted if t in MODULES}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_each_layer_imports_only_the_floors_below_it() -> None:
    wrong = [f"{name} imports {target}" for name, targets in GRAPH.items()
             for target in sorted(targets)
             if target.split(".")[0] not in MAY_IMPORT[name.split(".")[0]]]
    assert wrong == []


def test_there_is_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_sql_in_the_http_handlers() -> None:
    found = []
    for path in sorted((ROOT / "adapters" / "http").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in SQL_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL.search(node.value):
                found.append(f"{relative}:{node.lineno}")
    assert found == []


def test_the_checks_see_what_they_check() -> None:
    """The graph has the modules and arrows it should (the tests above are not vacuous)."""
    assert "projections.media_visibility" in GRAPH["projections.journey"]
    assert "storage.database" in GRAPH["projections.engine"]
    assert "domain.access" in GRAPH["adapters.http.auth"]
    assert "domain.aggregates.base" in GRAPH["domain.aggregates.child_journey"]  # relative
    assert SQL.search("SELECT a FROM b") and not SQL.search("Select the child")


def test_each_projection_writes_only_its_own_tables() -> None:
    """Every INSERT, UPDATE or DELETE in a projection's module names one of its tables."""
    from projections.registry import all_projections

    writes = re.compile(r"\b(?:INSERT\s+INTO|(?<!DO )UPDATE|DELETE\s+FROM)\s+(\w+)")
    foreign, seen = [], 0
    for projection in all_projections():
        module = type(projection).__module__
        owned = set(projection.tables) | {"projection_tracking"}
        for node in ast.walk(ast.parse(MODULES[module].read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                tables = writes.findall(node.value)
                seen += len(tables)
                foreign += [f"{module} writes {table}" for table in tables if table not in owned]
    assert foreign == []
    assert seen > 30  # the writes are found (not an empty check)
