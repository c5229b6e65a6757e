"""Hub tables of 一件事一次办: package definitions and the applications filed for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from county_hub.db import Base
from shared.db import UTCDateTime


class Package(Base):
    """A package of related items (一件事), e.g. 新生儿出生一件事."""

    __tablename__ = "packages"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    batch: Mapped[int] = mapped_column(Integer, comment="which published list (1, 2, …)")
    description: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False, comment="grouping is demo data")
    items: Mapped[list[PackageItem]] = relationship(
        order_by="PackageItem.position", cascade="all, delete-orphan"
    )


class PackageItem(Base):
    """One item of a package, in the order the guide lists them."""

    __tablename__ = "package_items"
    __table_args__ = (UniqueConstraint("package_code", "item_code"),)

    package_code: Mapped[str] = mapped_column(ForeignKey("packages.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))


class PackageApplication(Base):
    """One application for a package; its status is derived from its children's cases."""

    __tablename__ = "package_applications"
    __table_args__ = (UniqueConstraint("actor", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_code: Mapped[str] = mapped_column(ForeignKey("packages.code"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_masked: Mapped[str] = mapped_column(String(32))
    node: Mapped[str] = mapped_column(String(12), comment="node where it was filed")
    actor: Mapped[str] = mapped_column(String(64), comment="username of the clerk who filed it")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(
        String(100), comment="Idempotency-Key header: a repeat returns this application"
    )
    children: Mapped[list[PackageChild]] = relationship(
        order_by="PackageChild.position", cascade="all, delete-orphan"
    )


class PackageChild(Base):
    """A child case of an application (one per item of the package)."""

    __tablename__ = "package_children"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("package_applications.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
