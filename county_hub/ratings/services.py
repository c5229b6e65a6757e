"""好差评 records, rectification of bad reviews and 办不成事反映 at the hub.

Ratings are case events (``rated``) that reach the hub with the ordinary sync; this
module reads them from the hub's log (:func:`record_ratings`, idempotent), keeps one
``ratings`` row per case, and opens a rectification task for a bad one (level 4–5) with
the unit that handled the case. A rating written at the hub is recorded by the request
that writes it (:func:`record_rating`, from the hub's after-change hook), one that came
by sync by the scheduler's job; reading never writes. Pages and the API call these same
functions; permissions are checked here. The caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from county_hub.catalog.models import ItemVersion, ServiceItem
from county_hub.org.models import Department
from county_hub.ratings.models import (
    TASK_DONE,
    Complaint,
    ComplaintStatus,
    Rating,
    RectificationTask,
    TaskStatus,
)
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.calendar import WorkCalendar
from shared.calendar_store import load_calendar
from shared.cases import CaseState, is_bad_rating
from shared.cases.limits import deadline_level
from shared.casework.services import LANDLINE, MOBILE
from shared.clock import Clock, to_china
from shared.errors import (
    CalendarYearUnknown,
    Conflict,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from shared.ids.masking import mask_phone
from shared.log import get_logger
from shared.sync.models import CaseEventRow
from shared.sync.store import current_state

log = get_logger(__name__)

DEFAULT_RECTIFY_DAYS = 15
DEFAULT_COMPLAINT_DAYS = 5
#: Working days left at or below which an open task or complaint turns yellow (hub
#: RECTIFY_WARN_WORKING_DAYS, COMPLAINT_WARN_WORKING_DAYS).
DEFAULT_RECTIFY_WARN_DAYS = 3
DEFAULT_COMPLAINT_WARN_DAYS = 1


def _deadline(calendar: WorkCalendar, start: date, days: int) -> tuple[date | None, str]:
    """``start`` + ``days`` working days; an unknown year is said, never guessed."""
    try:
        return calendar.add_working_days(start, days), ""
    except CalendarYearUnknown as err:
        return None, err.detail or err.title


def _oversees(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.SUPERVISOR)


def _unit_of(actor: Actor) -> str | None:
    """The unit whose tasks this account works on: its department, or its town."""
    if actor.role is Role.DEPT_REVIEWER:
        return actor.department_code
    if actor.role is Role.TOWN_STAFF:
        return actor.region_code
    return None


# --------------------------------------------------------------------------- ratings


def record_ratings(
    session: Session,
    *,
    clock: Clock,
    county: str,
    working_days: int = DEFAULT_RECTIFY_DAYS,
    limit: int = 500,
) -> int:
    """Project ``rated`` events the hub holds into ``ratings``; open tasks for bad ones.

    Idempotent: a case already in ``ratings`` is skipped, so a second ``rated`` event
    (an anomaly in the fold) never counts twice. The deadline counts from the rating's
    own date, so it does not matter how late this runs. Returns the ratings recorded.
    """
    known = select(Rating.case_id)
    case_ids = list(
        session.scalars(
            select(CaseEventRow.case_id)
            .where(CaseEventRow.type == "rated", CaseEventRow.case_id.not_in(known))
            .distinct()
            .limit(limit)
        )
    )
    if not case_ids:
        return 0
    calendar = load_calendar(session)
    done = 0
    for case_id in case_ids:
        case_no = session.scalar(
            select(CaseEventRow.case_no).where(CaseEventRow.case_id == case_id).limit(1)
        )
        if case_no is None:
            continue
        state = current_state(session, case_no, calendar=calendar, county=county)
        if record_rating(session, state, clock=clock, working_days=working_days, calendar=calendar):
            done += 1
    session.flush()
    return done


def record_rating(
    session: Session,
    state: CaseState,
    *,
    clock: Clock,
    working_days: int = DEFAULT_RECTIFY_DAYS,
    calendar: WorkCalendar | None = None,
) -> bool:
    """Record the case's rating, if it has one not recorded yet; a bad one opens a task.

    Called right after a rating is written at the hub (the POST that rates), and by
    :func:`record_ratings` for ratings that arrived by sync. Returns whether it recorded.
    """
    rating = state.rating
    if rating is None or not state.case_id:
        return False  # not rated (or only refused ratings, anomalies)
    if session.get(Rating, state.case_id) is not None:
        return False
    rated_at = to_china(datetime.fromisoformat(rating["at"]))
    node = state.accepting_node
    row = Rating(
        case_id=state.case_id,
        case_no=state.case_no,
        event_id=rating["event_id"],
        level=rating["level"],
        channel=rating["channel"],
        comment=rating["comment"],
        rater=rating["rater"],
        origin=rating["origin"],
        rated_at=rated_at,
        rated_on=rated_at.date(),
        rated_month=f"{rated_at:%Y-%m}",
        item_code=state.item_code,
        handled_by=state.handled_by,
        town_code=node[:9] if len(node) >= 9 else "",
        village_code=node if len(node) == 12 else None,
    )
    session.add(row)
    session.flush()
    if is_bad_rating(row.level):
        deadline, note = _deadline(calendar or load_calendar(session), row.rated_on, working_days)
        session.add(
            RectificationTask(
                case_id=state.case_id,
                case_no=row.case_no,
                unit=row.handled_by,
                level=row.level,
                status=TaskStatus.OPEN,
                opened_at=clock.now(),
                deadline=deadline,
                deadline_note=note,
                history=[],
            )
        )
        session.flush()
        log.info(
            "rectification_opened",
            case_no=row.case_no,
            unit=row.handled_by,
            level=row.level,
            deadline=str(deadline),
        )
    return True


# --------------------------------------------------------------------------- tasks

#: action → (statuses it may follow, status it leads to, Chinese label, who: unit | supervisor)
TASK_ACTIONS: dict[str, tuple[frozenset[TaskStatus], TaskStatus, str, str]] = {
    "verify": (frozenset({TaskStatus.OPEN}), TaskStatus.VERIFIED, "核实", "unit"),
    "fix": (
        frozenset({TaskStatus.VERIFIED, TaskStatus.APPEAL_REJECTED}),
        TaskStatus.FIXED,
        "立行立改",
        "unit",
    ),
    "log": (
        frozenset({TaskStatus.VERIFIED, TaskStatus.APPEAL_REJECTED}),
        TaskStatus.LOGGED,
        "登记限期整改",
        "unit",
    ),
    "call_back": (
        frozenset({TaskStatus.FIXED, TaskStatus.LOGGED}),
        TaskStatus.CALLED_BACK,
        "回访评价人",
        "unit",
    ),
    "close": (frozenset({TaskStatus.CALLED_BACK}), TaskStatus.CLOSED, "办结并公开结果", "unit"),
    "appeal": (
        frozenset({TaskStatus.OPEN, TaskStatus.VERIFIED}),
        TaskStatus.APPEALED,
        "申诉（误评、恶意评价）",
        "unit",
    ),
    "uphold": (
        frozenset({TaskStatus.APPEALED}),
        TaskStatus.APPEAL_UPHELD,
        "申诉成立",
        "supervisor",
    ),
    "reject": (
        frozenset({TaskStatus.APPEALED}),
        TaskStatus.APPEAL_REJECTED,
        "申诉不成立",
        "supervisor",
    ),
}

_NEEDS_NOTE = {
    "fix": "请填写整改措施",
    "log": "请填写整改措施及完成期限",
    "appeal": "请填写申诉理由",
    "uphold": "请填写审核意见",
    "reject": "请填写审核意见",
}


def _task_query(actor: Actor) -> Select[RectificationTask]:
    stmt = select(RectificationTask)
    if _oversees(actor):
        return stmt
    unit = _unit_of(actor)
    if unit is None:
        raise PermissionDenied(detail="本账号不能查看差评整改任务")
    return stmt.where(RectificationTask.unit == unit)


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = None,
    unit: str | None = None,
    overdue: bool = False,
    page: int = 1,
    per_page: int = 20,
    warn_days: int = DEFAULT_RECTIFY_WARN_DAYS,
) -> dict[str, Any]:
    """Tasks this account may see (its unit's, or all for admin and supervisors)."""
    stmt = _task_query(actor)
    if status:
        stmt = stmt.where(RectificationTask.status == TaskStatus(status))
    if unit:
        stmt = stmt.where(RectificationTask.unit == unit)
    if overdue:
        stmt = stmt.where(
            RectificationTask.status.not_in(list(TASK_DONE)),
            RectificationTask.deadline < today,
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(RectificationTask.deadline.asc(), RectificationTask.id.asc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    calendar = load_calendar(session)
    return {
        "items": [
            task_out(session, t, today, calendar=calendar, warn_days=warn_days) for t in rows
        ],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


def _task(session: Session, actor: Actor, task_id: int) -> RectificationTask:
    task = session.scalar(_task_query(actor).where(RectificationTask.id == task_id))
    if task is None:
        raise NotFound(detail=f"没有整改任务 {task_id}（或本账号无权查看）")
    return task


def get_task(
    session: Session,
    actor: Actor,
    task_id: int,
    *,
    today: date,
    warn_days: int = DEFAULT_RECTIFY_WARN_DAYS,
) -> dict[str, Any]:
    """One task with its rating, history and the actions this account may take now."""
    task = _task(session, actor, task_id)
    data = task_out(session, task, today, calendar=load_calendar(session), warn_days=warn_days)
    data["actions"] = [
        {"action": name, "label": spec[2]}
        for name, spec in TASK_ACTIONS.items()
        if task.status in spec[0] and _may_do(actor, task, spec[3])
    ]
    return data


def task_colour(
    task: RectificationTask, today: date, calendar: WorkCalendar | None, *, warn_days: int
) -> str:
    """The deadline colour of a task (shared.cases.limits.deadline_level: working days)."""
    return deadline_level(
        task.deadline,
        today,
        calendar,
        warn_days=warn_days,
        done=task.status in TASK_DONE,
        escalated=task.escalated_at is not None,
    )


def task_out(
    session: Session,
    task: RectificationTask,
    today: date,
    *,
    calendar: WorkCalendar | None,
    warn_days: int,
) -> dict[str, Any]:
    rating = session.get(Rating, task.case_id)
    colour = task_colour(task, today, calendar, warn_days=warn_days)
    return {
        "id": task.id,
        "case_no": task.case_no,
        "unit": task.unit,
        "level": task.level,
        "status": task.status.value,
        "status_label": task.status.label,
        "opened_at": task.opened_at.isoformat(),
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "deadline_note": task.deadline_note,
        "overdue": colour == "red",
        "escalated": task.escalated_at is not None,
        "escalated_at": task.escalated_at.isoformat() if task.escalated_at else None,
        "colour": colour,
        "callback": task.callback,
        "outcome": task.outcome,
        "closed_on": task.closed_on.isoformat() if task.closed_on else None,
        "history": list(task.history or []),
        "rating": {
            "level": rating.level,
            "channel": rating.channel,
            "comment": rating.comment,
            "rater": rating.rater,
            "rated_on": rating.rated_on.isoformat(),
            "origin": rating.origin,
        }
        if rating
        else None,
    }


def _may_do(actor: Actor, task: RectificationTask, who: str) -> bool:
    if _oversees(actor):
        return True
    return who == "unit" and _unit_of(actor) == task.unit


def act_on_task(
    session: Session,
    actor: Actor,
    task_id: int,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    warn_days: int = DEFAULT_RECTIFY_WARN_DAYS,
) -> dict[str, Any]:
    """One step of the rectification (verify, fix, log, call_back, close, appeal, uphold, reject).

    The handling unit's reviewers or town staff act on their own tasks; admin and
    supervisors on all, and only they decide appeals. Raises NotFound, PermissionDenied,
    Conflict (wrong status) or InvalidInput (a required note, call-back or outcome missing).
    """
    task = _task(session, actor, task_id)
    action = str(data.get("action", ""))
    if action not in TASK_ACTIONS:
        raise InvalidInput(
            detail=f"未知的整改操作：{action}",
            invalid_params=[InvalidParam("action", f"应为 {'、'.join(TASK_ACTIONS)} 之一")],
        )
    sources, target, label, who = TASK_ACTIONS[action]
    if not _may_do(actor, task, who):
        raise PermissionDenied(
            detail="申诉由督查人员审核" if who == "supervisor" else "只能处理本单位的整改任务"
        )
    if task.status not in sources:
        raise Conflict(detail=f"整改任务当前为「{task.status.label}」，不能{label}")
    note = str(data.get("note") or "").strip()
    today = clock.today()
    if action in _NEEDS_NOTE and not note:
        raise InvalidInput(
            detail=_NEEDS_NOTE[action], invalid_params=[InvalidParam("note", "必填")]
        )
    if action == "call_back":
        said = str(data.get("rater_said") or "").strip()
        if not said:
            raise InvalidInput(
                detail="请记录回访时评价人的意见",
                invalid_params=[InvalidParam("rater_said", "必填")],
            )
        called_on = data.get("called_on") or today
        if called_on > today:
            raise InvalidInput(
                detail="回访日期不能晚于今天",
                invalid_params=[InvalidParam("called_on", "不能晚于今天")],
            )
        task.callback = {
            "by": str(data.get("called_by") or "").strip() or actor.display_name or actor.username,
            "on": called_on.isoformat(),
            "said": said,
        }
    if action == "close":
        outcome = str(data.get("outcome") or "").strip()
        if not outcome:
            raise InvalidInput(
                detail="请填写向社会公开的整改结果",
                invalid_params=[InvalidParam("outcome", "必填")],
            )
        task.outcome = outcome
        task.closed_on = today
    task.status = target
    task.history = [
        *(task.history or []),
        {
            "action": action,
            "label": label,
            "at": to_china(clock.now()).isoformat(),
            "by": actor.username,
            "note": note or str(data.get("outcome") or data.get("rater_said") or ""),
        },
    ]
    session.flush()
    log.info("rectification_step", task=task.id, action=action, status=target.value)
    return get_task(session, actor, task.id, today=today, warn_days=warn_days)


def escalate_overdue(session: Session, *, clock: Clock) -> int:
    """Flag tasks and complaints past their deadline and not done (once each)."""
    today = clock.today()
    now = clock.now()
    count = 0
    tasks = session.scalars(
        select(RectificationTask).where(
            RectificationTask.status.not_in([*TASK_DONE, TaskStatus.APPEALED]),
            RectificationTask.deadline < today,
            RectificationTask.escalated_at.is_(None),
        )
    )
    for task in tasks:
        task.escalated_at = now
        count += 1
        log.warning("rectification_escalated", task=task.id, unit=task.unit)
    complaints = session.scalars(
        select(Complaint).where(
            Complaint.status == ComplaintStatus.OPEN,
            Complaint.deadline < today,
            Complaint.escalated_at.is_(None),
        )
    )
    for complaint in complaints:
        complaint.escalated_at = now
        count += 1
        log.warning(
            "complaint_escalated", complaint=complaint.id, department=complaint.department_code
        )
    session.flush()
    return count


# --------------------------------------------------------------------------- complaints

REPLY_METHODS = ("电话", "短信", "当面", "书面", "上门")


def _check_contact(data: Mapping[str, Any]) -> tuple[str, str, list[InvalidParam]]:
    problems = []
    name = str(data.get("contact_name") or "").strip()
    phone = str(data.get("contact_phone") or "").strip()
    if not name:
        problems.append(InvalidParam("contact_name", "请填写反映人姓名（不受理无联系人的反映）"))
    if not phone:
        problems.append(InvalidParam("contact_phone", "请填写联系电话，以便答复反映人"))
    elif not (MOBILE.match(phone) or LANDLINE.match(phone)):
        problems.append(
            InvalidParam("contact_phone", "应为11位手机号或带区号的固定电话，如 0916-1234567")
        )
    return name, phone, problems


def file_complaint(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    county: str,
    working_days: int = DEFAULT_COMPLAINT_DAYS,
    warn_days: int = DEFAULT_COMPLAINT_WARN_DAYS,
) -> dict[str, Any]:
    """Register a 办不成事反映 and route it: the item's department, else the chosen one.

    Raises InvalidInput (no contact, no text, unknown item or department, no unit at all).
    """
    name, phone, problems = _check_contact(data)
    text = str(data.get("text") or "").strip()
    if not text:
        problems.append(InvalidParam("text", "请填写反映的问题"))
    item_code = str(data.get("item_code") or "").strip() or None
    department = str(data.get("department_code") or "").strip() or None
    item = session.get(ServiceItem, item_code) if item_code else None
    if item_code and item is None:
        problems.append(InvalidParam("item_code", f"没有事项 {item_code}"))
    if item is not None:
        department = item.department_code  # the catalog decides who is responsible
    elif department and session.get(Department, department) is None:
        problems.append(InvalidParam("department_code", f"没有部门 {department}"))
    elif not department and not item_code:
        problems.append(InvalidParam("department_code", "请选择事项或责任部门"))
    node = str(data.get("filed_node") or "").strip() or actor.region_code or county
    if not (node.isascii() and node.isdigit() and len(node) in (6, 9, 12)):
        problems.append(InvalidParam("filed_node", "应为 6、9 或 12 位区划代码"))
    if problems:
        raise InvalidInput(detail="反映信息不完整或有误", invalid_params=problems)
    assert department is not None
    calendar = load_calendar(session)
    deadline, _note = _deadline(calendar, clock.today(), working_days)
    complaint = Complaint(
        contact_name=name,
        contact_phone=phone,
        item_code=item.code if item else None,
        item_name=_item_name(session, item) if item else "",
        department_code=department,
        text=text,
        filed_node=node,
        filed_by=actor.username,
        filed_at=clock.now(),
        deadline=deadline,
        status=ComplaintStatus.OPEN,
    )
    session.add(complaint)
    session.flush()
    log.info("complaint_filed", complaint=complaint.id, department=department, node=node)
    return complaint_out(
        complaint, clock.today(), masked=False, calendar=calendar, warn_days=warn_days
    )


def _item_name(session: Session, item: ServiceItem) -> str:
    name = session.scalar(
        select(ItemVersion.name)
        .where(ItemVersion.item_code == item.code)
        .order_by(ItemVersion.version.desc())
        .limit(1)
    )
    return str(name or "")


def _complaint_query(actor: Actor) -> Select[Complaint]:
    stmt = select(Complaint)
    if _oversees(actor):
        return stmt
    if actor.role is Role.DEPT_REVIEWER:
        return stmt.where(Complaint.department_code == actor.department_code)
    if actor.region_code:
        return stmt.where(Complaint.filed_node.startswith(actor.region_code, autoescape=True))
    raise PermissionDenied(detail="本账号不能查看办不成事反映")


def complaint_colour(
    complaint: Complaint, today: date, calendar: WorkCalendar | None, *, warn_days: int
) -> str:
    """The answer deadline's colour (shared.cases.limits.deadline_level: working days)."""
    return deadline_level(
        complaint.deadline,
        today,
        calendar,
        warn_days=warn_days,
        done=complaint.status is not ComplaintStatus.OPEN,
        escalated=complaint.escalated_at is not None,
    )


def complaint_out(
    complaint: Complaint,
    today: date,
    *,
    masked: bool,
    calendar: WorkCalendar | None,
    warn_days: int,
) -> dict[str, Any]:
    return {
        "id": complaint.id,
        "contact_name": complaint.contact_name,
        "contact_phone": mask_phone(complaint.contact_phone) if masked else complaint.contact_phone,
        "item_code": complaint.item_code,
        "item_name": complaint.item_name,
        "department_code": complaint.department_code,
        "text": complaint.text,
        "filed_node": complaint.filed_node,
        "filed_by": complaint.filed_by,
        "filed_at": complaint.filed_at.isoformat(),
        "deadline": complaint.deadline.isoformat() if complaint.deadline else None,
        "status": complaint.status.value,
        "status_label": complaint.status.label,
        "escalated": complaint.escalated_at is not None,
        "colour": complaint_colour(complaint, today, calendar, warn_days=warn_days),
        "reply": complaint.reply,
        "reply_method": complaint.reply_method,
        "replied_on": complaint.replied_on.isoformat() if complaint.replied_on else None,
        "replied_by": complaint.replied_by,
    }


def list_complaints(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = None,
    department_code: str | None = None,
    overdue: bool = False,
    page: int = 1,
    per_page: int = 20,
    warn_days: int = DEFAULT_COMPLAINT_WARN_DAYS,
) -> dict[str, Any]:
    """Complaints this account may see, oldest deadline first (phones masked)."""
    stmt = _complaint_query(actor)
    if status:
        stmt = stmt.where(Complaint.status == ComplaintStatus(status))
    if department_code:
        stmt = stmt.where(Complaint.department_code == department_code)
    if overdue:
        stmt = stmt.where(Complaint.status == ComplaintStatus.OPEN, Complaint.deadline < today)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Complaint.deadline.asc(), Complaint.id.asc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    calendar = load_calendar(session)
    return {
        "items": [
            complaint_out(c, today, masked=True, calendar=calendar, warn_days=warn_days)
            for c in rows
        ],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


def _complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    found = session.scalar(_complaint_query(actor).where(Complaint.id == complaint_id))
    if found is None:
        raise NotFound(detail=f"没有反映 {complaint_id}（或本账号无权查看）")
    return found


def get_complaint(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    today: date,
    warn_days: int = DEFAULT_COMPLAINT_WARN_DAYS,
) -> dict[str, Any]:
    """One complaint; the phone in full for whoever must call back (department, overseers)."""
    complaint = _complaint(session, actor, complaint_id)
    may_answer = _may_answer(actor, complaint)
    data = complaint_out(
        complaint,
        today,
        masked=not may_answer,
        calendar=load_calendar(session),
        warn_days=warn_days,
    )
    data["may_answer"] = may_answer and complaint.status is ComplaintStatus.OPEN
    return data


def _may_answer(actor: Actor, complaint: Complaint) -> bool:
    if _oversees(actor):
        return True
    return actor.role is Role.DEPT_REVIEWER and actor.department_code == complaint.department_code


def answer_complaint(
    session: Session,
    actor: Actor,
    complaint_id: int,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    warn_days: int = DEFAULT_COMPLAINT_WARN_DAYS,
) -> dict[str, Any]:
    """Record the reply told to the complainant (what, how, when); once.

    Raises NotFound, PermissionDenied (not the responsible department), Conflict
    (already answered) or InvalidInput.
    """
    complaint = _complaint(session, actor, complaint_id)
    if not _may_answer(actor, complaint):
        raise PermissionDenied(detail="只有责任部门或督查人员可以答复")
    if complaint.status is not ComplaintStatus.OPEN:
        raise Conflict(detail="该反映已答复")
    today = clock.today()
    reply = str(data.get("reply") or "").strip()
    method = str(data.get("reply_method") or "").strip()
    told_on = data.get("replied_on") or today
    problems = []
    if not reply:
        problems.append(InvalidParam("reply", "请填写办理结果及答复内容"))
    if method not in REPLY_METHODS:
        problems.append(InvalidParam("reply_method", f"应为 {'、'.join(REPLY_METHODS)} 之一"))
    if told_on > today:
        problems.append(InvalidParam("replied_on", "答复日期不能晚于今天"))
    if problems:
        raise InvalidInput(detail="答复信息不完整", invalid_params=problems)
    complaint.reply = reply
    complaint.reply_method = method
    complaint.replied_on = told_on
    complaint.replied_by = actor.username
    complaint.status = ComplaintStatus.ANSWERED
    session.flush()
    log.info("complaint_answered", complaint=complaint.id, method=method)
    return get_complaint(session, actor, complaint.id, today=today, warn_days=warn_days)
