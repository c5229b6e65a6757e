"""The deterministic fold: a case's state as a pure function of the set of its events.

Every tier (hub, town, village) runs this same code (ARCHITECTURE §4): sort by
``(lamport, origin, id)``, apply in order, and turn whatever is not a valid transition at
its place into an anomaly that stays on the case. The fold never raises, so one bad event
cannot hide a case from the staff who must look at it.

Who may write what is checked here too, by the same function services call before they
write (:func:`check`), so the API and the fold can never disagree about a rule.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from shared.calendar import WorkCalendar
from shared.cases.events import (
    RATING_CHANNELS,
    RATING_LEVELS,
    CaseStatus,
    Event,
    EventType,
    Outcome,
    canonical_json,
)
from shared.clock import CHINA_TZ
from shared.errors import DomainError
from shared.ids.masking import mask_id_number, mask_phone, mask_text

#: Working days added by an extension that does not say how many (行政许可法 art. 42).
DEFAULT_EXTENSION_DAYS = 10
_MAX_EXTENSION_DAYS = 365
# A promised limit beyond this is a catalog typo; natural-day arithmetic on it could overflow.
_MAX_PROMISED_LIMIT = 3650
_OUT_OF_RANGE = "办结期限超出可计算的日期范围"

S = CaseStatus
T = EventType

TERMINAL: frozenset[CaseStatus] = frozenset(
    {S.NOT_ACCEPTED, S.DELIVERED, S.WITHDRAWN, S.TERMINATED, S.VOIDED}
)

# Statuses each event may follow. SUPPLIED before acceptance (SUBMITTED) only pays off
# 容缺 materials, which an applicant may well bring before the clerk accepts.
_FROM: dict[EventType, frozenset[CaseStatus]] = {
    T.SUPPLEMENT_REQUESTED: frozenset({S.SUBMITTED}),
    T.SUPPLIED: frozenset(
        {S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.SUSPENDED, S.CONCLUDED}
    ),
    T.ACCEPTED: frozenset({S.SUBMITTED}),
    T.NOT_ACCEPTED: frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED}),
    T.SUSPENDED: frozenset({S.ACCEPTED}),
    T.RESUMED: frozenset({S.SUSPENDED}),
    T.EXTENDED: frozenset({S.ACCEPTED, S.SUSPENDED}),
    T.DECIDED: frozenset({S.ACCEPTED}),
    T.DELIVERED: frozenset({S.CONCLUDED}),
    T.WITHDRAWN: frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.SUSPENDED}),
    T.TERMINATED: frozenset({S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.SUSPENDED}),
    T.VOIDED: frozenset(set(CaseStatus) - {S.VOIDED}),
    T.CERTIFICATE_ISSUED: frozenset({S.CONCLUDED, S.DELIVERED}),
    # 好差评 comes after the result: a rating does not change the status.
    T.RATED: frozenset({S.CONCLUDED, S.DELIVERED}),
}

_MAX_RATING_COMMENT = 500

RefusalKind = Literal["conflict", "forbidden", "invalid"]


@dataclass(frozen=True)
class Refusal:
    """Why an event may not be applied: ``kind`` maps to 409, 403 or 422 in the API."""

    code: str
    reason: str
    kind: RefusalKind


@dataclass
class CaseState:
    """The folded state of one case. Built fresh by :func:`fold`; treat it as read-only.

    ``stops`` lists the 特别程序 periods as (start, end) China dates, end ``None`` while
    the clock is stopped. ``stopped_working_days`` and ``due_date`` are derived from them
    with the calendar given to the fold.
    """

    case_id: str = ""
    case_no: str = ""
    status: CaseStatus | None = None
    outcome: Outcome | None = None
    item_code: str = ""
    item_version: int = 0
    item_name: str = ""
    case_kind: int = 0
    promised_limit: int = 0
    promised_unit: str = "W"
    applicant: dict[str, Any] = field(default_factory=dict)
    agent: dict[str, Any] | None = None
    consent: bool = False
    materials: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tolerance: bool = False
    tolerance_outstanding: list[str] = field(default_factory=list)
    tolerance_deadline: date | None = None
    promise: bool = False
    accepting_node: str = ""
    accept_by: str = ""
    handled_by: str = ""
    batch: int | None = None
    in_name_of: str = ""
    submitted_at: datetime | None = None
    accepted_on: date | None = None
    due_date: date | None = None
    due_note: str = "尚未受理"
    stops: list[tuple[date, date | None]] = field(default_factory=list)
    stopped_working_days: int = 0
    extension_days: int = 0
    concluded_at: datetime | None = None
    delivered: bool = False
    certificates: list[dict[str, Any]] = field(default_factory=list)
    rating: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    lamport: int = 0
    event_ids: frozenset[str] = frozenset()

    @property
    def suspended_on(self) -> date | None:
        """The day the clock stopped, while a 特别程序 is running."""
        if self.stops and self.stops[-1][1] is None:
            return self.stops[-1][0]
        return None

    @property
    def extended(self) -> bool:
        """Whether the one allowed extension has been used (days are always ≥ 1)."""
        return self.extension_days > 0

    def to_dict(self, *, masked: bool = False) -> dict[str, Any]:
        """JSON-ready form for the API and the ``cases.state`` column.

        It holds the applicant's full ID and phone numbers (here and in the ``submitted``
        history entry); ``masked=True`` stars them for roles and pages that may not see them.
        """
        data = self._plain()
        if masked:
            data["applicant"] = _masked_applicant(data["applicant"])
            if isinstance(data["agent"], dict):
                data["agent"] = _masked_applicant(data["agent"])
            # A certificate's signed QR payload encodes the holder's full ID number: masked
            # views carry its identifier and dates only (the print page signs nothing new,
            # it renders the QR from the unmasked case on the server).
            data["certificates"] = [
                {k: v for k, v in c.items() if k != "payload"} for c in data["certificates"]
            ]
            for entry in data["history"]:
                entry["payload"] = _masked_payload(entry["payload"])
        return data

    def _plain(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "case_no": self.case_no,
            "status": self.status.value if self.status else None,
            "status_label": self.status.label if self.status else "",
            "outcome": self.outcome.value if self.outcome else None,
            "outcome_label": self.outcome.label if self.outcome else "",
            "item_code": self.item_code,
            "item_version": self.item_version,
            "item_name": self.item_name,
            "case_kind": self.case_kind,
            "promised_limit": self.promised_limit,
            "promised_unit": self.promised_unit,
            "applicant": copy.deepcopy(self.applicant),
            "agent": copy.deepcopy(self.agent),
            "consent": self.consent,
            "materials": copy.deepcopy(self.materials),
            "missing": list(self.missing),
            "tolerance": self.tolerance,
            "tolerance_outstanding": list(self.tolerance_outstanding),
            "tolerance_deadline": _iso(self.tolerance_deadline),
            "promise": self.promise,
            "accepting_node": self.accepting_node,
            "accept_by": self.accept_by,
            "handled_by": self.handled_by,
            "batch": self.batch,
            "in_name_of": self.in_name_of,
            "submitted_at": _iso(self.submitted_at),
            "accepted_on": _iso(self.accepted_on),
            "due_date": _iso(self.due_date),
            "due_note": self.due_note,
            "stops": [{"from": _iso(a), "to": _iso(b)} for a, b in self.stops],
            "stopped_working_days": self.stopped_working_days,
            "extension_days": self.extension_days,
            "concluded_at": _iso(self.concluded_at),
            "delivered": self.delivered,
            "certificates": copy.deepcopy(self.certificates),
            "rating": copy.deepcopy(self.rating),
            "history": copy.deepcopy(self.history),
            "anomalies": copy.deepcopy(self.anomalies),
            "lamport": self.lamport,
            "event_ids": sorted(self.event_ids),
        }


def fold(events: Iterable[Event], *, calendar: WorkCalendar | None, county: str) -> CaseState:
    """The state of a case from its events, whatever order (and how often) they arrived.

    Exact duplicates count once. Two different events with one id: the first in sort
    order is used and the other becomes an anomaly. Never raises. ``county`` is the
    county's region code, the node of its hub, which decides for the county departments
    (DOMAIN §0).
    """
    # The wire bytes break ties the sort key leaves (same id, different content), so the
    # order is total and the result cannot depend on arrival order.
    keyed = sorted(
        ((e.sort_key, canonical_json(e.to_wire()), e) for e in events),
        key=lambda t: (t[0], t[1]),
    )
    state = CaseState()
    seen_bytes: set[bytes] = set()
    ids: set[str] = set()
    for _key, wire, event in keyed:
        if wire in seen_bytes:
            continue
        seen_bytes.add(wire)
        state.lamport = max(state.lamport, event.lamport)
        if event.id in ids:
            _record_anomaly(state, event, _DUPLICATE)
            continue
        ids.add(event.id)
        found = _refuse(state, event, county=county)
        if found is None:
            _apply(state, event)
        else:
            _record_anomaly(state, event, found)
    state.event_ids = frozenset(ids)
    _derive_clock(state, calendar)
    return state


def check(state: CaseState, event: Event, *, county: str) -> str | None:
    """Why ``event`` may not be written on top of ``state`` (Chinese), or None if it may.

    The very rule the fold applies; services call it before writing, and
    :func:`refusal` gives the same answer with a code and an HTTP-ish kind.
    """
    found = refusal(state, event, county=county)
    return found.reason if found else None


def refusal(state: CaseState, event: Event, *, county: str) -> Refusal | None:
    """Like :func:`check`, with a machine code and whether it is a conflict or forbidden."""
    if event.id in state.event_ids:
        return Refusal("already_recorded", "该事件已记录，不能重复写入", "conflict")
    return _refuse(state, event, county=county)


def may_follow(state: CaseState, event_type: EventType) -> bool:
    """Whether the case's status lets an event of ``event_type`` follow (the fold's table);
    the rest of :func:`refusal` (who, what payload) is not asked."""
    return state.status is not None and state.status in _FROM.get(event_type, frozenset())


def handler_node(state: CaseState, *, county: str) -> str:
    """The node that examines and decides: the town itself, or the hub for a department."""
    return state.handled_by if _is_town(state.handled_by) else county


def accept_node(state: CaseState, *, county: str) -> str:
    """The node that may accept; a department code means its reviewers at the hub."""
    return state.accept_by if _is_region(state.accept_by) else county


def accepting_town(state: CaseState) -> str:
    """The town of the node where the case was filed (itself unless it is a village)."""
    node = state.accepting_node
    return node[:9] if len(node) == 12 else node


def allowed_origins(state: CaseState, event_type: EventType, *, county: str) -> frozenset[str]:
    """Which nodes may write ``event_type`` on this case (after it was submitted)."""
    handler = handler_node(state, county=county)
    acceptor = accept_node(state, county=county)
    filed = {state.accepting_node, accepting_town(state)}
    match event_type:
        case T.SUBMITTED:
            return frozenset({state.accepting_node})
        case T.SUPPLEMENT_REQUESTED | T.ACCEPTED | T.NOT_ACCEPTED:
            return frozenset({acceptor})
        case T.SUPPLIED | T.WITHDRAWN:
            return frozenset(filed | {acceptor, handler})
        case T.SUSPENDED | T.RESUMED | T.EXTENDED | T.DECIDED:
            return frozenset({handler})
        case T.DELIVERED:
            return frozenset(filed | {handler})
        case T.TERMINATED:
            return frozenset({handler, acceptor})
        case T.VOIDED:
            return frozenset({handler, county})
        case T.CERTIFICATE_ISSUED:
            return frozenset({county})  # the departments' signing keys are kept at the hub
        case T.RATED:
            # Any node on the case's path: where it was filed, its town, the handler, the hub.
            return frozenset(filed | {handler, county})


# --- checking -------------------------------------------------------------------------

_DUPLICATE = Refusal("duplicate_id", "事件编号重复但内容不同，以排序在前的事件为准", "conflict")


class _Bad(Exception):
    """A payload problem found while reading it; becomes a Refusal of kind 'invalid'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse(state: CaseState, event: Event, *, county: str) -> Refusal | None:
    """The rule check without the duplicate-id test (the fold does its own)."""
    if state.status is None:
        if event.type is not T.SUBMITTED:
            return Refusal("not_submitted", f"办件尚无申请记录，不能{event.type.label}", "conflict")
        return _check_submitted(event)
    if event.case_id != state.case_id or event.case_no != state.case_no:
        return Refusal(
            "wrong_case",
            f"事件属于办件 {event.case_no}（{event.case_id}），不属于本办件 {state.case_no}",
            "conflict",
        )
    if event.type is T.SUBMITTED:
        return Refusal("already_submitted", "办件已有申请记录，不能重复申请", "conflict")
    # Who may write comes before what the status allows: a node that may never write
    # this step is told so (403), not that the case is in the wrong status (409).
    writers = allowed_origins(state, event.type, county=county)
    if event.origin not in writers:
        return Refusal(
            "wrong_origin",
            f"节点 {event.origin} 无权对本办件{event.type.label}"
            f"（应由 {'、'.join(sorted(writers))} 办理）",
            "forbidden",
        )
    if event.type is T.RATED and state.status not in _FROM[event.type]:
        open_case = state.status not in TERMINAL
        return Refusal(
            "not_concluded",
            "办件尚未办结，不能评价"
            if open_case
            else f"办件当前状态为“{state.status.label}”，不能评价",
            "conflict",
        )
    if state.status not in _FROM[event.type]:
        return Refusal(
            "bad_transition",
            f"办件当前状态为“{state.status.label}”，不能{event.type.label}",
            "conflict",
        )
    try:
        return _RULES[event.type](state, event)
    except _Bad as bad:
        return Refusal("bad_payload", f"{event.type.label}内容有误：{bad.reason}", "invalid")


def _check_submitted(event: Event) -> Refusal | None:
    try:
        data = _read_submitted(event.payload)
    except _Bad as bad:
        return Refusal("bad_payload", f"申请内容有误：{bad.reason}", "invalid")
    if event.origin != data["accepting_node"]:
        return Refusal(
            "wrong_origin",
            f"申请应由收件节点 {data['accepting_node']} 写入，实际来自 {event.origin}",
            "forbidden",
        )
    return None


def _rule_supplement_requested(state: CaseState, event: Event) -> Refusal | None:
    _str_list(event.payload, "missing", required=True, non_empty=True)
    _opt_str(event.payload, "note")
    return None


def _rule_supplied(state: CaseState, event: Event) -> Refusal | None:
    names = _str_list(event.payload, "materials", required=True, non_empty=True)
    owed = set(state.tolerance_outstanding)
    if state.status is S.SUPPLEMENT_REQUESTED:
        owed |= set(state.missing)
    if not owed & set(names):
        return Refusal(
            "nothing_owed",
            "补齐的材料不在待补正或容缺材料清单中" if owed else "本办件没有待补齐的材料",
            "conflict",
        )
    return None


def _rule_accepted(state: CaseState, event: Event) -> Refusal | None:
    if state.missing:
        return Refusal("materials_missing", "材料尚未补齐，不能受理", "conflict")
    on = _opt_date(event.payload, "accepted_on")
    if on is not None and on > _china_date(event.at):
        raise _Bad(f"受理日期 {on.isoformat()} 晚于记录时间")
    return None


def _rule_reason_only(state: CaseState, event: Event) -> Refusal | None:
    _opt_str(event.payload, "reason")
    return None


def _rule_suspended(state: CaseState, event: Event) -> Refusal | None:
    _opt_str(event.payload, "reason")
    _opt_str(event.payload, "kind")
    return None


def _rule_resumed(state: CaseState, event: Event) -> Refusal | None:
    _opt_str(event.payload, "note")
    since = state.suspended_on
    if since is not None and _china_date(event.at) < since:
        return Refusal(
            "resume_before_suspend",
            f"特别程序结束日期早于开始日期 {since.isoformat()}",
            "conflict",
        )
    return None


def _rule_extended(state: CaseState, event: Event) -> Refusal | None:
    _opt_str(event.payload, "reason")
    _extension_days(event.payload)
    if state.extended:
        return Refusal("already_extended", "法定期限只能延长一次", "conflict")
    return None


def _rule_decided(state: CaseState, event: Event) -> Refusal | None:
    approve = event.payload.get("approve")
    if not isinstance(approve, bool):
        raise _Bad("approve 应为 true 或 false")
    _opt_str(event.payload, "reason")
    if approve and state.tolerance_outstanding:
        return Refusal("tolerance_outstanding", "容缺材料未补齐，不能出具准予决定", "conflict")
    return None


def _rule_delivered(state: CaseState, event: Event) -> Refusal | None:
    _opt_str(event.payload, "method")
    return None


def _rule_certificate_issued(state: CaseState, event: Event) -> Refusal | None:
    for name in ("identifier", "name", "number", "payload", "valid_from"):
        if not isinstance(event.payload.get(name), str) or not event.payload[name]:
            raise _Bad(f"缺少 {name}")
    _opt_str(event.payload, "valid_to")
    if state.outcome is not Outcome.APPROVED:
        return Refusal("not_approved", "办件未获准予，不能签发证照", "conflict")
    if any(c["identifier"] == event.payload["identifier"] for c in state.certificates):
        return Refusal("already_issued", "该证照已签发", "conflict")
    return None


def _rule_rated(state: CaseState, event: Event) -> Refusal | None:
    _read_rating(event.payload)
    if state.rating is not None:
        return Refusal("already_rated", "该办件已评价", "conflict")
    return None


_RULES = {
    T.SUPPLEMENT_REQUESTED: _rule_supplement_requested,
    T.SUPPLIED: _rule_supplied,
    T.ACCEPTED: _rule_accepted,
    T.NOT_ACCEPTED: _rule_reason_only,
    T.SUSPENDED: _rule_suspended,
    T.RESUMED: _rule_resumed,
    T.EXTENDED: _rule_extended,
    T.DECIDED: _rule_decided,
    T.DELIVERED: _rule_delivered,
    T.WITHDRAWN: _rule_reason_only,
    T.TERMINATED: _rule_reason_only,
    T.VOIDED: _rule_reason_only,
    T.CERTIFICATE_ISSUED: _rule_certificate_issued,
    T.RATED: _rule_rated,
}


# --- applying (only after the checks passed, so nothing here can fail) ----------------


def _apply(state: CaseState, event: Event) -> None:
    p = event.payload
    match event.type:
        case T.SUBMITTED:
            data = _read_submitted(p)
            state.case_id = event.case_id
            state.case_no = event.case_no
            state.submitted_at = event.at
            for name, value in data.items():
                setattr(state, name, value)
            state.status = S.SUPPLEMENT_REQUESTED if state.missing else S.SUBMITTED
        case T.SUPPLEMENT_REQUESTED:
            state.missing = _unique(_str_list(p, "missing", required=True))
            state.status = S.SUPPLEMENT_REQUESTED
        case T.SUPPLIED:
            names = set(_str_list(p, "materials", required=True))
            state.tolerance_outstanding = [m for m in state.tolerance_outstanding if m not in names]
            state.materials = [
                {**m, "provided": True} if m.get("name") in names else m for m in state.materials
            ]
            if state.status is S.SUPPLEMENT_REQUESTED:
                state.missing = [m for m in state.missing if m not in names]
                if not state.missing:
                    state.status = S.SUBMITTED
        case T.ACCEPTED:
            state.accepted_on = _opt_date(p, "accepted_on") or _china_date(event.at)
            state.status = S.ACCEPTED
        case T.NOT_ACCEPTED:
            state.status = S.NOT_ACCEPTED
        case T.SUSPENDED:
            state.stops = [*state.stops, (_china_date(event.at), None)]
            state.status = S.SUSPENDED
        case T.RESUMED:
            start = state.stops[-1][0]
            state.stops = [*state.stops[:-1], (start, _china_date(event.at))]
            state.status = S.ACCEPTED
        case T.EXTENDED:
            state.extension_days += _extension_days(p)
        case T.DECIDED:
            state.outcome = Outcome.APPROVED if p["approve"] else Outcome.DENIED
            state.concluded_at = event.at
            state.status = S.CONCLUDED
        case T.DELIVERED:
            state.delivered = True
            state.status = S.DELIVERED
        case T.WITHDRAWN:
            state.status = S.WITHDRAWN
        case T.TERMINATED:
            state.status = S.TERMINATED
        case T.VOIDED:
            state.status = S.VOIDED
        case T.CERTIFICATE_ISSUED:
            keep = ("identifier", "name", "number", "valid_from", "valid_to", "payload")
            state.certificates = [*state.certificates, {k: p.get(k) for k in keep}]
        case T.RATED:
            state.rating = {
                **_read_rating(p),
                "level_label": RATING_LEVELS[p["level"]],
                "channel_label": RATING_CHANNELS[p["channel"]],
                "bad": p["level"] >= 4,
                "at": event.at.isoformat(),
                "origin": event.origin,
                "actor": event.actor,
                "event_id": event.id,
            }
    state.history.append(
        {
            "id": event.id,
            "type": event.type.value,
            "label": event.type.label,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "origin": event.origin,
            "lamport": event.lamport,
            "payload": copy.deepcopy(dict(event.payload)),
        }
    )


def _record_anomaly(state: CaseState, event: Event, refusal: Refusal) -> None:
    state.anomalies.append(
        {
            "id": event.id,
            "type": event.type.value,
            "label": event.type.label,
            "origin": event.origin,
            "lamport": event.lamport,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "code": refusal.code,
            "reason": refusal.reason,
        }
    )


def _derive_clock(state: CaseState, calendar: WorkCalendar | None) -> None:
    """Fill ``stopped_working_days``, ``due_date`` and ``due_note`` from the folded facts.

    Computed once at the end rather than per event: nothing that moves the due date
    (acceptance, stops, extension) can follow a decision, so this is also the due date
    as it stood when the case was concluded.
    """
    state.stopped_working_days = 0
    state.due_date = None
    if state.accepted_on is None:
        pending = state.status in {None, S.SUBMITTED, S.SUPPLEMENT_REQUESTED}
        state.due_note = "尚未受理" if pending else "未经受理，没有办结期限"
        return
    limit = 0 if state.case_kind == 1 else state.promised_limit
    closed = [(a, b) for a, b in state.stops if b is not None]
    stopped: int | None = None
    calendar_note = "未提供工作日历，无法计算办结期限"
    if calendar is not None:
        try:
            stopped = sum(calendar.working_days_between(a, b) for a, b in closed)
        except DomainError as error:  # CalendarYearUnknown above all; the fold never raises
            calendar_note = error.detail or error.title
        except OverflowError:
            calendar_note = _OUT_OF_RANGE
    state.stopped_working_days = stopped or 0
    if state.suspended_on is not None:
        state.due_note = "特别程序中，计时中止"
        return
    if limit == 0 and not closed and not state.extension_days:
        # 即办件: due the day it is accepted, which needs no calendar at all.
        state.due_date = state.accepted_on
        state.due_note = ""
        return
    if calendar is None or stopped is None:
        state.due_note = calendar_note
        return
    extra = state.extension_days + stopped
    try:
        if state.promised_unit == "N":
            natural_end = state.accepted_on + timedelta(days=limit)
            state.due_date = calendar.add_working_days(natural_end, extra)
        else:
            state.due_date = calendar.add_working_days(state.accepted_on, limit + extra)
        state.due_note = ""
    except DomainError as error:
        state.due_note = error.detail or error.title
    except OverflowError:
        state.due_note = _OUT_OF_RANGE


# --- reading payloads -----------------------------------------------------------------


def _read_submitted(p: Mapping[str, Any]) -> dict[str, Any]:
    """The case facts a ``submitted`` payload fixes, checked; raises ``_Bad``."""
    case_kind = _int(p, "case_kind")
    if case_kind not in (1, 2):
        raise _Bad("case_kind 应为 1（即办件）或 2（承诺件）")
    limit = _int(p, "promised_limit")
    if not 0 <= limit <= _MAX_PROMISED_LIMIT:
        raise _Bad(f"promised_limit 应在 0 到 {_MAX_PROMISED_LIMIT} 之间")
    unit = p.get("promised_unit")
    if unit not in ("W", "N"):
        raise _Bad("promised_unit 应为 W（工作日）或 N（自然日）")
    version = _int(p, "item_version")
    if version < 1:
        raise _Bad("item_version 应为正整数")
    applicant = p.get("applicant")
    if not isinstance(applicant, Mapping):
        raise _Bad("applicant 应为对象")
    agent = p.get("agent")
    if agent is not None and not isinstance(agent, Mapping):
        raise _Bad("agent 应为对象或 null")
    materials = p.get("materials", [])
    if not isinstance(materials, list) or not all(isinstance(m, Mapping) for m in materials):
        raise _Bad("materials 应为对象列表")
    accepting_node = _str(p, "accepting_node")
    if not _is_region(accepting_node):
        raise _Bad("accepting_node 应为 6、9 或 12 位区划代码")
    batch = p.get("batch")
    if batch is not None and (type(batch) is not int):
        raise _Bad("batch 应为整数或 null")
    return {
        "item_code": _str(p, "item_code"),
        "item_version": version,
        "item_name": _str(p, "item_name", allow_empty=True),
        "case_kind": case_kind,
        "promised_limit": limit,
        "promised_unit": unit,
        "applicant": copy.deepcopy(dict(applicant)),
        "agent": copy.deepcopy(dict(agent)) if agent is not None else None,
        "consent": _bool(p, "consent"),
        "materials": [copy.deepcopy(dict(m)) for m in materials],
        "missing": _unique(_str_list(p, "missing")),
        "tolerance": _bool(p, "tolerance"),
        "tolerance_outstanding": _unique(_str_list(p, "tolerance_missing")),
        "tolerance_deadline": _opt_date(p, "tolerance_deadline"),
        "promise": _bool(p, "promise"),
        "accepting_node": accepting_node,
        "accept_by": _str(p, "accept_by"),
        "handled_by": _str(p, "handled_by"),
        "batch": batch,
        "in_name_of": _opt_str(p, "in_name_of"),
    }


def _read_rating(p: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of a ``rated`` payload, checked; raises ``_Bad``."""
    level = _int(p, "level")
    if level not in RATING_LEVELS:
        raise _Bad("level 应为 1 到 5 的整数（1 非常满意 … 5 非常不满意）")
    channel = p.get("channel")
    if channel not in RATING_CHANNELS:
        raise _Bad(f"channel 应为 {'、'.join(RATING_CHANNELS)} 之一")
    comment = _opt_str(p, "comment")
    if len(comment) > _MAX_RATING_COMMENT:
        raise _Bad(f"comment 不能超过 {_MAX_RATING_COMMENT} 字")
    rater = _str(p, "rater")
    return {"level": level, "channel": channel, "comment": comment, "rater": rater}


def _str(p: Mapping[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = p.get(key)
    if not isinstance(value, str) or not (allow_empty or value):
        raise _Bad(f"{key} 应为非空文本")
    return value


def _opt_str(p: Mapping[str, Any], key: str) -> str:
    value = p.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{key} 应为文本")
    return value


def _int(p: Mapping[str, Any], key: str) -> int:
    value = p.get(key)
    if type(value) is not int:  # bool is an int subclass, and true is not a number of days
        raise _Bad(f"{key} 应为整数")
    return value


def _bool(p: Mapping[str, Any], key: str) -> bool:
    value = p.get(key, False)
    if not isinstance(value, bool):
        raise _Bad(f"{key} 应为 true 或 false")
    return value


def _str_list(
    p: Mapping[str, Any], key: str, *, required: bool = False, non_empty: bool = False
) -> list[str]:
    if key not in p and not required:
        return []
    value = p.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Bad(f"{key} 应为材料名称列表")
    if non_empty and not value:
        raise _Bad(f"{key} 不能为空")
    return list(value)


def _opt_date(p: Mapping[str, Any], key: str) -> date | None:
    value = p.get(key)
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad(f"{key} 应为日期，格式 YYYY-MM-DD")


def _extension_days(p: Mapping[str, Any]) -> int:
    if "days" not in p or p["days"] is None:
        return DEFAULT_EXTENSION_DAYS
    days = _int(p, "days")
    if not 1 <= days <= _MAX_EXTENSION_DAYS:
        raise _Bad(f"days 应在 1 到 {_MAX_EXTENSION_DAYS} 之间")
    return days


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _is_region(code: str) -> bool:
    return len(code) in (6, 9, 12) and code.isascii() and code.isdigit()


def _is_town(code: str) -> bool:
    return len(code) == 9 and code.isascii() and code.isdigit()


def _china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def _masked_payload(value: Any) -> Any:
    """An event payload as a masked view shows it: applicants and agents masked, the
    signed certificate payload dropped, every ID or mobile number left in text starred."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "payload" and isinstance(item, str):
                continue  # a certificate's QR payload (SJC1.…): holds the holder code
            if key in ("applicant", "agent") and isinstance(item, dict):
                out[key] = _masked_applicant(item)
            else:
                out[key] = _masked_payload(item)
        return out
    if isinstance(value, list):
        return [_masked_payload(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def _masked_applicant(applicant: dict[str, Any]) -> dict[str, Any]:
    masked = dict(applicant)
    if isinstance(masked.get("id_number"), str):
        masked["id_number"] = mask_id_number(masked["id_number"])
    if isinstance(masked.get("phone"), str):
        masked["phone"] = mask_phone(masked["phone"])
    return masked


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).isoformat()
    return value.isoformat()
