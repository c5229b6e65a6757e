"""好差评 by the applicant: the kiosk / short-link page ``/r/<case_no>/<token>`` (no login).

The token is an HMAC of the case number with this node's SECRET_KEY, so only links this
node printed (QR code on the receipt, hall tablet, SMS) open a form; anything else is a
plain 404 and records nothing. The page shows only the item's name and the applicant's
masked name. The POST is CSRF-protected like every form (the session cookie is anonymous).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from shared.cases import RATING_CHANNELS, RATING_LEVELS, CaseState
from shared.casework import services
from shared.casework.context import after_change
from shared.errors import DomainError, NotFound
from shared.feedback.services import (
    COMPLAINT_FIELDS,
    rating_path,
    send_complaint,
    token_matches,
)
from shared.node.replica.models import ReplicaDepartment
from shared.sync.store import current_state
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("ratingpages", __name__, template_folder="templates")

#: Channels a kiosk page may claim; staff enter phone and SMS ratings on the case page.
KIOSK_CHANNELS = ("qrcode", "tablet", "mobile", "pc")


def rating_link(case_no: str) -> str:
    """The path of the applicant's rating page for ``case_no`` on this node."""
    return rating_path(case_no, str(current_app.config["SECRET_KEY"]))


def _mask_name(name: str) -> str:
    """王五 → 王*, 欧阳小明 → 欧***: enough for the applicant to recognise the case."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else "—"


def _case_for(case_no: str, token: str) -> CaseState:
    if not token_matches(case_no, token, str(current_app.config["SECRET_KEY"])):
        abort(404)
    try:
        return current_state(db_session(), case_no, county=current_tier().county)
    except NotFound:
        abort(404)


@bp.route("/r/<case_no>/<token>", methods=["GET", "POST"])
def rate(case_no: str, token: str) -> str | Response:
    """The applicant rates a concluded case with one of five buttons."""
    state = _case_for(case_no, token)
    channel = request.values.get("via", "qrcode")
    if channel not in KIOSK_CHANNELS:
        channel = "qrcode"
    error = ""
    status = 200
    done = False
    if request.method == "POST":
        level = request.form.get("level", "")
        tier = current_tier()
        db = db_session()
        try:
            state = services.rate_by_applicant(
                db,
                case_no,
                {
                    "level": int(level) if level in ("1", "2", "3", "4", "5") else None,
                    "channel": channel,
                    "comment": request.form.get("comment", "").strip()[:500],
                },
                node=tier.node_code,
                clock=tier.clock,
                acked=tier.name == "hub",
                county=tier.county,
            )
            # The tier's reaction in the same transaction (the hub records the rating).
            state = after_change(db, state)
        except DomainError as err:
            db.rollback()
            error, status = err.detail or err.title, err.status
        else:
            db.commit()
            done = True
    return render_template(
        "feedback/rate.html",
        item_name=state.item_name,
        applicant=_mask_name(str(state.applicant.get("name", ""))),
        rating=state.rating,
        concluded=state.status is not None and state.status.value in ("concluded", "delivered"),
        levels=RATING_LEVELS,
        channel=channel,
        channel_label=RATING_CHANNELS[channel],
        error=error,
        done=done,
    ), status  # type: ignore[return-value]


@bp.route("/complaints/info", methods=["GET", "POST"])
def complaints_info() -> Any:
    """File 办不成事反映 at a town or village: the county registers and routes it."""
    actor = require_login()
    values = {k: request.form.get(k, "").strip() for k in COMPLAINT_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        tier = current_tier()
        body = {**values, "actor": actor.username, "filed_node": tier.node_code}
        db_session().commit()  # release SQLite's write lock before the sync client reads
        try:
            reply = send_complaint(tier, body)
        except DomainError as err:
            errors = {"_form": err.detail}
        else:
            flash(
                f"已登记反映（编号 {reply.get('id')}），由 {reply.get('department_code')} 在"
                f" {reply.get('deadline') or '规定期限'} 前答复反映人",
                "ok",
            )
            return redirect(url_for("ratingpages.complaints_info"))
    departments = db_session().execute(select(ReplicaDepartment.code, ReplicaDepartment.name)).all()
    return render_template(
        "feedback/complaints_info.html", values=values, errors=errors, departments=departments
    ), 422 if errors else 200
