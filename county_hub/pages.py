"""The hub's own pages: the landing page and the county dashboard (charts)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from county_hub.catalog import services as catalog
from county_hub.catalog.services import catalog_stats
from county_hub.exchange import services as exchange
from county_hub.org.models import Department
from shared.accounts.models import Role
from shared.cases import CaseStatus
from shared.errors import DomainError, NotFound
from shared.items import ItemStatus
from shared.sync.models import CaseRow
from shared.web import home
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("hubpages", __name__)


@bp.get("/dashboard")
def dashboard() -> str:
    """Catalog rates and case counts, drawn with the vendored ECharts."""
    actor = require_login()
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR, Role.DEPT_REVIEWER):
        abort(403)
    db = db_session()
    stats = catalog_stats(db)
    short = dict(db.execute(select(Department.code, Department.short_name)).all())
    by_status = dict(
        db.execute(select(CaseRow.status, func.count()).group_by(CaseRow.status)).all()
    )
    charts: dict[str, Any] = {
        "rates": [
            {"name": stats["labels"][key], "value": round(stats[key]["rate"] * 100, 2)}
            for key in ("online", "at_most_one_visit", "on_the_spot")
        ],
        "departments": [
            {"name": short.get(d["department"], d["department_name"]), "value": d["items"]}
            for d in stats["by_department"]
        ],
        "cases": [{"name": CaseStatus(s).label, "value": n} for s, n in sorted(by_status.items())],
    }
    figures, month_error = _month_figures(db, actor)
    if figures is not None:
        charts["figures"] = [
            {
                "name": short.get(u["unit"], u["unit_name"]),
                "completion": _percent(u["completion_rate"]),
                "on_time": _percent(u["on_time_rate"]),
                "overdue": u["overdue"],
            }
            for u in figures["units"]
            if u["accepted"] or u["concluded"] or u["overdue"]
        ]
    return render_template(
        "hub/dashboard.html",
        stats=stats,
        charts=charts,
        figures=figures,
        month_error=month_error,
        exchange=exchange.counts(db),
        exchange_lag=exchange.lag_seconds(db, clock=current_tier().clock),
        exchange_on=bool(current_app.config.get("EXCHANGE_DATABASE_URL")),
    )


def _month_figures(db: Any, actor: Any) -> tuple[dict[str, Any] | None, str]:
    """This month's (or ?month=) case figures by department, for county supervisors."""
    from county_hub.supervision import services as supervision
    from county_hub.supervision.figures import parse_month

    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        return None, ""
    today = current_tier().clock.today()
    error = ""
    try:
        period = parse_month(request.args.get("month", "").strip()[:7], today)
    except DomainError as err:
        error = err.detail
        period = parse_month(None, today)
    return supervision.figures(db, actor, period, "department"), error


def _percent(value: dict[str, Any]) -> float | None:
    return None if value["rate"] is None else round(value["rate"] * 100, 2)


def init_app(app: Flask) -> None:
    from county_hub.catalog.pages import bp as catalog_editor
    from county_hub.delegation.pages import bp as delegation_pages
    from county_hub.supervision.pages import bp as supervision_pages

    home.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(catalog_editor)
    app.register_blueprint(delegation_pages)
    app.register_blueprint(supervision_pages)


@bp.get("/catalog")
def catalog_list() -> str:
    """Catalog management: search every item, drafts included (county staff)."""
    actor = require_login()
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        abort(403)
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status") or None
    try:
        wanted = ItemStatus(status) if status else None
    except ValueError:
        wanted = None
    found = catalog.search_items(db_session(), q=q, status=wanted, page=1, per_page=50)
    return render_template(
        "hub/catalog.html", found=found, q=q, status=status, statuses=list(ItemStatus)
    )


@bp.get("/catalog/<code>")
def catalog_item(code: str) -> str:
    """An item: its versions, what the open draft changes, and the lifecycle buttons."""
    actor = require_login()
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        abort(403)
    db = db_session()
    try:
        item = catalog.get_item(db, code)
    except NotFound:
        abort(404)
    versions = catalog.list_versions(db, code)
    diff: list[dict[str, Any]] = []
    if item.current_version and item.latest_version != item.current_version:
        diff = catalog.version_diff(db, code, item.current_version, item.latest_version)
    detail = catalog.item_detail(db, code, item.latest_version)
    return render_template(
        "hub/catalog_item.html", item=item, detail=detail, versions=versions, diff=diff
    )


@bp.post("/catalog/<code>/<action>")
def catalog_action(code: str, action: str) -> Response:
    """Publish the draft, suspend, resume or retire (county admin; the service checks)."""
    actor = require_login()
    if action not in ("publish", "suspend", "resume", "retire"):
        abort(404)
    db = db_session()
    clock = current_tier().clock
    try:
        if action == "publish":
            catalog.publish_item(db, actor, code, clock=clock)
        else:
            catalog.change_status(db, actor, code, action, clock=clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        labels = {"publish": "发布", "suspend": "暂停", "resume": "恢复", "retire": "废止"}
        flash(f"已{labels[action]}事项，变更已写入下发给各节点的主数据", "ok")
    return redirect(url_for("hubpages.catalog_item", code=code))
