"""Provincial exchange: a year's backfill into the exchange tables, then steady-state lag.

Run ``.venv/bin/python bench/exchange.py --url postgresql+psycopg://user:pw@host/db`` (or
set ``SANJI_BENCH_POSTGRES_URL``; ``make bench-exchange``). In that database it makes two
schemas of its own (``--schema``, default ``sanji_bench_exchange``: ``<schema>_hub`` for
the hub, ``<schema>_x`` for the exchange database) and drops them at the end
(``--keep`` keeps them). Steps:

1. migrate the hub schema and seed the demo county (catalog, departments, towns);
2. load ``--cases`` cases of one year (default 215,323, the county's 2021 count) as the
   hub holds them: their events in ``case_events`` (≈ 4.65 per case: submitted,
   accepted, decided, delivered; some 补正, 特别程序, 好差评 and side exits) and their
   folded state in ``cases`` (the real fold), with COPY, in arrival order;
3. **backfill** — time ``services.drain`` writing every record to the exchange tables
   (COPY), as ``sanji hub exchange send`` does; target ≤ 300 s;
4. check the exchange tables row by row against the plan: one accept row per accepted
   case, no key twice;
5. **steady state** — a writer files and decides new cases through the real
   ``store_events`` at ``--rate`` events/s for ``--seconds`` while the job's cycle runs
   every 5 s (as the scheduler does, 2 s grace); the largest lag seen (age of the oldest
   event not yet in the exchange) must stay ≤ 60 s.

It prints a table ``metric | value | target | ok`` and exits 0 when every target is
met, 1 when one is missed, 2 when the benchmark itself failed. ``--smoke`` runs the same
steps on 2,000 cases and 10 s of steady state in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import Row, exit_status, print_table  # noqa: E402  (bench/ is on sys.path)
from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402

from county_hub.catalog.models import ItemVersion, ServiceItem  # noqa: E402
from county_hub.exchange import services  # noqa: E402
from county_hub.exchange.models import EXCHANGE_METADATA, UP_PRO_ACCEPT, ExchangeRow  # noqa: E402
from county_hub.seed.demo import seed_demo  # noqa: E402
from shared.cases import Event, EventType, fold, new_event_id  # noqa: E402
from shared.clock import CHINA_TZ, FixedClock, SystemClock  # noqa: E402
from shared.db import make_sessionmaker, unit_of_work  # noqa: E402
from shared.items import ItemStatus  # noqa: E402
from shared.migrate import upgrade  # noqa: E402
from shared.sync.crypto import NodeKey  # noqa: E402
from shared.sync.store import store_events  # noqa: E402

#: Row names of the result table, in order.
METRICS = (
    "cases loaded",
    "events loaded",
    "backfill records",
    "backfill exchange rows",
    "backfill seconds",
    "backfill events/s",
    "duplicates or gaps",
    "steady-state events",
    "steady-state max lag s",
)
TARGET_BACKFILL_S = 300.0
TARGET_LAG_S = 60.0
YEAR_START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)
COUNTY = "610727"
EVENT_COLUMNS = (
    "id",
    "case_id",
    "case_no",
    "origin",
    "lamport",
    "type",
    "at",
    "actor",
    "payload",
    "v",
    "received_at",
    "received_from",
    "acked",
    "projected",
)
CASE_COLUMNS = (
    "case_id",
    "case_no",
    "item_code",
    "item_name",
    "status",
    "outcome",
    "accepting_node",
    "accept_by",
    "handled_by",
    "applicant_name",
    "applicant_id_masked",
    "due_date",
    "accepted_on",
    "concluded_on",
    "on_time",
    "anomalies",
    "submitted_at",
    "updated_at",
    "state",
)


def schema_engine(url: str, schema: str) -> Engine:
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}"}
    )


def reset_schemas(url: str, names: Sequence[str], *, create: bool) -> None:
    base = create_engine(url)
    with base.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            if create:
                conn.execute(text(f'CREATE SCHEMA "{name}"'))
    base.dispose()


# --------------------------------------------------------------------------- workload


class Workload:
    """Deterministic cases of one year over real items of the demo catalog."""

    def __init__(self, items: list[dict[str, Any]], towns: list[str], seed: int = 610727):
        self.items = items
        self.towns = towns
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.per_day: dict[tuple[str, str], int] = defaultdict(int)

    def case(self, submitted_at: datetime) -> list[Event]:
        rng = self.rng
        item = rng.choice(self.items)
        where = rng.random()
        town = rng.choice(self.towns)
        node = (
            COUNTY
            if where < 0.55
            else town
            if where < 0.8
            else f"{town}2{rng.randrange(10, 40):02d}"
        )
        day = f"{submitted_at.astimezone(CHINA_TZ):%Y%m%d}"
        self.per_day[(node, day)] += 1
        case_no = f"{node}-{day}-{self.per_day[(node, day)]:04d}"
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        handled = town if node != COUNTY and rng.random() < 0.35 else item["department"]
        by_hub = not (handled.isdigit() and len(handled) == 9)
        handler = COUNTY if by_hub else handled
        materials = [
            {"name": m, "necessity": 1, "provided": True, "waived": False}
            for m in item["materials"]
        ]
        payload = {
            "item_code": item["code"],
            "item_version": item["version"],
            "item_name": item["name"],
            "case_kind": 2,
            "promised_limit": 5,
            "promised_unit": "W",
            "applicant": {
                "name": "张三",
                "id_type": "111",
                "id_number": "13043419840726291X",
                "phone": "13812345678",
            },
            "agent": {"username": f"agent-{node}", "name": "代办员"} if len(node) == 12 else None,
            "consent": len(node) == 12,
            "materials": materials,
            "missing": [],
            "tolerance": False,
            "tolerance_missing": [],
            "tolerance_deadline": None,
            "promise": False,
            "accepting_node": node,
            "accept_by": handled if not by_hub else item["department"],
            "handled_by": handled,
            "batch": 1 if not by_hub else None,
            "in_name_of": "",
        }
        at = submitted_at
        steps: list[tuple[EventType, dict[str, Any], str]] = [(EventType.SUBMITTED, payload, node)]
        roll = rng.random()
        acceptor = handler
        if roll < 0.10:
            steps.append(
                (
                    EventType.SUPPLEMENT_REQUESTED,
                    {"missing": materials[:1] and [materials[0]["name"]], "note": ""},
                    acceptor,
                )
            )
            steps.append(
                (
                    EventType.SUPPLIED,
                    {"materials": [materials[0]["name"]] if materials else []},
                    node,
                )
            )
        if roll > 0.985:
            steps.append((EventType.NOT_ACCEPTED, {"reason": "不属于受理范围"}, acceptor))
        else:
            steps.append((EventType.ACCEPTED, {}, acceptor))
            if rng.random() < 0.05:
                steps.append((EventType.SUSPENDED, {"reason": "送检", "kind": "检测"}, handler))
                steps.append((EventType.RESUMED, {"note": "检测合格"}, handler))
            if rng.random() < 0.01:
                steps.append((EventType.WITHDRAWN, {"reason": "申请人撤回"}, node))
            else:
                approve = rng.random() < 0.97
                steps.append(
                    (
                        EventType.DECIDED,
                        {"approve": approve, "reason": "" if approve else "条件不符"},
                        handler,
                    )
                )
                steps.append((EventType.DELIVERED, {"method": "窗口领取"}, node))
                if rng.random() < 0.4:
                    level = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
                    steps.append(
                        (
                            EventType.RATED,
                            {
                                "level": level,
                                "channel": "tablet",
                                "comment": "",
                                "rater": "applicant",
                            },
                            node,
                        )
                    )
        events = []
        for lamport, (kind, body, origin) in enumerate(steps, start=1):
            if lamport > 1:
                at = at + timedelta(hours=rng.choice((1, 2, 5, 20, 48, 96)))
            events.append(
                Event(
                    id=new_event_id(at),
                    case_id=case_id,
                    case_no=case_no,
                    origin=origin,
                    lamport=lamport,
                    type=kind,
                    at=at,
                    actor=f"user-{origin}",
                    payload=body,
                )
            )
        return events


def demo_items(engine: Engine) -> tuple[list[dict[str, Any]], list[str]]:
    with make_sessionmaker(engine)() as session:
        items = []
        for item in session.scalars(
            select(ServiceItem).where(ServiceItem.status == ItemStatus.PUBLISHED)
        ):
            version = session.scalar(
                select(ItemVersion).where(
                    ItemVersion.item_code == item.code, ItemVersion.version == item.current_version
                )
            )
            if version is None:
                continue
            items.append(
                {
                    "code": item.code,
                    "version": version.version,
                    "name": version.name,
                    "department": item.department_code,
                    "materials": [m.name for m in version.materials],
                }
            )
        towns = sorted(
            {r for (r,) in session.execute(text("SELECT code FROM regions WHERE level = 'town'"))}
        )
    return items, towns


def _pg_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def load(engine: Engine, n: int) -> tuple[int, int]:
    """COPY ``n`` cases (events in arrival order, folded states) into the hub schema."""
    items, towns = demo_items(engine)
    work = Workload(items, towns)
    span = 365 * 24 * 3600
    starts = sorted(work.rng.uniform(0, span) for _ in range(n))
    # A case's events arrive over days: the log holds them in arrival order, so one
    # case's events lie far apart in seq, as in a real year.
    log: list[tuple[datetime, tuple[Any, ...]]] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for index, offset in enumerate(starts):
                events = work.case(YEAR_START + timedelta(seconds=offset))
                log.extend((e.at, _event_row(e)) for e in events)
                copy.write_row(_case_row(fold(events, calendar=None, county=COUNTY)))
                if (index + 1) % 50_000 == 0:
                    print(f"  {index + 1:,} cases …", flush=True)
        log.sort(key=lambda pair: pair[0])
        with cursor.copy(f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for _at, row in log:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE case_events"))
        conn.execute(text("VACUUM ANALYZE cases"))
    return n, len(log)


def _event_row(e: Event) -> tuple[Any, ...]:
    return (
        e.id,
        e.case_id,
        e.case_no,
        e.origin,
        e.lamport,
        str(e.type),
        _pg_time(e.at),
        e.actor,
        json.dumps(dict(e.payload), ensure_ascii=False, separators=(",", ":")),
        e.v,
        _pg_time(e.at),
        e.origin,
        True,
        True,
    )


def _case_row(state: Any) -> tuple[Any, ...]:
    applicant = state.applicant or {}
    return (
        state.case_id,
        state.case_no,
        state.item_code,
        state.item_name,
        str(state.status),
        str(state.outcome) if state.outcome else None,
        state.accepting_node,
        state.accept_by,
        state.handled_by,
        applicant.get("name", ""),
        "1304**********291X",
        None,
        state.accepted_on,
        None,
        None,
        len(state.anomalies),
        _pg_time(state.submitted_at),
        _pg_time(state.submitted_at),
        json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":")),
    )


# --------------------------------------------------------------------------- steady state


def steady(
    hub: Any,
    xengine: Engine,
    items: list[dict[str, Any]],
    towns: list[str],
    *,
    rate: float,
    seconds: float,
) -> tuple[int, float]:
    """A writer at ``rate`` events/s; the job every 5 s. Returns (events, max lag)."""
    clock = SystemClock()
    work = Workload(items, towns, seed=7)
    stop = threading.Event()
    written = [0]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            started = time.monotonic()
            while not stop.is_set():
                events = work.case(clock.now() - timedelta(hours=1))
                # Re-stamp at "now": the steady state is about arrival, not history.
                with unit_of_work(hub) as session:
                    store_events(
                        session,
                        events,
                        received_from=COUNTY,
                        acked=True,
                        clock=clock,
                        county=COUNTY,
                    )
                written[0] += len(events)
                ahead = written[0] / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    worst = 0.0
    ends = time.monotonic() + seconds
    items_cache = services.ItemCache()
    while time.monotonic() < ends:
        with hub() as session:
            worst = max(worst, services.lag_seconds(session, clock=clock))
        while True:
            report = services.run_cycle(
                hub, xengine, clock=clock, grace_seconds=2.0, items=items_cache
            )
            if not report.more:
                break
        time.sleep(5.0)
    stop.set()
    thread.join(timeout=30)
    if errors:
        raise errors[0]
    # Drain what the last seconds brought, measuring the lag once more before.
    with hub() as session:
        worst = max(worst, services.lag_seconds(session, clock=clock))
    return written[0], worst


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SANJI_BENCH_POSTGRES_URL", ""))
    parser.add_argument("--schema", default="sanji_bench_exchange")
    parser.add_argument("--cases", type=int, default=215_323)
    parser.add_argument("--rate", type=float, default=50.0, help="steady-state events/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="steady-state duration")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--smoke", action="store_true", help="2,000 cases, 10 s steady state")
    parser.add_argument("--keep", action="store_true", help="keep the schemas afterwards")
    args = parser.parse_args(argv)
    if not args.url.startswith("postgresql"):
        parser.error("--url (or SANJI_BENCH_POSTGRES_URL) must be a PostgreSQL URL")
    if args.smoke:
        args.cases, args.seconds = 2_000, 10.0
    hub_schema, x_schema = f"{args.schema}_hub", f"{args.schema}_x"
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; cases {args.cases:,}, batch {args.batch}"
    )
    values: dict[str, Any] = {}
    reset_schemas(args.url, (hub_schema, x_schema), create=True)
    try:
        hub_engine = schema_engine(args.url, hub_schema)
        xengine = schema_engine(args.url, x_schema)
        upgrade(ROOT / "county_hub" / "migrations", hub_engine)
        keys = tempfile.mkdtemp(prefix="sanji-bench-exchange-")
        hub = make_sessionmaker(hub_engine, info={"signer": NodeKey.generate(), "data_dir": keys})
        with unit_of_work(hub) as session:
            seed_demo(session, FixedClock())
        started = time.perf_counter()
        print("loading the year with COPY (events in arrival order, folded states) …", flush=True)
        cases, events = load(hub_engine, args.cases)
        print(f"loaded {cases:,} cases, {events:,} events in {time.perf_counter() - started:.0f} s")
        values["cases loaded"], values["events loaded"] = cases, events
        with xengine.begin() as conn:
            EXCHANGE_METADATA.create_all(conn)

        print("backfill …", flush=True)
        started = time.perf_counter()
        report = services.drain(hub, xengine, clock=SystemClock(), limit=args.batch)
        seconds = time.perf_counter() - started
        values["backfill records"] = report.planned
        values["backfill exchange rows"] = report.written
        values["backfill seconds"] = round(seconds, 1)
        values["backfill events/s"] = round(report.events / seconds) if seconds else 0

        with hub() as session, xengine.connect() as conn:
            tracked = session.scalar(select(func.count()).select_from(ExchangeRow)) or 0
            accepted_cases = session.scalar(
                text(
                    "SELECT count(DISTINCT case_id) FROM case_events "
                    "WHERE type IN ('accepted', 'not_accepted')"
                )
            )
            accept_rows = conn.scalar(select(func.count()).select_from(UP_PRO_ACCEPT)) or 0
            distinct = conn.scalar(select(func.count(func.distinct(UP_PRO_ACCEPT.c.projid))))
            per_table = {
                t.name: conn.scalar(select(func.count()).select_from(t))
                for t in EXCHANGE_METADATA.sorted_tables
                if t.name.startswith(("up_pro", "up_eval"))
            }
        print("exchange rows by table: " + ", ".join(f"{k} {v:,}" for k, v in per_table.items()))
        bad = (
            abs(accept_rows - accepted_cases)
            + abs(accept_rows - distinct)
            + abs(tracked - report.planned)
        )
        bad += abs(sum(per_table.values()) - report.written)
        values["duplicates or gaps"] = bad

        items, towns = demo_items(hub_engine)
        print(f"steady state: {args.rate:.0f} events/s for {args.seconds:.0f} s …", flush=True)
        written, lag = steady(hub, xengine, items, towns, rate=args.rate, seconds=args.seconds)
        values["steady-state events"] = written
        values["steady-state max lag s"] = round(lag, 1)
        hub_engine.dispose()
        xengine.dispose()
    finally:
        if not args.keep:
            reset_schemas(args.url, (hub_schema, x_schema), create=False)
        if "keys" in locals():
            shutil.rmtree(keys, ignore_errors=True)

    targets: dict[str, tuple[str, bool]] = {
        "backfill seconds": (
            f"≤ {TARGET_BACKFILL_S:.0f}",
            values["backfill seconds"] <= TARGET_BACKFILL_S,
        ),
        "duplicates or gaps": ("0", values["duplicates or gaps"] == 0),
        "steady-state max lag s": (
            f"≤ {TARGET_LAG_S:.0f}",
            values["steady-state max lag s"] <= TARGET_LAG_S,
        ),
    }
    if args.smoke:  # a smoke run proves the path; its backfill target is scaled
        scaled = max(5.0, TARGET_BACKFILL_S * args.cases / 215_323)
        targets["backfill seconds"] = (
            f"≤ {scaled:.1f} (scaled)",
            values["backfill seconds"] <= scaled,
        )
    rows = []
    for name in METRICS:
        target, ok = targets.get(name, ("—", None))
        value = values.get(name, "")
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        rows.append(Row(name, shown, target, ok))
    print_table(rows)
    return exit_status(rows)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(2)
