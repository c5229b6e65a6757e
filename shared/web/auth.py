"""POST /auth/token (a username and password for a bearer token) and POST /auth/logout-all."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from shared.accounts.models import Account, Role
from shared.accounts.services import end_sessions, issue_token
from shared.web.audit import audited_login
from shared.web.context import current_actor, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("auth", __name__, description="登录与令牌")


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True)
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)
    role_label = ma.fields.String()


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="用户名或密码错误")
@blp.alt_response(
    423, description="密码连续输错，账号已锁定（detail 与 locked_until 给出解锁时间）"
)
@blp.alt_response(429, description="同一地址登录尝试过于频繁（Retry-After）")
def token(body: dict[str, str]) -> dict[str, object]:
    """Exchange a username and password for a bearer token"""
    account = audited_login(body["username"], body["password"])
    return {
        "token": issue_token(current_app.config["SECRET_KEY"], account),
        "token_type": "Bearer",
        "expires_in": current_app.config["TOKEN_MAX_AGE"],
        "username": account.username,
        "role": account.role,
        "role_label": account.role.label,
    }


@blp.route("/logout-all", methods=["POST"])
@blp.auth_required
@blp.response(204)
def logout_all() -> None:
    """End every token and page session of the caller's own account"""
    session = db_session()
    actor = current_actor()
    everywhere = current_app.extensions.get("sanji.logout_everywhere")
    if everywhere is not None:
        # The hub, master of accounts: the fed version rises, nodes follow after a sync.
        everywhere(session, actor)
    else:
        # A node: only its own epoch (a version raised here would be overwritten by the
        # feed), so the caller's sessions end on this tier.
        account = session.get(Account, actor.username)
        assert account is not None  # current_actor has just read it
        end_sessions(account, everywhere=False)
    session.commit()
