"""Online backup and checked restore of one node: database, DATA_DIR keys, settings file.

``sanji <tier> backup DIR`` writes a folder a restore can trust:

- ``database.sqlite3`` made with SQLite's online backup API (a consistent copy while the
  web and scheduler processes keep writing), or ``database.pgdump`` by ``pg_dump -Fc``;
- every file of DATA_DIR except the database and run-time files (the node key, the
  secret key, the departments' ``issuer-keys/``), under ``data/``;
- ``settings.toml`` when the tier has a settings file;
- ``manifest.json``: tier, node code, sanji version, Alembic revision, created_at and
  the SHA-256 of every file.

``sanji <tier> restore DIR`` checks all of that before it writes a byte, and keeps what
it replaces next to DATA_DIR (``<DATA_DIR>.replaced-<time>``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from shared.db import make_engine
from shared.migrate import current_revision

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
SETTINGS_FILE = "settings.toml"
#: Files of DATA_DIR that belong to the running processes, not to the node's state.
RUNTIME_NAMES = {"scheduler.lock"}
RUNTIME_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")


class BackupError(Exception):
    """A backup that cannot be made, or a backup folder a restore refuses (message in Chinese)."""


@dataclass(frozen=True)
class Identity:
    """Which node a backup is of, and where that node keeps its state."""

    tier: str
    node_code: str
    data_dir: Path
    database_url: str
    settings_file: Path | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "").resolve()


def _data_files(data_dir: Path, database: Path | None) -> list[Path]:
    if not data_dir.is_dir():
        return []
    found = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.name in RUNTIME_NAMES:
            continue
        if path.name.endswith(RUNTIME_SUFFIXES) or (database and path.resolve() == database):
            continue
        found.append(path)
    return found


def make_backup(
    who: Identity, engine: Engine, target: Path, *, version: str, now: datetime | None = None
) -> dict[str, Any]:
    """Write a backup of ``who`` into the empty or new folder ``target``; returns the manifest.

    Raises BackupError when ``target`` is not empty or pg_dump is needed and missing.
    """
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"备份目录 {target} 不是空目录；请指定新的目录")
    database = _sqlite_path(who.database_url)
    if database is None and shutil.which("pg_dump") is None:
        raise BackupError("数据库是 PostgreSQL，但本机没有 pg_dump（请安装 postgresql-client）")
    target.mkdir(parents=True, exist_ok=True)
    if database is not None:
        _sqlite_copy(database, target / SQLITE_FILE)
        db_name = SQLITE_FILE
    else:
        _pg_dump(who.database_url, target / PG_FILE)
        db_name = PG_FILE
    for path in _data_files(who.data_dir, database):
        dest = target / "data" / path.relative_to(who.data_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    if who.settings_file is not None and who.settings_file.is_file():
        shutil.copy2(who.settings_file, target / SETTINGS_FILE)
    files = sorted(p for p in target.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {
        "format": 1,
        "tier": who.tier,
        "node_code": who.node_code,
        "sanji_version": version,
        "alembic_revision": current_revision(engine),
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "database": db_name,
        "files": [
            {
                "path": p.relative_to(target).as_posix(),
                "sha256": sha256_of(p),
                "size": p.stat().st_size,
            }
            for p in files
        ],
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def _sqlite_copy(source: Path, dest: Path) -> None:
    """SQLite's online backup: a consistent snapshot even while other processes write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        # Pages in large steps: few restarts when writers commit during the copy.
        src.backup(dst, pages=4096)
    finally:
        dst.close()
        src.close()


def _libpq_url(url: str) -> str:
    """pg_dump wants a libpq URL: drop SQLAlchemy's ``+psycopg`` driver part."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _program(name: str) -> str:
    """The full path of a PostgreSQL client program (checked to exist before we start)."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"本机没有 {name}（请安装 postgresql-client）")
    return found


def _pg_dump(url: str, dest: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, URL from our own settings
        [_program("pg_dump"), "--format=custom", "--no-owner", f"--file={dest}", _libpq_url(url)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")


def check_backup(source: Path, who: Identity) -> dict[str, Any]:
    """The manifest of ``source`` if it is whole and of this node; else BackupError.

    Whole: every listed file is there with its SHA-256. Of this node: same tier and node
    code — a town's backup restored at another town would sign as the wrong node.
    """
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} 不是 sanji 备份：缺少或无法读取 {MANIFEST}") from exc
    if manifest.get("tier") != who.tier or manifest.get("node_code") != who.node_code:
        raise BackupError(
            f"这是 {manifest.get('tier')} 节点 {manifest.get('node_code')} 的备份，"
            f"本节点是 {who.tier} {who.node_code}：拒绝恢复他节点的备份"
        )
    bad = []
    for entry in manifest.get("files", []):
        path = source / entry["path"]
        if not path.is_file():
            bad.append(f"{entry['path']}（缺失）")
        elif sha256_of(path) != entry["sha256"]:
            bad.append(f"{entry['path']}（校验和不符）")
    if bad:
        raise BackupError("备份已损坏，未恢复任何内容：" + "、".join(bad))
    database = manifest.get("database")
    if database not in {e["path"] for e in manifest.get("files", [])}:
        raise BackupError("备份已损坏：清单中没有数据库文件")
    return manifest


def scheduler_running(data_dir: Path) -> bool:
    """Does a scheduler hold this node's lock (``shared.sync.scheduler.single_instance``)?"""
    path = data_dir / "scheduler.lock"
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def restore_backup(
    source: Path, who: Identity, *, force: bool, now: datetime | None = None
) -> Path | None:
    """Put the backup ``source`` in place of ``who``'s state; returns where the old state went.

    Raises BackupError, before changing anything, for a damaged or foreign backup, a
    PostgreSQL dump without pg_restore, or an existing DATA_DIR (or a PostgreSQL database
    that already holds a schema) without ``force``. With ``force`` the PostgreSQL
    database is first dumped into the kept folder.
    """
    manifest = check_backup(source, who)
    database = _sqlite_path(who.database_url)
    if (manifest["database"] == SQLITE_FILE) != (database is not None):
        raise BackupError("备份的数据库类型与本节点的 DATABASE_URL 不一致")
    if database is None and shutil.which("pg_restore") is None:
        raise BackupError("数据库是 PostgreSQL，但本机没有 pg_restore（请安装 postgresql-client）")
    existing = who.data_dir.is_dir() and any(who.data_dir.iterdir())
    db_outside = database is not None and database.exists() and who.data_dir not in database.parents
    pg_in_use = database is None and _pg_has_schema(who.database_url)
    if (existing or db_outside or pg_in_use) and not force:
        raise BackupError(
            f"{who.data_dir} 已有数据；确认要覆盖请加 --force（被替换的内容会另存一份）"
        )
    kept = None
    if existing or db_outside or pg_in_use:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
        kept = who.data_dir.with_name(f"{who.data_dir.name}.replaced-{stamp}")
        kept.mkdir(parents=True)
        if pg_in_use:
            # pg_restore --clean drops what is there: keep it as a dump first.
            _pg_dump(who.database_url, kept / f"before-restore-{PG_FILE}")
        if existing:
            for child in who.data_dir.iterdir():
                shutil.move(str(child), kept / child.name)
        if db_outside and database is not None:
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{database}{suffix}")
                if old.exists():
                    shutil.move(str(old), kept / old.name)
    who.data_dir.mkdir(parents=True, exist_ok=True)
    data = source / "data"
    if data.is_dir():
        shutil.copytree(data, who.data_dir, dirs_exist_ok=True)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / SQLITE_FILE, database)
    else:
        _pg_restore(who.database_url, source / PG_FILE)
    if (source / SETTINGS_FILE).is_file():
        shutil.copy2(source / SETTINGS_FILE, who.data_dir / f"{SETTINGS_FILE}.restored")
    os.sync()
    return kept


def _pg_has_schema(url: str) -> bool:
    """Does the PostgreSQL database already hold a sanji schema (an Alembic version)?"""
    engine = make_engine(url)
    try:
        return inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()


def _pg_restore(url: str, dump: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, URL from our own settings
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            str(dump),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
