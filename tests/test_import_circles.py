"""No import circle in ``drivers/`` (issue #7 acceptance; STYLE.md: no import circles).

Every import counts: module level, inside functions and under ``TYPE_CHECKING`` — a
circle there still couples the modules both ways. ``appliance/`` is checked by its own
owners once its circles are gone; this test names every circle it finds.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            # A module of ours; a module's own parent packages do not count (Python
            # imports them first anyway).
            if target in known and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def _circles(root: str) -> list[list[str]]:
    paths = {_module_name(p): p for p in (REPO / root).rglob("*.py")}
    graph = {name: _imports(path, name, set(paths)) for name, path in paths.items()}
    # Tarjan's strongly connected components; a component of two or more is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_circle_in_drivers() -> None:
    assert _circles("drivers") == []


def test_the_check_finds_a_circle(tmp_path: Path, monkeypatch: object) -> None:
    # The checker itself must see a circle where there is one (not a check that cannot fail).
    import tests.test_import_circles as me

    pkg = tmp_path / "loop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from loop import b\n", encoding="utf-8")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop.a import X\n",
        encoding="utf-8",
    )
    old = me.REPO
    me.REPO = tmp_path
    try:
        assert _circles("loop") == [["loop.a", "loop.b"]]
    finally:
        me.REPO = old
