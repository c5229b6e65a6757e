"""GET/POST /accounts, PATCH /accounts/{username}, unlock and log-out-everywhere (county admin)."""

from __future__ import annotations

from typing import Any

from county_hub.accounts import services
from county_hub.accounts.schemas import (
    AccountCreateSchema,
    AccountQueryArgsSchema,
    AccountSchema,
    AccountUpdateSchema,
)
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("accounts", __name__, description="工作人员账号")


@blp.route("")
@blp.auth_required
@blp.arguments(AccountQueryArgsSchema, location="query")
@blp.response(200, AccountSchema(many=True))
def list_accounts(args: dict[str, Any]) -> Any:
    """List staff accounts"""
    return services.list_accounts(db_session(), current_actor(), **args)


@blp.route("", methods=["POST"])
@blp.auth_required
@blp.arguments(AccountCreateSchema)
@blp.response(201, AccountSchema)
@blp.alt_response(409, description="用户名已存在")
def create_account(data: dict[str, Any]) -> Any:
    """Create a staff account"""
    session = db_session()
    tier = current_tier()
    account = services.create_account(
        session, current_actor(), data, county=tier.county, clock=tier.clock
    )
    session.commit()
    return account


@blp.route("/<string:username>", methods=["PATCH"])
@blp.auth_required
@blp.arguments(AccountUpdateSchema)
@blp.response(200, AccountSchema)
def update_account(data: dict[str, Any], username: str) -> Any:
    """Change a staff account's name, password or active flag"""
    session = db_session()
    account = services.update_account(
        session, current_actor(), username, data, clock=current_tier().clock
    )
    session.commit()
    return account


@blp.route("/<string:username>/unlock", methods=["POST"])
@blp.auth_required
@blp.response(200, AccountSchema)
def unlock_account(username: str) -> Any:
    """Lift an account's login lockout at the hub"""
    session = db_session()
    account = services.unlock_account(session, current_actor(), username)
    session.commit()
    return account


@blp.route("/<string:username>/logout-all", methods=["POST"])
@blp.auth_required
@blp.response(200, AccountSchema)
def logout_all(username: str) -> Any:
    """End every token and page session of an account, on every tier"""
    session = db_session()
    account = services.log_out_everywhere(
        session, current_actor(), username, clock=current_tier().clock
    )
    session.commit()
    return account
