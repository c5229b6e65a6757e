"""One entry of a node's audit log, as stored, hashed and sent upstream (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NoReturn

from shared.chain import ChainAnchor, content_hash, next_link
from shared.clock import to_china
from shared.errors import InvalidInput, InvalidParam

#: What is recorded, with the label staff read on the audit page.
ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "case.file": "登记办件",
    "case.act": "办件操作",
    "case.view": "查看办件",
    "case.list": "查看办件列表",
    "cert.lookup": "查询证照",
    "cert.verify": "核验证照",
    "cert.view": "查看证照",
    "cert.change": "证照管理",
    "export": "导出数据",
    "catalog.change": "修改事项目录",
    "delegation.change": "修改下放清单",
    "account.change": "账号管理",
    "admin.change": "系统管理",
    "audit.read": "查阅审计日志",
    "audit.who_looked": "查询个人信息使用记录",
}
OUTCOME_LABELS: dict[str, str] = {"ok": "成功", "failed": "失败"}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_STR_FIELDS = ("node", "actor", "role", "action", "target", "outcome", "detail", "at")


@dataclass(frozen=True)
class AuditEntry:
    """One audited action; ``hash`` covers every other field (``shared.chain``)."""

    node: str
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    subject_ref: str | None
    outcome: str
    detail: str
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """Every field but ``hash``, in JSON form: what the hash covers."""
        data = asdict(self)
        del data["hash"]
        data["at"] = to_china(self.at).isoformat()
        return data

    def expected_hash(self) -> str:
        return content_hash(self.content())

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the content plus ``hash``)."""
        return {**self.content(), "hash": self.hash}

    @classmethod
    def following(cls, prev: ChainAnchor | None, **fields: Any) -> AuditEntry:
        """The entry after ``prev`` (None: the node's first) with its hash computed."""
        seq, prev_hash = next_link(prev)
        draft = cls(**fields, seq=seq, prev_hash=prev_hash, hash="")
        return cls(**{**asdict(draft), "hash": draft.expected_hash()})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Inverse of :meth:`to_dict` (InvalidInput); the hash is checked by check_chain."""
        names = set(cls.__dataclass_fields__)
        if not isinstance(data, Mapping) or set(data) != names:
            _bad("entry", "应含字段：" + "、".join(sorted(names)))
        if type(data["seq"]) is not int or data["seq"] < 1:
            _bad("seq", f"序号应为正整数，实际为 {data['seq']!r}")
        for name in _STR_FIELDS:
            if not isinstance(data[name], str):
                _bad(name, "应为字符串")
        if data["action"] not in ACTION_LABELS:
            _bad("action", f"未知的审计事项 {data['action']!r}")
        if data["subject_ref"] is not None and not _HEX64.fullmatch(str(data["subject_ref"])):
            _bad("subject_ref", "应为 64 位小写十六进制或 null")
        for name in ("prev_hash", "hash"):
            if not isinstance(data[name], str) or not _HEX64.fullmatch(data[name]):
                _bad(name, "应为 64 位小写十六进制")
        try:
            at = datetime.fromisoformat(data["at"])
        except ValueError:
            _bad("at", f"时间格式错误：{data['at']!r}")
        if at.utcoffset() is None:
            _bad("at", "时间应带时区")
        return cls(**{**data, "at": at})


def _bad(field: str, reason: str) -> NoReturn:
    raise InvalidInput(
        detail=f"审计日志条目无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


@dataclass(frozen=True)
class Seal:
    """A sealed segment of a node's log: entries ``first_seq``–``last_seq`` of a month.

    Seals are chained per node like entries (``seq`` numbers the seals), so a deleted or
    altered seal is found; the last pruned seal is the anchor the rest is checked from.
    """

    node: str
    seq: int
    period: str
    until: datetime
    first_seq: int
    last_seq: int
    last_hash: str
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        data = asdict(self)
        del data["hash"]
        data["until"] = to_china(self.until).isoformat()
        return data

    def expected_hash(self) -> str:
        return content_hash(self.content())

    @classmethod
    def following(cls, prev: ChainAnchor | None, **fields: Any) -> Seal:
        seq, prev_hash = next_link(prev)
        draft = cls(**fields, seq=seq, prev_hash=prev_hash, hash="")
        return cls(**{**asdict(draft), "hash": draft.expected_hash()})
