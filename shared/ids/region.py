"""Administrative division codes for the county (6 digits), towns (9) and villages (12)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, NoReturn

from shared.errors import InvalidInput, InvalidParam

_DIGITS = "0123456789"

TownKind = Literal["街道", "镇", "乡"]
VillageKind = Literal["社区", "村"]


class RegionLevel(StrEnum):
    """Which tier a division code names."""

    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


_LEVEL_BY_LENGTH = {6: RegionLevel.COUNTY, 9: RegionLevel.TOWN, 12: RegionLevel.VILLAGE}


def _reject(field: str, reason: str) -> NoReturn:
    raise InvalidInput(
        detail=f"区划代码无效：{reason}",
        invalid_params=[InvalidParam(name=field, reason=reason)],
    )


def region_level(code: str, *, field: str = "region_code") -> RegionLevel:
    """The level of a well-formed division code; anything else raises ``InvalidInput``.

    No trimming: codes come from master data and are stored exactly as given, so a
    stray space is an error to surface, not to paper over.
    """
    if any(c not in _DIGITS for c in code):
        _reject(field, f"只能由数字组成，实际为“{code}”")
    level = _LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        _reject(field, f"应为 6 位（县级）、9 位（乡级）或 12 位（村级），实际为 {len(code)} 位")
    if len(code) >= 9 and not 1 <= int(code[6:9]) <= 399:
        _reject(
            field,
            f"第 7–9 位（乡级）应在 001–399 之间（001–099 街道、100–199 镇、200–399 乡），"
            f"实际为 {code[6:9]}",
        )
    if len(code) == 12 and not 1 <= int(code[9:12]) <= 399:
        _reject(
            field,
            f"第 10–12 位（村级）应在 001–399 之间（001–199 社区、200–399 村），"
            f"实际为 {code[9:12]}",
        )
    return level


def is_valid_region_code(code: str) -> bool:
    """Whether ``code`` is a well-formed county, town or village code."""
    try:
        region_level(code)
    except InvalidInput:
        return False
    return True


def town_kind(code9: str, *, field: str = "region_code") -> TownKind:
    """Whether a town-level code is a 街道, 镇 or 乡."""
    if region_level(code9, field=field) is not RegionLevel.TOWN:
        _reject(field, f"应为 9 位乡级代码，实际为 {len(code9)} 位")
    suffix = int(code9[6:9])
    if suffix <= 99:
        return "街道"
    if suffix <= 199:
        return "镇"
    return "乡"


def village_kind(code12: str, *, field: str = "region_code") -> VillageKind:
    """Whether a village-level code is a 社区 (residents' committee) or a 村."""
    if region_level(code12, field=field) is not RegionLevel.VILLAGE:
        _reject(field, f"应为 12 位村级代码，实际为 {len(code12)} 位")
    return "社区" if int(code12[9:12]) <= 199 else "村"


def parent_code(code: str) -> str | None:
    """The code one level up (village → town → county); ``None`` for a county."""
    level = region_level(code)
    if level is RegionLevel.COUNTY:
        return None
    return code[:-3]


def county_code_of(code: str) -> str:
    """The county a well-formed county, town or village code lies in (its first six digits).

    Raises ``InvalidInput`` for anything else, like :func:`region_level`.
    """
    region_level(code, field="code")
    return code[:6]


def is_within(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` itself or lies below it.

    Both must be well-formed (``InvalidInput`` otherwise): a permission check fed a
    malformed code should fail loudly rather than quietly answer no.
    """
    region_level(code, field="code")
    region_level(ancestor, field="ancestor")
    # Levels are fixed-width prefixes, so containment is exactly a prefix match.
    return code.startswith(ancestor)
