"""Electronic certificate identifiers (电子证照标识, GB/T 36904) with their MOD 37,36 check."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import NoReturn

from shared.errors import InvalidInput, InvalidParam
from shared.ids.gb32100 import USCC_ALPHABET

#: OID arc under which every national electronic certificate identifier lives.
CERTIFICATE_PREFIX = "1.2.156.3005.2."

_ALPHANUMERIC = string.digits + string.ascii_uppercase
_VALUES = {char: value for value, char in enumerate(_ALPHANUMERIC)}
_DIGITS = "0123456789"
_SERIAL_MAX = 32
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_FIELD = "certificate_identifier"

# The USCC-like parts are only shape-checked, never check-digit-checked, because
# identifiers are issued by other systems and must be readable as printed. For the
# record: both parts of the national example
# 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U —
# 11100000000013338W and 11430000006122244L — do pass both the GB 32100 check and the
# embedded GB 11714 check (verified when this module was written).


@dataclass(frozen=True)
class CertificateIdentifier:
    """The parts of a certificate identifier, in the order they are written."""

    type_code: str
    issuer: str
    serial: str
    version: int
    check: str

    @property
    def data(self) -> str:
        """The characters the check character covers: all parts, no dots."""
        return f"{self.type_code}{self.issuer}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return (
            f"{CERTIFICATE_PREFIX}{self.type_code}.{self.issuer}.{self.serial}"
            f".{self.version:03d}.{self.check}"
        )


def _reject(field: str, reason: str) -> NoReturn:
    raise InvalidInput(
        detail=f"电子证照标识无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


def mod37_36_check(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid) check character over upper-case 0-9A-Z."""
    if not data:
        _reject("data", "计算校验码的数据不能为空")
    p = 36
    for position, char in enumerate(data, start=1):
        value = _VALUES.get(char)
        if value is None:
            _reject("data", f"第 {position} 个字符“{char}”不是数字或大写字母")
        s = (p + value) % 36 or 36
        p = (2 * s) % 37
    return _ALPHANUMERIC[(37 - p) % 36]


def _check_uscc_shape(text: str, label: str, field: str) -> None:
    if len(text) != 18:
        _reject(field, f"{label}应为 18 位统一社会信用代码，实际为 {len(text)} 位")
    for position, char in enumerate(text, start=1):
        if char not in USCC_ALPHABET:
            _reject(field, f"{label}第 {position} 位“{char}”不是统一社会信用代码允许的字符")


def _check_parts(type_code: str, issuer: str, serial: str, field: str) -> None:
    if len(type_code) != 21:
        _reject(
            field,
            "证照类型代码应为 21 位（18 位统一社会信用代码加 3 位数字），"
            f"实际为 {len(type_code)} 位",
        )
    _check_uscc_shape(type_code[:18], "证照类型代码的前 18 位", field)
    if any(c not in _DIGITS for c in type_code[18:]):
        _reject(field, f"证照类型代码末 3 位应为数字，实际为“{type_code[18:]}”")
    _check_uscc_shape(issuer, "颁发机构代码", field)
    if not 1 <= len(serial) <= _SERIAL_MAX:
        _reject(field, f"证照流水号应为 1–{_SERIAL_MAX} 位，实际为 {len(serial)} 位")
    for position, char in enumerate(serial, start=1):
        if char not in _VALUES:
            _reject(field, f"证照流水号第 {position} 位“{char}”不是数字或大写字母")


def make_certificate_identifier(type_code: str, issuer_uscc: str, serial: str, version: int) -> str:
    """Build a full identifier from its parts, appending the check character.

    Parts are taken exactly as given (no case folding): they come from our own data.
    """
    _check_parts(type_code, issuer_uscc, serial, _FIELD)
    if not 0 <= version <= 999:
        _reject(_FIELD, f"版本号应在 0–999 之间，实际为 {version}")
    data = f"{type_code}{issuer_uscc}{serial}{version:03d}"
    return str(CertificateIdentifier(type_code, issuer_uscc, serial, version, mod37_36_check(data)))


def parse_certificate_identifier(value: str, *, field: str = _FIELD) -> CertificateIdentifier:
    """Split and check an identifier; surrounding blanks and lower case are tolerated."""
    text = value.strip().translate(_ASCII_UPPER)
    if not text.startswith(CERTIFICATE_PREFIX):
        _reject(field, f"应以“{CERTIFICATE_PREFIX}”开头")
    parts = text[len(CERTIFICATE_PREFIX) :].split(".")
    if len(parts) != 5:
        _reject(
            field,
            "前缀之后应有 5 段（类型代码.颁发机构代码.流水号.版本号.校验位），"
            f"实际为 {len(parts)} 段",
        )
    type_code, issuer, serial, version, check = parts
    _check_parts(type_code, issuer, serial, field)
    if len(version) != 3 or any(c not in _DIGITS for c in version):
        _reject(field, f"版本号应为 3 位数字，实际为“{version}”")
    if len(check) != 1 or check not in _VALUES:
        _reject(field, f"校验位应为 1 个数字或大写字母，实际为“{check}”")
    expected = mod37_36_check(f"{type_code}{issuer}{serial}{version}")
    if check != expected:
        _reject(field, f"校验位错误：应为“{expected}”，实际为“{check}”")
    return CertificateIdentifier(type_code, issuer, serial, int(version), check)


def is_valid_certificate_identifier(value: str) -> bool:
    """Whether ``value`` passes :func:`parse_certificate_identifier`."""
    try:
        parse_certificate_identifier(value)
    except InvalidInput:
        return False
    return True
