"""Filing cases and acting on them, on whichever tier the clerk works.

A service checks who may do what and builds the payload; :mod:`shared.casework.write`
refuses the event with the fold's own rule (``shared.cases.refusal``) or stores it. The
caller commits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.authority import decide_authority, town_of
from shared.calendar import WorkCalendar
from shared.calendar_store import load_calendar
from shared.cases import CaseState, CaseStatus, Event, EventType, new_event_id
from shared.casework.access import CaseRef, may_read, read_clause
from shared.casework.catalog import CatalogView
from shared.casework.schemas import ACTIONS
from shared.casework.write import write_event
from shared.certwork.services import record_use
from shared.certwork.waive import waivers
from shared.clock import Clock, to_china
from shared.errors import (
    CalendarYearUnknown,
    Conflict,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from shared.ids import validate_id_number, validate_uscc
from shared.log import get_logger
from shared.sync.models import CaseCounter, CaseEventRow, CaseRow
from shared.sync.store import current_state, store_events

log = get_logger(__name__)

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


def _may_work_here(actor: Actor, node: str, county: str) -> bool:
    """Staff of this node: its town clerk, its village agent, or county staff at the hub."""
    if node == county:
        return actor.role in (Role.ADMIN, Role.DEPT_REVIEWER)
    if len(node) == 9:
        return actor.role is Role.TOWN_STAFF and actor.region_code == node
    return actor.role is Role.VILLAGE_AGENT and actor.region_code == node


def _check_applicant(applicant: Mapping[str, Any], today: date) -> dict[str, str]:
    problems: list[InvalidParam] = []
    number = str(applicant["id_number"]).strip()
    try:
        if applicant["id_type"] == "111":
            number = validate_id_number(number, today=today, field="applicant.id_number").number
        else:
            number = validate_uscc(number, field="applicant.id_number")
    except InvalidInput as err:
        problems.extend(err.invalid_params)
    phone = str(applicant["phone"]).strip()
    if not (MOBILE.match(phone) or LANDLINE.match(phone)):
        problems.append(
            InvalidParam("applicant.phone", "应为11位手机号或带区号的固定电话，如 0916-1234567")
        )
    if problems:
        raise InvalidInput(detail="申请人信息有误", invalid_params=problems)
    return {
        "name": str(applicant["name"]).strip(),
        "id_type": applicant["id_type"],
        "id_number": number,
        "phone": phone,
    }


def _next_case_no(session: Session, node: str, day: date) -> str:
    """``<node>-<yyyymmdd>-<seq>``: unique without asking anyone else."""
    counter = session.get(CaseCounter, (node, day), with_for_update=True)
    if counter is None:
        counter = CaseCounter(node=node, day=day, last=0)
        session.add(counter)
    prefix = f"{node}-{day:%Y%m%d}-"
    # After restoring a backup the counter may lag numbers already sent upstream and
    # pulled back: never hand out a number the log already holds.
    highest = session.scalar(
        select(func.max(CaseEventRow.case_no)).where(CaseEventRow.case_no.startswith(prefix))
    )
    used = int(highest.rsplit("-", 1)[1]) if highest else 0
    counter.last = max(counter.last, used) + 1
    session.flush()
    return f"{prefix}{counter.last:04d}"


def _materials(
    record: Mapping[str, Any], data: Mapping[str, Any], waived: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The item's materials with what was provided or waived by a certificate (免提交,
    ``waived``: certificate type → identifier); what is missing; what is tolerated."""
    waived = waived or {}
    given = {m["name"]: bool(m["provided"]) for m in data["materials"]}
    known = {m["name"] for m in record["materials"]}
    unknown = [
        InvalidParam(f"materials.{i}.name", f"本事项没有材料「{m['name']}」")
        for i, m in enumerate(data["materials"])
        if m["name"] not in known
    ]
    if unknown:
        raise InvalidInput(detail="材料清单与事项不符", invalid_params=unknown)
    tolerance = bool(data["tolerance"]) and bool(record.get("tolerance_allowed"))
    materials, missing, tolerated = [], [], []
    for m in record["materials"]:
        provided = given.get(m["name"], False)
        certificate = waived.get(m.get("certificate_type") or "")
        materials.append(
            {
                "name": m["name"],
                "necessity": m["necessity"],
                "provided": provided,
                "waived": certificate is not None and not provided,
                "certificate_type": m.get("certificate_type"),
                "certificate": certificate if not provided else None,
            }
        )
        if provided or certificate or m["necessity"] == 2:
            continue
        if m["necessity"] == 3 and tolerance:
            tolerated.append(m["name"])
        elif data.get("promise") and record.get("promise_allowed") and m.get("type") == 3:
            continue  # 告知承诺制: the applicant's written promise stands in for this proof
        else:
            missing.append(m["name"])
    return materials, missing, tolerated


def file_case(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    node: str,
    catalog: CatalogView,
    clock: Clock,
    acked: bool,
    county: str,
) -> CaseState:
    """Record a new case at ``node`` and fix who handles it (pinned item version, authority).

    Missing required materials are not an error: the case is recorded as
    supplement_requested with the one-time list of everything missing. Raises
    PermissionDenied, InvalidInput (applicant, materials, consent) or Conflict (item not
    accepting applications).
    """
    if not _may_work_here(actor, node, county):
        raise PermissionDenied(detail=f"账号 {actor.username} 不能在节点 {node} 受理办件")
    today = clock.today()
    applicant = _check_applicant(data["applicant"], today)
    item = catalog.item(data["item_code"])
    if item.status != "published":
        raise Conflict(detail=f"事项「{item.record['name']}」当前不受理申请（{item.status}）")
    if actor.role is Role.VILLAGE_AGENT and not data.get("consent"):
        raise InvalidInput(
            detail="村代办员代办须记录群众的授权同意",
            invalid_params=[InvalidParam("consent", "请确认已取得申请人授权")],
        )
    waived = waivers(
        session,
        data.get("certificates") or [],
        applicant=applicant,
        type_codes=catalog.certificate_type_codes(),
        today=today,
    )
    materials, missing, tolerated = _materials(item.record, data, waived)
    deadline = data.get("tolerance_deadline")
    if tolerated:
        deadline = _tolerance_deadline(session, item.record, today, deadline)
    authority = decide_authority(
        catalog.rules(), node=node, item_code=item.code, item_department=item.department, on=today
    )
    town = town_of(node)
    accept_by = town if (authority.batch is not None and town) else authority.handled_by
    now = clock.now()
    case_no = _next_case_no(session, node, today)
    event = Event(
        id=new_event_id(now),
        case_id=str(uuid.uuid4()),
        case_no=case_no,
        origin=node,
        lamport=1,
        type=EventType.SUBMITTED,
        at=now,
        actor=actor.username,
        payload={
            "item_code": item.code,
            "item_version": item.version,
            "item_name": item.record["name"],
            "case_kind": item.record["case_kind"],
            "promised_limit": item.record["promised_limit"],
            "promised_unit": item.record["promised_unit"],
            "applicant": applicant,
            "agent": {"username": actor.username, "name": actor.display_name}
            if actor.role is Role.VILLAGE_AGENT
            else None,
            "consent": bool(data.get("consent")),
            "materials": materials,
            "missing": missing,
            "tolerance": bool(tolerated),
            "tolerance_missing": tolerated,
            "tolerance_deadline": deadline.isoformat() if deadline else None,
            "promise": bool(data.get("promise")),
            "accepting_node": node,
            "accept_by": accept_by,
            "handled_by": authority.handled_by,
            "batch": authority.batch,
            "in_name_of": authority.in_name_of,
        },
    )
    [state] = store_events(
        session, [event], received_from=node, acked=acked, clock=clock, county=county
    )
    _log_waivers(session, actor, state, node=node, clock=clock, county=county, acked=acked)
    log.info(
        "case_filed",
        case_no=case_no,
        node=node,
        item=item.code,
        handled_by=authority.handled_by,
        status=str(state.status),
    )
    return state


def _log_waivers(
    session: Session,
    actor: Actor,
    state: CaseState,
    *,
    node: str,
    clock: Clock,
    county: str,
    acked: bool,
) -> None:
    """Each certificate that stood in for a paper is a use of it, logged for this case."""
    for material in state.materials:
        if material.get("waived") and material.get("certificate"):
            record_use(
                session,
                actor,
                node=node,
                clock=clock,
                action="verify",
                case_no=state.case_no,
                purpose=f"免提交：{material['name']}"[:200],
                certificate=str(material["certificate"]),
                holder=(str(state.applicant["id_type"]), str(state.applicant["id_number"])),
                county=county,
                acked=acked,
            )


def _tolerance_deadline(
    session: Session, record: Mapping[str, Any], today: date, given: date | None
) -> date:
    """容缺: the promised supply date may not pass the item's promised limit."""
    calendar = load_calendar(session)
    limit = int(record.get("promised_limit") or 0)
    try:
        latest = calendar.add_working_days(today, max(limit, 1))
    except CalendarYearUnknown:
        latest = given or today
    if given is None:
        return latest
    if given < today or given > latest:
        raise InvalidInput(
            detail="容缺材料补交日期不合规定",
            invalid_params=[InvalidParam("tolerance_deadline", f"应在 {today} 至 {latest} 之间")],
        )
    return given


# --------------------------------------------------------------------------- reading


#: Cases that still need someone's work (a work queue shows these).
OPEN_STATUSES = ("submitted", "supplement_requested", "accepted", "suspended")


def readable_state(
    session: Session,
    actor: Actor,
    case_no: str,
    *,
    calendar: WorkCalendar | None = None,
    county: str,
) -> CaseState:
    """The case, folded, if ``actor`` may read it (``access.may_read``).

    Raises NotFound for a case this tier does not hold and, with the same message, for one
    outside the actor's scope: staff cannot probe other units' case numbers.
    """
    state = current_state(session, case_no, calendar=calendar, county=county)
    if not may_read(actor, CaseRef.of(state)):
        raise NotFound(detail=f"本节点没有办件 {case_no}")
    return state


def list_cases(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    handled_by: str | None = None,
    q: str = "",
    page: int = 1,
    per_page: int = 20,
    open_only: bool = False,
    filed_under: str | None = None,
    overdue_on: date | None = None,
) -> dict[str, Any]:
    """The cases of this tier that ``actor`` may read, newest first (ID numbers masked).

    ``filed_under`` keeps cases filed at that node or below it (a town code also finds
    its villages' cases); ``overdue_on`` keeps open cases whose due date is before that day.
    """
    stmt = select(CaseRow)
    scope = read_clause(actor)
    if scope is not None:
        stmt = stmt.where(scope)
    if filed_under:
        stmt = stmt.where(CaseRow.case_no.startswith(filed_under, autoescape=True))
    if overdue_on is not None:
        stmt = stmt.where(
            CaseRow.status.in_(OPEN_STATUSES),
            CaseRow.due_date.is_not(None),
            CaseRow.due_date < overdue_on,
        )
    if status:
        stmt = stmt.where(CaseRow.status == status)
    if open_only:
        stmt = stmt.where(CaseRow.status.in_(OPEN_STATUSES))
    if handled_by:
        stmt = stmt.where(CaseRow.handled_by == handled_by)
    if q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            or_(
                CaseRow.case_no.like(like),
                CaseRow.item_name.like(like),
                CaseRow.applicant_name.like(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(CaseRow.submitted_at.desc(), CaseRow.case_no.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return {"items": [summary(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def queued_events(session: Session, case_id: str) -> int:
    """Events of the case this node still has to hand upstream."""
    stmt = (
        select(func.count())
        .select_from(CaseEventRow)
        .where(CaseEventRow.case_id == case_id, CaseEventRow.acked.is_(False))
    )
    return session.scalar(stmt) or 0


def summary(row: CaseRow) -> dict[str, Any]:
    return {
        "case_no": row.case_no,
        "item_code": row.item_code,
        "item_name": row.item_name,
        "status": row.status,
        "status_label": CaseStatus(row.status).label,
        "outcome": row.outcome,
        "accepting_node": row.accepting_node,
        "handled_by": row.handled_by,
        "applicant_name": row.applicant_name,
        "applicant_id": row.applicant_id_masked,
        "due_date": row.due_date,
        "anomalies": row.anomalies,
        "submitted_at": row.submitted_at,
    }


# --------------------------------------------------------------------------- actions


def _payload(
    action: str, data: Mapping[str, Any], state: CaseState, today: date, actor: Actor
) -> dict[str, Any]:
    reason = str(data.get("reason") or "").strip()
    needs_reason = {"not_accept", "suspend", "extend", "withdraw", "terminate", "void"}
    if action in needs_reason and not reason:
        raise InvalidInput(detail="请填写原因", invalid_params=[InvalidParam("reason", "必填")])
    match action:
        case "accept":
            return {"accepted_on": today.isoformat()}
        case "request_supplement":
            missing = list(data.get("missing") or [])
            if not missing:
                raise InvalidInput(
                    detail="一次性告知须列出全部需补正的材料",
                    invalid_params=[InvalidParam("missing", "至少一项")],
                )
            return {"missing": missing, "note": reason}
        case "supply":
            materials = list(data.get("materials") or []) or list(
                state.missing or state.tolerance_outstanding
            )
            return {"materials": materials}
        case "suspend":
            return {"reason": reason, "kind": data.get("kind") or "其他"}
        case "resume":
            return {"note": reason}
        case "extend":
            return {"reason": reason, "days": int(data.get("days") or 10)}
        case "decide":
            if data.get("approve") is None:
                raise InvalidInput(
                    detail="请选择准予或不予", invalid_params=[InvalidParam("approve", "必填")]
                )
            if not data["approve"] and not reason:
                raise InvalidInput(
                    detail="不予许可须说明理由", invalid_params=[InvalidParam("reason", "必填")]
                )
            return {"approve": bool(data["approve"]), "reason": reason}
        case "deliver":
            return {"method": data.get("method") or "窗口领取"}
        case "rate":
            return _rating_payload(data, rater=str(data.get("rater") or actor.username))
        case _:
            return {"reason": reason}


def _rating_payload(data: Mapping[str, Any], *, rater: str) -> dict[str, Any]:
    """好差评: level and channel are required; the comment is optional free text."""
    problems = []
    if data.get("level") is None:
        problems.append(InvalidParam("level", "请选择评价等级（1 非常满意 … 5 非常不满意）"))
    if not data.get("channel"):
        problems.append(InvalidParam("channel", "请选择评价渠道"))
    if problems:
        raise InvalidInput(detail="评价信息不完整", invalid_params=problems)
    return {
        "level": int(data["level"]),
        "channel": str(data["channel"]),
        "comment": str(data.get("comment") or "").strip(),
        "rater": rater,
    }


def _may_act(actor: Actor, node: str, state: CaseState, county: str) -> bool:
    if not _may_work_here(actor, node, county) or not may_read(actor, CaseRef.of(state)):
        return False
    # At the hub, a department reviewer acts only on the department's own cases.
    return not (
        node == county
        and actor.role is Role.DEPT_REVIEWER
        and actor.department_code not in (state.handled_by, state.accept_by)
    )


def act(
    session: Session,
    actor: Actor,
    case_no: str,
    data: Mapping[str, Any],
    *,
    node: str,
    clock: Clock,
    acked: bool,
    county: str,
) -> CaseState:
    """Apply one action (accept, decide, …) at ``node``.

    Raises NotFound, PermissionDenied (this node or role may not), Conflict (not allowed
    in the current status; the status is named) or InvalidInput (missing reason, …).
    """
    action = data["action"]
    calendar = load_calendar(session)
    state = current_state(session, case_no, calendar=calendar, county=county)
    # Acting on a case that is not one's own is refused as such (403), before its status.
    if not _may_act(actor, node, state, county):
        raise PermissionDenied(detail=f"账号 {actor.username} 不能在节点 {node} 处理办件 {case_no}")
    expected = data.get("expected_status")
    if expected and state.status is not None and expected != state.status.value:
        raise Conflict(detail=f"办件状态已变为「{state.status.label}」，请刷新后再操作")
    now = clock.now()
    payload = _payload(action, data, state, to_china(now).date(), actor)
    new_state = write_event(
        session,
        state,
        EventType(ACTIONS[action]),
        payload,
        actor_name=actor.username,
        node=node,
        clock=clock,
        acked=acked,
        calendar=calendar,
        county=county,
    )
    log.info("case_action", case_no=case_no, action=action, node=node, status=str(new_state.status))
    return new_state


def rate_by_applicant(
    session: Session,
    case_no: str,
    data: Mapping[str, Any],
    *,
    node: str,
    clock: Clock,
    acked: bool,
    county: str,
) -> CaseState:
    """The applicant's own 好差评 from the kiosk or short-link page (no staff login).

    The caller has checked the link's token; the rule (concluded, once, this node on the
    case's path) is the fold's. Raises NotFound, Conflict, PermissionDenied, InvalidInput.
    """
    calendar = load_calendar(session)
    state = current_state(session, case_no, calendar=calendar, county=county)
    new_state = write_event(
        session,
        state,
        EventType.RATED,
        _rating_payload(data, rater="applicant"),
        actor_name="applicant",
        node=node,
        clock=clock,
        acked=acked,
        calendar=calendar,
        county=county,
    )
    log.info("case_rated_by_applicant", case_no=case_no, node=node)
    return new_state
