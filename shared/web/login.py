"""Password login for both paths (the login page and POST /auth/token): one set of rules.

The per-address count, the account lockout and the reset on success are written and
committed here whether the login succeeds or not, so every worker of the tier sees them.
"""

from __future__ import annotations

from flask import current_app, request

from shared.accounts.models import Account
from shared.accounts.services import LockoutPolicy, authenticate
from shared.accounts.throttle import AddressLimit, note_attempt
from shared.errors import DomainError
from shared.web.context import current_tier, db_session


def lockout_policy() -> LockoutPolicy:
    return LockoutPolicy(
        max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
        lock_minutes=int(current_app.config["LOGIN_LOCK_MINUTES"]),
    )


def address_limit() -> AddressLimit:
    return AddressLimit(
        attempts=int(current_app.config["LOGIN_ADDRESS_LIMIT"]),
        window_seconds=int(current_app.config["LOGIN_ADDRESS_WINDOW"]),
    )


def client_address() -> str:
    """The client's address: ProxyFix has put nginx's X-Forwarded-For here when trusted."""
    return request.remote_addr or "unknown"


def password_login(username: str, password: str) -> Account:
    """The account, or the DomainError of the address limit, the lockout or a bad password."""
    db = db_session()
    now = current_tier().clock.now()
    try:
        note_attempt(db, client_address(), now=now, limit=address_limit())
        db.commit()  # counted, and the write lock released before the slow hash check
        account = authenticate(
            db, username, password, now=now, policy=lockout_policy(), release=db.commit
        )
    except DomainError:
        db.commit()  # the counts must outlive the refusal
        raise
    db.commit()
    return account
