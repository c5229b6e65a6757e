"""The signed status list (吊销/替代名单) the hub publishes and every node verifies against.

Wire form: ``{"list": {"kid", "issued_at", "entries": {identifier: {status, reason,
since, superseded_by}}}, "sig"}``; the hub's ``status`` key signs
``canonical_json(list)``. A certificate not in the list is in force as far as the list
knows; a verification reports the list's date ("valid as of").
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, NoReturn

from shared.canonical import canonical_json
from shared.certs.signing import KeyPair, KeyRing, b64url, unb64url
from shared.clock import to_china
from shared.errors import InvalidInput, InvalidParam
from shared.ids.certificate import parse_certificate_identifier

Status = Literal["revoked", "superseded"]
STATUS_LABELS: dict[str, str] = {"revoked": "已吊销", "superseded": "已被替代"}


@dataclass
class StatusListError(InvalidInput):
    """A status list that is malformed or whose signature does not hold."""

    slug: str = "invalid-status-list"
    title: str = "证照状态名单无效"


def _reject(reason: str) -> NoReturn:
    raise StatusListError(
        detail=f"证照状态名单无效：{reason}",
        invalid_params=[InvalidParam(name="status_list", reason=reason)],
    )


@dataclass(frozen=True)
class StatusEntry:
    """Why and since when one certificate is no longer in force."""

    status: Status
    reason: str
    since: date  # the first day the status applies
    superseded_by: str | None = None  # identifier of the replacement (superseded only)

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABELS:
            _reject(f"状态应为 revoked 或 superseded，实际为 {self.status!r}")
        if (self.status == "superseded") != (self.superseded_by is not None):
            _reject("只有“已被替代”的条目才写明替代它的证照")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "status": self.status,
            "reason": self.reason,
            "since": self.since.isoformat(),
            "superseded_by": self.superseded_by,
        }

    @classmethod
    def from_dict(cls, data: object) -> StatusEntry:
        """Inverse of :meth:`to_dict` (StatusListError)."""
        if not isinstance(data, Mapping) or set(data) != {
            "status",
            "reason",
            "since",
            "superseded_by",
        }:
            _reject("条目应含 status、reason、since、superseded_by")
        status, reason, since, by = (
            data["status"],
            data["reason"],
            data["since"],
            data["superseded_by"],
        )
        if status not in STATUS_LABELS or not isinstance(reason, str):
            _reject("条目的状态或原因格式错误")
        if by is not None and not _is_identifier(by):
            _reject(f"替代证照标识无效：{by!r}")
        return cls(
            status="revoked" if status == "revoked" else "superseded",
            reason=reason,
            since=_date(since),
            superseded_by=by,
        )


@dataclass(frozen=True)
class StatusList:
    """The hub's list of certificates not in force, as of ``issued_at``."""

    kid: str  # the hub's status key
    issued_at: datetime  # aware
    entries: Mapping[str, StatusEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.issued_at.utcoffset() is None:
            _reject("签发时间应带时区")

    @cached_property
    def as_of(self) -> date:
        """The list's date in China: verifications say "状态截至" this day."""
        # Computed once: every verification reports it (the list is immutable).
        return to_china(self.issued_at).date()

    @cached_property
    def _index(self) -> dict[str, StatusEntry]:
        # ``entries`` may be any Mapping (a view, a proxy): one plain dict per list
        # keeps every look-up a hash probe, however many certificates are verified.
        return dict(self.entries)

    def status_of(self, identifier: str, on: date) -> StatusEntry | None:
        """The entry for ``identifier`` if it applies on ``on`` (its ``since`` has come)."""
        entry = self._index.get(identifier)
        return entry if entry is not None and entry.since <= on else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the part the hub signs."""
        return {
            "kid": self.kid,
            "issued_at": to_china(self.issued_at).isoformat(),
            "entries": {ident: e.to_dict() for ident, e in self.entries.items()},
        }

    @classmethod
    def from_dict(cls, data: object) -> StatusList:
        """Inverse of :meth:`to_dict` (StatusListError)."""
        if not isinstance(data, Mapping) or set(data) != {"kid", "issued_at", "entries"}:
            _reject("应含 kid、issued_at、entries")
        kid, issued, entries = data["kid"], data["issued_at"], data["entries"]
        if not isinstance(kid, str) or not isinstance(issued, str):
            _reject("kid 与 issued_at 应为字符串")
        if not isinstance(entries, Mapping):
            _reject("entries 应为对象")
        try:
            issued_at = datetime.fromisoformat(issued)
        except ValueError:
            _reject(f"签发时间格式错误：{issued!r}")
        parsed: dict[str, StatusEntry] = {}
        for ident, entry in entries.items():
            if not _is_identifier(ident):
                _reject(f"证照标识无效：{ident!r}")
            parsed[ident] = StatusEntry.from_dict(entry)
        return cls(kid=kid, issued_at=issued_at, entries=parsed)


@dataclass(frozen=True)
class SignedStatusList:
    """A status list with the hub's signature over ``canonical_json(list.to_dict())``."""

    status_list: StatusList
    signature: bytes

    @cached_property
    def signed_bytes(self) -> bytes:
        """The bytes the signature covers (computed once)."""
        return canonical_json(self.status_list.to_dict())

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 of :attr:`signed_bytes` (lets the key ring remember the check)."""
        return hashlib.sha256(self.signed_bytes).digest()

    def checked_with(self, keyring: KeyRing) -> StatusList | str:
        """:func:`verify_status_list` against ``keyring``: the list, or the refusal's detail.

        Remembered for the last ring asked (both are immutable), since every
        verification asks again: the ring a node holds changes seldom.
        """
        memo: tuple[KeyRing, StatusList | str] | None = self.__dict__.get("_checked")
        if memo is not None and memo[0] is keyring:
            return memo[1]
        try:
            result: StatusList | str = verify_status_list(self, keyring)
        except StatusListError as exc:
            result = exc.detail
        # Not a field (frozen): stored as cached_property would store it.
        self.__dict__["_checked"] = (keyring, result)
        return result

    def to_dict(self) -> dict[str, Any]:
        """``{list, sig}``: the form the master feed carries."""
        return {"list": self.status_list.to_dict(), "sig": b64url(self.signature)}

    @classmethod
    def from_dict(cls, data: object) -> SignedStatusList:
        """Inverse of :meth:`to_dict`; the signature is NOT checked (StatusListError)."""
        if not isinstance(data, Mapping) or set(data) != {"list", "sig"}:
            _reject("应含 list 与 sig")
        try:
            signature = unb64url(data["sig"]) if isinstance(data["sig"], str) else b""
        except ValueError:
            signature = b""
        if len(signature) != 64:
            _reject("签名格式错误")
        signed = cls(StatusList.from_dict(data["list"]), signature)
        # Signed over the canonical form of what we parsed: a list whose text was
        # changed in a way parsing smooths over (a date spelt differently) must fail.
        if canonical_json(data["list"]) != signed.signed_bytes:
            _reject("内容不规范")
        return signed


def sign_status_list(status_list: StatusList, key: KeyPair) -> SignedStatusList:
    """The hub signs ``status_list`` with its status key (whose id the list names)."""
    if key.kid != status_list.kid:
        _reject(f"签名密钥 {key.kid} 与名单记载的 {status_list.kid} 不一致")
    return SignedStatusList(status_list, key.sign(canonical_json(status_list.to_dict())))


def verify_status_list(signed: SignedStatusList, keyring: KeyRing) -> StatusList:
    """The list, if the hub's ``status`` key in ``keyring`` signed it on its date.

    Raises StatusListError (with a Chinese detail) for an unknown key, a key that is
    not a status key or did not sign on that day, or a signature that does not hold.
    """
    listed = signed.status_list
    key = keyring.get(listed.kid)
    if key is None:
        _reject(f"签名密钥 {listed.kid} 未登记")
    if key.usage != "status":
        _reject(f"签名密钥 {listed.kid} 不是状态名单密钥")
    if not keyring.check_cached(key.kid, signed.digest, signed.signed_bytes, signed.signature):
        _reject("签名不符，名单可能被篡改")
    if not key.signs_on(listed.as_of):
        _reject(f"签名密钥 {listed.kid} 在 {listed.as_of} 不可用")
    return listed


def _is_identifier(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(parse_certificate_identifier(value)) == value
    except InvalidInput:
        return False


def _date(value: object) -> date:
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.isoformat() == value:
                return parsed
    _reject(f"日期格式错误：{value!r}")
