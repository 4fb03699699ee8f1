"""The layout's boundaries (docs/architecture.md): who may import what, and module size."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import ROOT

PACKAGES = ("actions", "bot", "knowledge")
# What only bot/server may import: Rasa's server, its channels and stores, and the web
# frameworks under them. NLU components use Rasa's component API (rasa.engine, rasa.nlu,
# rasa.shared), which is not an internal of the server. The dev tools (bot/tools) may load an
# Agent: they never run inside the assistant.
SERVER_INTERNALS = ("rasa.core", "rasa.server", "rasa.api", "rasa.utils.endpoints", "sanic",
                    "socketio", "engineio")
MAX_LINES = 300


def modules() -> dict[str, Path]:
    """Every source module of the project, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def unit(module: str) -> str:
    """The unit a module belongs to: actions, knowledge, a package of bot/, or a module of bot/."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else parts[0]


def unit_graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = {unit(i) for i in imports(path) if i in known}
        graph.setdefault(unit(name), set()).update(targets - {unit(name)})
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle between units, or []."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target] if target in path else [node, target]
            if target not in state:
                found = visit(target, path + [target])
                if found:
                    return found
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return []


def test_no_import_cycle_between_units():
    assert cycle(unit_graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_knowledge_imports_nothing_from_bot_or_actions():
    offending = {name: sorted(i for i in imports(path) if i.split(".")[0] in ("bot", "actions"))
                 for name, path in modules().items() if name.startswith("knowledge")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_nothing_at_run_time_imports_the_tools():
    offending = {name: sorted(i for i in imports(path) if i.startswith("bot.tools"))
                 for name, path in modules().items() if not name.startswith("bot.tools")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_only_bot_server_imports_rasa_server_internals():
    def internal(name: str) -> bool:
        return any(name == prefix or name.startswith(prefix + ".") for prefix in SERVER_INTERNALS)

    offending = {name: sorted(i for i in imports(path) if internal(i))
                 for name, path in modules().items()
                 if not name.startswith(("bot.server", "bot.tools"))}
    assert {name: found for name, found in offending.items() if found} == {}


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_source_module_over_300_lines(name):
    lines = len(modules()[name].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"
