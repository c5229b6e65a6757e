"""Case pages on every tier: the list, a case, filing, acting, receipts and notices.

The same services as the API (permissions are checked there).

Filing: find the item (Chinese, pinyin or initials), read its guide, enter the applicant,
tick the materials, submit; errors come back next to the fields with what was typed.
A form carries a one-time id, so a double-clicked submit files one case. Actions carry
the status the clerk saw, so a stale page cannot act on a case that has moved on.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from shared.accounts.models import Role
from shared.calendar import WorkCalendar
from shared.calendar_store import load_calendar
from shared.cases import RATING_CHANNELS, RATING_LEVELS, CaseState, CaseStatus
from shared.cases.limits import time_limit, warning_level
from shared.casework import services
from shared.casework.context import after_change, catalog, warn_days
from shared.casework.schemas import ACTIONS, CaseQueryArgsSchema
from shared.errors import DomainError, NotFound, flatten_messages
from shared.feedback.services import rating_path
from shared.sync.store import refresh_projections
from shared.web.audit import audit, subject_of
from shared.web.context import current_tier, db_session, require_login, unit_names

bp = Blueprint("casepages", __name__, template_folder="templates")

MAX_REMEMBERED_FORMS = 20


@bp.get("/cases/new")
def find_item() -> str:
    """Step 1: find the item."""
    require_login()
    q = request.args.get("q", "").strip()[:100]
    found = catalog().search(q, page=1, per_page=30) if q else {"items": [], "total": 0}
    return render_template("casework/find_item.html", q=q, found=found)


def _form_data() -> dict[str, Any]:
    form = request.form
    return {
        "applicant": {
            "name": form.get("name", "").strip(),
            "id_type": form.get("id_type", "111"),
            "id_number": form.get("id_number", "").strip(),
            "phone": form.get("phone", "").strip(),
        },
        "materials": [{"name": name, "provided": True} for name in form.getlist("provided")],
        "tolerance": form.get("tolerance") == "1",
        "promise": form.get("promise") == "1",
        "consent": form.get("consent") == "1",
        "tolerance_deadline": None,
        "certificates": [
            line.strip() for line in form.get("certificates", "").splitlines() if line.strip()
        ][:10],
    }


@bp.route("/cases/new/<code>", methods=["GET", "POST"])
def file_case(code: str) -> str | Response:
    """Step 2: the item's guide and the application form."""
    actor = require_login()
    try:
        item = catalog().detail(code)
    except NotFound:
        abort(404)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"id_type": "111", "provided": []}
    if request.method == "POST":
        form_id = request.form.get("form_id", "")
        filed: dict[str, str] = session.setdefault("filed_forms", {})
        if form_id in filed:  # the same form submitted twice: show the case it made
            return redirect(url_for("casepages.receipt", case_no=filed[form_id]))
        data = _form_data()
        data["item_code"] = code
        values = {
            **data["applicant"],
            "provided": request.form.getlist("provided"),
            "tolerance": data["tolerance"],
            "promise": data["promise"],
            "consent": data["consent"],
            "certificates": request.form.get("certificates", ""),
        }
        tier = current_tier()
        db = db_session()
        try:
            state = services.file_case(
                db,
                actor,
                data,
                node=tier.node_code,
                county=tier.county,
                catalog=catalog(),
                clock=tier.clock,
                acked=tier.name == "hub",
            )
        except DomainError as err:
            db.rollback()
            errors = {p.name.removeprefix("applicant."): p.reason for p in err.invalid_params}
            if not errors:
                errors["_form"] = err.detail
        else:
            audit("case.file", state.case_no, subject=subject_of(state.applicant))
            db.commit()
            filed[form_id] = state.case_no
            session["filed_forms"] = dict(list(filed.items())[-MAX_REMEMBERED_FORMS:])
            return redirect(url_for("casepages.receipt", case_no=state.case_no))
    status = 422 if errors else 200
    return render_template(
        "casework/file_case.html",
        item=item,
        errors=errors,
        values=values,
        form_id=uuid.uuid4().hex,
        actor=actor,
    ), status  # type: ignore[return-value]


NOTICE_TITLES = {
    "receipt": "收件回执",
    "supplement": "一次性告知书",
    "acceptance": "受理通知书",
    "refusal": "不予受理通知书",
}


def notice_kinds(case: dict[str, Any]) -> list[str]:
    """The printable documents this case has reached, in the order they were issued."""
    kinds = ["receipt"]
    if _asked_missing(case):
        kinds.append("supplement")
    if case["accepted_on"]:
        kinds.append("acceptance")
    if case["status"] == "not_accepted":
        kinds.append("refusal")
    return kinds


def _asked_missing(case: dict[str, Any]) -> list[str]:
    """What the one-time notice asked for: the latest request, or the list at filing."""
    asked = _last_payload(case, "supplement_requested").get("missing") or _last_payload(
        case, "submitted"
    ).get("missing")
    return list(case["missing"] or asked or [])


def _last_payload(case: dict[str, Any], event_type: str) -> dict[str, Any]:
    found = [h for h in case["history"] if h["type"] == event_type]
    payload: dict[str, Any] = found[-1]["payload"] if found else {}
    return payload


@bp.get("/cases/<case_no>/receipt")
@bp.get("/cases/<case_no>/notice/<kind>")
def receipt(case_no: str, kind: str = "") -> str:
    """Printable documents: 收件回执, 一次性告知书, 受理通知书, 不予受理通知书.

    Without a kind the latest document the case has reached is shown.
    """
    require_login()
    case = case_or_404(case_no).to_dict(masked=True)
    kinds = notice_kinds(case)
    if kind and kind not in kinds:
        abort(404)
    kind = kind or kinds[-1]
    return render_template(
        "casework/receipt.html",
        case=case,
        kind=kind,
        kinds=[(k, NOTICE_TITLES[k]) for k in kinds],
        title=NOTICE_TITLES[kind],
        missing=_asked_missing(case),
        refusal_reason=_last_payload(case, "not_accepted").get("reason", ""),
        today=current_tier().clock.today(),
    )


@bp.post("/cases/<case_no>/act")
def act(case_no: str) -> Response:
    """Apply one action from the case page; the outcome is flashed on the page."""
    actor = require_login()
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    data: dict[str, Any] = {
        "action": action,
        "reason": request.form.get("reason", "").strip(),
        "approve": {"1": True, "0": False}.get(request.form.get("approve", "")),
        "missing": request.form.getlist("missing"),
        "materials": request.form.getlist("materials"),
        "kind": request.form.get("kind", ""),
        "days": 10,
        "method": request.form.get("method", "窗口领取"),
        "expected_status": request.form.get("expected_status") or None,
        "level": _int_or_none(request.form.get("level", "")),
        "channel": request.form.get("channel") or None,
        "comment": request.form.get("comment", "").strip()[:500],
        "rater": "applicant" if request.form.get("rater") == "applicant" else None,
    }
    tier = current_tier()
    db = db_session()
    try:
        state = services.act(
            db,
            actor,
            case_no,
            data,
            node=tier.node_code,
            county=tier.county,
            clock=tier.clock,
            acked=tier.name == "hub",
        )
        state = after_change(db, state)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        audit("case.act", case_no, subject=subject_of(state.applicant), detail=action)
        db.commit()
        now = state.status.label if state.status else ""
        flash(f"已{ACTION_LABELS.get(action, action)}，办件现为「{now}」", "ok")
    return redirect(url_for("casepages.case_detail", case_no=case_no))


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 3 else None


ACTION_LABELS = {
    "accept": "受理",
    "request_supplement": "一次性告知补正",
    "supply": "登记补齐材料",
    "not_accept": "不予受理",
    "suspend": "开始特别程序",
    "resume": "结束特别程序",
    "extend": "延长期限",
    "decide": "作出决定",
    "deliver": "送达",
    "withdraw": "撤回",
    "terminate": "终止",
    "void": "作废",
    "rate": "登记评价",
}


def due_colour(due: str | None, today: date, calendar: WorkCalendar | None = None) -> str:
    """green; yellow when ≤ WARN_WORKING_DAYS working days are left; red when overdue.

    The rule itself is :func:`shared.cases.limits.warning_level`, shared with the
    supervision pages and the monthly report.
    """
    if not due:
        return ""
    return warning_level(
        date.fromisoformat(due),
        today,
        calendar if calendar is not None else load_calendar(db_session()),
        warn_days=warn_days(),
    )


@bp.get("/cases")
def case_list() -> str:
    """This node's cases, newest first, with the API's filters (ID numbers masked).

    On the hub that is every case in the county: search by number, item or applicant,
    status, handling unit, the town or village where it was filed, and overdue only.
    """
    actor = require_login()
    db = db_session()
    tier = current_tier()
    if refresh_projections(db, clock=tier.clock, county=tier.county, limit=500):
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
    # A list of masked rows is not audited (opening a case is): see shared/casework/api.py.
    listing = services.list_cases(
        db, actor=actor, **args, overdue_on=tier.clock.today() if overdue else None
    )
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
        "casework/cases.html",
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


def case_or_404(case_no: str) -> CaseState:
    """The case, if the logged-in clerk may read it; otherwise a Chinese 404 page."""
    actor = require_login()
    try:
        return services.readable_state(db_session(), actor, case_no, county=current_tier().county)
    except NotFound:
        abort(404)


@bp.get("/cases/<case_no>")
def case_detail(case_no: str) -> str:
    """One case with its history (the same fold as the API) and where it stands."""
    actor = require_login()
    state = case_or_404(case_no)
    tier = current_tier()
    unit = actor.department_code if actor.role is Role.DEPT_REVIEWER else tier.node_code
    limit = time_limit(
        state, load_calendar(db_session()), tier.clock.today(), warn_days=warn_days()
    )
    audit("case.view", state.case_no, subject=subject_of(state.applicant), commit=True)
    return render_template(
        "casework/case.html",
        case=state.to_dict(masked=True),
        limit=limit,
        rating_levels=RATING_LEVELS,
        rating_channels=RATING_CHANNELS,
        rating_link=rating_path(state.case_no, str(current_app.config["SECRET_KEY"])),
        form_materials=[m["name"] for m in state.materials],
        route=route_note(state, here=tier.node_code, unit=unit or "", names=unit_names()),
        queued=services.queued_events(db_session(), state.case_id) if tier.name != "hub" else 0,
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
