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
from shared.accounts.services import Actor, hash_password, require_role
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound
from shared.sync.feed import record_change

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
MIN_PASSWORD = 8


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
    if len(data["password"]) < MIN_PASSWORD:
        problems.append(InvalidParam("password", f"密码至少 {MIN_PASSWORD} 位"))
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
    )
    session.add(account)
    session.flush()
    announce(session, account, clock=clock)
    return account


def update_account(
    session: Session, actor: Actor, username: str, data: Mapping[str, Any], *, clock: Clock
) -> Account:
    """Change display name, password or active flag. The admin cannot disable themself."""
    require_role(actor, Role.ADMIN, action="修改账号")
    account = session.get(Account, username)
    if account is None:
        raise NotFound(detail=f"账号 {username} 不存在")
    if "password" in data:
        if len(data["password"]) < MIN_PASSWORD:
            raise InvalidInput(
                detail="账号信息有误",
                invalid_params=[InvalidParam("password", f"密码至少 {MIN_PASSWORD} 位")],
            )
        account.password_hash = hash_password(data["password"])
    if "display_name" in data:
        account.display_name = data["display_name"]
    if "active" in data:
        if username == actor.username and not data["active"]:
            raise Conflict(detail="不能停用自己正在使用的账号")
        account.active = data["active"]
    session.flush()
    announce(session, account, clock=clock)
    return account
