"""The electronic certificate record (电子证照元数据, DOMAIN.md §5) and its strict dict form."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NoReturn

from shared.errors import InvalidInput, InvalidParam
from shared.ids.certificate import parse_certificate_identifier
from shared.ids.gb11643 import validate_id_number
from shared.ids.gb32100 import validate_uscc
from shared.ids.region import region_level

HolderCodeType = Literal["111", "001"]
#: 111 公民身份号码, 001 统一社会信用代码 (the codes the case API uses for ``id_type``).
HOLDER_CODE_TYPES: dict[str, str] = {"111": "身份证号", "001": "统一社会信用代码"}

ErrorCode = Literal["malformed", "bad_identifier"]

_HOLDER_TYPE_REASON = "应为 111（身份证号）或 001（统一社会信用代码），实际为 "
_KID = re.compile(r"[0-9a-f]{16}")
_MAX_TEXT = 200  # keeps a payload small enough for one QR code


@dataclass
class CertificateError(InvalidInput):
    """A certificate (or its payload) breaks a format rule; ``code`` says which check."""

    code: ErrorCode = "malformed"
    slug: str = "invalid-certificate"
    title: str = "电子证照无效"


#: Chinese names of the fields, for messages a clerk reads.
FIELD_LABELS: dict[str, str] = {
    "cert": "证照数据",
    "name": "证照名称",
    "type_code": "证照类型代码",
    "number": "证照编号",
    "identifier": "证照标识",
    "issuer_name": "颁发机构",
    "issuer_code": "颁发机构代码",
    "issue_date": "颁证日期",
    "holder_name": "持证主体",
    "holder_code": "持证主体代码",
    "holder_code_type": "持证主体代码类型",
    "region": "行政区划代码",
    "valid_from": "有效期起始日期",
    "valid_to": "有效期截止日期",
    "signer_kid": "签发密钥编号",
    "item_code": "关联事项编码",
    "previous": "被替代证照标识",
    "version": "版本号",
}


def _reject(field: str, reason: str, code: ErrorCode = "malformed") -> NoReturn:
    raise CertificateError(
        detail=f"电子证照信息有误：{FIELD_LABELS.get(field, field)}{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
        code=code,
    )


def _rethrow(exc: InvalidInput, field: str, code: ErrorCode = "malformed") -> NoReturn:
    reason = exc.invalid_params[0].reason if exc.invalid_params else exc.detail
    raise CertificateError(
        detail=f"电子证照信息有误：{FIELD_LABELS.get(field, field)}无效（{reason}）",
        invalid_params=[InvalidParam(name=field, reason=reason)],
        code=code,
    ) from exc


@dataclass(frozen=True)
class Certificate:
    """One issued certificate. Constructing it checks every rule; an instance is valid.

    Values must already be in canonical form (no blanks, upper-case codes, ISO dates):
    the signature covers exactly what :meth:`to_dict` returns, so nothing is tidied up.
    The GB/T 36904 serial is not a field of its own: it is the identifier's serial part.
    """

    name: str  # 证照名称
    type_code: str  # 证照类型代码: defining body's USCC + 3 digits
    number: str  # 证照编号, as printed on the certificate
    identifier: str  # 电子证照标识 (GB/T 36904)
    issuer_name: str  # 颁发机构
    issuer_code: str  # 颁发机构代码 (USCC)
    issue_date: date  # 颁证日期
    holder_name: str  # 持证主体
    holder_code: str = dataclasses.field(repr=False)  # 持证主体代码: kept out of repr and logs
    holder_code_type: HolderCodeType  # 111 身份证号 | 001 统一社会信用代码
    region: str  # 行政区划代码 (6, 9 or 12 digits)
    valid_from: date  # 有效期起始
    valid_to: date | None  # 有效期截止 (inclusive); None = 长期
    signer_kid: str  # id of the issuer key that signs it (see shared.certs.signing)
    item_code: str | None  # 关联事项编码
    previous: str | None  # identifier of the certificate this one supersedes
    version: int  # 版本号, the identifier's version part

    def __post_init__(self) -> None:
        self._check()

    @property
    def serial(self) -> str:
        """The serial part of the identifier."""
        return self.identifier.split(".")[-3]

    def _check(self) -> None:
        # The identifier first: verify() reports it as its own verdict (bad_identifier).
        _text("identifier", self.identifier, limit=100)
        try:
            parsed = parse_certificate_identifier(self.identifier, field="identifier")
        except InvalidInput as exc:
            _rethrow(exc, "identifier", "bad_identifier")
        if str(parsed) != self.identifier:
            _reject("identifier", "应为规范形式（大写、无空格）", "bad_identifier")
        for field, part, own in (
            ("type_code", parsed.type_code, self.type_code),
            ("issuer_code", parsed.issuer, self.issuer_code),
            ("version", f"{parsed.version:03d}", _version_text(self.version)),
        ):
            if part != own:
                _reject(
                    "identifier",
                    f"中的{FIELD_LABELS[field]}“{part}”与证照记载的“{own}”不一致",
                    "bad_identifier",
                )
        for field in ("name", "number", "issuer_name", "holder_name"):
            _text(field, getattr(self, field))
        _canonical(self.issuer_code, "issuer_code", _validate_issuer_code)
        if self.holder_code_type == "111":
            # Born no later than the issue date keeps this pure (no "today").
            _canonical(
                self.holder_code,
                "holder_code",
                lambda v, field: validate_id_number(v, today=self.issue_date, field=field).number,
            )
        elif self.holder_code_type == "001":
            _canonical(self.holder_code, "holder_code", validate_uscc)
        else:
            _reject(
                "holder_code_type",
                f"应为 111（身份证号）或 001（统一社会信用代码），实际为 {self.holder_code_type!r}",
            )
        _text("region", self.region, limit=12)
        try:
            region_level(self.region, field="region")
        except InvalidInput as exc:
            _rethrow(exc, "region")
        for field in ("issue_date", "valid_from"):
            if not isinstance(getattr(self, field), date):
                _reject(field, "应为日期")
        if self.valid_to is not None:
            if not isinstance(self.valid_to, date):
                _reject("valid_to", "应为日期或 null（长期有效）")
            if self.valid_to < self.valid_from:
                _reject("valid_to", f"（{self.valid_to}）早于有效期起始日期（{self.valid_from}）")
        if not _KID.fullmatch(_as_str("signer_kid", self.signer_kid)):
            _reject("signer_kid", "应为 16 位小写十六进制密钥编号")
        if self.item_code is not None:
            _text("item_code", self.item_code, limit=64)
        if self.previous is not None:
            _text("previous", self.previous, limit=100)
            try:
                before = parse_certificate_identifier(self.previous, field="previous")
            except InvalidInput as exc:
                _rethrow(exc, "previous")
            if str(before) != self.previous:
                _reject("previous", "应为规范形式（大写、无空格）")
            if self.previous == self.identifier:
                _reject("previous", "不能是本证照自身")
            if before.type_code != self.type_code:
                _reject("previous", "应与本证照属于同一证照类型")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (dates as ``YYYY-MM-DD``): what is signed and carried."""
        return {
            "name": self.name,
            "type_code": self.type_code,
            "number": self.number,
            "identifier": self.identifier,
            "issuer_name": self.issuer_name,
            "issuer_code": self.issuer_code,
            "issue_date": self.issue_date.isoformat(),
            "holder_name": self.holder_name,
            "holder_code": self.holder_code,
            "holder_code_type": self.holder_code_type,
            "region": self.region,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": None if self.valid_to is None else self.valid_to.isoformat(),
            "signer_kid": self.signer_kid,
            "item_code": self.item_code,
            "previous": self.previous,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Certificate:
        """The certificate ``data`` describes; raises :class:`CertificateError` otherwise.

        Exactly the keys of :meth:`to_dict`, each of its type and in canonical form, so
        that ``from_dict(d).to_dict() == d`` for every accepted ``d``.
        """
        if not isinstance(data, Mapping):
            _reject("cert", "应为 JSON 对象")
        missing = sorted(_FIELDS - data.keys())
        if missing:
            _reject("cert", "缺少字段：" + "、".join(missing))
        extra = sorted(str(k) for k in data.keys() - _FIELDS)
        if extra:
            _reject("cert", "含有未知字段：" + "、".join(extra))
        version = data["version"]
        if type(version) is not int or not 1 <= version <= 999:
            _reject("version", f"应为 1–999 的整数，实际为 {version!r}")
        holder_type = _as_str("holder_code_type", data["holder_code_type"])
        if holder_type not in HOLDER_CODE_TYPES:
            _reject(
                "holder_code_type",
                f"应为 111（身份证号）或 001（统一社会信用代码），实际为 {holder_type!r}",
            )
        return cls(
            name=_as_str("name", data["name"]),
            type_code=_as_str("type_code", data["type_code"]),
            number=_as_str("number", data["number"]),
            identifier=_as_str("identifier", data["identifier"]),
            issuer_name=_as_str("issuer_name", data["issuer_name"]),
            issuer_code=_as_str("issuer_code", data["issuer_code"]),
            issue_date=_date("issue_date", data["issue_date"]),
            holder_name=_as_str("holder_name", data["holder_name"]),
            holder_code=_as_str("holder_code", data["holder_code"]),
            holder_code_type="111" if holder_type == "111" else "001",
            region=_as_str("region", data["region"]),
            valid_from=_date("valid_from", data["valid_from"]),
            valid_to=None if data["valid_to"] is None else _date("valid_to", data["valid_to"]),
            signer_kid=_as_str("signer_kid", data["signer_kid"]),
            item_code=None
            if data["item_code"] is None
            else _as_str("item_code", data["item_code"]),
            previous=None if data["previous"] is None else _as_str("previous", data["previous"]),
            version=version,
        )


_FIELDS = frozenset(Certificate.__dataclass_fields__)


def _unchecked(fields: dict[str, Any]) -> Certificate:
    """A certificate built without running its checks: for shared.certs.fast only.

    That module has established, field by field, that :meth:`Certificate._check` would
    pass (and that the values are those ``from_dict`` would produce); running the rules
    again would cost as much as the signature check. ``fields`` names every field.
    """
    if fields.keys() != _FIELDS:
        raise TypeError("every field of Certificate must be given")
    cert = object.__new__(Certificate)
    # Frozen: the dataclass's own __init__ also sets the fields past __setattr__.
    cert.__dict__.update(fields)
    return cert


@functools.lru_cache(maxsize=256)
def _validate_issuer_code(value: str, *, field: str) -> str:
    # A county has a few dozen issuers: checking each one once per process is enough.
    return validate_uscc(value, field=field)


def _version_text(version: object) -> str:
    if type(version) is not int or not 1 <= version <= 999:
        _reject("version", f"应为 1–999 的整数，实际为 {version!r}")
    return f"{version:03d}"


def _as_str(field: str, value: object) -> str:
    if not isinstance(value, str):
        _reject(field, f"应为字符串，实际为 {type(value).__name__}")
    return value


def _optional_str(field: str, value: object) -> str | None:
    return None if value is None else _as_str(field, value)


def _text(field: str, value: object, *, limit: int = _MAX_TEXT) -> None:
    text = _as_str(field, value)
    if not text:
        _reject(field, "不能为空")
    if text != text.strip():
        _reject(field, "首尾不能有空白")
    if len(text) > limit:
        _reject(field, f"不能超过 {limit} 个字符，实际为 {len(text)} 个")


def _canonical(value: str, field: str, validator: Any) -> None:
    _text(field, value, limit=18)
    try:
        normalized = validator(value, field=field)
    except InvalidInput as exc:
        _rethrow(exc, field)
    if normalized != value:
        _reject(field, f"应为规范形式“{normalized}”")


def _date(field: str, value: object) -> date:
    text = _as_str(field, value)
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        _reject(field, f"应为 YYYY-MM-DD 格式的日期，实际为“{text}”")
    # fromisoformat also takes 20261127 and 2026-W48-5; only one spelling is signed.
    if parsed.isoformat() != text:
        _reject(field, f"应为 YYYY-MM-DD 格式的日期，实际为“{text}”")
    return parsed
