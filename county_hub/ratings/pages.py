"""Hub pages: 差评整改 (/rectifications) and 办不成事反映 (/complaints)."""

from __future__ import annotations

from datetime import date
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
from sqlalchemy import select
from werkzeug.wrappers import Response

from county_hub.org.models import Department
from county_hub.ratings import services
from county_hub.ratings.api import complaint_warn_days, task_warn_days
from county_hub.ratings.models import TaskStatus
from shared.errors import DomainError, NotFound, PermissionDenied
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("hubratings", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _today() -> date:
    return current_tier().clock.today()


@bp.get("/rectifications")
def rectifications() -> str:
    """Tasks with deadline colours (red: overdue or escalated)."""
    actor = require_login()
    status = request.args.get("status") or None
    if status not in {s.value for s in TaskStatus} | {None}:
        status = None
    try:
        listing = services.list_tasks(
            db_session(),
            actor,
            today=_today(),
            warn_days=task_warn_days(),
            status=status,
            overdue=request.args.get("overdue") == "1",
            page=max(1, request.args.get("page", 1, type=int) or 1),
        )
    except PermissionDenied:
        abort(403)
    return render_template(
        "ratings/rectifications.html",
        listing=listing,
        statuses=list(TaskStatus),
        status=status,
        warn_days=task_warn_days(),
    )


@bp.get("/rectifications/<int:task_id>")
def rectification(task_id: int) -> str:
    actor = require_login()
    try:
        task = services.get_task(
            db_session(), actor, task_id, today=_today(), warn_days=task_warn_days()
        )
    except (NotFound, PermissionDenied):
        abort(404)
    return render_template("ratings/rectification.html", task=task, today=_today())


@bp.post("/rectifications/<int:task_id>/act")
def rectification_act(task_id: int) -> Response:
    actor = require_login()
    form = request.form
    called_on = form.get("called_on", "")
    data: dict[str, Any] = {
        "action": form.get("action", ""),
        "note": form.get("note", "")[:2000],
        "called_by": form.get("called_by", "")[:64],
        "rater_said": form.get("rater_said", "")[:2000],
        "outcome": form.get("outcome", "")[:2000],
        "called_on": _date_or_none(called_on),
    }
    db = db_session()
    try:
        services.act_on_task(db, actor, task_id, data, clock=current_tier().clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail or err.title, "error")
    else:
        db.commit()
        flash("已办理", "ok")
    return redirect(url_for("hubratings.rectification", task_id=task_id))


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _departments() -> list[tuple[str, str]]:
    return [
        (code, name)
        for code, name in db_session().execute(
            select(Department.code, Department.name).order_by(Department.code)
        )
    ]


@bp.get("/complaints")
def complaints() -> str:
    actor = require_login()
    try:
        listing = services.list_complaints(
            db_session(),
            actor,
            today=_today(),
            warn_days=complaint_warn_days(),
            overdue=request.args.get("overdue") == "1",
            page=max(1, request.args.get("page", 1, type=int) or 1),
        )
    except PermissionDenied:
        abort(403)
    return render_template("ratings/complaints.html", listing=listing)


@bp.route("/complaints/new", methods=["GET", "POST"])
def new_complaint() -> str | Response:
    actor = require_login()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {
            key: request.form.get(key, "").strip()
            for key in (
                "contact_name",
                "contact_phone",
                "item_code",
                "department_code",
                "text",
                "filed_node",
            )
        }
        db = db_session()
        try:
            created = services.file_complaint(
                db,
                actor,
                values,
                clock=current_tier().clock,
                working_days=int(current_app.config["COMPLAINT_WORKING_DAYS"]),
                county=current_tier().county,
                warn_days=complaint_warn_days(),
            )
        except DomainError as err:
            db.rollback()
            errors = {p.name: p.reason for p in err.invalid_params} or {"_form": err.detail}
        else:
            db.commit()
            flash(
                f"已登记，转{created['department_code']}办理，答复期限 {created['deadline']}", "ok"
            )
            return redirect(url_for("hubratings.complaint", complaint_id=created["id"]))
    return render_template(
        "ratings/complaint_form.html", errors=errors, values=values, departments=_departments()
    ), 422 if errors else 200  # type: ignore[return-value]


@bp.get("/complaints/<int:complaint_id>")
def complaint(complaint_id: int) -> str:
    actor = require_login()
    try:
        found = services.get_complaint(
            db_session(), actor, complaint_id, today=_today(), warn_days=complaint_warn_days()
        )
    except (NotFound, PermissionDenied):
        abort(404)
    return render_template(
        "ratings/complaint.html", c=found, methods=services.REPLY_METHODS, today=_today()
    )


@bp.post("/complaints/<int:complaint_id>/answer")
def complaint_answer(complaint_id: int) -> Response:
    actor = require_login()
    data = {
        "reply": request.form.get("reply", "")[:4000],
        "reply_method": request.form.get("reply_method", ""),
        "replied_on": _date_or_none(request.form.get("replied_on", "")),
    }
    db = db_session()
    try:
        services.answer_complaint(db, actor, complaint_id, data, clock=current_tier().clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail or err.title, "error")
    else:
        db.commit()
        flash("已记录答复", "ok")
    return redirect(url_for("hubratings.complaint", complaint_id=complaint_id))
