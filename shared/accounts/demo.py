"""Demo accounts a node starts with until the hub's master feed delivers the real list.

All demo accounts use the public password ``demo``; the hub seeds the full set (with
department reviewers), a node only the accounts that work at it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared import refdata
from shared.accounts.models import Account, Role
from shared.accounts.services import hash_password


def node_demo_accounts(node_code: str) -> list[dict[str, str | Role | None]]:
    """Accounts that log in at the town or village ``node_code``."""
    accounts: list[dict[str, str | Role | None]] = [
        {
            "username": "admin",
            "display_name": "县级管理员",
            "role": Role.ADMIN,
            "region_code": refdata.COUNTY_CODE,
            "department_code": None,
        },
    ]
    rooms = refdata.village_rooms()
    for town in refdata.towns():
        if town.code == node_code:
            accounts.append(
                {
                    "username": f"town-{town.code}",
                    "display_name": f"{town.name}窗口人员",
                    "role": Role.TOWN_STAFF,
                    "region_code": town.code,
                    "department_code": None,
                }
            )
    for village in refdata.villages():
        if village.code in rooms and node_code in (village.code, village.parent_code):
            accounts.append(
                {
                    "username": f"agent-{village.code}",
                    "display_name": f"{village.name}代办员",
                    "role": Role.VILLAGE_AGENT,
                    "region_code": village.code,
                    "department_code": None,
                }
            )
    return accounts


def seed_node_accounts(session: Session, node_code: str) -> int:
    """Insert the node's demo accounts that are missing; returns how many were added."""
    digest = hash_password(refdata.DEMO_PASSWORD)
    added = 0
    for spec in node_demo_accounts(node_code):
        if session.get(Account, spec["username"]) is None:
            account = Account()
            for key, value in spec.items():
                setattr(account, key, value)
            account.password_hash = digest
            session.add(account)
            added += 1
    return added
