"""The hub's own pages: the landing page and the county dashboard (charts)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template
from sqlalchemy import func, select

from county_hub.catalog.services import catalog_stats
from county_hub.org.models import Department
from shared.accounts.models import Role
from shared.cases import CaseStatus
from shared.sync.models import CaseRow
from shared.web import home
from shared.web.app import db_session
from shared.web.pages import require_login

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
    return render_template("hub/dashboard.html", stats=stats, charts=charts)


def init_app(app: Flask) -> None:
    home.init_app(app)
    app.register_blueprint(bp)
