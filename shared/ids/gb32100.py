"""Unified social credit codes (统一社会信用代码, GB 32100-2015) with their GB 11714 part."""

from __future__ import annotations

import string
from typing import NoReturn

from shared.errors import InvalidInput, InvalidParam

#: The 31 characters a USCC may contain; I, O, Z, S and V are left out so they are
#: never mistaken for 1, 0, 2, 5 and U.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_FORBIDDEN = "IOZSV"

# GB 11714 predates the USCC and allows every Latin capital, valued A=10 … Z=35.
_ORG_VALUES = {char: value for value, char in enumerate(string.digits + string.ascii_uppercase)}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_DIGITS = "0123456789"
# str.upper() would also fold non-ASCII letters (ß → SS) and change the length.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def _reject(field: str, reason: str) -> NoReturn:
    raise InvalidInput(
        detail=f"统一社会信用代码无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


def _char_reason(position: int, char: str) -> str:
    if char in _FORBIDDEN:
        return f"第 {position} 位为“{char}”，统一社会信用代码不使用字母 I、O、Z、S、V"
    return (
        f"第 {position} 位“{char}”不是统一社会信用代码允许的字符"
        "（数字或除 I、O、Z、S、V 外的大写字母）"
    )


def _require_uscc_chars(text: str, field: str, first_position: int = 1) -> None:
    for position, char in enumerate(text, start=first_position):
        if char not in _USCC_VALUES:
            _reject(field, _char_reason(position, char))


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 characters of a USCC."""
    if len(first17) != 17:
        _reject("first17", f"计算校验码需要 17 个字符，实际为 {len(first17)} 个")
    _require_uscc_chars(first17, "first17")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of a GB 11714 organization code for its first 8 characters."""
    if len(first8) != 8:
        _reject("first8", f"计算组织机构代码校验码需要 8 个字符，实际为 {len(first8)} 个")
    for position, char in enumerate(first8, start=1):
        if char not in _ORG_VALUES:
            _reject("first8", f"组织机构代码第 {position} 位应为数字或大写字母，实际为“{char}”")
    total = sum(_ORG_VALUES[c] * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def make_uscc(registration: str, category: str, region: str, org_base8: str) -> str:
    """Build a complete USCC, computing both the organization-code and the final check."""
    field = "uscc"
    if len(registration) != 1:
        _reject(field, f"登记管理部门代码应为 1 个字符，实际为 {registration!r}")
    if len(category) != 1:
        _reject(field, f"机构类别代码应为 1 个字符，实际为 {category!r}")
    if len(region) != 6 or any(c not in _DIGITS for c in region):
        _reject(field, f"登记管理机关行政区划码应为 6 位数字，实际为 {region!r}")
    if len(org_base8) != 8:
        _reject(field, f"组织机构代码本体应为 8 个字符，实际为 {len(org_base8)} 个")
    _require_uscc_chars(registration + category, field)
    _require_uscc_chars(org_base8, field, first_position=9)
    first17 = registration + category + region + org_base8 + org_code_check_char(org_base8)
    return first17 + uscc_check_char(first17)


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    """Check a USCC and return it normalized (trimmed, upper-case)."""
    code = value.strip().translate(_ASCII_UPPER)
    if len(code) != 18:
        _reject(field, f"应为 18 位，实际为 {len(code)} 位")
    _require_uscc_chars(code, field)
    for position, char in enumerate(code[2:8], start=3):
        if char not in _DIGITS:
            _reject(field, f"第 3–8 位是行政区划码，应为数字，第 {position} 位实际为“{char}”")

    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        _reject(field, f"校验码错误：第 18 位应为“{expected}”，实际为“{code[17]}”")
    # The final check alone would accept a code whose embedded organization code was
    # mistyped and then re-checked; GB 32100 requires both.
    expected_org = org_code_check_char(code[8:16])
    if code[16] != expected_org:
        _reject(
            field,
            f"第 9–17 位组织机构代码的校验码错误：第 17 位应为“{expected_org}”，实际为“{code[16]}”",
        )
    return code


def is_valid_uscc(value: str) -> bool:
    """Whether ``value`` passes :func:`validate_uscc`."""
    try:
        validate_uscc(value)
    except InvalidInput:
        return False
    return True
