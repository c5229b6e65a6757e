"""POST /auth/token: a username and password for a bearer token."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from shared.accounts.models import Role
from shared.accounts.services import issue_token
from shared.web.audit import audited_login
from shared.web.context import db_session
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
def token(body: dict[str, str]) -> dict[str, object]:
    """Exchange a username and password for a bearer token"""
    account = audited_login(db_session(), body["username"], body["password"])
    return {
        "token": issue_token(current_app.config["SECRET_KEY"], account),
        "token_type": "Bearer",
        "expires_in": current_app.config["TOKEN_MAX_AGE"],
        "username": account.username,
        "role": account.role,
        "role_label": account.role.label,
    }
