"""Catalog in: the provincial item library (省级事项库) into drafts, published on confirmation.

A pull reads the item versions the county has not taken yet — from the exchange
database's ``up_task_general_*`` tables, or from an export file of the same layout — and
for each one either

* drafts a new version through the catalog's own services (``create_item`` /
  ``save_draft``, the same path as the API and the editor page), the province's fields
  over the county's own (:func:`county_hub.exchange.mapping.merge_local`), with the diff
  against the published version kept for the admin to read;
* prepares a suspension when the province paused or cancelled the item (never a
  deletion);
* records that nothing changed; or
* refuses it into the review list with every reason (unknown code-list value, missing
  required element, a code that fails its check, a county draft in the way) — the other
  items are applied all the same.

Nothing is published until a county admin confirms (:func:`confirm_change`); then the
catalog's ``publish_item`` / ``change_status`` announce it to every node by the master
feed. This module is one aggregate (the catalog changes); the caller commits.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from county_hub.catalog import services as catalog
from county_hub.catalog.exchange import catalog_rows
from county_hub.catalog.models import ServiceItem
from county_hub.catalog.schemas import ItemDataSchema
from county_hub.exchange.mapping import (
    TaskRecord,
    exchange_time,
    map_task,
    merge_local,
    task_rows,
)
from county_hub.exchange.models import (
    TASK_TABLES,
    UP_TASK_GENERAL_BASIC,
    CatalogChange,
    ChangeKind,
    ChangeStatus,
)
from county_hub.exchange.services import ExchangeDown, exchange_engine
from county_hub.org.models import Department
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.clock import Clock
from shared.errors import Conflict, DomainError, InvalidInput, InvalidParam, NotFound
from shared.items import ItemStatus
from shared.log import get_logger

log = get_logger(__name__)

Row = dict[str, Any]
FROM_EXCHANGE = "exchange"


@dataclass
class TaskRows:
    """The three task tables' rows, as read from the exchange database or a file."""

    basic: list[Row] = field(default_factory=list)
    extend: list[Row] = field(default_factory=list)
    material: list[Row] = field(default_factory=list)


@dataclass
class Verdict:
    """What the county tells the province about one item version (written back)."""

    task_code: str
    task_version: int
    status: str  # "1" taken, "2" refused
    reason: str = ""


@dataclass
class PullReport:
    """What a pull found and did."""

    read: int = 0
    drafted: int = 0
    suspended: int = 0
    unchanged: int = 0
    refused: int = 0
    changes: list[CatalogChange] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def read_exchange(engine: Engine) -> TaskRows:
    """Every row of the exchange database's task tables. Raises ExchangeDown."""
    rows = TaskRows()
    try:
        with engine.connect() as conn:
            for table, target in zip(
                TASK_TABLES, (rows.basic, rows.extend, rows.material), strict=True
            ):
                target.extend(dict(r._mapping) for r in conn.execute(select(table)))
    except SQLAlchemyError as err:
        raise ExchangeDown(detail=f"读取前置交换库失败：{err.__class__.__name__}") from err
    return rows


def read_file(path: Path) -> TaskRows:
    """An export of the task tables: an .xlsx with one sheet per table, or a folder of
    ``<table>.csv`` files (UTF-8, a BOM is fine). Raises InvalidInput."""
    rows = TaskRows()
    targets = (rows.basic, rows.extend, rows.material)
    if path.is_dir():
        for table, target in zip(TASK_TABLES, targets, strict=True):
            file = path / f"{table.name}.csv"
            if file.exists():
                with file.open(encoding="utf-8-sig", newline="") as handle:
                    target.extend(dict(r) for r in csv.DictReader(handle))
    elif path.suffix.lower() == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for table, target in zip(TASK_TABLES, targets, strict=True):
                if table.name in book.sheetnames:
                    sheet = book[table.name].iter_rows(values_only=True)
                    header = [str(h or "").strip() for h in next(sheet, ())]
                    target.extend(dict(zip(header, r, strict=False)) for r in sheet)
        finally:
            book.close()
    else:
        raise InvalidInput(
            detail="只支持 .xlsx 文件（每张表一个工作表）或包含各表 CSV 的文件夹",
            invalid_params=[InvalidParam("file", path.name)],
        )
    if not rows.basic:
        raise InvalidInput(
            detail=f"文件中没有 {UP_TASK_GENERAL_BASIC.name}（实施清单基本信息）",
            invalid_params=[InvalidParam("file", f"缺少 {UP_TASK_GENERAL_BASIC.name}")],
        )
    return rows


def write_file(path: Path, rows: TaskRows) -> None:
    """The task tables as an .xlsx (one sheet per table) or a folder of CSV files."""
    columns = [[c.name for c in t.columns] for t in TASK_TABLES]
    data = (rows.basic, rows.extend, rows.material)
    if path.suffix.lower() == ".xlsx":
        book = openpyxl.Workbook(write_only=True)
        for table, names, part in zip(TASK_TABLES, columns, data, strict=True):
            sheet = book.create_sheet(table.name)
            sheet.append(names)
            for row in part:
                sheet.append([row.get(c) for c in names])
        book.save(path)
        return
    path.mkdir(parents=True, exist_ok=True)
    for table, names, part in zip(TASK_TABLES, columns, data, strict=True):
        with (path / f"{table.name}.csv").open("w", encoding="utf-8-sig", newline="") as h:
            writer = csv.DictWriter(h, fieldnames=names, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(part)


def county_task_rows(session: Session, *, version_of: Mapping[str, int] | None = None) -> TaskRows:
    """The county's catalog (current versions) in the task tables' layout."""
    rows = TaskRows()
    for record, materials in catalog_rows(session):
        record["materials"] = [
            {k: v for k, v in m.items() if k not in ("item_code", "position")} for m in materials
        ]
        version = (version_of or {}).get(record["code"], 1)
        basic, extend, material = task_rows(record, version=version)
        rows.basic.append(basic)
        rows.extend.append(extend)
        rows.material.extend(material)
    return rows


# --------------------------------------------------------------------------- pulling


def _key(row: Mapping[str, Any]) -> tuple[str, str]:
    return (str(row.get("task_code") or "").strip(), str(row.get("task_version") or "").strip())


def _latest(rows: TaskRows) -> list[tuple[Row, Row | None, list[Row]]]:
    """Each task code's highest version with its extend row and materials."""
    extend = {_key(r): r for r in rows.extend}
    materials: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows.material:
        materials[_key(row)].append(row)
    best: dict[str, Row] = {}
    for row in rows.basic:
        code = _key(row)[0]
        current = best.get(code)
        if current is None or _version(row) > _version(current):
            best[code] = row
    return [(b, extend.get(_key(b)), materials.get(_key(b), [])) for b in best.values()]


def _version(row: Mapping[str, Any]) -> int:
    text = str(row.get("task_version") or "").strip()
    return int(text) if text.isdigit() else -1


def pull(
    session: Session, actor: Actor, rows: TaskRows, *, source: str, clock: Clock
) -> PullReport:
    """Take in the item versions not taken yet (see the module docstring).

    A version refused before is tried again (its cause may be gone). County admin only;
    raises PermissionDenied. The caller commits, then may write the verdicts back.
    """
    require_role(actor, Role.ADMIN, action="拉取省级事项库")
    report = PullReport()
    known = {(c.task_code, c.task_version): c for c in session.scalars(select(CatalogChange))}
    retry = (ChangeStatus.REFUSED, ChangeStatus.SUPERSEDED)
    departments = dict(session.execute(select(Department.uscc, Department.code)).all())
    defaults = _defaults()
    for basic, extend, materials in sorted(_latest(rows), key=lambda t: _key(t[0])):
        task = map_task(basic, extend, materials)
        previous = known.get((task.task_code, task.task_version))
        if previous is not None and previous.status not in retry:
            continue
        report.read += 1
        change = previous or CatalogChange(
            task_code=task.task_code[:50] or "?",
            task_version=task.task_version,
            source=source[:200],
        )
        change.task_name = task.task_name[:200]
        change.pulled_at, change.pulled_by = clock.now(), actor.username
        change.problems, change.diff, change.kind = [], [], None
        _take(session, actor, change, task, departments, defaults, clock=clock)
        if previous is None:
            session.add(change)
        session.flush()
        report.changes.append(change)
        counter = {
            ChangeStatus.PENDING: "suspended" if change.kind is ChangeKind.SUSPEND else "drafted",
            ChangeStatus.UNCHANGED: "unchanged",
            ChangeStatus.REFUSED: "refused",
        }[change.status]
        setattr(report, counter, getattr(report, counter) + 1)
        if change.status is ChangeStatus.REFUSED:
            reason = "；".join(f"{p['name']}：{p['reason']}" for p in change.problems)
            report.verdicts.append(Verdict(change.task_code, change.task_version, "2", reason))
        elif change.status is ChangeStatus.UNCHANGED:
            report.verdicts.append(Verdict(change.task_code, change.task_version, "1"))
    log.info(
        "exchange_catalog_pulled",
        source=source,
        read=report.read,
        drafted=report.drafted,
        suspended=report.suspended,
        refused=report.refused,
    )
    return report


def _defaults() -> dict[str, Any]:
    defaults = {}
    for name, spec in ItemDataSchema().fields.items():
        default = spec.load_default
        if name != "materials" and not callable(default) and default is not None:
            defaults[name] = default
    return defaults


def _refuse(change: CatalogChange, problems: Iterable[InvalidParam]) -> None:
    change.status = ChangeStatus.REFUSED
    change.problems = [{"name": p.name, "reason": p.reason} for p in problems]


def _take(
    session: Session,
    actor: Actor,
    change: CatalogChange,
    task: TaskRecord,
    departments: Mapping[str, str],
    defaults: Mapping[str, Any],
    *,
    clock: Clock,
) -> None:
    if task.problems:
        _refuse(change, task.problems)
        return
    item = session.get(ServiceItem, task.task_code)
    if task.task_state in ("2", "3"):
        if item is not None and item.status is ItemStatus.PUBLISHED:
            change.kind, change.status = ChangeKind.SUSPEND, ChangeStatus.PENDING
            change.diff = [
                {
                    "field": "status",
                    "label": "事项状态",
                    "before": ItemStatus.PUBLISHED.label,
                    "after": ItemStatus.SUSPENDED.label,
                }
            ]
        else:
            change.status = ChangeStatus.UNCHANGED  # nothing here to pause
        return
    department = departments.get(task.dept_code)
    if item is not None:
        department = item.department_code
    if department is None:
        _refuse(
            change,
            [
                InvalidParam(
                    "dept_code",
                    f"实施主体统一社会信用代码 {task.dept_code} 不是本县已登记的部门",
                )
            ],
        )
        return
    local = catalog.version_record(item.versions[-1]) if item is not None else None
    if item is not None and item.current_version is not None:
        current = next(v for v in item.versions if v.version == item.current_version)
        local = catalog.version_record(current)
    record = merge_local(task.record, local, defaults)
    record["department"] = department
    if item is None:
        _draft(session, actor, change, record, clock=clock, new=True)
        return
    open_draft = item.versions[-1] if not item.versions[-1].is_published else None
    if open_draft is not None:
        mine = session.scalar(
            select(CatalogChange).where(
                CatalogChange.task_code == item.code,
                CatalogChange.status == ChangeStatus.PENDING,
                CatalogChange.draft_version == open_draft.version,
            )
        )
        if mine is None:
            _refuse(
                change,
                [
                    InvalidParam(
                        "task_code",
                        f"县级有未发布的草稿（第 {open_draft.version} 版），请先发布或处理后再拉取",
                    )
                ],
            )
            return
        mine.status = ChangeStatus.SUPERSEDED
    if local is not None and not catalog.diff_records(local, record) and open_draft is None:
        change.status = ChangeStatus.UNCHANGED
        return
    _draft(session, actor, change, record, clock=clock, new=False, before=local)


def _draft(
    session: Session,
    actor: Actor,
    change: CatalogChange,
    record: dict[str, Any],
    *,
    clock: Clock,
    new: bool,
    before: Mapping[str, Any] | None = None,
) -> None:
    """Draft through the catalog's services inside a savepoint: a refusal undoes only it."""
    try:
        with session.begin_nested():
            if new:
                item = catalog.create_item(session, actor, record, clock=clock)
                version = 1
            else:
                version = catalog.save_draft(
                    session, actor, record["code"], record, clock=clock
                ).version
                item = catalog.get_item(session, record["code"])
    except DomainError as err:
        _refuse(change, err.invalid_params or [InvalidParam("task_code", err.detail)])
        return
    drafted = catalog.version_record(next(v for v in item.versions if v.version == version))
    change.kind = ChangeKind.NEW if new else ChangeKind.CHANGE
    change.status = ChangeStatus.PENDING
    change.draft_version = version
    change.diff = _jsonable(catalog.diff_records(before or {}, drafted))


def _jsonable(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            k: v if isinstance(v, str | int | float | bool | dict | list | None) else str(v)
            for k, v in c.items()
        }
        for c in changes
    ]


# --------------------------------------------------------------------------- confirming


def confirm_change(
    session: Session, actor: Actor, change_id: int, *, clock: Clock
) -> CatalogChange:
    """Publish the draft (or suspend the item) of a pending change. County admin only.

    Raises NotFound, PermissionDenied, Conflict (not pending, or the draft was edited).
    """
    require_role(actor, Role.ADMIN, action="确认发布省级事项变更")
    change = session.get(CatalogChange, change_id)
    if change is None:
        raise NotFound(detail=f"事项变更 {change_id} 不存在")
    if change.status is not ChangeStatus.PENDING:
        raise Conflict(detail=f"该变更当前为「{change.status.label}」，不能确认")
    if change.kind is ChangeKind.SUSPEND:
        item = catalog.get_item(session, change.task_code)
        if item.status is ItemStatus.PUBLISHED:
            catalog.change_status(session, actor, change.task_code, "suspend", clock=clock)
    else:
        item = catalog.get_item(session, change.task_code)
        latest = item.versions[-1]
        if latest.version != change.draft_version or latest.is_published:
            raise Conflict(
                detail=f"事项 {change.task_code} 的草稿已不是本次拉取生成的第 "
                f"{change.draft_version} 版，请重新拉取"
            )
        catalog.publish_item(session, actor, change.task_code, clock=clock)
    change.status = ChangeStatus.PUBLISHED
    change.decided_at, change.decided_by = clock.now(), actor.username
    session.flush()
    log.info("exchange_catalog_confirmed", code=change.task_code, version=change.task_version)
    return change


def confirm_all(session: Session, actor: Actor, *, clock: Clock) -> list[CatalogChange]:
    """Confirm every pending change, oldest first."""
    require_role(actor, Role.ADMIN, action="确认发布省级事项变更")
    ids = list(
        session.scalars(
            select(CatalogChange.id)
            .where(CatalogChange.status == ChangeStatus.PENDING)
            .order_by(CatalogChange.id)
        )
    )
    return [confirm_change(session, actor, i, clock=clock) for i in ids]


def verdicts_of(changes: Iterable[CatalogChange]) -> list[Verdict]:
    """The write-back of confirmed changes (``1``: taken)."""
    return [
        Verdict(c.task_code, c.task_version, "1")
        for c in changes
        if c.status is ChangeStatus.PUBLISHED
    ]


def answer_province(engine: Engine, verdicts: Sequence[Verdict], *, clock: Clock) -> None:
    """Write each verdict into the task tables' status columns (as 前置库 readers do)."""
    if not verdicts:
        return
    now = exchange_time(clock.now())
    try:
        with engine.begin() as conn:
            for verdict in verdicts:
                for table in TASK_TABLES:
                    conn.execute(
                        update(table)
                        .where(
                            table.c.task_code == verdict.task_code,
                            table.c.task_version == verdict.task_version,
                        )
                        .values(
                            sync_status=verdict.status,
                            sync_error=verdict.reason or None,
                            sync_time=now,
                        )
                    )
    except SQLAlchemyError as err:
        raise ExchangeDown(detail=f"回写前置交换库失败：{err.__class__.__name__}") from err


def tell_province(url: str, verdicts: Sequence[Verdict], *, clock: Clock) -> bool:
    """:func:`answer_province` when the exchange is on; False when it is off or away.

    A verdict is a courtesy to the province: what the county did stands either way.
    """
    if not url or not verdicts:
        return False
    try:
        answer_province(exchange_engine(url), verdicts, clock=clock)
    except ExchangeDown as down:
        log.warning("exchange_answer_failed", error=down.detail)
        return False
    return True


# --------------------------------------------------------------------------- reading changes


def list_changes(
    session: Session, actor: Actor, *, status: ChangeStatus | None = None, limit: int = 500
) -> list[CatalogChange]:
    """Changes from the provincial library, newest first (county admin and supervisors)."""
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, action="查看省级事项变更")
    stmt = select(CatalogChange)
    if status is not None:
        stmt = stmt.where(CatalogChange.status == status)
    return list(session.scalars(stmt.order_by(CatalogChange.id.desc()).limit(limit)))
