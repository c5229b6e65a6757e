"""The append-only, hash-chained log of certificate use (用证日志), as pure functions.

Each node numbers its entries 1, 2, 3 … and each entry's ``hash`` is SHA-256 over the
canonical JSON of all its other fields, ``prev_hash`` (the previous entry's hash; 64
zeros for entry 1) included. The hub keeps, per node, the last ``(seq, hash)`` it
accepted (the anchor) and checks every new batch against it with :func:`check_chain`.
The chain itself (hashing, linking, checking) is :mod:`shared.chain`, which the audit log
uses too; this module adds what an entry of the usage log holds.

Holder codes are never stored in clear. An entry about a holder (a look-up by ID
number or credit code) keeps ``holder_ref``, an HMAC-SHA256 of the code under the
county's log key, so the hub can answer "who used my certificates" by computing the
same reference, plus ``holder_masked`` (``6107**********123X``) for people reading the
log. A plain hash would not do: an ID number has so few possibilities that anyone
could hash them all. The HMAC protects the log where it travels and is exported; it
does not protect against someone who also holds the key (every node does).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, NoReturn

from shared.chain import GENESIS, ChainAnchor, ChainReport, Problem, check_chain, content_hash
from shared.chain import next_link as _next_link
from shared.clock import to_china
from shared.errors import InvalidInput, InvalidParam
from shared.ids.masking import mask_id_number

Action = Literal["lookup", "verify", "view"]
ACTION_LABELS: dict[str, str] = {"lookup": "查询", "verify": "核验", "view": "查看"}
__all__ = [
    "ACTION_LABELS",
    "GENESIS",
    "ChainAnchor",
    "ChainReport",
    "Problem",
    "UsageEntry",
    "UsageFields",
    "chain_entry",
    "check_chain",
    "holder_ref",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def holder_ref(holder_code_type: str, holder_code: str, *, key: bytes) -> str:
    """The pseudonymous reference stored instead of a holder code (HMAC-SHA256, hex)."""
    message = f"{holder_code_type}:{holder_code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class UsageFields:
    """What the caller says about one use; :func:`chain_entry` adds seq and hashes.

    Name the certificate (``certificate``: its identifier) or the holder
    (``holder_ref`` and ``holder_masked``, see :func:`for_holder`), or both.
    """

    node: str
    at: datetime  # aware
    actor: str  # the account that used it
    action: Action
    case_no: str  # the case the use serves (用证事由 is tied to a case)
    purpose: str  # 用证事由
    certificate: str | None = None
    holder_ref: str | None = None
    holder_masked: str | None = None

    @classmethod
    def for_holder(
        cls,
        *,
        holder_code_type: str,
        holder_code: str,
        key: bytes,
        **fields: Any,
    ) -> UsageFields:
        """Fields for a use that names a holder: the code is kept only as ref + mask."""
        return cls(
            holder_ref=holder_ref(holder_code_type, holder_code, key=key),
            holder_masked=mask_id_number(holder_code),
            **fields,
        )


@dataclass(frozen=True)
class UsageEntry:
    """One entry of a node's usage log, as stored and as sent to the hub."""

    node: str
    seq: int
    at: datetime
    actor: str
    action: Action
    case_no: str
    purpose: str
    certificate: str | None
    holder_ref: str | None
    holder_masked: str | None
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """Every field but ``hash``, in JSON form: what the hash covers."""
        data = asdict(self)
        del data["hash"]
        data["at"] = to_china(self.at).isoformat()
        return data

    def expected_hash(self) -> str:
        """SHA-256 (hex) over the canonical JSON of :meth:`content`."""
        return content_hash(self.content())

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the content plus ``hash``)."""
        return {**self.content(), "hash": self.hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UsageEntry:
        """Inverse of :meth:`to_dict` (InvalidInput); the hash is checked by check_chain."""
        names = set(cls.__dataclass_fields__)
        if not isinstance(data, Mapping) or set(data) != names:
            _bad("entry", "应含字段：" + "、".join(sorted(names)))
        seq = data["seq"]
        if type(seq) is not int or seq < 1:
            _bad("seq", f"序号应为正整数，实际为 {seq!r}")
        if data["action"] not in ACTION_LABELS:
            _bad("action", f"操作应为 lookup、verify 或 view，实际为 {data['action']!r}")
        for name in ("node", "actor", "case_no", "purpose", "at"):
            if not isinstance(data[name], str):
                _bad(name, "应为字符串")
        for name in ("certificate", "holder_ref", "holder_masked"):
            if data[name] is not None and not isinstance(data[name], str):
                _bad(name, "应为字符串或 null")
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
        detail=f"用证日志条目无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


def chain_entry(prev: UsageEntry | None, fields: UsageFields) -> UsageEntry:
    """The entry that follows ``prev`` (None: the node's first entry) with ``fields``.

    Raises InvalidInput if ``fields`` names no certificate and no holder, has a naive
    time, an unknown action or a blank case number or purpose, or if ``prev`` belongs
    to another node.
    """
    if prev is not None and prev.node != fields.node:
        _bad("node", f"上一条目属于节点 {prev.node}，不能接在节点 {fields.node} 的日志后")
    if fields.at.utcoffset() is None:
        _bad("at", "时间应带时区")
    if fields.action not in ACTION_LABELS:
        _bad("action", f"操作应为 lookup、verify 或 view，实际为 {fields.action!r}")
    if fields.certificate is None and fields.holder_ref is None:
        _bad("certificate", "应写明所用证照或持证主体")
    if not fields.case_no.strip() or not fields.purpose.strip():
        _bad("purpose", "用证应写明办件编号与用证事由")
    seq, prev_hash = _next_link(prev)
    draft = UsageEntry(**asdict(fields), seq=seq, prev_hash=prev_hash, hash="")
    return UsageEntry(**{**asdict(draft), "hash": draft.expected_hash()})
