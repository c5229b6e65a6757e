"""Delegation pages: the list of batches, the batch editor, publishing and withdrawing.

The editor turns the form into the body the API takes, checks it with the API's schema
and saves it with the API's service, so the rules live in one place. Items are typed as
codes (one a line) or ticked from a search that re-renders the same form, so nothing
typed is lost and no script is needed. On error nothing is written and every reason is
shown next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from county_hub.catalog import services as catalog
from county_hub.delegation import services
from county_hub.delegation.models import DelegationBatch
from county_hub.org.models import RegionLevel
from county_hub.org.services import list_departments, list_regions
from shared.accounts.models import Role
from shared.authority import BatchStatus, DelegationMode, Scope
from shared.errors import DomainError, NotFound
from shared.items import ItemStatus
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("delegationpages", __name__, template_folder="templates")

SEARCH_LIMIT = 30
TEXT_FIELDS = ("number", "title", "doc_no", "doc_date", "entrusting_department")
DATE_FIELDS = ("term_from", "term_to")


def _require(*roles: Role) -> None:
    if require_login().role not in roles:
        abort(403)


def _batch_or_404(number: int) -> DelegationBatch:
    try:
        return services.get_batch(db_session(), number)
    except NotFound:
        abort(404)


# --------------------------------------------------------------------------- form ⇄ body


def item_codes(text: str, picked: list[str]) -> list[str]:
    """Codes typed one a line (commas and spaces also split), then ticked ones, deduplicated."""
    typed = text.replace(",", "\n").replace("，", "\n").split()
    return list(dict.fromkeys(code.strip() for code in [*typed, *picked] if code.strip()))


def form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed and ticked, as it is shown again."""
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in (*TEXT_FIELDS, *DATE_FIELDS)}
    values.update(
        mode=form.get("mode", ""),
        all_towns=bool(form.get("all_towns")),
        towns=form.getlist("towns"),
        scope=form.getlist("scope"),
        items=item_codes(form.get("items", ""), form.getlist("pick")),
        q=form.get("q", "").strip()[:100],
    )
    return values


def batch_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """The body ``POST /api/v1/delegations/batches`` takes."""
    body: dict[str, Any] = {k: values[k] for k in ("number", "title", "doc_no", "doc_date")}
    body.update(
        mode=values["mode"],
        entrusting_department=values["entrusting_department"] or None,
        towns="all" if values["all_towns"] else values["towns"],
        scope=values["scope"],
        term_from=values["term_from"],
        term_to=values["term_to"] or None,
        items=values["items"],
    )
    return body


def record_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored batch as the form shows it."""
    values: dict[str, Any] = {
        k: "" if record.get(k) is None else str(record[k]) for k in (*TEXT_FIELDS, *DATE_FIELDS)
    }
    values["entrusting_department"] = record.get("entrusting_department") or ""
    values.update(
        mode=DelegationMode(record["mode"]).value,
        all_towns=record["towns"] == "all",
        towns=[] if record["towns"] == "all" else list(record["towns"]),
        scope=list(record["scope"]),
        items=list(record["items"]),
        q="",
    )
    return values


def errors_by_field(err: DomainError, items: list[str]) -> dict[str, list[str]]:
    """Reasons grouped by the form field they belong to (``items.3`` → the items box)."""
    errors: dict[str, list[str]] = {}
    for param in err.invalid_params:
        field, _, rest = param.name.partition(".")
        reason = param.reason
        if field == "items" and rest.isdigit() and int(rest) < len(items):
            code = items[int(rest)]
            reason = reason if code in reason else f"{code}：{reason}"
        errors.setdefault(field, []).append(reason)
    if not errors:
        errors["_form"] = [err.detail]
    return errors


# --------------------------------------------------------------------------- rendering


def _render_form(
    values: dict[str, Any], errors: dict[str, list[str]], *, number: int | None
) -> str:
    db = db_session()
    found = (
        catalog.search_items(db, q=values["q"], status=ItemStatus.PUBLISHED, per_page=SEARCH_LIMIT)[
            "items"
        ]
        if values["q"]
        else []
    )
    return render_template(
        "delegation/batch_form.html",
        number=number,
        values=values,
        errors=errors,
        found=found,
        towns=list_regions(db, level=RegionLevel.TOWN),
        departments=list_departments(db),
        modes=list(DelegationMode),
        scopes=[s.value for s in Scope],
    )


def _save(values: dict[str, Any], *, number: int | None) -> ResponseReturnValue:
    """Check with the API's schema, save with the API's service; or the form again."""
    db = db_session()
    if request.form.get("op") == "search":
        return _render_form(values, {}, number=number)
    try:
        data = services.parse_batch_data(batch_body(values))
        batch = services.save_batch(
            db, require_login(), data, clock=current_tier().clock, replace=number is not None
        )
    except DomainError as err:
        db.rollback()
        errors = errors_by_field(err, values["items"])
        return _render_form(values, errors, number=number), err.status
    db.commit()
    flash(f"已保存第 {batch.number} 批（草稿，{len(batch.items)} 个事项）；发布后生效", "ok")
    return redirect(url_for("delegationpages.batch_list"))


# --------------------------------------------------------------------------- views


@bp.get("/delegations")
def batch_list() -> str:
    """Every batch: mode, towns, item count, term, status (county staff)."""
    _require(Role.ADMIN, Role.SUPERVISOR)
    db = db_session()
    names = {r.code: r.name for r in list_regions(db, level=RegionLevel.TOWN)}
    batches = [services.batch_record(b) for b in services.list_batches(db)]
    return render_template("delegation/delegations.html", batches=batches, town_names=names)


@bp.route("/delegations/new", methods=["GET", "POST"])
def new_batch() -> ResponseReturnValue:
    """A new batch, saved as a draft."""
    _require(Role.ADMIN)
    if request.method == "POST":
        values = form_values(request.form)
        return _save(values, number=None)
    taken = [b.number for b in services.list_batches(db_session())]
    today = current_tier().clock.today().isoformat()
    values = form_values(MultiDict())
    values.update(
        number=str(max(taken, default=0) + 1),
        doc_date=today,
        term_from=today,
        mode=DelegationMode.DEVOLVE.value,
        all_towns=True,
        scope=[s.value for s in Scope],
    )
    return _render_form(values, {}, number=None)


@bp.route("/delegations/<int:number>/edit", methods=["GET", "POST"])
def edit_batch(number: int) -> ResponseReturnValue:
    """A draft batch's towns, items, mode, scope and term."""
    _require(Role.ADMIN)
    batch = _batch_or_404(number)
    if batch.status is not BatchStatus.DRAFT:
        flash(f"第 {number} 批已经发布，不能修改；请新建批次或收回", "error")
        return redirect(url_for("delegationpages.batch_list"))
    if request.method == "POST":
        values = form_values(request.form)
        values["number"] = str(number)  # the number is the batch; it is not edited here
        return _save(values, number=number)
    return _render_form(record_values(services.batch_record(batch)), {}, number=number)


@bp.post("/delegations/<int:number>/publish")
def publish_batch(number: int) -> Response:
    """Put a draft batch in force (every item on it must be published)."""
    _require(Role.ADMIN)
    db = db_session()
    try:
        batch = services.publish_batch(db, require_login(), number, clock=current_tier().clock)
    except NotFound:
        db.rollback()
        abort(404)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        flash(f"已发布第 {number} 批，自 {batch.term_from} 起生效，已写入下发各节点的主数据", "ok")
    return redirect(url_for("delegationpages.batch_list"))


@bp.route("/delegations/<int:number>/withdraw", methods=["GET", "POST"])
def withdraw_batch(number: int) -> ResponseReturnValue:
    """Withdraw a batch from a date; cases accepted before it finish where accepted."""
    _require(Role.ADMIN)
    record = services.batch_record(_batch_or_404(number))
    values = {"effective_on": current_tier().clock.today().isoformat(), "reason": ""}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in values}
        db = db_session()
        try:
            data = services.parse_withdrawal(values)
            services.withdraw_batch(db, require_login(), number, clock=current_tier().clock, **data)
        except DomainError as err:
            db.rollback()
            errors, status = errors_by_field(err, []), err.status
        else:
            db.commit()
            flash(f"已收回第 {number} 批，自 {data['effective_on']} 起各镇不再办理", "ok")
            return redirect(url_for("delegationpages.batch_list"))
    page = render_template(
        "delegation/batch_withdraw.html", batch=record, values=values, errors=errors
    )
    return page, status
