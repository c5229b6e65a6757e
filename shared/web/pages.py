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
    current_app,
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
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from shared.accounts.models import Account, Role
from shared.accounts.services import Actor, authenticate
from shared.cases import CaseState, CaseStatus
from shared.casework import services as cases
from shared.casework.schemas import CaseQueryArgsSchema
from shared.clock import to_china
from shared.errors import NotFound, Unauthenticated, flatten_messages
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

    @app.template_filter("unit")
    def _unit(code: Any) -> str:
        """A town, village or department code as its Chinese name (the code if unknown)."""
        return unit_names().get(str(code), str(code)) if code else "—"

    @app.context_processor
    def _who() -> dict[str, Any]:
        return {"me": page_actor()}

    app.register_blueprint(bp)
    from shared.certwork import pages as certpages
    from shared.web import casepages, ratingpages

    app.register_blueprint(casepages.bp)
    app.register_blueprint(certpages.bp)
    app.register_blueprint(ratingpages.bp)


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
    """This node's cases, newest first, with the API's filters (ID numbers masked).

    On the hub that is every case in the county: search by number, item or applicant,
    status, handling unit, the town or village where it was filed, and overdue only.
    """
    actor = require_login()
    db = db_session()
    tier = current_tier()
    if refresh_projections(db, clock=tier.clock, limit=500):
        db.commit()
    raw = {k: v for k, v in request.args.items() if v != "" and k in _CASE_FILTERS}
    errors: dict[str, str] = {}
    try:
        args = CaseQueryArgsSchema().load(raw)
    except ValidationError as err:
        errors = {p.name: p.reason for p in flatten_messages(err.messages)}
        args = CaseQueryArgsSchema().load({})
    args["per_page"] = PER_PAGE
    mine = request.args.get("mine") == "1"
    if mine:  # 待我办理: open cases this clerk's unit handles (a department, or this town).
        args["open_only"] = True
        args["handled_by"] = (
            actor.department_code if actor.role is Role.DEPT_REVIEWER else tier.node_code
        )
    overdue = args.pop("overdue")
    listing = cases.list_cases(db, **args, overdue_on=tier.clock.today() if overdue else None)
    from shared.calendar_store import load_calendar
    from shared.web.casepages import due_colour

    today = tier.clock.today()
    calendar = load_calendar(db)
    for row in listing["items"]:
        open_case = row["status"] in ("accepted", "suspended")
        row["due_colour"] = (
            due_colour(str(row["due_date"]) if row["due_date"] else None, today, calendar)
            if open_case
            else ""
        )
    return render_template(
        "sanji/cases.html",
        listing=listing,
        values=raw,
        errors=errors,
        mine=mine,
        actor=actor,
        statuses=list(CaseStatus),
        units=sorted(unit_names().items()),
        pages=max(1, -(-listing["total"] // PER_PAGE)),
    ), 422 if errors else 200  # type: ignore[return-value]


PER_PAGE = 20
_CASE_FILTERS = ("q", "status", "handled_by", "filed_under", "overdue", "page")


def unit_names() -> dict[str, str]:
    """Region and department names by code, read once per request."""
    if "sanji_units" not in g:
        g.sanji_units = current_app.extensions["sanji.catalog"](db_session()).unit_names()
    names: dict[str, str] = g.sanji_units
    return names


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
    """One case with its history (the same fold as the API) and where it stands."""
    from shared.calendar_store import load_calendar
    from shared.cases.limits import time_limit
    from shared.web.casepages import warn_days

    actor = require_login()
    state = case_or_404(case_no)
    tier = current_tier()
    unit = actor.department_code if actor.role is Role.DEPT_REVIEWER else tier.node_code
    limit = time_limit(
        state, load_calendar(db_session()), tier.clock.today(), warn_days=warn_days()
    )
    from shared.cases import RATING_CHANNELS, RATING_LEVELS
    from shared.web.ratingpages import rating_link

    return render_template(
        "sanji/case.html",
        case=state.to_dict(masked=True),
        limit=limit,
        rating_levels=RATING_LEVELS,
        rating_channels=RATING_CHANNELS,
        rating_link=rating_link(state.case_no),
        form_materials=[m["name"] for m in state.materials],
        route=route_note(state, here=tier.node_code, unit=unit or "", names=unit_names()),
        queued=cases.queued_events(db_session(), state.case_id) if tier.name != "hub" else 0,
    )


def route_note(state: CaseState, *, here: str, unit: str, names: dict[str, str]) -> str:
    """Who received the case, who accepts and decides it, and what this node's part is."""

    def name(code: str) -> str:
        return names.get(code, code)

    filed, handler, accepter = state.accepting_node, state.handled_by, state.accept_by
    if not handler:
        return ""
    if unit == handler:
        where = "" if filed == here else f"（{name(filed)}收件后报来）"
        return f"本单位负责办理此件{where}：受理、审查并作出决定；结果会同步回收件地。"
    parts = [f"此件在{name(filed)}收件"]
    if accepter != handler:
        parts.append(f"由{name(accepter)}受理")
    if len(here) == 12 or (filed == here and here != handler):
        parts.append(f"转报{name(handler)}办理")
    else:
        parts.append(f"由{name(handler)}办理")
    tail = "；办理进展和结果会自动同步回本节点" if filed == here else ""
    return "，".join(parts) + tail + "。"
