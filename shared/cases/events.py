"""Case events: the append-only log every tier writes, syncs and folds (ARCHITECTURE §4).

An event is written once by one node (its ``origin``) and never changed. Its envelope is
checked here, strictly, whether it was built in this process or arrived over the wire;
what the payload means for the case is checked by :mod:`shared.cases.fold`, because an
event with a well-formed envelope but an impossible payload must still be kept (as an
anomaly on the case), never dropped.

Payload conventions (JSON data; ``date`` values are ``"YYYY-MM-DD"`` strings):

- ``submitted``: ``{item_code, item_version (int), item_name, case_kind (1 即办件 | 2
  承诺件), promised_limit (int), promised_unit ("W" | "N"), applicant: {name, id_type
  ("111" | "001"), id_number, phone}, agent: {username, name} | null (village 帮代办),
  consent (bool), materials: [{name, necessity (1 | 2 | 3), provided (bool), waived
  (bool)}], missing: [names of required materials neither provided nor tolerated],
  tolerance (bool), tolerance_missing: [necessity-3 materials owed under 容缺],
  tolerance_deadline (date | null), promise (bool, 告知承诺制), accepting_node (code of
  the node where filed), accept_by (node code, or a department code, that may accept),
  handled_by (9-digit town code or a department code such as "scjgj"), batch (int |
  null), in_name_of (str)}``
- ``supplement_requested``: ``{missing: [names], note}``
- ``supplied``: ``{materials: [names]}``
- ``accepted``: ``{accepted_on (date, default: the China date of ``at``)}``
- ``not_accepted``: ``{reason}``
- ``suspended``: ``{reason, kind (检测, 鉴定, 专家评审, 听证 …)}``
- ``resumed``: ``{note}``
- ``extended``: ``{reason, days (int, default 10)}``
- ``decided``: ``{approve (bool), reason}``
- ``delivered``: ``{method}``
- ``withdrawn`` / ``terminated`` / ``voided``: ``{reason}``
- ``certificate_issued`` (the hub only, after approval): ``{identifier, name, number,
  valid_from, valid_to (date | null), payload (the signed QR payload, see
  docs/certificates.md)}`` — the signed certificate travels down with the case.
- ``rated`` (好差评, DOMAIN §4): ``{level (int 1..5), channel (a code of
  :data:`RATING_CHANNELS`), comment, rater ("applicant" | the username of the agent or
  clerk who entered it)}``; only on a concluded or delivered case, once per case.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# Re-exported (``as``): shared.cases exposes canonical_json as part of its API.
from shared.canonical import canonical_json as canonical_json
from shared.clock import CHINA_TZ
from shared.errors import InvalidInput, InvalidParam

#: Set while building events from freshly parsed, plain JSON (see Event.from_wire).
_PLAIN_JSON: ContextVar[bool] = ContextVar("sanji_plain_json", default=False)

#: Protocol versions this code can read; the hub accepts the previous one too once v2 exists.
SUPPORTED_VERSIONS = frozenset({1})

#: Lamport values are stored in an INTEGER column, which is 32-bit on PostgreSQL; a larger
#: value from a confused or hostile node would poison every clock that saw it.
MAX_LAMPORT = 2**31 - 1

# Canonical lowercase text only: ids are compared as strings everywhere (dedup, sort, SQL).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# [0-9], not \d: \d also matches Arabic-Indic and full-width digits.
_CASE_NO = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?-[0-9]{8}-[0-9]{4,}")
_REGION = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?")
_CASE_NO_MAX = 40  # the case_no columns are String(40)
_ACTOR_MAX = 64
_PAYLOAD_DEPTH = 32
_WIRE_KEYS = (
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
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CaseStatus(StrEnum):
    """Where a case stands (ARCHITECTURE §8: the values are public contract)."""

    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    SUSPENDED = "suspended"
    CONCLUDED = "concluded"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"
    VOIDED = "voided"

    @property
    def label(self) -> str:
        """The Chinese name clerks and applicants see."""
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.SUBMITTED: "已提交",
    CaseStatus.SUPPLEMENT_REQUESTED: "待补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.SUSPENDED: "特别程序（计时中止）",
    CaseStatus.CONCLUDED: "已办结",
    CaseStatus.DELIVERED: "已送达",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.TERMINATED: "已终止",
    CaseStatus.VOIDED: "已作废",
}


class Outcome(StrEnum):
    """The decision of a concluded case."""

    APPROVED = "approved"
    DENIED = "denied"

    @property
    def label(self) -> str:
        """The Chinese name clerks and applicants see."""
        return "准予" if self is Outcome.APPROVED else "不予"


class EventType(StrEnum):
    """What happened to a case; the values travel on the wire."""

    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLIED = "supplied"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    EXTENDED = "extended"
    DECIDED = "decided"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"
    VOIDED = "voided"
    CERTIFICATE_ISSUED = "certificate_issued"
    RATED = "rated"

    @property
    def label(self) -> str:
        """The Chinese name of the step, as shown in a case's history."""
        return _EVENT_LABELS[self]


_EVENT_LABELS: dict[EventType, str] = {
    EventType.SUBMITTED: "申请",
    EventType.SUPPLEMENT_REQUESTED: "一次性告知补正",
    EventType.SUPPLIED: "补齐材料",
    EventType.ACCEPTED: "受理",
    EventType.NOT_ACCEPTED: "不予受理",
    EventType.SUSPENDED: "特别程序开始",
    EventType.RESUMED: "特别程序结束",
    EventType.EXTENDED: "延长期限",
    EventType.DECIDED: "作出决定",
    EventType.DELIVERED: "送达",
    EventType.WITHDRAWN: "撤回",
    EventType.TERMINATED: "终止",
    EventType.VOIDED: "作废",
    EventType.CERTIFICATE_ISSUED: "电子证照签发",
    EventType.RATED: "评价",
}

#: 好差评 levels (GB/T 39046 A.8); 4 and 5 are bad reviews (差评).
RATING_LEVELS: dict[int, str] = {
    1: "非常满意",
    2: "满意",
    3: "基本满意",
    4: "不满意",
    5: "非常不满意",
}

#: Rating channels (国办发〔2019〕51号): code on the wire → Chinese label.
RATING_CHANNELS: dict[str, str] = {
    "tablet": "窗口平板",
    "qrcode": "二维码",
    "pc": "PC",
    "mobile": "移动端",
    "phone": "电话",
    "sms": "短信",
}


def is_bad_rating(level: int) -> bool:
    """Levels 4 (不满意) and 5 (非常不满意) are 差评, which must be rectified."""
    return level >= 4


class InvalidEvent(InvalidInput):
    """An event whose envelope breaks the protocol; ``code`` is what sync peers report back.

    Codes: ``not_object``, ``missing_field``, ``unknown_field``, ``bad_id``, ``bad_case_id``,
    ``bad_case_no``, ``bad_origin``, ``bad_lamport``, ``bad_type``, ``bad_at``, ``bad_actor``,
    ``bad_payload``, ``bad_version``.
    """

    code: str
    reason: str

    def __init__(self, code: str, reason: str, *, name: str = "event") -> None:
        # Positional (code, reason) is the natural call; the inherited dataclass __init__
        # would take ``detail`` first, so this class keeps its own.
        self.code = code
        self.reason = reason
        super().__init__(
            detail=f"事件格式有误：{reason}",
            invalid_params=[InvalidParam(name, reason)],
            slug="invalid-event",
            title="事件格式有误",
        )

    def __repr__(self) -> str:
        return f"InvalidEvent(code={self.code!r}, reason={self.reason!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default would call InvalidEvent(detail) and fail on unpickling.
        return (_rebuild_invalid_event, (self.code, self.reason, self.invalid_params[0].name))


@dataclass(frozen=True)
class Event:
    """One immutable case event; constructing it checks the envelope (``InvalidEvent``).

    ``at`` is kept in China time. ``payload`` is a private JSON copy: treat it as
    read-only. It takes no part in hashing, so events can live in sets.
    """

    id: str
    case_id: str
    case_no: str
    origin: str
    lamport: int
    type: EventType
    at: datetime
    actor: str
    payload: Mapping[str, Any] = field(hash=False)
    v: int = 1

    def __post_init__(self) -> None:
        if not _is_uuid(self.id):
            raise InvalidEvent(
                "bad_id", f"事件编号应为 UUID 文本（小写），收到 {self.id!r}", name="id"
            )
        if not _is_uuid(self.case_id):
            raise InvalidEvent(
                "bad_case_id",
                f"办件标识应为 UUID 文本（小写），收到 {self.case_id!r}",
                name="case_id",
            )
        if not (
            isinstance(self.case_no, str)
            and len(self.case_no) <= _CASE_NO_MAX
            and _CASE_NO.fullmatch(self.case_no)
        ):
            raise InvalidEvent(
                "bad_case_no",
                f"办件编号应为“区划代码-YYYYMMDD-序号”，收到 {self.case_no!r}",
                name="case_no",
            )
        if not (isinstance(self.origin, str) and _REGION.fullmatch(self.origin)):
            raise InvalidEvent(
                "bad_origin",
                f"来源节点应为 6、9 或 12 位区划代码，收到 {self.origin!r}",
                name="origin",
            )
        # bool is a subclass of int, and true must not pass for lamport 1.
        if not (type(self.lamport) is int and 1 <= self.lamport <= MAX_LAMPORT):
            raise InvalidEvent(
                "bad_lamport",
                f"逻辑时钟应为 1 到 {MAX_LAMPORT} 的整数，收到 {self.lamport!r}",
                name="lamport",
            )
        if not isinstance(self.type, EventType):
            object.__setattr__(self, "type", parse_event_type(self.type))
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise InvalidEvent("bad_at", f"时间应带时区，收到 {self.at!r}", name="at")
        try:
            object.__setattr__(self, "at", self.at.astimezone(CHINA_TZ))
        except OverflowError:  # 9999-12-31T23:00-00:00 has no China time
            raise InvalidEvent("bad_at", f"时间超出范围，收到 {self.at!r}", name="at") from None
        if not (
            isinstance(self.actor, str) and self.actor.strip() and len(self.actor) <= _ACTOR_MAX
        ):
            raise InvalidEvent(
                "bad_actor",
                f"操作人应为 1 到 {_ACTOR_MAX} 个字符的用户名，收到 {self.actor!r}",
                name="actor",
            )
        if not isinstance(self.payload, Mapping):
            raise InvalidEvent("bad_payload", "事件内容应为 JSON 对象", name="payload")
        if not _PLAIN_JSON.get():
            object.__setattr__(self, "payload", _json_copy(self.payload, "payload", 0))
        if type(self.v) is not int or self.v not in SUPPORTED_VERSIONS:
            raise InvalidEvent(
                "bad_version",
                f"协议版本应为 {sorted(SUPPORTED_VERSIONS)} 之一，收到 {self.v!r}",
                name="v",
            )

    @property
    def sort_key(self) -> tuple[int, str, str]:
        """The order every tier folds in: causal first, then a fixed tie-break."""
        return (self.lamport, self.origin, self.id)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready form that travels between nodes and is signed."""
        return {
            "id": self.id,
            "case_id": self.case_id,
            "case_no": self.case_no,
            "origin": self.origin,
            "lamport": self.lamport,
            "type": self.type.value,
            "at": self.at.astimezone(CHINA_TZ).isoformat(),
            "actor": self.actor,
            "payload": _json_copy(self.payload, "payload", 0),
            "v": self.v,
        }

    @classmethod
    def from_wire(cls, data: object, *, plain_json: bool = False) -> Event:
        """An event from its wire form, checked strictly; ``InvalidEvent`` says what is wrong.

        ``plain_json``: the data was just parsed by :func:`loads_strict`, which admits
        only plain JSON (no NaN or Infinity), and nobody else holds it — so the payload
        need not be walked and copied again (the hot path of a push).
        """
        token = _PLAIN_JSON.set(plain_json)
        try:
            return cls._from_wire(data)
        finally:
            _PLAIN_JSON.reset(token)

    @classmethod
    def _from_wire(cls, data: object) -> Event:
        if not isinstance(data, dict):
            raise InvalidEvent("not_object", "事件应为 JSON 对象")
        missing = [k for k in _WIRE_KEYS if k not in data]
        if missing:
            raise InvalidEvent("missing_field", f"缺少字段：{', '.join(missing)}", name=missing[0])
        unknown = sorted(str(k) for k in data if k not in _WIRE_KEYS)
        if unknown:
            raise InvalidEvent(
                "unknown_field", f"不认识的字段：{', '.join(unknown)}", name=unknown[0]
            )
        if not isinstance(data["payload"], dict):
            raise InvalidEvent("bad_payload", "事件内容应为 JSON 对象", name="payload")
        return cls(
            id=data["id"],
            case_id=data["case_id"],
            case_no=data["case_no"],
            origin=data["origin"],
            lamport=data["lamport"],
            type=parse_event_type(data["type"]),
            at=_parse_at(data["at"]),
            actor=data["actor"],
            payload=data["payload"],
            v=data["v"],
        )


def _no_constants(name: str) -> Any:
    raise ValueError(f"JSON 中不允许 {name}")


def loads_strict(data: bytes | str) -> Any:
    """``json.loads`` that refuses NaN and Infinity: what it returns is plain JSON."""
    return json.loads(data, parse_constant=_no_constants)


def _rebuild_invalid_event(code: str, reason: str, name: str) -> InvalidEvent:
    return InvalidEvent(code, reason, name=name)


def parse_event_type(value: object) -> EventType:
    """The event type named by ``value``; ``InvalidEvent("bad_type")`` for anything else."""
    if isinstance(value, str):
        try:
            return EventType(value)
        except ValueError:
            pass
    raise InvalidEvent("bad_type", f"未知的事件类型 {value!r}", name="type")


def new_event_id(now: datetime) -> str:
    """A UUIDv7 (RFC 9562) for an event written at ``now``: unique and time-ordered.

    The 12 ``rand_a`` bits carry the sub-millisecond fraction (RFC 9562 §6.2, method 3),
    so ids made at different microseconds sort in time order without any shared counter;
    the 62 ``rand_b`` bits are random, so ids made at the same instant still differ.
    """
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidInput(
            detail="生成事件编号需要带时区的时间。",
            invalid_params=[InvalidParam("now", "应为带时区的时间")],
        )
    delta = now - _EPOCH
    # Integer arithmetic: float seconds would lose microseconds for dates far from 1970.
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if micros < 0:
        raise InvalidInput(
            detail="生成事件编号的时间不能早于 1970-01-01。",
            invalid_params=[InvalidParam("now", "早于 1970-01-01")],
        )
    millis, sub_ms = divmod(micros, 1000)
    rand_a = sub_ms * 4096 // 1000  # strictly increasing in sub_ms, since 4096 > 1000
    rand_b = secrets.randbits(62)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _parse_at(value: object) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.utcoffset() is not None:
                return parsed
            raise InvalidEvent(
                "bad_at", f"时间必须带时区偏移（如 +08:00），收到 {value!r}", name="at"
            )
    raise InvalidEvent("bad_at", f"时间应为 ISO 8601 文本，收到 {value!r}", name="at")


class _NotJson(Exception):
    """Raised by the fast copy; the slow copy then finds the path for the message."""


def _fast_copy(value: object, depth: int) -> Any:
    # The hot path of every pushed event: no path strings unless something is wrong.
    if value is None or type(value) in (str, bool, int):
        return value
    if depth > _PAYLOAD_DEPTH:
        raise _NotJson
    if type(value) is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotJson
            out[key] = _fast_copy(item, depth + 1)
        return out
    if type(value) is list:
        return [_fast_copy(item, depth + 1) for item in value]
    if type(value) is float and math.isfinite(value):
        return value
    raise _NotJson


def _json_copy(value: object, path: str, depth: int) -> Any:
    """A deep copy of JSON data; anything that is not plain JSON raises ``bad_payload``.

    Checked rather than passed to ``json.dumps``, which would quietly turn an int key
    into a string or write NaN, and two nodes would then sign different bytes.
    """
    if depth == 0:
        try:
            return _fast_copy(value, 0)
        except _NotJson:
            pass  # walk again, slowly, to name the offending place
    if depth > _PAYLOAD_DEPTH:
        raise InvalidEvent("bad_payload", f"{path} 嵌套过深", name=path)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidEvent("bad_payload", f"{path} 不能是 NaN 或无穷大", name=path)
        return value
    if isinstance(value, Mapping):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEvent("bad_payload", f"{path} 的键应为文本，收到 {key!r}", name=path)
            copy[key] = _json_copy(item, f"{path}.{key}", depth + 1)
        return copy
    if isinstance(value, list | tuple):
        return [_json_copy(item, f"{path}.{i}", depth + 1) for i, item in enumerate(value)]
    raise InvalidEvent("bad_payload", f"{path} 含有非 JSON 值（{type(value).__name__}）", name=path)
