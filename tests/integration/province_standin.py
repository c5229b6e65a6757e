"""A stand-in for the provincial platform's side of the front-end exchange database.

Started by tests as its own process. It knows the exchange tables only from the database
(reflection), as the province's own exchange program would, and never imports the hub.

``--read``: every ``--every`` seconds it reads the county's rows not yet read
(``sync_status = '0'``) and writes its verdict back into them: ``1`` taken, or ``2``
refused with a reason. Accept rows of the items named by ``--refuse-item`` are refused
the first time they are seen ("事项未在省级事项库登记") and taken when the county writes
them again. It stops after ``--seconds`` or on SIGTERM.

``--publish DIR --item CODE --name NAME``: the province publishes a new version of one
item (its rows taken from the county's export in DIR, ``sanji hub exchange
export-catalog``), with a new name, and one broken item (an unknown 事项类型), then exits.
"""

from __future__ import annotations

import argparse
import csv
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select, update

CASE_TABLES = (
    "up_pro_accept",
    "up_pro_material",
    "up_pro_process",
    "up_pro_special_procedure",
    "up_pro_result",
    "up_evaluation",
    "up_evaluation_rectify",
)
TASK_TABLES = ("up_task_general_basic", "up_task_general_extend", "up_task_general_material")
REFUSAL = "事项未在省级事项库登记（省级测试桩）"


def engine_for(url: str) -> Any:
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, pool_pre_ping=True)


def read_loop(url: str, refuse_items: set[str], seconds: float, every: float) -> int:
    engine = engine_for(url)
    meta = MetaData()
    meta.reflect(engine, only=[*CASE_TABLES])
    refused_once: set[str] = set()
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    ends = time.monotonic() + seconds
    verdicts = 0
    while not stop[0] and time.monotonic() < ends:
        try:
            with engine.begin() as conn:
                for name in CASE_TABLES:
                    table = meta.tables[name]
                    rows = conn.execute(
                        select(table).where(table.c.sync_status == "0").limit(500)
                    ).all()
                    for row in rows:
                        data = row._mapping
                        refuse = (
                            name == "up_pro_accept"
                            and data["task_code"] in refuse_items
                            and data["unid"] not in refused_once
                        )
                        if refuse:
                            refused_once.add(data["unid"])
                        conn.execute(
                            update(table)
                            .where(table.c.unid == data["unid"])
                            .values(
                                sync_status="2" if refuse else "1",
                                sync_error=REFUSAL if refuse else None,
                                sync_time=datetime.now(),  # noqa: DTZ005 - 前置库 local time
                            )
                        )
                        verdicts += 1
        except Exception as err:  # the county's writer may hold the lock: try again
            print(f"standin: {err.__class__.__name__}: {err}", file=sys.stderr, flush=True)
        time.sleep(every)
    engine.dispose()
    print(f"standin: {verdicts} verdicts", flush=True)
    return 0


def publish(url: str, folder: Path, code: str, name: str) -> int:
    engine = engine_for(url)
    meta = MetaData()
    meta.reflect(engine, only=[*TASK_TABLES])
    parts: dict[str, list[dict[str, Any]]] = {}
    for table in TASK_TABLES:
        with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
            parts[table] = list(csv.DictReader(handle))
    codes = [r["task_code"] for r in parts["up_task_general_basic"]]
    broken = next(c for c in codes if c != code)
    now = datetime.now()  # noqa: DTZ005 - 前置库 local time
    with engine.begin() as conn:
        for table in TASK_TABLES:
            columns = {c.name: c for c in meta.tables[table].columns}
            for row in parts[table]:
                if row["task_code"] not in (code, broken):
                    continue
                out: dict[str, Any] = {}
                for key, value in row.items():
                    if key not in columns:
                        continue
                    if value == "":
                        out[key] = None
                    elif columns[key].type.python_type is int:
                        out[key] = int(value)
                    else:
                        out[key] = value
                out.update(
                    task_version=2,
                    rowguid=f"{row['rowguid']}-v2",
                    update_time=now,
                    sync_status="0",
                    sync_error=None,
                    sync_time=None,
                )
                if table == "up_task_general_basic" and row["task_code"] == code:
                    out["task_name"] = name
                if table == "up_task_general_basic" and row["task_code"] == broken:
                    out["task_type"] = "99"
                conn.execute(meta.tables[table].insert(), [out])
    engine.dispose()
    print(f"standin: published {code} v2 ({name}); {broken} v2 broken", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--read", action="store_true")
    parser.add_argument("--refuse-item", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--publish", type=Path)
    parser.add_argument("--item", default="")
    parser.add_argument("--name", default="")
    args = parser.parse_args()
    if args.publish:
        return publish(args.url, args.publish, args.item, args.name)
    return read_loop(args.url, set(args.refuse_item), args.seconds, args.every)


if __name__ == "__main__":
    sys.exit(main())
