"""Service items, their immutable versions, materials and certificate types (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from county_hub.db import Base
from shared.db import UTCDateTime, enum_column, utcnow
from shared.items import ItemStatus


class CertificateType(Base):
    """A kind of electronic certificate that can stand in for a paper material."""

    __tablename__ = "certificate_types"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    issuing_department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    note: Mapped[str] = mapped_column(String(500), default="")
    type_code: Mapped[str | None] = mapped_column(
        String(21), comment="GB/T 36904 类型代码: defining body's USCC + 3 digits"
    )
    holder_kind: Mapped[str] = mapped_column(
        String(3),
        default="111",
        server_default="111",
        comment="111 persons (ID number) | 001 organisations (USCC)",
    )
    validity_years: Mapped[int | None] = mapped_column(comment="None = 长期有效")


class ServiceItem(Base):
    """An implementation item: identity, owner and lifecycle. Content lives in versions."""

    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(
        String(50), primary_key=True, comment="implementation code (实施编码), usually 31 chars"
    )
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus), index=True)
    current_version: Mapped[int | None] = mapped_column(
        Integer, comment="the published version cases are accepted under"
    )
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200), comment="name of the current (or draft) version")
    name_pinyin: Mapped[str] = mapped_column(
        String(1000), default="", comment="full pinyin, no spaces"
    )
    name_initials: Mapped[str] = mapped_column(String(200), default="", comment="pinyin initials")
    is_demo: Mapped[bool] = mapped_column(
        default=False, comment="generated demo item, not a real one"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", order_by="ItemVersion.version", cascade="all, delete-orphan"
    )


class ItemVersion(Base):
    """The content of an item at one version. Once published it never changes."""

    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)

    name: Mapped[str] = mapped_column(String(200))
    basic_code: Mapped[str] = mapped_column(String(50), comment="基本编码")
    item_type: Mapped[str] = mapped_column(String(2), comment="01 许可 … 10 其他, 20 公共服务")
    legal_basis: Mapped[str] = mapped_column(Text, default="", comment="设定依据")
    exercise_level: Mapped[int] = mapped_column(
        SmallInteger, comment="1 国家 … 4 县, 5 镇, 6 村, 7"
    )
    power_source: Mapped[int] = mapped_column(SmallInteger, comment="1 法定本级 … 6 同级委托")
    implementing_body: Mapped[str] = mapped_column(String(200))
    implementing_body_uscc: Mapped[str] = mapped_column(String(18))
    body_nature: Mapped[str] = mapped_column(String(50), default="法定机关")
    statutory_limit: Mapped[int] = mapped_column(Integer, comment="法定办结时限")
    statutory_unit: Mapped[str] = mapped_column(String(1), comment="W working days, N natural days")
    promised_limit: Mapped[int] = mapped_column(Integer, comment="承诺办结时限 (≤ statutory)")
    promised_unit: Mapped[str] = mapped_column(String(1))
    case_kind: Mapped[int] = mapped_column(SmallInteger, comment="1 即办件, 2 承诺件")
    conditions: Mapped[str] = mapped_column(Text, default="", comment="受理条件")
    procedure: Mapped[str] = mapped_column(Text, default="", comment="办理流程")
    joint_departments: Mapped[str] = mapped_column(String(500), default="", comment="联办机构")
    fee: Mapped[bool] = mapped_column(default=False)
    fee_basis: Mapped[str] = mapped_column(Text, default="")
    service_objects: Mapped[str] = mapped_column(String(200), default="", comment="服务对象")
    handling_forms: Mapped[str] = mapped_column(String(200), default="", comment="办理形式")
    online: Mapped[bool] = mapped_column(default=False, comment="网上可办")
    online_depth: Mapped[int] = mapped_column(SmallInteger, default=0, comment="0–4 网办深度")
    online_payment: Mapped[bool] = mapped_column(default=False)
    appointment: Mapped[bool] = mapped_column(default=False, comment="支持预约")
    express: Mapped[bool] = mapped_column(default=False, comment="支持物流快递")
    nearby: Mapped[bool] = mapped_column(default=False, comment="就近办 (town/village)")
    in_hall: Mapped[bool] = mapped_column(default=True, comment="进驻县政务服务大厅")
    visits: Mapped[int] = mapped_column(SmallInteger, default=1, comment="到现场次数")
    place: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    faq: Mapped[str] = mapped_column(Text, default="")
    result_name: Mapped[str] = mapped_column(String(200), default="")
    result_certificate_type: Mapped[str | None] = mapped_column(
        ForeignKey("certificate_types.code")
    )
    tolerance_allowed: Mapped[bool] = mapped_column(default=False, comment="容缺受理")
    promise_allowed: Mapped[bool] = mapped_column(default=False, comment="告知承诺制")
    source: Mapped[str] = mapped_column(Text, default="", comment="where real values come from")
    note: Mapped[str] = mapped_column(Text, default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))

    item: Mapped[ServiceItem] = relationship(back_populates="versions")
    materials: Mapped[list[ItemMaterial]] = relationship(
        back_populates="version", order_by="ItemMaterial.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ItemMaterial(Base):
    """A material an applicant hands in (申请材料) for one item version."""

    __tablename__ = "item_materials"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(50), default="申请人自备")
    form: Mapped[int] = mapped_column(
        SmallInteger, default=1, comment="1 纸质, 2 电子, 3 纸质和电子"
    )
    type: Mapped[int] = mapped_column(SmallInteger, default=3, comment="1 证照, 2 表格, 3 其他")
    originals: Mapped[int] = mapped_column(SmallInteger, default=1)
    copies: Mapped[int] = mapped_column(SmallInteger, default=0)
    necessity: Mapped[int] = mapped_column(
        SmallInteger, default=1, comment="1 必要, 2 非必要, 3 容缺后补"
    )
    certificate_type: Mapped[str | None] = mapped_column(ForeignKey("certificate_types.code"))
    note: Mapped[str] = mapped_column(String(500), default="")

    version: Mapped[ItemVersion] = relationship(back_populates="materials")
