"""Staff pages common to every tier: login, logout, the case list and a case.

Server-rendered Chinese pages calling the same services as the API (permissions are
checked there). Session cookies are HTTP-only and SameSite=Lax (Secure unless
COOKIE_SECURE is off, e.g. the plain-HTTP demo); every form carries a CSRF token; login
attempts are rate-limited per address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
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

from shared.accounts.models import Account, Role
from shared.accounts.services import Actor, authenticate
from shared.cases import CaseState
from shared.casework import services as cases
from shared.clock import to_china
from shared.errors import NotFound, Unauthenticated
from shared.sync.store import refresh_projections
from shared.web.app import current_tier, db_session

bp = Blueprint("pages", __name__)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


def init_app(app: Flask) -> None:
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # the JSON API uses bearer tokens, not cookies
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config.get("COOKIE_SECURE", True)),
        SESSION_COOKIE_NAME=f"sanji_{current_tier_name(app)}",
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

    @app.context_processor
    def _who() -> dict[str, Any]:
        return {"me": page_actor()}

    app.register_blueprint(bp)
    from shared.web import casepages

    app.register_blueprint(casepages.bp)


def current_tier_name(app: Flask) -> str:
    return str(app.extensions["sanji"].name)


def page_actor() -> Actor | None:
    """The logged-in staff member of this page request, if any (account re-read each time)."""
    if "sanji_page_actor" in g:
        actor: Actor | None = g.sanji_page_actor
        return actor
    username = session.get("user")
    account = db_session().get(Account, username) if username else None
    actor = Actor.of(account) if account is not None and account.active else None
    g.sanji_page_actor = actor
    return actor


def require_login() -> Actor:
    actor = page_actor()
    if actor is None:
        abort(redirect(url_for("pages.login", next=request.path)))
    return actor


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], error_message="登录尝试过于频繁，请一分钟后再试")
def login() -> str | Response:
    """Login with the hub's accounts (a node checks its own copy, so it works offline)."""
    error = ""
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            account = authenticate(db_session(), username, request.form.get("password", ""))
        except Unauthenticated as err:
            error = err.detail
        else:
            session.clear()
            session["user"] = account.username
            target = request.args.get("next", "")
            # Only same-site paths: never an open redirect to another host.
            return redirect(
                target
                if target.startswith("/") and not target.startswith("//")
                else url_for("pages.case_list")
            )
    status = 401 if error else 200
    return render_template("sanji/login.html", error=error, username=username), status  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/cases")
def case_list() -> str:
    """The cases held at this node, newest first (ID numbers masked)."""
    actor = require_login()
    db = db_session()
    if refresh_projections(db, clock=current_tier().clock, limit=500):
        db.commit()
    q = request.args.get("q", "")[:100]
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    mine = request.args.get("mine") == "1"
    # 待我办理: open cases this clerk's unit handles (a department, or this town).
    unit = actor.department_code if actor.role is Role.DEPT_REVIEWER else current_tier().node_code
    listing = cases.list_cases(
        db, q=q, page=page, per_page=20, open_only=mine, handled_by=unit if mine else None
    )
    from shared.web.casepages import due_colour

    today = current_tier().clock.today()
    for row in listing["items"]:
        open_case = row["status"] in ("accepted", "suspended")
        row["due_colour"] = (
            due_colour(str(row["due_date"]) if row["due_date"] else None, today)
            if open_case
            else ""
        )
    return render_template(
        "sanji/cases.html",
        listing=listing,
        q=q,
        mine=mine,
        actor=actor,
        pages=max(1, -(-listing["total"] // 20)),
    )


@bp.get("/sync")
def sync_page() -> str:
    """This node's sync status, the "立即同步" button, and the nodes below it."""
    require_login()
    from shared.sync.status import node_board, node_status

    db = db_session()
    tier = current_tier()
    return render_template(
        "sanji/sync.html", status=node_status(db, tier), board=node_board(db, tier)
    )


@bp.post("/sync/now")
def sync_now() -> Response:
    """Ask the scheduler process to sync at once (it runs outside the web workers)."""
    require_login()
    from shared.sync import state

    db = db_session()
    state.request_sync(db, current_tier().clock.now())
    db.commit()
    flash("已通知同步进程立即同步，请稍后刷新本页查看结果", "ok")
    return redirect(url_for("pages.sync_page"))


def case_or_404(case_no: str) -> CaseState:
    """The case folded from this node's events, or a Chinese 404 page."""
    try:
        return cases.current_state(db_session(), case_no)
    except NotFound:
        abort(404)


@bp.get("/cases/<case_no>")
def case_detail(case_no: str) -> str:
    """One case with its history (the same fold as the API)."""
    require_login()
    state = case_or_404(case_no)
    return render_template(
        "sanji/case.html",
        case=state.to_dict(masked=True),
        form_materials=[m["name"] for m in state.materials],
    )
