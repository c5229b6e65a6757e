"""Architecture rules, checked on the source: who may import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("county_hub", "town_node", "village_portal")
PURE = (
    "shared/calendar",
    "shared/canonical.py",
    "shared/certs",
    "shared/ids",
    "shared/authority.py",
    "shared/errors.py",
    "shared/clock.py",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(where: str) -> list[Path]:
    target = ROOT / where
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


def _top(name: str) -> str:
    return name.split(".")[0]


def test_shared_never_imports_an_app() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if _top(n) in APPS)
        for p in _files("shared")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("app", APPS)
def test_apps_never_import_each_other(app: str) -> None:
    others = set(APPS) - {app}
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if _top(n) in others)
        for p in _files(app)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("where", PURE)
def test_pure_modules_do_not_import_web_or_database(where: str) -> None:
    banned = {"flask", "flask_smorest", "sqlalchemy", "werkzeug"}
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if _top(n) in banned)
        for p in _files(where)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("app", APPS)
def test_services_do_not_import_flask(app: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if _top(n) == "flask")
        for p in (ROOT / app).rglob("services.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_module_starts_with_a_docstring() -> None:
    missing = []
    for package in ("shared", *APPS):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations/versions" in str(path):
                continue
            if (
                path.stat().st_size
                and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
            ):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []
