"""Domain errors: what went wrong, in terms a clerk and an API client can both act on.

Services raise these; one place (``shared.web.problems``) turns them into RFC 9457
``application/problem+json`` under ``/api`` and into Chinese HTML pages elsewhere.
This module imports nothing from Flask so that pure modules (ids, calendar, crypto)
can raise them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InvalidParam:
    """One field that failed validation; ``name`` is dotted (``applicant.id_number``)."""

    name: str
    reason: str


@dataclass
class DomainError(Exception):
    """Base of every error a service may raise on purpose.

    ``slug`` becomes the last part of the problem ``type`` URI, ``title`` is a short
    Chinese summary that does not change between occurrences, ``detail`` is specific.
    """

    detail: str = ""
    invalid_params: list[InvalidParam] = field(default_factory=list)
    status: int = 400
    slug: str = "bad-request"
    title: str = "请求有误"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.detail or self.title)

    def __str__(self) -> str:
        return self.detail or self.title

    def extensions(self) -> dict[str, Any]:
        """Extra members of the problem document (RFC 9457 §3.2); none by default."""
        return {}


@dataclass
class InvalidInput(DomainError):
    """The request names a field whose value breaks a rule (HTTP 422)."""

    status: int = 422
    slug: str = "invalid-input"
    title: str = "输入内容有误"


@dataclass
class NotFound(DomainError):
    """The thing asked for does not exist here (HTTP 404)."""

    status: int = 404
    slug: str = "not-found"
    title: str = "未找到"


@dataclass
class Unauthenticated(DomainError):
    """No, bad or expired credentials (HTTP 401)."""

    status: int = 401
    slug: str = "unauthenticated"
    title: str = "未登录或登录已失效"


@dataclass
class PermissionDenied(DomainError):
    """Authenticated, but this role or node may not do this (HTTP 403)."""

    status: int = 403
    slug: str = "forbidden"
    title: str = "无权操作"


@dataclass
class Conflict(DomainError):
    """The request clashes with the current state, e.g. a duplicate or a wrong status (HTTP 409)."""

    status: int = 409
    slug: str = "conflict"
    title: str = "与当前状态冲突"


@dataclass
class AccountLocked(DomainError):
    """Too many wrong passwords in a row: no login until ``locked_until`` (HTTP 423).

    ``locked_until`` (ISO 8601, UTC) is also a member of the problem document, so a
    client can show the time without parsing the Chinese ``detail``.
    """

    locked_until: str = ""
    status: int = 423
    slug: str = "account-locked"
    title: str = "账号已锁定"

    def extensions(self) -> dict[str, Any]:
        return {"locked_until": self.locked_until}


@dataclass
class TooManyAttempts(DomainError):
    """Too many login attempts from one address in the current window (HTTP 429)."""

    retry_after: int = 60
    status: int = 429
    slug: str = "too-many-requests"
    title: str = "请求过于频繁"

    def extensions(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


@dataclass
class Unavailable(DomainError):
    """Something this node needs is out of reach (e.g. the county while offline)."""

    status: int = 503
    slug: str = "unavailable"
    title: str = "暂时无法完成"


@dataclass
class CalendarYearUnknown(DomainError):
    """A date falls in a year whose official holiday schedule nobody has published.

    Never guessed: the county enters the State Council notice at the hub, and it reaches
    every node with the master data.
    """

    year: int = 0
    status: int = 422
    slug: str = "calendar-year-unknown"
    title: str = "该年度法定节假日安排尚未发布"

    def __post_init__(self) -> None:
        if not self.detail:
            self.detail = (
                f"{self.year} 年的法定节假日和调休安排尚未发布，无法计算工作日；"
                "请由县级管理员在枢纽录入国务院办公厅通知后再试。"
            )
        super().__post_init__()


#: marshmallow's English messages, as clerks should read them.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"^Missing data for required field\.$", "必填"),
        (r"^Field may not be null\.$", "不能为空"),
        (r"^Unknown field\.$", "不认识的字段"),
        (r"^Not a valid integer\.$", "应为整数"),
        (r"^Not a valid number\.$", "应为数字"),
        (r"^Not a valid string\.$", "应为文本"),
        (r"^Not a valid boolean\.$", "应为 是/否（true/false、1/0）"),
        (r"^Not a valid date\.$", "应为日期，格式 YYYY-MM-DD"),
        (r"^Not a valid datetime\.$", "应为时间，格式 ISO 8601"),
        (r"^Not a valid list\.$", "应为列表"),
        (r"^Not a valid mapping type\.$", "应为对象"),
        (r"^Invalid input type\.$", "请求体格式不正确，应为 JSON 对象"),
        (r"^Invalid value\.$", "取值无效"),
        (r"^Must be one of: (.*)\.$", r"取值必须是 \1 之一"),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
            r"应在 \1 到 \2 之间",
        ),
        (r"^Must be greater than or equal to (\S+)\.$", r"应不小于 \1"),
        (r"^Must be less than or equal to (\S+)\.$", r"应不大于 \1"),
        (r"^Length must be between (\d+) and (\d+)\.$", r"长度应在 \1 到 \2 之间"),
        (r"^Shorter than minimum length (\d+)\.$", r"长度不能少于 \1"),
        (r"^Longer than maximum length (\d+)\.$", r"长度不能超过 \1"),
        (r"^Length must be (\d+)\.$", r"长度应为 \1"),
        (r"^String does not match expected pattern\.$", "格式不正确"),
    )
)


def chinese_message(message: str) -> str:
    """marshmallow's English validation message in Chinese (others pass unchanged)."""
    for pattern, chinese in _MESSAGES:
        if pattern.match(message):
            return pattern.sub(chinese, message)
    return message


def flatten_messages(messages: Any, prefix: str = "") -> list[InvalidParam]:
    """Turn marshmallow/webargs nested error dicts into dotted ``invalid_params``.

    webargs nests by location first (``{"json": {"applicant": {"id_number": [...]}}}``);
    the location is dropped, list indexes are kept (``materials.0.name``).
    """
    params: list[InvalidParam] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if name in {"json", "query", "form", "files", "headers", "path", "view_args"}:
                name = ""
            params.extend(flatten_messages(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        params.extend(InvalidParam(prefix or "_schema", chinese_message(str(m))) for m in messages)
    elif isinstance(messages, Iterable) and not isinstance(messages, str):
        for item in messages:
            params.extend(flatten_messages(item, prefix))
    else:
        params.append(InvalidParam(prefix or "_schema", chinese_message(str(messages))))
    return params
