"""Managing staff accounts at the hub (they reach the nodes with the master data)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from county_hub.accounts.models import Account
from county_hub.org.models import Department, Region, RegionLevel
from shared.accounts.models import Role
from shared.accounts.passwords import check_new_password, password_problems, remembered
from shared.accounts.services import (
    Actor,
    end_sessions,
    hash_password,
    require_role,
    unlock,
    verify_password,
)
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound
from shared.sync.feed import record_change

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def list_accounts(
    session: Session, actor: Actor, *, role: Role | None = None, region: str | None = None
) -> Sequence[Account]:
    """Accounts (never their hashes) for the county admin and supervisors."""
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, action="查看账号")
    stmt = select(Account).order_by(Account.username)
    if role is not None:
        stmt = stmt.where(Account.role == role)
    if region is not None:
        stmt = stmt.where(Account.region_code == region)
    return session.scalars(stmt).all()


def _check_place(session: Session, role: Role, data: Mapping[str, Any]) -> list[InvalidParam]:
    """Each role works somewhere specific: a department, a town or a village room."""
    region, dept = data.get("region_code"), data.get("department_code")
    if role is Role.DEPT_REVIEWER and (not dept or session.get(Department, dept) is None):
        return [InvalidParam("department_code", "部门审批人员须填写存在的部门代码")]
    if role is Role.TOWN_STAFF:
        town = session.get(Region, region) if region else None
        if town is None or town.level is not RegionLevel.TOWN:
            return [InvalidParam("region_code", "镇(街道)窗口人员须填写本县的镇(街道)代码")]
    if role is Role.VILLAGE_AGENT:
        village = session.get(Region, region) if region else None
        if village is None or village.level is not RegionLevel.VILLAGE or not village.service_room:
            return [InvalidParam("region_code", "代办员须填写已开通便民服务室的村(社区)代码")]
    return []


def feed_data(account: Account) -> dict[str, Any]:
    """The account as nodes receive it: the hash, never a password (login works offline)."""
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "region_code": account.region_code,
        "department_code": account.department_code,
        "password_hash": account.password_hash,
        "active": account.active,
        # Raised by a password change, a disable or "log out everywhere": a node ends the
        # account's sessions when it applies this. Lockout state is never fed (per tier).
        "session_version": account.session_version or 1,
    }


def announce(session: Session, account: Account, *, clock: Clock) -> None:
    record_change(session, "account", account.username, feed_data(account), clock=clock)


def create_account(
    session: Session, actor: Actor, data: Mapping[str, Any], *, county: str, clock: Clock
) -> Account:
    """The county admin creates an account. Raises InvalidInput, Conflict, PermissionDenied.

    County-wide roles without a region work for ``county`` (the hub's COUNTY_CODE).
    """
    require_role(actor, Role.ADMIN, action="新建账号")
    problems = []
    if not USERNAME.match(data["username"]):
        problems.append(InvalidParam("username", "用户名只能包含小写字母、数字和 _ . -，2–64 位"))
    try:
        check_new_password(
            data["password"], username=data["username"], previous=[], matches=verify_password
        )
    except InvalidInput as err:
        problems += err.invalid_params
    role = data["role"]
    problems += _check_place(session, role, data)
    if problems:
        raise InvalidInput(detail="账号信息有误", invalid_params=problems)
    if session.get(Account, data["username"]) is not None:
        raise Conflict(detail=f"用户名 {data['username']} 已存在")
    account = Account(
        username=data["username"],
        display_name=data["display_name"],
        role=role,
        region_code=data.get("region_code")
        or (county if role in (Role.ADMIN, Role.SUPERVISOR, Role.DEPT_REVIEWER) else None),
        department_code=data.get("department_code") if role is Role.DEPT_REVIEWER else None,
        password_hash=hash_password(data["password"]),
        active=True,
        session_version=1,
        password_history=[],
    )
    session.add(account)
    session.flush()
    announce(session, account, clock=clock)
    return account


def update_account(
    session: Session, actor: Actor, username: str, data: Mapping[str, Any], *, clock: Clock
) -> Account:
    """Change display name, password or active flag. The admin cannot disable themself.

    A new password follows the password rules (shared.accounts.passwords: InvalidInput
    naming ``password``); a new password or a disable ends the account's sessions on
    every tier (nodes after their next sync).
    """
    require_role(actor, Role.ADMIN, action="修改账号")
    account = session.get(Account, username)
    if account is None:
        raise NotFound(detail=f"账号 {username} 不存在")
    if "password" in data:
        set_password(account, data["password"])
    if "display_name" in data:
        account.display_name = data["display_name"]
    if "active" in data:
        if username == actor.username and not data["active"]:
            raise Conflict(detail="不能停用自己正在使用的账号")
        if account.active and not data["active"]:
            end_sessions(account, everywhere=True)
        account.active = data["active"]
    session.flush()
    announce(session, account, clock=clock)
    return account


def set_password(account: Account, password: str) -> None:
    """Replace the password after checking the rules; ends every session of the account.

    Raises InvalidInput naming ``password``.
    """
    history = list(account.password_history or [])
    check_new_password(
        password,
        username=account.username,
        previous=[account.password_hash, *history],
        matches=verify_password,
    )
    account.password_history = remembered(account.password_hash, history)
    account.password_hash = hash_password(password)
    end_sessions(account, everywhere=True)


def _managed(session: Session, actor: Actor, username: str, action: str) -> Account:
    require_role(actor, Role.ADMIN, action=action)
    account = session.get(Account, username)
    if account is None:
        raise NotFound(detail=f"账号 {username} 不存在")
    return account


def unlock_account(session: Session, actor: Actor, username: str) -> Account:
    """The county admin lifts a lockout at the hub (a node's lockout is the node's own and
    ends by itself). Raises PermissionDenied, NotFound."""
    account = _managed(session, actor, username, "解锁账号")
    unlock(account)
    session.flush()
    return account


def log_out_everywhere(session: Session, actor: Actor, username: str, *, clock: Clock) -> Account:
    """End every token and page session of ``username`` on every tier (nodes after their
    next sync). The county admin may do it for anyone, anyone for themself.

    Raises PermissionDenied, NotFound.
    """
    if username == actor.username:
        account = session.get(Account, username)
        if account is None:
            raise NotFound(detail=f"账号 {username} 不存在")
    else:
        account = _managed(session, actor, username, "注销他人登录")
    end_sessions(account, everywhere=True)
    session.flush()
    announce(session, account, clock=clock)
    return account


def bootstrap_admin(
    session: Session, username: str, password: str, *, county: str, clock: Clock
) -> Account | None:
    """The first county admin of a new hub (``sanji hub init --admin``), or None if it exists.

    Running the go-live step twice with the same password is harmless: the existing
    account is left as it is and None returned. A different password raises Conflict —
    init never changes a password (that is the accounts API's job, with its audit).
    Raises InvalidInput for a bad username or a weak password (``password_problems``).
    """
    problems = []
    if not USERNAME.match(username):
        problems.append(InvalidParam("username", "用户名只能包含小写字母、数字和 _ . -，2–64 位"))
    problems += [
        InvalidParam("password", reason)
        for reason in password_problems(password, username=username)
    ]
    if problems:
        raise InvalidInput(detail="管理员账号信息有误", invalid_params=problems)
    existing = session.get(Account, username)
    if existing is not None:
        if existing.role is Role.ADMIN and verify_password(existing.password_hash, password):
            return None
        raise Conflict(
            detail=f"账号 {username} 已存在且密码或角色不同；init 不修改已有账号，"
            "请登录后在账号管理中修改"
        )
    account = Account(
        username=username,
        display_name="县级管理员",
        role=Role.ADMIN,
        region_code=county,
        department_code=None,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(account)
    session.flush()
    announce(session, account, clock=clock)
    return account
