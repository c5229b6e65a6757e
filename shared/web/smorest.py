"""Project subclasses of flask-smorest's Api and Blueprint (one place, BEMServer style)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
import marshmallow as ma
from flask import Response
from werkzeug.exceptions import HTTPException

from shared.web.context import load_actor
from shared.web.problems import handle_http_exception

F = TypeVar("F", bound=Callable[..., Any])


class InvalidParamSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "字段名（点分路径，如 applicant.id_number）"})
    reason = ma.fields.String(metadata={"description": "原因"})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only)."""

    type = ma.fields.String(metadata={"description": "问题类型 URI"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String(metadata={"description": "本次错误编号，也写入日志"})
    invalid_params = ma.fields.List(ma.fields.Nested(InvalidParamSchema))


class Api(flask_smorest.Api):  # type: ignore[misc]  # smorest ships no type hints
    """smorest's Api whose HTTP errors are problem+json (shared.web.problems)."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """smorest's Blueprint with a bearer-auth decorator that also documents itself."""

    def auth_required(self, func: F) -> F:
        """Require a valid bearer token; the actor is then available via current_actor()."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            load_actor(required=True)
            return func(*args, **kwargs)

        documented = self.doc(security=[{"bearerAuth": []}])(wrapper)
        return self.alt_response(401, description="未登录或令牌无效")(documented)  # type: ignore[no-any-return]
