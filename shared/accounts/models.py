"""Staff accounts and their roles; login attempts counted per address."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import CommonBase, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    """What a staff member may do; stored by value."""

    ADMIN = "admin"  # 县级管理员: publishes catalog, delegation lists, accounts
    DEPT_REVIEWER = "dept_reviewer"  # 部门审批人员: decides the department's cases
    TOWN_STAFF = "town_staff"  # 镇(街道)窗口人员
    VILLAGE_AGENT = "village_agent"  # 村(社区)代办员
    SUPERVISOR = "supervisor"  # 督查人员: reads everything, changes nothing

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "县级管理员",
    Role.DEPT_REVIEWER: "部门审批人员",
    Role.TOWN_STAFF: "镇(街道)窗口人员",
    Role.VILLAGE_AGENT: "村(社区)代办员",
    Role.SUPERVISOR: "督查人员",
}


class Account(CommonBase):
    """A person who logs in. Password hashes only; never the password.

    Managed at the hub; nodes hold copies received with the master data.
    """

    __tablename__ = "accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    region_code: Mapped[str | None] = mapped_column(
        String(12), comment="county, town or village the account works for"
    )
    department_code: Mapped[str | None] = mapped_column(
        String(32), comment="department of a reviewer (the code after 'dept-')"
    )
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Lockout state is this tier's own: the master feed never carries or overwrites it,
    # so a node locks and unlocks by itself (shared/node/replica/services.py).
    failed_logins: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0"), comment="wrong passwords in a row, here"
    )
    locked_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="no login on this tier before this moment (lockout)"
    )
    session_version: Mapped[int] = mapped_column(
        Integer,
        default=1,
        server_default=text("1"),
        comment="set by the hub, fed to nodes; in every token and page session: raising it "
        "ends them on every tier",
    )
    session_epoch: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default=text("0"),
        comment="this tier's own 'log out everywhere' count (never fed): ends sessions here",
    )
    password_history: Mapped[list[Any]] = mapped_column(
        JSON,
        default=list,
        server_default=text("'[]'"),
        comment="hashes of the previous passwords, newest first (no reuse of the last 5)",
    )


class LoginAttempt(CommonBase):
    """Login attempts from one client address in one fixed window, shared by all workers.

    A row per address and window start; rows of past windows are deleted as new ones come.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_window_start", "window_start"),)

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
