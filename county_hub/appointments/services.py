"""预约 at the hall's department windows and the town centers, and 巡查 of them.

A venue is a department code (its window in the county hall) or a 9-digit town code
(the town's service center). Slots are not stored ahead: the venue's schedule says which
30-minute slots a working day has, and a slot row is created the first time somebody
books it so that bookings can lock it. Pages and the API call these same functions;
permissions are checked here. The caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from county_hub.appointments.models import (
    FINDING_CATEGORIES,
    SEVERITIES,
    Appointment,
    AppointmentSchedule,
    AppointmentSlot,
    AppointmentStatus,
    Inspection,
    InspectionFinding,
    InspectionStatus,
)
from county_hub.catalog.models import ServiceItem
from county_hub.org.models import Department, Region, RegionLevel
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.calendar_store import load_calendar
from shared.casework.services import LANDLINE, MOBILE
from shared.clock import CHINA_TZ, Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound, PermissionDenied
from shared.ids.gb11643 import validate_id_number
from shared.ids.masking import mask_id_number, mask_phone
from shared.log import get_logger

log = get_logger(__name__)

DEFAULT_CAPACITY = 3
#: The hall's hours (local practice): 08:30–12:00 and 14:30–18:00.
DEFAULT_PERIODS: tuple[tuple[str, str], ...] = (("08:30", "12:00"), ("14:30", "18:00"))
SLOT_MINUTES = 30


# --------------------------------------------------------------------------- venues


def venue_name(session: Session, venue: str) -> str | None:
    """The window's department or the town center's name; None if there is no such venue."""
    if not venue:
        return None
    department = session.get(Department, venue)
    if department is not None:
        return f"{department.name}窗口"
    region = session.get(Region, venue)
    if region is not None and region.level is RegionLevel.TOWN:
        return f"{region.name}便民服务中心"
    return None


def venues(session: Session) -> list[tuple[str, str]]:
    """Every venue as (code, name): hall windows first, then the town centers."""
    departments = session.execute(
        select(Department.code, Department.name).order_by(Department.code)
    )
    towns = session.execute(
        select(Region.code, Region.name)
        .where(Region.level == RegionLevel.TOWN)
        .order_by(Region.code)
    )
    return [(code, f"{name}窗口") for code, name in departments] + [
        (code, f"{name}便民服务中心") for code, name in towns
    ]


def _oversees(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.SUPERVISOR)


def own_venue(actor: Actor) -> str | None:
    """The venue whose bookings and findings this account works on."""
    if actor.role is Role.DEPT_REVIEWER:
        return actor.department_code
    if actor.role is Role.TOWN_STAFF and actor.region_code and len(actor.region_code) == 9:
        return actor.region_code
    return None


def _listable_venue(actor: Actor, venue: str | None, what: str) -> str | None:
    """The venue to filter by (None: all); PermissionDenied if the account may not look."""
    if _oversees(actor):
        return venue or None
    mine = own_venue(actor)
    if mine is None:
        raise PermissionDenied(
            detail=f"只有窗口人员、镇（街道）工作人员和督查、管理人员可以查看{what}"
        )
    if venue and venue != mine:
        raise PermissionDenied(detail=f"只能查看本窗口（本中心）的{what}")
    return mine


def _works_at(actor: Actor, venue: str) -> bool:
    return actor.role is Role.ADMIN or own_venue(actor) == venue


# --------------------------------------------------------------------------- slots


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_of(
    session: Session, venue: str, *, capacity: int
) -> tuple[list[tuple[str, str]], int]:
    """The venue's slots as (start, end) and places per slot (its own row, else defaults)."""
    row = session.get(AppointmentSchedule, venue)
    periods = [tuple(p) for p in row.periods] if row is not None else list(DEFAULT_PERIODS)
    places = row.capacity if row is not None else capacity
    slots = []
    for begin, end in periods:
        start = _minutes(str(begin))
        while start + SLOT_MINUTES <= _minutes(str(end)):
            slots.append((_hhmm(start), _hhmm(start + SLOT_MINUTES)))
            start += SLOT_MINUTES
    return slots, places


def _starts_at(day: date, start: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(start), tzinfo=CHINA_TZ)


def closed_reason(session: Session, day: date) -> str:
    """Why ``day`` has no slots ('' on a working day); an unknown year raises (422)."""
    calendar = load_calendar(session)
    if calendar.is_workday(day):
        return ""
    name = calendar.schedule(day.year).names.get(day)
    if name:
        return f"{day.isoformat()} 是法定节假日（{name}），不开放预约"
    return f"{day.isoformat()} 是休息日，不开放预约"


def _require_venue(session: Session, venue: str) -> str:
    name = venue_name(session, venue)
    if name is None:
        raise InvalidInput(
            detail="没有这个预约地点",
            invalid_params=[InvalidParam("venue", f"没有窗口或镇（街道）便民服务中心“{venue}”")],
        )
    return name


def _taken(session: Session, venue: str, day: date) -> dict[str, int]:
    rows = session.execute(
        select(Appointment.start, func.count())
        .where(
            Appointment.venue == venue,
            Appointment.day == day,
            Appointment.status != AppointmentStatus.CANCELLED,
        )
        .group_by(Appointment.start)
    )
    return {start: int(count) for start, count in rows}


def list_slots(
    session: Session, venue: str, day: date, *, clock: Clock, capacity: int = DEFAULT_CAPACITY
) -> dict[str, Any]:
    """The day's slots at ``venue`` with the free places; none on a day off.

    Raises InvalidInput for an unknown venue, CalendarYearUnknown for a year whose
    holidays are not published.
    """
    name = _require_venue(session, venue)
    reason = closed_reason(session, day)
    out: dict[str, Any] = {
        "venue": venue,
        "venue_name": name,
        "date": day.isoformat(),
        "working_day": not reason,
        "note": reason,
        "slots": [],
    }
    if reason:
        return out
    slots, places = schedule_of(session, venue, capacity=capacity)
    taken = _taken(session, venue, day)
    now = clock.now()
    for start, end in slots:
        booked = taken.get(start, 0)
        out["slots"].append(
            {
                "start": start,
                "end": end,
                "capacity": places,
                "booked": booked,
                "free": max(0, places - booked),
                "past": _starts_at(day, start) <= now,
            }
        )
    return out


# --------------------------------------------------------------------------- bookings


def _as_date(value: Any, name: str, problems: list[InvalidParam], label: str) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        problems.append(InvalidParam(name, f"请填写{label}"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(InvalidParam(name, "应为日期，格式 YYYY-MM-DD"))
        return None


def _locked_slot(session: Session, venue: str, day: date, start: str) -> AppointmentSlot:
    """The slot row, created if needed, locked until the transaction ends.

    On PostgreSQL the FOR UPDATE makes a second booking of the same slot wait until the
    first commits, so the count below sees it; SQLite takes the write lock at BEGIN
    IMMEDIATE (shared.db), which serialises writers anyway.
    """
    stmt = (
        select(AppointmentSlot)
        .where(
            AppointmentSlot.venue == venue,
            AppointmentSlot.day == day,
            AppointmentSlot.start == start,
        )
        .with_for_update()
    )
    slot = session.scalar(stmt)
    if slot is not None:
        return slot
    try:
        with session.begin_nested():
            slot = AppointmentSlot(
                venue=venue, day=day, start=start, starts_at=_starts_at(day, start)
            )
            session.add(slot)
    except IntegrityError:
        # Another request created it in the meantime: wait for its lock instead.
        slot = session.scalar(stmt)
        assert slot is not None
    return slot


def book(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    capacity: int = DEFAULT_CAPACITY,
) -> dict[str, Any]:
    """Book a place for a citizen in a slot (any logged-in staff member may).

    Raises InvalidInput (missing or bad data, unknown venue or slot, day off, slot
    begun), Conflict (slot full, or the person already holds a booking at this venue
    that day).
    """
    problems: list[InvalidParam] = []
    venue = str(data.get("venue") or "").strip()
    if not venue:
        problems.append(InvalidParam("venue", "请选择预约窗口或镇（街道）便民服务中心"))
    elif venue_name(session, venue) is None:
        problems.append(InvalidParam("venue", f"没有窗口或镇（街道）便民服务中心“{venue}”"))
    day = _as_date(data.get("date"), "date", problems, "预约日期")
    start = str(data.get("start") or "").strip()
    name = str(data.get("name") or "").strip()
    phone = str(data.get("phone") or "").strip()
    raw_id = str(data.get("id_number") or "").strip()
    item_code = str(data.get("item_code") or "").strip() or None
    if not name:
        problems.append(InvalidParam("name", "请填写预约人姓名"))
    if not phone:
        problems.append(InvalidParam("phone", "请填写联系电话"))
    elif not (MOBILE.match(phone) or LANDLINE.match(phone)):
        problems.append(InvalidParam("phone", "应为11位手机号或带区号的固定电话，如 0916-1234567"))
    id_number = ""
    if not raw_id:
        problems.append(InvalidParam("id_number", "请填写身份证号码"))
    else:
        try:
            id_number = validate_id_number(raw_id, today=clock.today()).number
        except InvalidInput as err:
            problems.extend(err.invalid_params)
    if item_code and session.get(ServiceItem, item_code) is None:
        problems.append(InvalidParam("item_code", f"没有事项 {item_code}"))
    if not start:
        problems.append(InvalidParam("start", "请选择预约时段"))
    if day is not None and venue and not any(p.name == "venue" for p in problems):
        reason = closed_reason(session, day)
        if reason:
            problems.append(InvalidParam("date", reason))
        elif start:
            slots, capacity = schedule_of(session, venue, capacity=capacity)
            if start not in {s for s, _e in slots}:
                problems.append(InvalidParam("start", f"该地点没有 {start} 开始的预约时段"))
            elif _starts_at(day, start) <= clock.now():
                problems.append(InvalidParam("start", "该时段已开始或已过，不能预约"))
    if problems:
        raise InvalidInput(detail="预约信息不完整或有误", invalid_params=problems)
    assert day is not None
    slot = _locked_slot(session, venue, day, start)
    held = session.scalar(
        select(Appointment).where(
            Appointment.venue == venue,
            Appointment.day == day,
            Appointment.id_number == id_number,
            Appointment.status == AppointmentStatus.BOOKED,
        )
    )
    if held is not None:
        raise Conflict(
            detail=f"该身份证号当天在此地点已有预约（{held.start}），同一人每天只能预约一次"
        )
    taken = session.scalar(
        select(func.count()).where(
            Appointment.slot_id == slot.id, Appointment.status != AppointmentStatus.CANCELLED
        )
    )
    if (taken or 0) >= capacity:
        raise Conflict(detail="该时段已约满")
    appointment = Appointment(
        slot_id=slot.id,
        venue=venue,
        day=day,
        start=start,
        starts_at=slot.starts_at,
        name=name,
        id_number=id_number,
        id_masked=mask_id_number(id_number),
        phone=phone,
        item_code=item_code,
        status=AppointmentStatus.BOOKED,
        created_at=clock.now(),
        created_by=actor.username,
        cancel_reason="",
        marked_by="",
    )
    try:
        with session.begin_nested():
            session.add(appointment)
    except IntegrityError as err:  # the same person booked another slot concurrently
        raise Conflict(detail="该身份证号当天在此地点已有预约，同一人每天只能预约一次") from err
    log.info(
        "appointment_booked", appointment=appointment.id, venue=venue, day=str(day), start=start
    )
    return appointment_out(session, appointment, masked_phone=False)


def appointment_out(
    session: Session, appointment: Appointment, *, masked_phone: bool = True
) -> dict[str, Any]:
    """An appointment as the API shows it (the ID number is always masked)."""
    return {
        "id": appointment.id,
        "venue": appointment.venue,
        "venue_name": venue_name(session, appointment.venue) or appointment.venue,
        "date": appointment.day.isoformat(),
        "start": appointment.start,
        "starts_at": appointment.starts_at.isoformat(),
        "name": appointment.name,
        "id_number": appointment.id_masked,
        "phone": mask_phone(appointment.phone) if masked_phone else appointment.phone,
        "item_code": appointment.item_code,
        "status": appointment.status.value,
        "status_label": appointment.status.label,
        "created_at": appointment.created_at.isoformat(),
        "created_by": appointment.created_by,
        "cancel_reason": appointment.cancel_reason,
    }


def list_appointments(
    session: Session,
    actor: Actor,
    *,
    venue: str | None = None,
    day: date | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Bookings for the staff list, by slot (phones and ID numbers masked).

    Window and town staff see their own venue; admin and supervisors every venue.
    Raises PermissionDenied.
    """
    venue = _listable_venue(actor, venue, "预约名单")
    stmt = select(Appointment)
    if venue:
        stmt = stmt.where(Appointment.venue == venue)
    if day:
        stmt = stmt.where(Appointment.day == day)
    if status:
        stmt = stmt.where(Appointment.status == AppointmentStatus(status))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Appointment.starts_at, Appointment.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return {
        "items": [appointment_out(session, a) for a in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


def _appointment(session: Session, appointment_id: int) -> Appointment:
    found = session.get(Appointment, appointment_id)
    if found is None:
        raise NotFound(detail=f"没有预约 {appointment_id}")
    return found


def cancel(
    session: Session, actor: Actor, appointment_id: int, reason: str, *, clock: Clock
) -> dict[str, Any]:
    """Cancel a booking before its slot begins; the place becomes free again.

    The staff member who booked it, the venue's staff and admin may. Raises NotFound,
    PermissionDenied, InvalidInput (no reason), Conflict (not booked, or slot begun).
    """
    appointment = _appointment(session, appointment_id)
    if not (_works_at(actor, appointment.venue) or appointment.created_by == actor.username):
        raise PermissionDenied(detail="只有登记人、本窗口（本中心）人员或管理员可以取消预约")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            detail="请填写取消原因", invalid_params=[InvalidParam("reason", "请填写取消原因")]
        )
    if appointment.status is not AppointmentStatus.BOOKED:
        raise Conflict(detail=f"该预约{appointment.status.label}，不能取消")
    if appointment.starts_at <= clock.now():
        raise Conflict(detail="预约时段已开始或已过，不能取消")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    appointment.cancelled_at = clock.now()
    appointment.marked_by = actor.username
    session.flush()
    log.info("appointment_cancelled", appointment=appointment.id, venue=appointment.venue)
    return appointment_out(session, appointment)


def mark(
    session: Session, actor: Actor, appointment_id: int, outcome: str, *, clock: Clock
) -> dict[str, Any]:
    """Window staff record whether the citizen came (attended) or not (no_show).

    Raises NotFound, PermissionDenied (not this venue's staff), InvalidInput (unknown
    outcome), Conflict (not booked; the day has not come; no_show before the slot).
    """
    appointment = _appointment(session, appointment_id)
    if not _works_at(actor, appointment.venue):
        raise PermissionDenied(detail="只有本窗口（本中心）人员或管理员可以登记到场情况")
    if outcome not in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW):
        raise InvalidInput(
            detail="到场情况只能是 attended（已到场）或 no_show（未到场）",
            invalid_params=[InvalidParam("outcome", "应为 attended 或 no_show")],
        )
    if appointment.status is not AppointmentStatus.BOOKED:
        raise Conflict(detail=f"该预约{appointment.status.label}，不能再登记到场情况")
    if appointment.day > clock.today():
        raise Conflict(detail="预约日期未到，不能登记到场情况")
    if outcome == AppointmentStatus.NO_SHOW and appointment.starts_at > clock.now():
        raise Conflict(detail="预约时段尚未开始，不能登记未到场")
    appointment.status = AppointmentStatus(outcome)
    appointment.marked_by = actor.username
    session.flush()
    log.info("appointment_marked", appointment=appointment.id, outcome=outcome)
    return appointment_out(session, appointment)


# --------------------------------------------------------------------------- inspections


def _finding_problems(
    index: int, raw: Mapping[str, Any], inspected_on: date | None
) -> tuple[dict[str, Any], list[InvalidParam]]:
    problems: list[InvalidParam] = []
    prefix = f"findings.{index}"
    category = str(raw.get("category") or "").strip()
    description = str(raw.get("description") or "").strip()
    severity = str(raw.get("severity") or "一般").strip()
    if category not in FINDING_CATEGORIES:
        problems.append(
            InvalidParam(f"{prefix}.category", f"应为 {'、'.join(FINDING_CATEGORIES)} 之一")
        )
    if not description:
        problems.append(InvalidParam(f"{prefix}.description", "请填写发现的问题"))
    if severity not in SEVERITIES:
        problems.append(InvalidParam(f"{prefix}.severity", "应为 一般 或 严重"))
    rectify_by = _as_date(raw.get("rectify_by"), f"{prefix}.rectify_by", problems, "整改期限")
    if rectify_by and inspected_on and rectify_by < inspected_on:
        problems.append(InvalidParam(f"{prefix}.rectify_by", "整改期限不能早于巡查日期"))
    finding = {
        "category": category,
        "description": description,
        "severity": severity,
        "rectify_by": rectify_by,
    }
    return finding, problems


def _blank(raw: Mapping[str, Any]) -> bool:
    return not any(str(raw.get(k) or "").strip() for k in ("category", "description", "rectify_by"))


def create_inspection(
    session: Session, actor: Actor, data: Mapping[str, Any], *, clock: Clock
) -> dict[str, Any]:
    """Record a 巡查 of a window or town center with its findings (supervisor or admin).

    An inspection without findings is closed at once. Raises PermissionDenied or
    InvalidInput (unknown venue, date in the future, bad finding).
    """
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, action="登记巡查")
    problems: list[InvalidParam] = []
    venue = str(data.get("venue") or "").strip()
    if not venue:
        problems.append(InvalidParam("venue", "请选择被巡查的窗口或镇（街道）便民服务中心"))
    elif venue_name(session, venue) is None:
        problems.append(InvalidParam("venue", f"没有窗口或镇（街道）便民服务中心“{venue}”"))
    raw_day = data.get("inspected_on")
    inspected_on = (
        _as_date(raw_day, "inspected_on", problems, "巡查日期") if raw_day else clock.today()
    )
    if inspected_on and inspected_on > clock.today():
        problems.append(InvalidParam("inspected_on", "巡查日期不能晚于今天"))
    raw_findings: Sequence[Mapping[str, Any]] = [
        f for f in (data.get("findings") or []) if not _blank(f)
    ]
    findings = []
    for index, raw in enumerate(raw_findings):
        finding, more = _finding_problems(index, raw, inspected_on)
        findings.append(finding)
        problems.extend(more)
    if problems:
        raise InvalidInput(detail="巡查记录不完整或有误", invalid_params=problems)
    assert inspected_on is not None
    inspection = Inspection(
        inspected_on=inspected_on,
        month=f"{inspected_on:%Y-%m}",
        inspector=actor.username,
        venue=venue,
        note=str(data.get("note") or "").strip(),
        status=InspectionStatus.OPEN if findings else InspectionStatus.CLOSED,
        created_at=clock.now(),
    )
    session.add(inspection)
    session.flush()
    for n, finding in enumerate(findings, start=1):
        session.add(
            InspectionFinding(
                inspection_id=inspection.id, n=n, close_note="", closed_by="", **finding
            )
        )
    session.flush()
    log.info("inspection_recorded", inspection=inspection.id, venue=venue, findings=len(findings))
    return inspection_out(session, actor, inspection, today=clock.today())


def _findings(session: Session, inspection_id: int) -> list[InspectionFinding]:
    return list(
        session.scalars(
            select(InspectionFinding)
            .where(InspectionFinding.inspection_id == inspection_id)
            .order_by(InspectionFinding.n)
        )
    )


def _may_close(actor: Actor, inspection: Inspection) -> bool:
    return _oversees(actor) or own_venue(actor) == inspection.venue


def finding_out(finding: InspectionFinding, today: date) -> dict[str, Any]:
    return {
        "n": finding.n,
        "category": finding.category,
        "description": finding.description,
        "severity": finding.severity,
        "rectify_by": finding.rectify_by.isoformat(),
        "closed_on": finding.closed_on.isoformat() if finding.closed_on else None,
        "close_note": finding.close_note,
        "closed_by": finding.closed_by,
        "overdue": finding.closed_on is None and finding.rectify_by < today,
        "in_time": finding.closed_on is not None and finding.closed_on <= finding.rectify_by,
    }


def inspection_out(
    session: Session, actor: Actor, inspection: Inspection, *, today: date
) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "inspected_on": inspection.inspected_on.isoformat(),
        "month": inspection.month,
        "inspector": inspection.inspector,
        "venue": inspection.venue,
        "venue_name": venue_name(session, inspection.venue) or inspection.venue,
        "note": inspection.note,
        "status": inspection.status.value,
        "status_label": inspection.status.label,
        "may_close": _may_close(actor, inspection),
        "findings": [finding_out(f, today) for f in _findings(session, inspection.id)],
    }


def _inspection_query(actor: Actor, venue: str | None, month: str | None) -> Select[Any]:
    venue = _listable_venue(actor, venue, "巡查记录")
    stmt = select(Inspection)
    if venue:
        stmt = stmt.where(Inspection.venue == venue)
    if month:
        stmt = stmt.where(Inspection.month == month)
    return stmt


def list_inspections(
    session: Session,
    actor: Actor,
    *,
    today: date,
    venue: str | None = None,
    month: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """Inspections, newest first: the venue's own for its staff, all for overseers."""
    stmt = _inspection_query(actor, venue, month)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return {
        "items": [inspection_out(session, actor, i, today=today) for i in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


def close_finding(
    session: Session,
    actor: Actor,
    inspection_id: int,
    n: int,
    data: Mapping[str, Any],
    *,
    clock: Clock,
) -> dict[str, Any]:
    """Close finding ``n`` with what was done; the inspection closes with its last finding.

    The venue's staff, supervisors and admin may. Raises NotFound, PermissionDenied,
    Conflict (already closed), InvalidInput (no note, date in the future or before the
    inspection).
    """
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(detail=f"没有巡查记录 {inspection_id}")
    if not _may_close(actor, inspection):
        raise PermissionDenied(detail="只有被巡查的窗口（中心）或督查、管理人员可以销号")
    finding = session.scalar(
        select(InspectionFinding).where(
            InspectionFinding.inspection_id == inspection_id, InspectionFinding.n == n
        )
    )
    if finding is None:
        raise NotFound(detail=f"巡查记录 {inspection_id} 没有第 {n} 条问题")
    if finding.closed_on is not None:
        raise Conflict(detail=f"第 {n} 条问题已于 {finding.closed_on.isoformat()} 整改销号")
    problems: list[InvalidParam] = []
    note = str(data.get("note") or "").strip()
    if not note:
        problems.append(InvalidParam("note", "请填写整改情况"))
    raw_day = data.get("closed_on")
    closed_on = (
        _as_date(raw_day, "closed_on", problems, "整改完成日期") if raw_day else clock.today()
    )
    if closed_on and closed_on > clock.today():
        problems.append(InvalidParam("closed_on", "整改完成日期不能晚于今天"))
    if closed_on and closed_on < inspection.inspected_on:
        problems.append(InvalidParam("closed_on", "整改完成日期不能早于巡查日期"))
    if problems:
        raise InvalidInput(detail="整改销号信息不完整或有误", invalid_params=problems)
    finding.closed_on = closed_on
    finding.close_note = note
    finding.closed_by = actor.username
    session.flush()
    if all(f.closed_on is not None for f in _findings(session, inspection.id)):
        inspection.status = InspectionStatus.CLOSED
        session.flush()
    log.info("inspection_finding_closed", inspection=inspection.id, n=n)
    return inspection_out(session, actor, inspection, today=clock.today())


def inspection_summary(
    session: Session, actor: Actor, *, month: str, today: date
) -> dict[str, Any]:
    """Per venue in ``month``: inspections, findings, serious ones, closed, closed in time.

    For the monthly notice to departments (按月通报); venue staff see their own line.
    """
    stmt = _inspection_query(actor, None, month)
    inspections = list(session.scalars(stmt))
    lines: dict[str, dict[str, Any]] = {}
    for inspection in inspections:
        line = lines.setdefault(
            inspection.venue,
            {
                "venue": inspection.venue,
                "venue_name": venue_name(session, inspection.venue) or inspection.venue,
                "inspections": 0,
                "findings": 0,
                "serious": 0,
                "closed": 0,
                "closed_in_time": 0,
                "overdue_open": 0,
            },
        )
        line["inspections"] += 1
        for finding in _findings(session, inspection.id):
            line["findings"] += 1
            line["serious"] += finding.severity == "严重"
            if finding.closed_on is not None:
                line["closed"] += 1
                line["closed_in_time"] += finding.closed_on <= finding.rectify_by
            elif finding.rectify_by < today:
                line["overdue_open"] += 1
    rows = sorted(lines.values(), key=lambda line: str(line["venue"]))
    return {"month": month, "items": rows}
