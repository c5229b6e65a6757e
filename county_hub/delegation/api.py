"""Delegation API: batches (list, create, publish, withdraw) and the authority question."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from county_hub.delegation import services
from county_hub.delegation.schemas import (
    AuthorityQueryArgsSchema,
    AuthoritySchema,
    BatchSchema,
    WithdrawSchema,
)
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("delegations", __name__, description="下放与委托批次")


@blp.route("/batches")
@blp.response(200, BatchSchema(many=True))
def list_batches() -> list[dict[str, Any]]:
    """All delegation batches with their towns and items"""
    return [services.batch_record(b) for b in services.list_batches(db_session())]


@blp.route("/batches", methods=["POST"])
@blp.auth_required
@blp.arguments(BatchSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(403, description="不是县级管理员")
@blp.alt_response(409, description="同号批次已发布")
def save_batch(data: dict[str, Any]) -> dict[str, Any]:
    """Create a draft batch (or replace a draft with the same number)"""
    session = db_session()
    batch = services.save_batch(session, current_actor(), data, clock=current_tier().clock)
    session.commit()
    return services.batch_record(batch)


@blp.route("/batches/<int:number>")
@blp.response(200, BatchSchema)
def get_batch(number: int) -> dict[str, Any]:
    """One batch"""
    return services.batch_record(services.get_batch(db_session(), number))


@blp.route("/batches/<int:number>/publish", methods=["POST"])
@blp.auth_required
@blp.response(200, BatchSchema)
def publish_batch(number: int) -> dict[str, Any]:
    """Put a draft batch in force"""
    session = db_session()
    batch = services.publish_batch(session, current_actor(), number, clock=current_tier().clock)
    session.commit()
    return services.batch_record(batch)


@blp.route("/batches/<int:number>/withdraw", methods=["POST"])
@blp.auth_required
@blp.arguments(WithdrawSchema)
@blp.response(200, BatchSchema)
def withdraw_batch(data: dict[str, Any], number: int) -> dict[str, Any]:
    """Withdraw a batch from a date; cases accepted before it finish where accepted"""
    session = db_session()
    batch = services.withdraw_batch(
        session,
        current_actor(),
        number,
        effective_on=data["effective_on"],
        reason=data["reason"],
        clock=current_tier().clock,
    )
    session.commit()
    return services.batch_record(batch)


@blp.route("/authority")
@blp.arguments(AuthorityQueryArgsSchema, location="query")
@blp.response(200, AuthoritySchema)
def authority(args: dict[str, Any]) -> dict[str, Any]:
    """Who handles item I accepted at node N on day D"""
    on = args["on"] or current_tier().clock.today()
    answer = services.authority(db_session(), node=args["node"], item_code=args["item"], on=on)
    return {**asdict(answer), "node": args["node"], "item": args["item"], "on": on}
