"""The hub's accounts page: who can log in, who is locked, and the admin's unlock button.

The buttons call the same services as ``POST /api/v1/accounts/{username}/unlock`` and
``…/logout-all``; permissions are checked there.
"""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from county_hub.accounts import services
from shared.accounts.services import is_locked
from shared.errors import DomainError
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("accountpages", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/accounts")
def accounts() -> str:
    """Staff accounts with their lockout state (county admin and supervisors)."""
    actor = require_login()
    listing = services.list_accounts(db_session(), actor)
    now = current_tier().clock.now()
    locked = {a.username for a in listing if is_locked(a, now)}
    return render_template("accounts/accounts.html", accounts=listing, locked=locked, me=actor)


@bp.post("/accounts/<string:username>/unlock")
def unlock(username: str) -> Response:
    """The admin's unlock button."""
    actor = require_login()
    session = db_session()
    try:
        services.unlock_account(session, actor, username)
        session.commit()
        flash(f"账号 {username} 已解锁")
    except DomainError as err:
        flash(err.detail, "error")
    return redirect(url_for("accountpages.accounts"))


@bp.post("/accounts/<string:username>/logout-all")
def logout_all(username: str) -> Response:
    """The admin's "end every session" button."""
    actor = require_login()
    session = db_session()
    try:
        services.log_out_everywhere(session, actor, username, clock=current_tier().clock)
        session.commit()
        flash(f"账号 {username} 的全部登录已注销（各节点在下次同步后生效）")
    except DomainError as err:
        flash(err.detail, "error")
    return redirect(url_for("accountpages.accounts"))
