"""Hub pages of the provincial exchange: records out with the province's verdicts, and the
item changes from the provincial library waiting for a county admin's confirmation."""

from __future__ import annotations

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

from county_hub.exchange import catalog_in, services
from county_hub.exchange.mapping import tables
from county_hub.exchange.models import ChangeStatus, RowStatus
from shared.accounts.models import Role
from shared.cases import EventType
from shared.errors import DomainError
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("hubexchange", __name__, template_folder="templates")

#: What the records' event types and tables are called on the page.
EVENT_LABELS = {
    **{t.value: t.label for t in EventType},
    "rectification_closed": "差评整改办结",
    "rectification_appeal_upheld": "差评申诉成立",
}
TABLE_LABELS = {name: str(table.comment or "") for name, table in tables().items()}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _url() -> str:
    return str(current_app.config.get("EXCHANGE_DATABASE_URL") or "")


def _overseer() -> None:
    if require_login().role not in (Role.ADMIN, Role.SUPERVISOR):
        abort(403)


@bp.get("/exchange")
def exchange() -> str:
    """Records by status (pending / sent / taken / refused with the reason), newest first."""
    _overseer()
    actor = require_login()
    db = db_session()
    wanted = request.args.get("status") or None
    status = RowStatus(wanted) if wanted in {s.value for s in RowStatus} else None
    target = request.args.get("target") or None
    if target not in tables():
        target = None
    case_no = (request.args.get("case_no") or "").strip()[:40] or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    listing = services.list_rows(
        db, actor, status=status, target=target, case_no=case_no, page=page, per_page=50
    )
    return render_template(
        "exchange/exchange.html",
        overview=services.status(db, clock=current_tier().clock, enabled=bool(_url())),
        listing=listing,
        statuses=list(RowStatus),
        status=status,
        targets=sorted(n for n in tables() if n.startswith("up_pro") or n.startswith("up_eval")),
        target=target,
        case_no=case_no or "",
        event_labels=EVENT_LABELS,
        table_labels=TABLE_LABELS,
    )


@bp.post("/exchange/rows/<int(max=2147483647):row_id>/resend")
def resend(row_id: int) -> Response:
    actor = require_login()
    db = db_session()
    try:
        row = services.resend(db, actor, row_id)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        flash(
            f"已重新排队报送办件 {row.case_no} 的 {row.target} 记录，将覆盖原记录，不会重复", "ok"
        )
    return redirect(request.referrer or url_for("hubexchange.exchange"))


@bp.get("/exchange/catalog")
def catalog() -> str:
    """Changes waiting for confirmation (with their diffs) and the review list."""
    _overseer()
    actor = require_login()
    db = db_session()
    return render_template(
        "exchange/exchange_catalog.html",
        pending=catalog_in.list_changes(db, actor, status=ChangeStatus.PENDING),
        refused=catalog_in.list_changes(db, actor, status=ChangeStatus.REFUSED),
        recent=[
            c
            for c in catalog_in.list_changes(db, actor, limit=50)
            if c.status not in (ChangeStatus.PENDING, ChangeStatus.REFUSED)
        ],
        enabled=bool(_url()),
    )


@bp.post("/exchange/catalog/pull")
def pull() -> Response:
    actor = require_login()
    db = db_session()
    clock = current_tier().clock
    try:
        engine = services.exchange_engine(_url())
        report = catalog_in.pull(
            db,
            actor,
            catalog_in.read_exchange(engine),
            source=catalog_in.FROM_EXCHANGE,
            clock=clock,
        )
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        catalog_in.tell_province(_url(), report.verdicts, clock=clock)
        flash(
            f"已拉取 {report.read} 个版本：生成草稿 {report.drafted}，待暂停 {report.suspended}，"
            f"无变化 {report.unchanged}，未导入待核查 {report.refused}。确认后才会发布。",
            "ok",
        )
    return redirect(url_for("hubexchange.catalog"))


@bp.post("/exchange/catalog/<int(max=2147483647):change_id>/confirm")
def confirm(change_id: int) -> Response:
    actor = require_login()
    db = db_session()
    clock = current_tier().clock
    try:
        change = catalog_in.confirm_change(db, actor, change_id, clock=clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        catalog_in.tell_province(_url(), catalog_in.verdicts_of([change]), clock=clock)
        flash(f"已确认「{change.task_name}」，变更已写入下发给各节点的主数据", "ok")
    return redirect(url_for("hubexchange.catalog"))


@bp.post("/exchange/catalog/confirm-all")
def confirm_all() -> Response:
    actor = require_login()
    db = db_session()
    clock = current_tier().clock
    try:
        done = catalog_in.confirm_all(db, actor, clock=clock)
    except DomainError as err:
        db.rollback()
        flash(err.detail, "error")
    else:
        db.commit()
        catalog_in.tell_province(_url(), catalog_in.verdicts_of(done), clock=clock)
        flash(f"已确认 {len(done)} 项变更，已写入下发给各节点的主数据", "ok")
    return redirect(url_for("hubexchange.catalog"))
