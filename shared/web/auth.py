"""POST /auth/token and the current actor of an API request."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, g

from shared.accounts.models import Role
from shared.accounts.services import Actor, authenticate, issue_token, read_token
from shared.errors import Unauthenticated
from shared.web.app import db_session
from shared.web.smorest import Blueprint, bearer_token

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
    account = authenticate(db_session(), body["username"], body["password"])
    return {
        "token": issue_token(current_app.config["SECRET_KEY"], account),
        "token_type": "Bearer",
        "expires_in": current_app.config["TOKEN_MAX_AGE"],
        "username": account.username,
        "role": account.role,
        "role_label": account.role.label,
    }


def load_actor(*, required: bool) -> Actor | None:
    """Resolve the bearer token of this request once; raise Unauthenticated if required."""
    if "sanji_actor" in g:
        actor: Actor | None = g.sanji_actor
        return actor
    try:
        token = bearer_token()
    except Unauthenticated:
        if required:
            raise
        g.sanji_actor = None
        return None
    actor = read_token(
        db_session(),
        current_app.config["SECRET_KEY"],
        token,
        max_age=current_app.config["TOKEN_MAX_AGE"],
    )
    g.sanji_actor = actor
    return actor


def current_actor() -> Actor:
    """The authenticated actor of this request (raises Unauthenticated if none)."""
    actor = load_actor(required=True)
    assert actor is not None
    return actor
