"""Audit calls for views: one line per audited request (``shared.audit.services.record``).

``audit(...)`` writes into the request's session, so a change and its entry commit
together; a view that only reads (a case view, an export) passes ``commit=True``. A login
is recorded whether it succeeds or fails (``audited_login``). The hub's administrative
changes (catalog, delegation, accounts …) are recorded once per successful request by
:func:`init_app`'s hook, keyed by blueprint, so no endpoint can forget.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from shared.accounts.models import Account
from shared.accounts.services import Actor
from shared.audit.services import record, subject_ref
from shared.errors import DomainError
from shared.web.context import current_tier, db_session, page_actor
from shared.web.login import password_login

#: Methods that change something; a GET is audited only where a view says so.
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def enabled() -> bool:
    return bool(current_app.config.get("AUDIT_ENABLED", True))


def _who() -> Actor | None:
    actor: Actor | None = g.get("sanji_actor")
    return actor if actor is not None else page_actor()


def audit(
    action: str,
    target: str = "",
    *,
    subject: str | None = None,
    detail: str = "",
    outcome: str = "ok",
    commit: bool = False,
    username: str | None = None,
    role: str | None = None,
) -> None:
    """Record ``action`` by the request's actor (or ``username``) in the request's session."""
    if not enabled():
        return
    tier = current_tier()
    actor = _who() if username is None else None
    session = db_session()
    record(
        session,
        node=tier.node_code,
        clock=tier.clock,
        actor=username if username is not None else (actor.username if actor else "-"),
        role=role if role is not None else (actor.role.value if actor else ""),
        action=action,
        target=target,
        subject=subject,
        outcome=outcome,
        detail=detail,
        acked=tier.name == "hub",  # the hub has no upstream to confirm it
    )
    if commit:
        session.commit()


def subject_of(applicant: Mapping[str, Any]) -> str | None:
    """The keyed hash of a case's applicant (None if the case names no ID)."""
    number = str(applicant.get("id_number") or "")
    if not number:
        return None
    county = current_tier().county
    return subject_ref(str(applicant.get("id_type") or "111"), number, county=county)


def audited_login(username: str, password: str) -> Account:
    """``password_login`` (address limit, lockout, hash check), recorded either way.

    A refusal is recorded with its reason — a wrong password, a locked account (423) or
    too many attempts from one address (429) — and re-raised for the caller to answer.
    """
    via = "API" if request.path.startswith("/api/") else "页面"
    try:
        account = password_login(username, password)
    except DomainError as refused:
        audit(
            "login",
            username,
            outcome="failed",
            detail=f"{via}登录失败：{refused.detail}",
            commit=True,
            username=username,
            role="",
        )
        raise
    audit(
        "login",
        account.username,
        detail=f"{via}登录",
        commit=True,
        username=account.username,
        role=account.role.value,
    )
    return account


def init_app(app: Flask, changes: Mapping[str, str]) -> None:
    """Record every successful write to the blueprints in ``changes`` (name -> action)."""

    @app.after_request
    def _audit_change(response: Response) -> Response:
        action = changes.get(request.blueprint or "")
        if action and request.method in _WRITES and response.status_code < 400 and enabled():
            target = "/".join(str(v) for v in (request.view_args or {}).values())
            audit(
                action,
                target or request.path,
                detail=f"{request.method} {request.path}",
                commit=True,
            )
        return response
