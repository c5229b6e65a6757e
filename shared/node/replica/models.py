"""Replica tables: what a town or village needs of the catalog, delegation and regions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ReplicaBase


class ReplicaItem(ReplicaBase):
    """An item's current published version (the record shape of the hub's export)."""

    __tablename__ = "r_items"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_pinyin: Mapped[str] = mapped_column(String(1000), default="")
    name_initials: Mapped[str] = mapped_column(String(200), default="")
    nearby: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReplicaItemVersion(ReplicaBase):
    """Every version a node has seen, so a case keeps the version it pinned."""

    __tablename__ = "r_item_versions"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReplicaBatch(ReplicaBase):
    __tablename__ = "r_batches"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReplicaRegion(ReplicaBase):
    __tablename__ = "r_regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    service_room: Mapped[bool] = mapped_column(Boolean, default=False)


class ReplicaDepartment(ReplicaBase):
    __tablename__ = "r_departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(50))
    uscc: Mapped[str] = mapped_column(String(18))


class ReplicaCertificateType(ReplicaBase):
    __tablename__ = "r_certificate_types"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    issuing_department_code: Mapped[str | None] = mapped_column(String(32))
    type_code: Mapped[str | None] = mapped_column(String(21), comment="GB/T 36904 类型代码")
