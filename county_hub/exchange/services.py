"""Case data and ratings out to the provincial exchange database, exactly once, in order.

One cycle (:func:`run_cycle`, from the scheduler's ``exchange.cycle`` job):

1. **Re-send what is pending** — records planned while the exchange database was down,
   or that staff asked to re-send after the province refused them — rebuilt from the
   case as the hub holds it now, written over the same exchange rows (same ``unid``).
2. **Plan** the case events past the cursor (``sync_state['exchange.cursor']``, the hub's
   arrival order ``case_events.seq``): every (event, exchange table) record a case
   needs that has no ``exchange_rows`` row yet, numbered in order per case (``sn``).
3. **Write** them to the exchange database (one transaction there; rows whose ``unid``
   is already present are skipped), then record them as sent and move the cursor in one
   hub transaction. A crash between the two only means the next cycle plans the same
   records again, finds their rows present and records them: no gap, no duplicate.
   With the exchange database down the records are stored as pending instead, the
   cursor still moves, and the job backs off; the hub keeps working.
4. **Collect** the province's verdicts (``sync_status`` 1 taken / 2 refused, with the
   reason) into ``exchange_rows``.

The hub's own transaction is the caller's; the exchange database's transactions are
this module's (a second database cannot join the hub's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import (
    ARRAY,
    Engine,
    String,
    Table,
    any_,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from county_hub.catalog.models import ItemVersion
from county_hub.exchange.mapping import (
    RECTIFY_TARGET,
    RELEVANT_TYPES,
    ItemFacts,
    Planned,
    Rectified,
    build_rectify_row,
    build_rows,
    rectify_source,
    submitted_entry,
    tables,
    targets_of,
)
from county_hub.exchange.models import (
    CASE_TABLES,
    EXCHANGE_METADATA,
    ExchangeRow,
    RowStatus,
)
from county_hub.ratings.models import Rating, RectificationTask, TaskStatus
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.clock import Clock, to_china
from shared.db import make_engine
from shared.errors import Conflict, NotFound, Unavailable
from shared.log import get_logger
from shared.sync import state
from shared.sync.models import CaseEventRow, CaseRow, SyncState

log = get_logger(__name__)

CURSOR_KEY = "exchange.cursor"
#: Event types that make the planner look at a case again: every type the exchange needs,
#: and ``submitted``, whose late arrival can turn earlier anomalies into valid steps.
TRIGGER_TYPES = tuple(sorted(RELEVANT_TYPES | {"submitted"}))
#: Rectification outcomes that are reported (整改办结, or 申诉成立).
REPORTED_TASKS = (TaskStatus.CLOSED, TaskStatus.APPEAL_UPHELD)
_CHUNK = 900  # ids per IN (...) list: under SQLite's 999 parameters

_ENGINES: dict[str, Engine] = {}
#: What the driver raises for a taken key inside its own COPY (SQLAlchemy does not wrap it).
_UNIQUE_VIOLATIONS: tuple[type[BaseException], ...] = (psycopg.errors.UniqueViolation,)


class ExchangeDown(Unavailable):
    """The exchange database cannot be reached; nothing was lost, the job retries."""


def exchange_engine(url: str) -> Engine:
    """The (cached) engine of the exchange database at ``url``; Conflict when off."""
    if not url:
        raise Conflict(detail="未启用省级交换：请设置 EXCHANGE_DATABASE_URL（前置交换库地址）")
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


def ensure_exchange_schema(engine: Engine) -> list[str]:
    """Create the exchange tables that are missing; returns their names."""
    try:
        with engine.begin() as conn:
            existing = set(conn.dialect.get_table_names(conn))
            missing = [t for t in EXCHANGE_METADATA.sorted_tables if t.name not in existing]
            EXCHANGE_METADATA.create_all(conn, tables=missing)
    except DBAPIError as err:
        raise ExchangeDown(detail=f"无法连接前置交换库：{_short(err)}") from err
    return [t.name for t in missing]


def _short(err: BaseException) -> str:
    text = str(getattr(err, "orig", err) or err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


# --------------------------------------------------------------------------- planning


@dataclass
class Batch:
    """What one planning pass found: records to write and where the cursor may move."""

    planned: list[Planned] = field(default_factory=list)
    cursor: int = 0
    events: int = 0


class ItemCache:
    """Item facts by (code, version), loaded once per process run (versions never change)."""

    def __init__(self) -> None:
        self._facts: dict[tuple[str, int], ItemFacts] = {}

    def get(
        self, session: Session, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], ItemFacts]:
        wanted = {k for k in keys if k not in self._facts}
        codes = sorted({code for code, _ in wanted})
        for start in range(0, len(codes), _CHUNK):
            rows = session.execute(
                select(
                    ItemVersion.item_code,
                    ItemVersion.version,
                    ItemVersion.basic_code,
                    ItemVersion.implementing_body,
                    ItemVersion.implementing_body_uscc,
                ).where(ItemVersion.item_code.in_(codes[start : start + _CHUNK]))
            )
            for code, version, basic, body, uscc in rows:
                self._facts[(code, version)] = ItemFacts(basic, body, uscc)
        for key in wanted:
            self._facts.setdefault(key, ItemFacts())
        return self._facts


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(session: Session, column: Any, values: Sequence[str]) -> list[Any]:
    """Conditions ``column IN values``: one ``= ANY(array)`` with a single parameter on
    PostgreSQL (nothing to render per value, the planner's hot path), chunked IN lists
    elsewhere (SQLite allows 999 parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(cast(literal(list(values), ARRAY(String)), ARRAY(String)))]
    return [column.in_(chunk) for chunk in _chunks(values)]


def _item_key(case: Mapping[str, Any]) -> tuple[str, int]:
    for entry in case.get("history") or ():
        if entry["type"] == "submitted":
            p = entry.get("payload") or {}
            return str(p.get("item_code", "")), int(p.get("item_version") or 0)
    return str(case.get("item_code", "")), int(case.get("item_version") or 0)


def plan(
    session: Session,
    *,
    clock: Clock,
    limit: int = 5000,
    grace_seconds: float = 0.0,
    items: ItemCache | None = None,
) -> Batch:
    """The records the events past the cursor need (nothing is written here).

    Stops before the first event not yet folded into its case (ADR 0008) and, with
    ``grace_seconds``, before events that arrived that recently (a concurrent
    transaction on PostgreSQL may still commit a lower ``seq``).
    """
    items = items or ItemCache()
    cursor = int(state.get(session, CURSOR_KEY, 0) or 0)
    tracked = exists().where(ExchangeRow.source_id == CaseEventRow.id)
    rows = session.execute(
        select(
            CaseEventRow.seq,
            CaseEventRow.case_id,
            CaseEventRow.projected,
            CaseEventRow.received_at,
            tracked.label("tracked"),
        )
        .where(CaseEventRow.seq > cursor, CaseEventRow.type.in_(TRIGGER_TYPES))
        .order_by(CaseEventRow.seq)
        .limit(limit)
    ).all()
    horizon = clock.now() - timedelta(seconds=grace_seconds)
    batch = Batch(cursor=cursor)
    # A case is looked at when one of its events has no record yet: a new event, or one
    # that had none (submitted, a step the province does not take yet, an anomaly).
    case_ids: dict[str, None] = {}
    for seq, case_id, projected, received_at, known in rows:
        if not projected or (grace_seconds and received_at > horizon):
            break
        batch.cursor = seq
        batch.events += 1
        if not known:
            case_ids[case_id] = None
    if case_ids:
        batch.planned = plan_cases(session, list(case_ids), clock=clock, items=items)
    return batch


def plan_cases(
    session: Session, case_ids: Sequence[str], *, clock: Clock, items: ItemCache
) -> list[Planned]:
    """Every record the given cases need and do not have yet, in order per case."""
    cases: dict[str, dict[str, Any]] = {}
    have: dict[str, set[tuple[str, str]]] = defaultdict(set)
    last_sn: dict[str, int] = defaultdict(int)
    marked = (ExchangeRow.case_id, ExchangeRow.source_id, ExchangeRow.target, ExchangeRow.sn)
    picks = (CaseRow.case_id, CaseRow.case_no, CaseRow.state["history"])
    for case_filter in among(session, CaseRow.case_id, case_ids):
        for case_id, case_no, history in session.execute(select(*picks).where(case_filter)):
            cases[case_id] = {"case_no": case_no, "history": history or []}
    for row_filter in among(session, ExchangeRow.case_id, case_ids):
        for case_id, source_id, target, sn in session.execute(select(*marked).where(row_filter)):
            have[case_id].add((source_id, target))
            last_sn[case_id] = max(last_sn[case_id], sn)
    facts = items.get(session, (_item_key(c) for c in cases.values()))
    now = to_china(clock.now()).replace(tzinfo=None)  # once, not per row
    planned: list[Planned] = []
    for case_id in case_ids:
        case = cases.get(case_id)
        if not case or not case["history"]:
            continue  # no 'submitted' yet: looked at again when it arrives
        item = facts.get(_item_key(case), ItemFacts())
        app = submitted_entry(case)["payload"]
        done = have[case_id]
        for entry, target in targets_of(case["history"]):
            if (entry["id"], target) in done:
                continue
            last_sn[case_id] += 1
            done.add((entry["id"], target))
            planned.append(
                Planned(
                    source_id=entry["id"],
                    target=target,
                    case_id=case_id,
                    case_no=case["case_no"],
                    event_type=entry["type"],
                    sn=last_sn[case_id],
                    rows=build_rows(
                        target, entry, case, item, sn=last_sn[case_id], now=now, app=app
                    ),
                )
            )
    return planned


def plan_rectifications(session: Session, *, clock: Clock, limit: int = 500) -> list[Planned]:
    """The 差评整改 outcomes closed since the last pass (one record per task)."""
    reported = exists().where(
        ExchangeRow.target == RECTIFY_TARGET,
        ExchangeRow.source_id == literal("rectification-") + cast(RectificationTask.id, String),
    )
    tasks = session.scalars(
        select(RectificationTask)
        .where(RectificationTask.status.in_(REPORTED_TASKS), ~reported)
        .order_by(RectificationTask.id)
        .limit(limit)
    )
    return [_rectify_planned(session, task, clock=clock) for task in tasks]


def _rectify_planned(session: Session, task: RectificationTask, *, clock: Clock) -> Planned:
    rating = session.get(Rating, task.case_id)
    rating_id = rating.event_id if rating is not None else ""
    sn = (
        session.scalar(select(func.max(ExchangeRow.sn)).where(ExchangeRow.case_id == task.case_id))
        or 0
    ) + 1
    fact = Rectified(
        task_id=task.id,
        case_id=task.case_id,
        case_no=task.case_no,
        rating_event_id=rating_id,
        status=task.status.value,
        outcome=task.outcome or _last_note(task),
        callback=task.callback,
        closed_on=task.closed_on.isoformat() if task.closed_on else _last_at(task),
        unit=task.unit,
    )
    return Planned(
        source_id=rectify_source(task.id),
        target=RECTIFY_TARGET,
        case_id=task.case_id,
        case_no=task.case_no,
        event_type=f"rectification_{task.status.value}",
        sn=sn,
        rows=(build_rectify_row(fact, now=clock.now()),),
    )


def _last_note(task: RectificationTask) -> str:
    history = task.history or []
    return str(history[-1].get("note", "")) if history else ""


def _last_at(task: RectificationTask) -> str | None:
    history = task.history or []
    return str(history[-1].get("at")) if history else None


# --------------------------------------------------------------------------- writing


def _group(planned: Iterable[Planned]) -> dict[str, list[dict[str, Any]]]:
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in planned:
        by_table[record.target].extend(record.rows)
    return by_table


def _existing(conn: Connection, table: Table, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(conn.scalars(select(table.c.unid).where(table.c.unid.in_(chunk))))
    return found


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: COPY on PostgreSQL (the backfill's hot path), executemany elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns]
    copy_rows(conn, table.name, columns, ([row.get(c) for c in columns] for row in rows))


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` through the driver (its C row formatting)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def write_new(engine: Engine, planned: Sequence[Planned]) -> int:
    """Insert the records' rows in one exchange transaction; rows already there are skipped.

    Optimistic: the rows are copied straight in; only when a key is already taken (the
    records were written once before the hub could note it — a crash, or a kill) is the
    transaction redone, leaving out the rows that are there. Raises ExchangeDown when the
    exchange database cannot be reached or refuses the write.
    """
    try:
        return _insert(engine, planned, check=False)
    except IntegrityError:
        log.info("exchange_rewrite_after_restart", records=len(planned))
    try:
        return _insert(engine, planned, check=True)
    except SQLAlchemyError as err:
        raise ExchangeDown(detail=f"写入前置交换库失败：{_short(err)}") from err


def _insert(engine: Engine, planned: Sequence[Planned], *, check: bool) -> int:
    written = 0
    names = tables()
    try:
        with engine.begin() as conn:
            for name, rows in _group(planned).items():
                table = names[name]
                if check:
                    present = _existing(conn, table, [r["unid"] for r in rows])
                    rows = [r for r in rows if r["unid"] not in present]
                if rows:
                    _copy(conn, table, rows)
                written += len(rows)
    except IntegrityError:
        raise
    except _UNIQUE_VIOLATIONS as err:  # from the driver's own COPY, not wrapped by SQLAlchemy
        raise IntegrityError(None, None, err) from err
    except (SQLAlchemyError, psycopg.Error) as err:
        raise ExchangeDown(detail=f"写入前置交换库失败：{_short(err)}") from err
    return written


def write_over(engine: Engine, planned: Sequence[Planned]) -> None:
    """Write the records' rows whether or not they are there (a re-send): same keys, new
    content, ``sync_status`` back to 0 so the province reads them again."""
    names = tables()
    try:
        with engine.begin() as conn:
            for name, rows in _group(planned).items():
                table = names[name]
                present = _existing(conn, table, [r["unid"] for r in rows])
                for row in rows:
                    if row["unid"] in present:
                        conn.execute(update(table).where(table.c.unid == row["unid"]).values(**row))
                fresh = [r for r in rows if r["unid"] not in present]
                if fresh:  # after an outage: mostly rows the province never had
                    _copy(conn, table, fresh)
    except (SQLAlchemyError, psycopg.Error) as err:
        raise ExchangeDown(detail=f"写入前置交换库失败：{_short(err)}") from err


_RECORD_COLUMNS = (
    "source_id",
    "target",
    "case_id",
    "case_no",
    "event_type",
    "sn",
    "rows",
    "status",
    "reason",
    "attempts",
    "planned_at",
    "sent_at",
)


def record(session: Session, planned: Sequence[Planned], status: RowStatus, now: datetime) -> None:
    """Insert the hub's bookkeeping rows of freshly planned records (COPY on PostgreSQL)."""
    if not planned:
        return
    sent = status is RowStatus.SENT
    attempts, sent_at = (1, now) if sent else (0, None)
    values = [
        (
            p.source_id,
            p.target,
            p.case_id,
            p.case_no,
            p.event_type,
            p.sn,
            len(p.rows),
            status.value,
            "",
            attempts,
            now,
            sent_at,
        )
        for p in planned
    ]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        copy_rows(conn, "exchange_rows", _RECORD_COLUMNS, values)
        return
    for chunk in _chunks(values, 5000):
        session.execute(
            insert(ExchangeRow), [dict(zip(_RECORD_COLUMNS, v, strict=True)) for v in chunk]
        )


def _lock_cursor(session: Session) -> int:
    """Hold the cursor row for this transaction: one planner at a time (CLI and job)."""
    row = session.get(SyncState, CURSOR_KEY, with_for_update=True)
    if row is None:
        session.add(SyncState(key=CURSOR_KEY, value=0))
        session.flush()
        return 0
    return int(row.value or 0)


# --------------------------------------------------------------------------- re-sending


def rebuild(session: Session, rows: Sequence[ExchangeRow], *, clock: Clock) -> list[Planned]:
    """The current content of recorded records (for a re-send), from the cases as held now."""
    items = ItemCache()
    case_ids = list(dict.fromkeys(r.case_id for r in rows))
    cases: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(case_ids):
        for case_id, case_state in session.execute(
            select(CaseRow.case_id, CaseRow.state).where(CaseRow.case_id.in_(chunk))
        ):
            cases[case_id] = case_state
    facts = items.get(session, (_item_key(c) for c in cases.values()))
    now = clock.now()
    out = []
    for row in rows:
        if row.target == RECTIFY_TARGET:
            task_id = int(row.source_id.removeprefix("rectification-"))
            task = session.get(RectificationTask, task_id)
            if task is not None:
                fresh = _rectify_planned(session, task, clock=clock)
                out.append(
                    Planned(
                        row.source_id,
                        row.target,
                        row.case_id,
                        row.case_no,
                        row.event_type,
                        row.sn,
                        fresh.rows,
                    )
                )
            continue
        case = cases.get(row.case_id) or {}
        entry = next((e for e in case.get("history") or () if e["id"] == row.source_id), None)
        if entry is None:
            continue  # the step no longer stands in the fold (an anomaly now): nothing to send
        item = facts.get(_item_key(case), ItemFacts())
        out.append(
            Planned(
                row.source_id,
                row.target,
                row.case_id,
                row.case_no,
                row.event_type,
                row.sn,
                build_rows(row.target, entry, case, item, sn=row.sn, now=now),
            )
        )
    return out


def send_pending(session: Session, engine: Engine, *, clock: Clock, limit: int = 2000) -> int:
    """Write pending records (oldest first) over their exchange rows; returns how many.

    Raises ExchangeDown with nothing marked when the exchange database is away.
    """
    rows = list(
        session.scalars(
            select(ExchangeRow)
            .where(ExchangeRow.status == RowStatus.PENDING)
            .order_by(ExchangeRow.id)
            .limit(limit)
        )
    )
    if not rows:
        return 0
    planned = rebuild(session, rows, clock=clock)
    write_over(engine, planned)
    now = clock.now()
    for row in rows:
        # ``reason`` keeps the last refusal, shown as such once the record is re-sent.
        row.status, row.sent_at, row.attempts = RowStatus.SENT, now, row.attempts + 1
    session.flush()
    return len(rows)


def resend(session: Session, actor: Actor, row_id: int) -> ExchangeRow:
    """Queue a refused record again (after the cause was fixed); the next cycle writes it
    over the same exchange row — never a second one. County admin only.

    Raises NotFound, PermissionDenied, Conflict (only a refused record can be re-sent).
    """
    require_role(actor, Role.ADMIN, action="重新报送交换记录")
    row = session.get(ExchangeRow, row_id)
    if row is None:
        raise NotFound(detail=f"交换记录 {row_id} 不存在")
    if row.status is not RowStatus.REFUSED:
        raise Conflict(
            detail=f"交换记录当前为「{row.status.label}」，只有省级拒收的记录可以重新报送"
        )
    row.status = RowStatus.PENDING
    session.flush()
    log.info("exchange_resend", row=row.id, case_no=row.case_no, target=row.target)
    return row


# --------------------------------------------------------------------------- verdicts


def collect_verdicts(
    session: Session, engine: Engine, *, clock: Clock, limit: int = 2000
) -> tuple[int, int]:
    """Copy the province's verdicts into ``exchange_rows``; returns (refused, accepted).

    Refusals are few and read whole (``sync_status = '2'``); acceptances are checked for
    the oldest ``limit`` records still waiting, so a cycle's cost stays bounded.
    """
    now = clock.now()
    refusals: dict[tuple[str, str], str] = {}
    waiting: dict[str, list[ExchangeRow]] = defaultdict(list)
    taken: set[tuple[str, str]] = set()
    sent = list(
        session.scalars(
            select(ExchangeRow)
            .where(ExchangeRow.status == RowStatus.SENT)
            .order_by(ExchangeRow.id)
            .limit(limit)
        )
    )
    for row in sent:
        waiting[row.target].append(row)
    try:
        with engine.connect() as conn:
            for table in CASE_TABLES:
                for source_id, reason in conn.execute(
                    select(table.c.source_id, table.c.sync_error).where(table.c.sync_status == "2")
                ):
                    refusals.setdefault((source_id, table.name), reason or "未说明原因")
                rows = waiting.get(table.name, [])
                for chunk in _chunks([r.source_id for r in rows]):
                    taken.update(
                        (s, table.name)
                        for s in conn.scalars(
                            select(table.c.source_id).where(
                                table.c.source_id.in_(chunk), table.c.sync_status == "1"
                            )
                        )
                    )
    except SQLAlchemyError as err:
        raise ExchangeDown(detail=f"读取前置交换库失败：{_short(err)}") from err
    refused = 0
    keys = list({source for source, _ in refusals})
    for chunk in _chunks(keys):
        for row in session.scalars(
            select(ExchangeRow).where(
                ExchangeRow.source_id.in_(chunk),
                ExchangeRow.status.in_((RowStatus.SENT, RowStatus.ACCEPTED)),
            )
        ):
            reason = refusals.get((row.source_id, row.target))
            if reason is None:
                continue
            row.status, row.reason, row.answered_at = RowStatus.REFUSED, reason, now
            refused += 1
            log.warning("exchange_refused", case_no=row.case_no, target=row.target, reason=reason)
    accepted = 0
    for row in sent:
        if row.status is RowStatus.SENT and (row.source_id, row.target) in taken:
            row.status, row.answered_at = RowStatus.ACCEPTED, now
            accepted += 1
    session.flush()
    return refused, accepted


# --------------------------------------------------------------------------- the cycle


@dataclass
class CycleReport:
    """What one cycle did."""

    resent: int = 0
    planned: int = 0
    written: int = 0
    pending: int = 0
    refused: int = 0
    accepted: int = 0
    events: int = 0
    more: bool = False
    error: str = ""


def run_cycle(
    sessions: Any,
    engine: Engine,
    *,
    clock: Clock,
    limit: int = 5000,
    grace_seconds: float = 0.0,
    items: ItemCache | None = None,
    collect: bool = True,
) -> CycleReport:
    """One pass of the exchange job (see the module docstring). ``sessions`` makes hub
    sessions; each step commits its own hub transaction. Raises ExchangeDown after
    keeping what it planned as pending."""
    report = CycleReport()
    items = items or ItemCache()
    with sessions() as session, session.begin():
        report.resent = send_pending(session, engine, clock=clock, limit=limit)
    with sessions() as session, session.begin():
        _lock_cursor(session)
        batch = plan(session, clock=clock, limit=limit, grace_seconds=grace_seconds, items=items)
        planned = batch.planned + plan_rectifications(session, clock=clock)
        report.planned, report.events = len(planned), batch.events
        report.more = batch.events >= limit or report.resent >= limit
        now = clock.now()
        try:
            report.written = write_new(engine, planned) if planned else 0
        except ExchangeDown as down:
            record(session, planned, RowStatus.PENDING, now)
            state.put(session, CURSOR_KEY, batch.cursor)
            report.pending = len(planned)
            report.error = down.detail
        else:
            record(session, planned, RowStatus.SENT, now)
            state.put(session, CURSOR_KEY, batch.cursor)
    if report.error:
        raise ExchangeDown(detail=report.error)
    if collect:
        with sessions() as session, session.begin():
            report.refused, report.accepted = collect_verdicts(session, engine, clock=clock)
    return report


def drain(
    sessions: Any,
    engine: Engine,
    *,
    clock: Clock,
    limit: int = 5000,
    grace_seconds: float = 0.0,
    max_cycles: int | None = None,
) -> CycleReport:
    """Cycles until caught up (the backfill); the sum of what they did."""
    total = CycleReport()
    items = ItemCache()
    cycles = 0
    while True:
        report = run_cycle(
            sessions,
            engine,
            clock=clock,
            limit=limit,
            grace_seconds=grace_seconds,
            items=items,
            collect=False,
        )
        for name in ("resent", "planned", "written", "events"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        cycles += 1
        if not report.more or (max_cycles is not None and cycles >= max_cycles):
            break
    with sessions() as session, session.begin():
        total.refused, total.accepted = collect_verdicts(session, engine, clock=clock)
    return total


# --------------------------------------------------------------------------- reading


def lag_seconds(session: Session, *, clock: Clock) -> float:
    """How far the exchange is behind the hub: the age of the oldest event past the
    cursor, or of the oldest pending record, in seconds (0 when caught up)."""
    cursor = int(state.get(session, CURSOR_KEY, 0) or 0)
    oldest_event = session.scalar(
        select(func.min(CaseEventRow.received_at)).where(
            CaseEventRow.seq > cursor, CaseEventRow.type.in_(TRIGGER_TYPES)
        )
    )
    oldest_pending = session.scalar(
        select(func.min(ExchangeRow.planned_at)).where(ExchangeRow.status == RowStatus.PENDING)
    )
    moments = [m for m in (oldest_event, oldest_pending) if m is not None]
    if not moments:
        return 0.0
    return max(0.0, (clock.now() - min(moments)).total_seconds())


def counts(session: Session) -> dict[str, int]:
    """Records by status (every status present, zero when none)."""
    found = dict(
        session.execute(select(ExchangeRow.status, func.count()).group_by(ExchangeRow.status)).all()
    )
    return {s.value: int(found.get(s, 0)) for s in RowStatus}


def status(session: Session, *, clock: Clock, enabled: bool) -> dict[str, Any]:
    """The exchange at a glance: counts, lag, cursor and the job's last outcome."""
    by_target = [
        {"target": target, "status": row_status.value, "count": int(n)}
        for target, row_status, n in session.execute(
            select(ExchangeRow.target, ExchangeRow.status, func.count())
            .group_by(ExchangeRow.target, ExchangeRow.status)
            .order_by(ExchangeRow.target)
        )
    ]
    return {
        "enabled": enabled,
        "cursor": int(state.get(session, CURSOR_KEY, 0) or 0),
        "lag_seconds": round(lag_seconds(session, clock=clock), 1),
        "counts": counts(session),
        "by_target": by_target,
        "last_success": state.get(session, "exchange.last_success"),
        "last_error": state.get(session, "exchange.last_error") or "",
        "failures": int(state.get(session, "exchange.failures", 0) or 0),
        "next_attempt": state.get(session, "exchange.next_attempt"),
    }


@dataclass
class RowPage:
    items: list[ExchangeRow]
    total: int
    page: int
    per_page: int


def list_rows(
    session: Session,
    actor: Actor,
    *,
    status: RowStatus | None = None,
    target: str | None = None,
    case_no: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> RowPage:
    """Exchange records, newest first, for county admins and supervisors."""
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, action="查看省级交换记录")
    stmt = select(ExchangeRow)
    if status is not None:
        stmt = stmt.where(ExchangeRow.status == status)
    if target:
        stmt = stmt.where(ExchangeRow.target == target)
    if case_no:
        stmt = stmt.where(ExchangeRow.case_no == case_no)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        session.scalars(
            stmt.order_by(ExchangeRow.id.desc()).offset((page - 1) * per_page).limit(per_page)
        )
    )
    return RowPage(items=items, total=total, page=page, per_page=per_page)
