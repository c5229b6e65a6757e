"""Backup benchmark: `sanji hub backup` of a hub SQLite database with 1,000,000 case events.

Run ``.venv/bin/python bench/backup.py`` (``--events``; ``--smoke`` for a run of seconds).
It migrates an empty hub database in a temporary folder, fills ``case_events`` with
``--events`` rows of realistic size (bulk insert, not timed), then times
:func:`shared.backup.make_backup` — SQLite's online backup API, the DATA_DIR files and
the SHA-256 manifest — and :func:`shared.backup.check_backup`, the check a restore makes
first. Exits 1 when the backup takes longer than the target (60 s), 2 when the
benchmark itself fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path: measure this checkout's sanji.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchkit import Row, add_smoke, apply_sizes, exit_status, print_table

from shared.backup import Identity, check_backup, make_backup
from shared.db import make_engine
from shared.migrate import upgrade

TARGET_SECONDS = 60.0
FULL = {"events": 1_000_000}
SMOKE = {"events": 5_000}

#: The rows of the table, in order (tests/bench checks that each one is printed).
METRICS = ("backup (online, with manifest)", "check before restore", "database size")

ROOT = Path(__file__).resolve().parents[1]


def _events(count: int) -> Iterator[tuple[object, ...]]:
    payload = json.dumps(
        {"item_code": "11610727MB0000019J4000123456000", "materials": ["身份证", "申请表"] * 3},
        ensure_ascii=False,
    )
    for i in range(count):
        case = i // 5  # five events a case
        yield (
            str(uuid.UUID(int=i + 1)),
            str(uuid.UUID(int=case + 10**12)),
            f"610727105-20261203-{case % 10000:04d}-{case // 10000}",
            "610727105",
            i % 5 + 1,
            "submitted" if i % 5 == 0 else "accepted",
            "2026-12-03 08:00:00.000000",
            "town-610727105",
            payload,
            1,
            "2026-12-03 08:00:01.000000",
            "610727105",
            1,
            1,
        )


def fill(db: Path, count: int) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT INTO case_events (id, case_id, case_no, origin, lamport, type, at, actor,"
            " payload, v, received_at, received_from, acked, projected)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _events(count),
        )
        conn.commit()
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=None, help="case events (1,000,000)")
    add_smoke(parser, SMOKE)
    args = apply_sizes(parser.parse_args(argv), FULL, SMOKE)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, load {load}")
    with tempfile.TemporaryDirectory(prefix="sanji-bench-backup-") as tmp:
        data_dir = Path(tmp) / "hub"
        data_dir.mkdir()
        db = data_dir / "hub.sqlite3"
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        upgrade(ROOT / "county_hub" / "migrations", engine)
        (data_dir / "node_key.pem").write_text("bench\n")
        started = time.perf_counter()
        fill(db, args.events)
        print(f"filled {args.events:,} events in {time.perf_counter() - started:.1f} s")
        who = Identity(tier="hub", node_code="610727", data_dir=data_dir, database_url=url)
        started = time.perf_counter()
        manifest = make_backup(who, engine, Path(tmp) / "backup", version="bench")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        check_backup(Path(tmp) / "backup", who)
        check_s = time.perf_counter() - started
        size = next(f["size"] for f in manifest["files"] if f["path"] == "database.sqlite3")
        engine.dispose()
    rows = [
        Row(
            METRICS[0],
            f"{backup_s:.1f} s",
            f"≤ {TARGET_SECONDS:.0f} s",
            backup_s <= TARGET_SECONDS,
            f"{args.events:,} events",
        ),
        Row(METRICS[1], f"{check_s:.1f} s", detail="SHA-256 of every file"),
        Row(METRICS[2], f"{size / 1e6:,.0f} MB", detail="database.sqlite3 in the backup"),
    ]
    print_table(rows)
    return exit_status(rows)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(2)
