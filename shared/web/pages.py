"""Staff pages common to every tier: login and logout, CSRF, the filters every page uses.

Server-rendered Chinese pages calling the same services as the API (permissions are
checked there). Session cookies are HTTP-only and SameSite=Lax (Secure unless
COOKIE_SECURE is off, e.g. the plain-HTTP demo); every form carries a CSRF token; login
attempts are limited per client address and lock the account after repeated failures,
both counted in the tier's database (shared.web.login); sessions end when idle, after a
maximum lifetime and when the account's sessions are ended (shared.web.context).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from shared.clock import to_china
from shared.errors import AccountLocked, TooManyAttempts, Unauthenticated
from shared.web.audit import audited_login
from shared.web.context import page_actor, start_page_session, unit_names
from shared.web.redirects import safe_next

bp = Blueprint("pages", __name__)
csrf = CSRFProtect()
# Per-process memory: only for the certificate look-up limit (shared.certwork.api); the
# login limits are counted in the database (shared.web.login), shared by every worker.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


def init_app(app: Flask) -> None:
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # the JSON API uses bearer tokens, not cookies
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config.get("COOKIE_SECURE", True)),
        SESSION_COOKIE_NAME=f"sanji_{current_tier_name(app)}",
        # The signed cookie is refused after this too (a stolen cookie does not last the
        # 31 days of Flask's default); page_actor also checks idle time and login time.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(app.config["SESSION_MAX_HOURS"])),
    )
    csrf.init_app(app)
    limiter.init_app(app)

    @app.before_request
    def _protect_forms() -> None:
        if request.method == "POST" and not request.path.startswith("/api/"):
            csrf.protect()

    @app.template_filter("cn_time")
    def _cn_time(value: Any) -> str:
        """An ISO timestamp as clerks read it: Beijing time to the minute."""
        if not value:
            return "—"
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return (
            to_china(moment).strftime("%Y-%m-%d %H:%M")
            if moment.tzinfo
            else moment.strftime("%Y-%m-%d %H:%M")
        )

    @app.template_filter("unit")
    def _unit(code: Any) -> str:
        """A town, village or department code as its Chinese name (the code if unknown)."""
        return unit_names().get(str(code), str(code)) if code else "—"

    @app.context_processor
    def _who() -> dict[str, Any]:
        return {"me": page_actor()}

    app.register_blueprint(bp)


def current_tier_name(app: Flask) -> str:
    return str(app.extensions["sanji"].name)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Login with the hub's accounts (a node checks its own copy, so it works offline)."""
    error = ""
    status = 200
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            account = audited_login(username, request.form.get("password", ""))
        except (Unauthenticated, AccountLocked, TooManyAttempts) as err:
            error, status = err.detail, err.status
        else:
            start_page_session(account)
            # Only same-site paths: never an open redirect to another host.
            return redirect(safe_next(request.args.get("next")) or url_for("casepages.case_list"))
    return render_template("sanji/login.html", error=error, username=username), status  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.login"))
