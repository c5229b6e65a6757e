"""Request-context helpers: the tier, the request's database session, who is asking.

Every blueprint imports these; this module imports no blueprint, so no page or API module
ever has to import the app factory (``shared.web.app``) or another blueprint to get them.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import Session

from shared.accounts.models import Account
from shared.accounts.services import Actor, read_token, session_stamp
from shared.errors import Unauthenticated
from shared.tier import Tier


def current_tier() -> Tier:
    """The tier of the app handling this request."""
    tier: Tier = current_app.extensions["sanji"]
    return tier


def db_session() -> Session:
    """The request's session; the view (the caller) commits, teardown closes it."""
    if "sanji_session" not in g:
        g.sanji_session = current_tier().sessions()
    db: Session = g.sanji_session
    return db


def close_session(_exc: BaseException | None) -> None:
    """Teardown: close the request's session if one was opened."""
    db = g.pop("sanji_session", None)
    if db is not None:
        db.close()


# --------------------------------------------------------------------------- API callers


def bearer_token() -> str:
    """The token of the Authorization header, or Unauthenticated."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(detail="缺少 Authorization: Bearer <token> 请求头")
    return token.strip()


def load_actor(*, required: bool) -> Actor | None:
    """Resolve the bearer token of this request once; raise Unauthenticated if required."""
    if "sanji_actor" in g:
        actor: Actor | None = g.sanji_actor
        return actor
    try:
        token = bearer_token()
    except Unauthenticated:
        if required:
            raise
        g.sanji_actor = None
        return None
    actor = read_token(
        db_session(),
        current_app.config["SECRET_KEY"],
        token,
        max_age=current_app.config["TOKEN_MAX_AGE"],
    )
    g.sanji_actor = actor
    return actor


def current_actor() -> Actor:
    """The authenticated actor of this request (raises Unauthenticated if none)."""
    actor = load_actor(required=True)
    assert actor is not None
    return actor


# --------------------------------------------------------------------------- page callers


def start_page_session(account: Account) -> None:
    """Log ``account`` in on this browser: a fresh session with its stamp and times."""
    now = int(current_tier().clock.now().timestamp())
    session.clear()  # a new session on login: no fixation of one set before
    session["user"] = account.username
    session["stamp"] = session_stamp(account)
    session["since"] = now
    session["seen"] = now


def page_actor() -> Actor | None:
    """The logged-in staff member of this page request, if any (account re-read each time).

    The session ends (and is cleared) when the account's sessions were ended since login
    (password change, disable, log out everywhere), after SESSION_IDLE_MINUTES without a
    request, or SESSION_MAX_HOURS after login.
    """
    if "sanji_page_actor" in g:
        actor: Actor | None = g.sanji_page_actor
        return actor
    username = session.get("user")
    account = db_session().get(Account, username) if username else None
    actor = None
    if account is not None and account.active and _page_session_alive(account):
        actor = Actor.of(account)
    elif username:
        session.clear()
    g.sanji_page_actor = actor
    return actor


def _page_session_alive(account: Account) -> bool:
    now = int(current_tier().clock.now().timestamp())
    seen, since = session.get("seen"), session.get("since")
    if session.get("stamp") != session_stamp(account):
        return False
    if not isinstance(seen, int) or not isinstance(since, int):
        return False
    if now - seen > int(current_app.config["SESSION_IDLE_MINUTES"]) * 60:
        return False
    if now - since > int(current_app.config["SESSION_MAX_HOURS"]) * 3600:
        return False
    if now - seen >= 60:  # refreshed once a minute, not on every request (fewer cookies)
        session["seen"] = now
    return True


def require_login() -> Actor:
    """The page's staff member; a visitor is sent to the login page and back."""
    actor = page_actor()
    if actor is None:
        abort(redirect(url_for("pages.login", next=request.path)))
    return actor


def unit_names() -> dict[str, str]:
    """Region and department names by code, read once per request (from this tier's catalog)."""
    if "sanji_units" not in g:
        g.sanji_units = current_app.extensions["sanji.catalog"](db_session()).unit_names()
    names: dict[str, str] = g.sanji_units
    return names
