"""Provincial exchange API: status and records out, re-send, catalog changes in and confirm."""

from __future__ import annotations

from typing import Any

from flask import current_app

from county_hub.exchange import catalog_in, services
from county_hub.exchange.schemas import (
    ChangeQueryArgsSchema,
    ChangeSchema,
    ConfirmedSchema,
    PullReportSchema,
    RowListSchema,
    RowQueryArgsSchema,
    RowSchema,
    StatusSchema,
)
from shared.accounts.models import Role
from shared.accounts.services import require_role
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("exchange", __name__, description="省级政务服务平台数据交换（前置交换库）")


def _url() -> str:
    return str(current_app.config.get("EXCHANGE_DATABASE_URL") or "")


@blp.route("/status")
@blp.auth_required
@blp.response(200, StatusSchema)
def status() -> dict[str, Any]:
    """The exchange at a glance: records by status, lag behind the hub, the job's last run"""
    require_role(current_actor(), Role.ADMIN, Role.SUPERVISOR, action="查看省级交换状态")
    return services.status(db_session(), clock=current_tier().clock, enabled=bool(_url()))


@blp.route("/rows")
@blp.auth_required
@blp.arguments(RowQueryArgsSchema, location="query")
@blp.response(200, RowListSchema)
def rows(args: dict[str, Any]) -> dict[str, Any]:
    """Records written (or to write) to the exchange tables, newest first"""
    page = services.list_rows(db_session(), current_actor(), **args)
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page}


@blp.route("/rows/<int(max=2147483647):row_id>/resend", methods=["POST"])
@blp.auth_required
@blp.response(200, RowSchema)
@blp.alt_response(409, description="只有省级拒收的记录可以重新报送")
def resend(row_id: int) -> Any:
    """Queue a refused record again; it is written over the same exchange row"""
    session = db_session()
    row = services.resend(session, current_actor(), row_id)
    session.commit()
    return row


@blp.route("/catalog/pull", methods=["POST"])
@blp.auth_required
@blp.response(200, PullReportSchema)
@blp.alt_response(409, description="未启用省级交换")
@blp.alt_response(503, description="前置交换库暂时无法连接")
def pull() -> Any:
    """Read new and changed items from the exchange database into drafts (nothing published)"""
    session, clock = db_session(), current_tier().clock
    actor = current_actor()
    require_role(actor, Role.ADMIN, action="拉取省级事项库")
    engine = services.exchange_engine(_url())
    report = catalog_in.pull(
        session,
        actor,
        catalog_in.read_exchange(engine),
        source=catalog_in.FROM_EXCHANGE,
        clock=clock,
    )
    session.commit()
    catalog_in.answer_province(engine, report.verdicts, clock=clock)
    return report


@blp.route("/catalog/changes")
@blp.auth_required
@blp.arguments(ChangeQueryArgsSchema, location="query")
@blp.response(200, ChangeSchema(many=True))
def changes(args: dict[str, Any]) -> Any:
    """Item versions read from the provincial library, with their diff or refusal reasons"""
    return catalog_in.list_changes(db_session(), current_actor(), status=args["status"])


def _answer(changes: list[Any]) -> None:
    catalog_in.tell_province(_url(), catalog_in.verdicts_of(changes), clock=current_tier().clock)


@blp.route("/catalog/changes/<int(max=2147483647):change_id>/confirm", methods=["POST"])
@blp.auth_required
@blp.response(200, ChangeSchema)
@blp.alt_response(409, description="不是待确认的变更，或草稿已被修改")
def confirm(change_id: int) -> Any:
    """Publish the change's draft (or suspend the item): it then reaches every node"""
    session = db_session()
    change = catalog_in.confirm_change(
        session, current_actor(), change_id, clock=current_tier().clock
    )
    session.commit()
    _answer([change])
    return change


@blp.route("/catalog/confirm", methods=["POST"])
@blp.auth_required
@blp.response(200, ConfirmedSchema)
def confirm_all() -> dict[str, Any]:
    """Confirm every pending change"""
    session = db_session()
    done = catalog_in.confirm_all(session, current_actor(), clock=current_tier().clock)
    session.commit()
    _answer(done)
    return {"confirmed": len(done), "changes": done}
