"""Import circles and layers, checked on the source of every project module.

Imports inside functions count: a lazy import that dodges a circle is still a circle.
Imports under ``if TYPE_CHECKING:`` do not (they never run). The layers run one way:
interface (api, pages, cli, jobs, app assembly) → services → models → core.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("county_hub", "town_node", "village_portal", "shared")

CORE, MODELS, SERVICES, INTERFACE = 0, 1, 2, 3
LAYER_NAMES = {CORE: "core", MODELS: "models", SERVICES: "services", INTERFACE: "interface"}

#: The pure core every tier builds on: rules, identifiers, calendar, events, certificates,
#: the sync protocol's crypto, errors, configuration. No web framework, no domain state.
CORE_MODULES = (
    "shared.authority",
    "shared.calendar",
    "shared.canonical",
    "shared.chain",
    "shared.cases",
    "shared.certs",
    "shared.clock",
    "shared.config",
    "shared.db",
    "shared.errors",
    "shared.ids",
    "shared.items",
    "shared.log",
    "shared.refdata",
    "shared.search",
    "shared.sync.crypto",
    "shared.tier",
)
#: Modules that take requests or commands: they may import anything below them.
INTERFACE_FILES = ("api", "pages", "cli", "jobs", "wsgi", "app", "tiercli", "demo")
INTERFACE_PACKAGES = ("shared.web",)
#: Request-context helpers of a domain's API and pages (they read ``flask.current_app``).
INTERFACE_MODULES = ("shared.casework.context", "shared.serve", "town_node.relay")
TIER_APPS = ("county_hub", "town_node", "village_portal")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "static" in parts:
                continue
            name = ".".join(parts).removesuffix(".__init__")
            found[name] = path
    return found


MODULES = _modules()


def _import_nodes(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def imports_of(name: str, source: str, *, is_package: bool) -> set[str]:
    """The project modules ``source`` (the module ``name``) imports, anywhere in it."""
    out: set[str] = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
            continue
        base = node.module or ""
        if node.level:
            parts = name.split(".") if is_package else name.split(".")[:-1]
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, *([base] if base else [])])
        out |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in out if m in MODULES and m != name}


def graph(modules: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    """Who imports whom among the project's modules."""
    return {
        name: imports_of(
            name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py"
        )
        for name, path in modules.items()
    }


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                # A package's __init__ re-exporting its own modules is not a circle of code.
                if sum(MODULES.get(m, Path("x.py")).name != "__init__.py" for m in group) > 1:
                    found.append(sorted(group))
    return found


def layer(name: str) -> int:
    """The layer of module ``name``."""
    if any(name == m or name.startswith(m + ".") for m in CORE_MODULES):
        return CORE
    last = name.rsplit(".", 1)[-1]
    if (
        name in TIER_APPS
        or name in INTERFACE_MODULES
        or last in INTERFACE_FILES
        or any(name == p or name.startswith(p + ".") for p in INTERFACE_PACKAGES)
        or name == "county_hub.pages"
    ):
        return INTERFACE
    if last in ("models", "db") or name == "shared.calendar_store":
        return MODELS
    return SERVICES


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """Every import from a lower layer to a higher one, as readable lines."""
    return sorted(
        f"{src} ({LAYER_NAMES[layer(src)]}) imports {dst} ({LAYER_NAMES[layer(dst)]})"
        for src, targets in edges.items()
        for dst in targets
        if layer(dst) > layer(src)
    )


def test_no_import_circles() -> None:
    assert circles(graph()) == []


def test_imports_run_down_the_layers() -> None:
    assert upward_imports(graph()) == []


# --------------------------------------------------------------------------- the checker itself


def _edges(source_by_name: dict[str, str]) -> dict[str, set[str]]:
    names = dict.fromkeys(source_by_name, Path("m.py"))
    saved = dict(MODULES)
    MODULES.update(names)
    try:
        return {
            n: imports_of(n, s, is_package=False) & set(names) for n, s in source_by_name.items()
        }
    finally:
        MODULES.clear()
        MODULES.update(saved)


def test_a_lazy_import_that_closes_a_loop_is_a_circle() -> None:
    edges = _edges(
        {
            "shared.casework.services": "from shared.certwork import services\n",
            "shared.certwork.services": "def f():\n    from shared.casework.services import x\n",
        }
    )
    assert circles(edges) == [["shared.casework.services", "shared.certwork.services"]]


def test_a_type_checking_import_is_not_a_circle() -> None:
    edges = _edges(
        {
            "shared.casework.services": "from shared.certwork import services\n",
            "shared.certwork.services": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from shared.casework.services import x\n"
            ),
        }
    )
    assert circles(edges) == []


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("shared.casework.services", "shared.casework.api"),
        ("shared.sync.models", "shared.sync.store"),
        ("shared.cases.fold", "shared.sync.models"),
        ("county_hub.catalog.services", "shared.web.context"),
    ],
)
def test_an_upward_import_is_reported(src: str, dst: str) -> None:
    edges = {src: {dst}}
    assert upward_imports(edges) and layer(dst) > layer(src)
