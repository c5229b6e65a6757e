"""Applying verified master changes to a node's replica (and keeping them to relay)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from shared.accounts.models import Account, Role
from shared.calendar import from_json
from shared.calendar_store import store_schedule
from shared.node.replica.models import (
    ReplicaBatch,
    ReplicaCertificateType,
    ReplicaDepartment,
    ReplicaItem,
    ReplicaItemVersion,
    ReplicaRegion,
)
from shared.sync import state
from shared.sync.feed import account_for, logs_in_at, prune_accounts, verify_change
from shared.sync.models import MasterChange
from shared.sync.store import mark_timed_cases_stale


def _region(session: Session, data: dict[str, Any]) -> None:
    session.merge(
        ReplicaRegion(
            code=data["code"],
            name=data["name"],
            level=data["level"],
            kind=data["kind"],
            parent_code=data.get("parent_code"),
            service_room=bool(data.get("service_room")),
        )
    )


def _department(session: Session, data: dict[str, Any]) -> None:
    session.merge(
        ReplicaDepartment(
            code=data["code"], name=data["name"], short_name=data["short_name"], uscc=data["uscc"]
        )
    )


def _certificate_type(session: Session, data: dict[str, Any]) -> None:
    session.merge(
        ReplicaCertificateType(
            code=data["code"],
            name=data["name"],
            issuing_department_code=data.get("issuing_department_code"),
            type_code=data.get("type_code"),
        )
    )


def _item(session: Session, data: dict[str, Any]) -> None:
    record = data["record"]
    session.merge(
        ReplicaItem(
            code=data["code"],
            department_code=data["department"],
            status=data["status"],
            version=data["version"],
            name=data["name"],
            name_pinyin=data.get("name_pinyin", ""),
            name_initials=data.get("name_initials", ""),
            nearby=bool(record.get("nearby")),
            record=record,
        )
    )
    # A case pins the version it was accepted under: every version seen is kept.
    session.merge(ReplicaItemVersion(code=data["code"], version=data["version"], record=record))


def _batch(session: Session, data: dict[str, Any]) -> None:
    session.merge(ReplicaBatch(number=int(data["number"]), record=data))


def _account(session: Session, data: dict[str, Any], me: str) -> None:
    role = Role(data["role"])
    # Only the accounts that log in here (least privilege; the upstream already left out
    # the rest, this also holds against an upstream that did not).
    relevant = logs_in_at(me, data)
    account = session.get(Account, data["username"])
    if not relevant:
        if account is not None:
            session.delete(account)
        return
    if account is None:
        account = Account(username=data["username"])
        session.add(account)
    account.display_name = data["display_name"]
    account.role = role
    account.region_code = data.get("region_code")
    account.department_code = data.get("department_code")
    account.password_hash = data["password_hash"]
    account.active = bool(data.get("active", True))
    # The hub's session version ends tokens and page sessions here too; the lockout
    # state (failed_logins, locked_until) and the local epoch are this node's own and
    # are never touched by the feed.
    account.session_version = int(data.get("session_version") or 1)


def _calendar_year(session: Session, data: dict[str, Any]) -> None:
    store_schedule(session, from_json(data), by="hub")
    # Due dates of running cases follow the new schedule at the next projection refresh.
    mark_timed_cases_stale(session)


#: Bumped when the rule of which accounts a node holds gets stricter: the next feed
#: page applied removes what the node may no longer hold.
ACCOUNT_SCOPE = 1


def prune_foreign_accounts(session: Session, me: str) -> int:
    """Remove, once per ACCOUNT_SCOPE, the accounts and account changes this node may not
    hold (releases before 0.x kept every account's hash); returns how many went."""
    if int(state.get(session, "account_scope", 0)) >= ACCOUNT_SCOPE:
        return 0
    gone = prune_accounts(session, me)
    result = session.execute(delete(Account).where(Account.region_code.is_distinct_from(me)))
    gone += int(getattr(result, "rowcount", 0) or 0)
    state.put(session, "account_scope", ACCOUNT_SCOPE)
    return gone


def apply_changes(
    session: Session, changes: Iterable[dict[str, Any]], *, hub_key: str, me: str
) -> int:
    """Verify and apply a page of changes in the caller's transaction; returns the count.

    Raises shared.sync.feed.BadChange on the first change whose signature fails: the
    page is then not applied at all (the caller rolls back) and the cursor stays.
    """
    count = 0
    for change in changes:
        verify_change(hub_key, change)
        if change["entity"] == "account" and not account_for(me, change["data"]):
            # Signed, but not for us: an upstream that still relays every account.
            count += 1
            continue
        if session.get(MasterChange, change["seq"]) is None:
            session.add(
                MasterChange(
                    seq=change["seq"],
                    entity=change["entity"],
                    key=change["key"],
                    op=change["op"],
                    data=change["data"],
                    at=datetime.fromisoformat(change["at"]),
                    sig=change["sig"],
                )
            )
        data = change["data"]
        match change["entity"]:
            case "region":
                _region(session, data)
            case "department":
                _department(session, data)
            case "certificate_type":
                _certificate_type(session, data)
            case "item":
                _item(session, data)
            case "batch":
                _batch(session, data)
            case "account":
                _account(session, data, me)
            case "calendar_year":
                _calendar_year(session, data)
        count += 1
        session.flush()
    return count
