"""The supervision page (督查): warning levels by unit and the overdue list (county staff)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from county_hub.supervision import services
from shared.accounts.models import Role
from shared.calendar_store import load_calendar
from shared.casework.context import warn_days
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("supervisionpages", __name__, template_folder="templates")

BY_LABELS = {"department": "按办理部门", "town": "按办理镇（街道）", "village": "按收件村（社区）"}
PER_PAGE = 20


@bp.get("/supervision")
def supervision() -> str:
    """Red and yellow counts per unit, and the overdue cases, longest overdue first."""
    actor = require_login()
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        abort(403)
    by = request.args.get("by", "department")
    if by not in BY_LABELS:
        by = "department"
    department = request.args.get("department", "").strip()[:32] or None
    page = request.args.get("page", "1")
    page_no = int(page) if page.isdigit() and 0 < int(page) <= 100000 else 1
    db = db_session()
    today = current_tier().clock.today()
    calendar = load_calendar(db)
    warnings = services.warnings_by(
        db, actor, by, today=today, calendar=calendar, warn_days=warn_days()
    )
    overdue = services.overdue_cases(
        db,
        actor,
        today=today,
        calendar=calendar,
        page=page_no,
        per_page=PER_PAGE,
        department=department,
    )
    return render_template(
        "supervision/supervision.html",
        by=by,
        by_labels=BY_LABELS,
        warnings=warnings,
        overdue=overdue,
        department=department,
        department_name=services.unit_names(db).get(department or "", department),
        pages=max(1, -(-overdue["total"] // PER_PAGE)),
    )
