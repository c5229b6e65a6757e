"""The hub's certificate registry and the departments' issuing keys (ARCHITECTURE §6).

The signed certificate (``signed``) is the source of truth; the other columns are what
look-ups and figures need, copied from it at issuance. Private keys are not in the
database: each lives in ``DATA_DIR/issuer-keys/<kid>.key`` (ADR 0010).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from county_hub.db import Base
from shared.db import UTCDateTime, enum_column, utcnow


class CertStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return {"valid": "有效", "revoked": "已吊销", "superseded": "已换发"}[self.value]


class IssuerKeyRow(Base):
    """A public key of a department (certificates) or of the hub (status lists)."""

    __tablename__ = "issuer_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    usage: Mapped[str] = mapped_column(String(16), comment="certificate | status")
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    issuer_code: Mapped[str] = mapped_column(String(18), comment="USCC of the signer")
    public_key: Mapped[str] = mapped_column(String(64), comment="raw Ed25519 key, base64url")
    active_from: Mapped[date] = mapped_column(Date)
    retired_at: Mapped[date | None] = mapped_column(Date, comment="first day it no longer signs")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateRow(Base):
    """One issued certificate version (a new version supersedes the previous one)."""

    __tablename__ = "certificates"
    __table_args__ = (
        Index("ix_certificates_holder", "holder_code", "type_code"),
        Index("ix_certificates_type_status", "certificate_type", "status"),
    )

    identifier: Mapped[str] = mapped_column(String(120), primary_key=True)
    certificate_type: Mapped[str] = mapped_column(ForeignKey("certificate_types.code"))
    type_code: Mapped[str] = mapped_column(String(21), comment="GB/T 36904 type code")
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    issuer_code: Mapped[str] = mapped_column(String(18))
    holder_code: Mapped[str] = mapped_column(String(18))
    holder_code_type: Mapped[str] = mapped_column(String(3))
    holder_name: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, comment="None = 长期")
    status: Mapped[CertStatus] = mapped_column(enum_column(CertStatus), default=CertStatus.VALID)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_since: Mapped[date | None] = mapped_column(Date)
    superseded_by: Mapped[str | None] = mapped_column(String(120))
    case_no: Mapped[str | None] = mapped_column(String(40), index=True)
    item_code: Mapped[str | None] = mapped_column(String(50))
    kid: Mapped[str] = mapped_column(ForeignKey("issuer_keys.kid"))
    signed: Mapped[dict[str, Any]] = mapped_column(JSON, comment="SignedCertificate.to_dict()")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
