"""Reference data every tier may read: the county's NBS region codes and the demo rooms.

The CSV files are copies of the handbook's ``data/lueyang_towns.csv`` and
``data/lueyang_villages.csv`` (NBS statistical division codes, 2022).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

COUNTY_CODE = "610727"
COUNTY_NAME = "略阳县"
DEMO_PASSWORD = "demo"  # noqa: S105 - the public demo password, documented in the README


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str
    parent_code: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


@cache
def towns() -> tuple[Place, ...]:
    """The 17 towns and streets."""
    return tuple(
        Place(r["code"], r["name"], r["kind"], COUNTY_CODE) for r in _rows("lueyang_towns.csv")
    )


@cache
def villages() -> tuple[Place, ...]:
    """The 165 villages and communities."""
    return tuple(
        Place(r["code"], r["name"], r["kind"], r["town_code"])
        for r in _rows("lueyang_villages.csv")
    )


@cache
def village_rooms() -> frozenset[str]:
    """Which 149 of the 165 units have a service room — a demo choice, not the county's list.

    Every tenth unit in code order has none, so each town keeps most of its rooms.
    """
    codes = sorted(v.code for v in villages())
    return frozenset(code for index, code in enumerate(codes) if index % 10 != 9)


def demo_village(town: str = "610727105") -> Place:
    """The demo's village portal: the first room under 徐家坪镇 (port 8201)."""
    return next(
        v
        for v in sorted(villages(), key=lambda p: p.code)
        if v.parent_code == town and v.code in village_rooms()
    )


def place_name(code: str) -> str:
    """Name of a county, town or village code of this county ('' if unknown)."""
    if code == COUNTY_CODE:
        return COUNTY_NAME
    for place in (*towns(), *villages()):
        if place.code == code:
            return place.name
    return ""
