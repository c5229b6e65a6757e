"""Citizen ID numbers (公民身份号码, GB 11643-1999): check character, birth date, sex."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, NoReturn

from shared.clock import SystemClock
from shared.errors import InvalidInput, InvalidParam

_DIGITS = "0123456789"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid ID number says about its holder."""

    number: str
    region_code: str
    birth_date: date
    sex: Literal["M", "F"]


def _reject(field: str, reason: str) -> NoReturn:
    raise InvalidInput(
        detail=f"身份证号码无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


def id_check_char(first17: str) -> str:
    """The 18th character for the first 17 digits of an ID number."""
    if len(first17) != 17 or any(c not in _DIGITS for c in first17):
        _reject("first17", f"计算校验码需要 17 位数字，实际为 {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_id_number(
    value: str, *, today: date | None = None, field: str = "id_number"
) -> IdNumberInfo:
    """Check an ID number and return it normalized (upper-case X) with its parts.

    Surrounding whitespace is ignored; ``today`` defaults to the current date in China.
    """
    number = value.strip()
    # A lower-case x only ever means the check character; upper-case is the canonical form.
    if number.endswith("x"):
        number = number[:-1] + "X"
    if len(number) != 18:
        _reject(field, f"应为 18 位，实际为 {len(number)} 位")
    for position, char in enumerate(number[:17], start=1):
        if char not in _DIGITS:
            _reject(field, f"第 {position} 位应为数字，实际为“{char}”")
    if number[17] not in _DIGITS and number[17] != "X":
        _reject(field, f"第 18 位（校验码）应为数字或 X，实际为“{number[17]}”")

    birth_date = _birth_date(number[6:14], today or SystemClock().today(), field)

    expected = id_check_char(number[:17])
    if number[17] != expected:
        _reject(field, f"校验码错误：第 18 位应为“{expected}”，实际为“{number[17]}”")

    return IdNumberInfo(
        number=number,
        region_code=number[:6],
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 == 1 else "F",
    )


def _birth_date(digits: str, today: date, field: str) -> date:
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    shown = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    try:
        born = date(year, month, day)
    except ValueError:
        _reject(field, f"出生日期 {shown}（第 7–14 位）不存在")
    if year < _EARLIEST_BIRTH_YEAR:
        _reject(field, f"出生日期 {shown} 早于 {_EARLIEST_BIRTH_YEAR} 年")
    if born > today:
        _reject(field, f"出生日期 {shown} 晚于今天（{today.isoformat()}）")
    return born


def is_valid_id_number(value: str, *, today: date | None = None) -> bool:
    """Whether ``value`` passes :func:`validate_id_number`."""
    try:
        validate_id_number(value, today=today)
    except InvalidInput:
        return False
    return True
