"""Regions and departments."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from county_hub.db import Base
from shared.db import enum_column


class RegionLevel(enum.StrEnum):
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


class Region(Base):
    """The county (6 digits), a town or street (9) or a village or community (12)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    kind: Mapped[str] = mapped_column(String(8), comment="县 / 街道 / 镇 / 乡 / 社区 / 村")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    service_room: Mapped[bool] = mapped_column(
        default=False, comment="village: a 便民服务室 (village portal) is open here"
    )
    is_demo: Mapped[bool] = mapped_column(
        default=False, comment="which villages have a room is demo data, not the county's list"
    )


class Department(Base):
    """A county department with windows in the hall; its code follows 'dept-' in accounts."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(
        String(20), comment="政府部门 / 事业单位 / 垂直管理 / 公共企事业"
    )
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    uscc_is_demo: Mapped[bool] = mapped_column(
        default=True, comment="generated valid USCC; the real one is not known to us"
    )
    note: Mapped[str] = mapped_column(String(500), default="")
