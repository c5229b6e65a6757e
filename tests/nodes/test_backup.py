"""`sanji <tier> backup` / `restore`: a checked copy that refuses damaged or foreign backups."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from town_node.cli import town

CODE = "610727105"


@pytest.fixture
def node_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SANJI_TOWN_DATABASE_URL", "SANJI_TOWN_SETTINGS", "SANJI_TOWN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "town"
    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(data))
    monkeypatch.setenv("SANJI_TOWN_NODE_CODE", CODE)
    result = CliRunner().invoke(town, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    return data


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(town, list(args))
    return result.exit_code, result.output


def _accounts(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT username FROM accounts ORDER BY username")]


def test_backup_writes_a_manifest_with_checksums(node_dir: Path, tmp_path: Path) -> None:
    code, output = _run("backup", str(tmp_path / "b"))
    assert code == 0, output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["tier"] == "town" and manifest["node_code"] == CODE
    assert manifest["alembic_revision"] and manifest["created_at"] and manifest["sanji_version"]
    paths = {f["path"] for f in manifest["files"]}
    assert {"database.sqlite3", "data/node_key.pem", "data/secret_key"} <= paths
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert _run("backup", str(tmp_path / "b"))[0] != 0  # never into a used folder


def test_restore_into_an_empty_data_dir(
    node_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("backup", str(tmp_path / "b"))[0] == 0
    fresh = tmp_path / "elsewhere"
    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(fresh))
    code, output = _run("restore", str(tmp_path / "b"))
    assert code == 0, output
    assert _accounts(fresh / "town.sqlite3") == _accounts(node_dir / "town.sqlite3")
    assert (fresh / "node_key.pem").read_bytes() == (node_dir / "node_key.pem").read_bytes()


def test_existing_data_dir_needs_force_and_is_kept(node_dir: Path, tmp_path: Path) -> None:
    assert _run("backup", str(tmp_path / "b"))[0] == 0
    key = (node_dir / "node_key.pem").read_bytes()
    code, output = _run("restore", str(tmp_path / "b"))
    assert code != 0 and "--force" in output
    code, output = _run("restore", str(tmp_path / "b"), "--force")
    assert code == 0, output
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("town.replaced-")]
    assert len(kept) == 1 and (kept[0] / "node_key.pem").read_bytes() == key
    assert (node_dir / "node_key.pem").read_bytes() == key


def test_damaged_backup_is_refused_and_nothing_is_overwritten(
    node_dir: Path, tmp_path: Path
) -> None:
    assert _run("backup", str(tmp_path / "b"))[0] == 0
    with (tmp_path / "b" / "data" / "secret_key").open("a") as handle:
        handle.write("x")
    before = sorted(p.name for p in node_dir.iterdir())
    code, output = _run("restore", str(tmp_path / "b"), "--force")
    assert code != 0 and "已损坏" in output and "secret_key" in output
    assert sorted(p.name for p in node_dir.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]


def test_foreign_backup_is_refused(
    node_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("backup", str(tmp_path / "b"))[0] == 0
    monkeypatch.setenv("SANJI_TOWN_NODE_CODE", "610727001")
    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(tmp_path / "other"))
    code, output = _run("restore", str(tmp_path / "b"))
    assert code != 0 and "他节点" in output
    assert not (tmp_path / "other").exists()
