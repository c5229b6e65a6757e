"""Hub pages: 预约 (/appointments) and 巡查 (/inspections)."""

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
from werkzeug.wrappers import Response

from county_hub.appointments import services
from county_hub.appointments.models import FINDING_CATEGORIES, SEVERITIES
from shared.errors import DomainError, PermissionDenied
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("hubappointments", __name__, template_folder="templates")

#: Empty finding rows on the new-inspection form.
FINDING_ROWS = 3
_BOOK_FIELDS = ("venue", "date", "start", "name", "id_number", "phone", "item_code")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else current_tier().clock.today()
    except ValueError:
        return current_tier().clock.today()


@bp.route("/appointments", methods=["GET", "POST"])
def appointments() -> str | Response:
    """Pick a venue and a day, see the free places, book; the day's bookings below."""
    actor = require_login()
    db = db_session()
    source = request.form if request.method == "POST" else request.args
    venue = source.get("venue", "").strip() or services.own_venue(actor) or ""
    day = _day(source.get("date"))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"venue": venue, "date": day.isoformat()}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip()[:100] for key in _BOOK_FIELDS}
        try:
            created = services.book(
                db,
                actor,
                values,
                clock=current_tier().clock,
                capacity=int(current_app.config["APPOINTMENT_CAPACITY"]),
            )
        except DomainError as err:
            db.rollback()
            errors = {p.name: p.reason for p in err.invalid_params} or {"_form": err.detail}
        else:
            db.commit()
            flash(f"已预约：{created['venue_name']} {created['date']} {created['start']}", "ok")
            return redirect(url_for(".appointments", venue=venue, date=day.isoformat()))
    slots: dict[str, Any] | None = None
    slot_error = ""
    if venue:
        try:
            slots = services.list_slots(
                db,
                venue,
                day,
                clock=current_tier().clock,
                capacity=int(current_app.config["APPOINTMENT_CAPACITY"]),
            )
        except DomainError as err:
            slot_error = err.invalid_params[0].reason if err.invalid_params else err.detail
    listing: dict[str, Any] | None = None
    try:
        listing = services.list_appointments(db, actor, venue=venue or None, day=day)
    except PermissionDenied:
        listing = None
    page = render_template(
        "appointments/appointments.html",
        venues=services.venues(db),
        venue=venue,
        day=day,
        slots=slots,
        slot_error=slot_error,
        listing=listing,
        errors=errors,
        values=values,
    )
    return (page, 422) if errors else page  # type: ignore[return-value]


@bp.post("/appointments/<int:appointment_id>/<action>")
def appointment_action(appointment_id: int, action: str) -> Response:
    actor = require_login()
    db = db_session()
    clock = current_tier().clock
    try:
        if action == "cancel":
            services.cancel(
                db, actor, appointment_id, request.form.get("reason", "")[:500], clock=clock
            )
        elif action in ("attended", "no_show"):
            services.mark(db, actor, appointment_id, action, clock=clock)
        else:
            abort(404)
    except DomainError as err:
        db.rollback()
        flash(err.detail or err.title, "error")
    else:
        db.commit()
        flash("已办理", "ok")
    return redirect(
        url_for(
            ".appointments", venue=request.form.get("venue", ""), date=request.form.get("date", "")
        )
    )


@bp.route("/inspections", methods=["GET", "POST"])
def inspections() -> str | Response:
    """Inspections of the month and, for supervisors and admin, the new-inspection form."""
    actor = require_login()
    db = db_session()
    today = current_tier().clock.today()
    month = request.args.get("month", "") or f"{today:%Y-%m}"
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"findings": [{} for _ in range(FINDING_ROWS)]}
    if request.method == "POST":
        form = request.form
        values = {
            "venue": form.get("venue", "").strip(),
            "inspected_on": form.get("inspected_on", "").strip(),
            "note": form.get("note", "").strip()[:2000],
            "findings": [
                {
                    key: form.get(f"findings.{i}.{key}", "").strip()[:2000]
                    for key in ("category", "description", "severity", "rectify_by")
                }
                for i in range(FINDING_ROWS)
            ],
        }
        try:
            services.create_inspection(db, actor, values, clock=current_tier().clock)
        except DomainError as err:
            db.rollback()
            errors = {p.name: p.reason for p in err.invalid_params} or {"_form": err.detail}
        else:
            db.commit()
            flash("已登记巡查", "ok")
            return redirect(url_for(".inspections", month=month))
    try:
        listing = services.list_inspections(db, actor, today=today, month=month)
        summary = services.inspection_summary(db, actor, month=month, today=today)
    except PermissionDenied:
        abort(403)
    except DomainError:
        abort(404)
    page = render_template(
        "appointments/inspections.html",
        listing=listing,
        summary=summary,
        month=month,
        venues=services.venues(db),
        categories=FINDING_CATEGORIES,
        severities=SEVERITIES,
        may_record=actor.role.value in ("admin", "supervisor"),
        errors=errors,
        values=values,
        today=today,
    )
    return (page, 422) if errors else page  # type: ignore[return-value]


@bp.post("/inspections/<int:inspection_id>/findings/<int:n>/close")
def close_finding(inspection_id: int, n: int) -> Response:
    actor = require_login()
    db = db_session()
    data = {
        "note": request.form.get("note", "")[:2000],
        "closed_on": request.form.get("closed_on", ""),
    }
    try:
        services.close_finding(db, actor, inspection_id, n, data, clock=current_tier().clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail or err.title, "error")
    else:
        db.commit()
        flash(f"第 {n} 条问题已整改销号", "ok")
    return redirect(url_for(".inspections", month=request.form.get("month", "")))
