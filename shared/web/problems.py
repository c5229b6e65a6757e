"""One place that turns errors into RFC 9457 problem+json (under /api) or Chinese pages.

Every error response carries an ``instance`` id (``urn:uuid:...``) that is also logged,
so a clerk can read it out over the phone and support can find the log line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from shared.errors import DomainError, InvalidParam, flatten_messages
from shared.log import get_logger

log = get_logger(__name__)

PROBLEM_TYPE_PREFIX = "urn:sanji:problem:"
PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Chinese titles for HTTP errors that do not come from a DomainError.
HTTP_TITLES: dict[int, str] = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权操作",
    404: "未找到",
    405: "不支持该请求方法",
    409: "与当前状态冲突",
    413: "请求内容过大",
    415: "不支持的内容类型",
    422: "输入内容有误",
    423: "账号已锁定",
    429: "请求过于频繁",
    500: "服务器内部错误",
}

_SLUGS: dict[int, str] = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    423: "account-locked",
    429: "too-many-requests",
    500: "internal-error",
}


def wants_problem_json() -> bool:
    """API paths (and clients that ask for JSON) get problem+json; people get a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def problem_response(
    status: int,
    title: str,
    detail: str,
    slug: str,
    invalid_params: list[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """Build the error response in the form the caller wants."""
    instance = f"urn:uuid:{uuid.uuid4()}"
    level = log.error if status >= 500 else log.info
    level(
        "request_failed",
        status=status,
        problem=slug,
        instance=instance,
        method=request.method,
        path=request.path,
        detail=detail,
    )
    if wants_problem_json():
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": instance,
        }
        body.update(extensions or {})
        if invalid_params:
            body["invalid_params"] = [{"name": p.name, "reason": p.reason} for p in invalid_params]
        from flask import json

        response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    else:
        html = render_template(
            "sanji/error.html",
            status=status,
            title=title,
            detail=detail,
            instance=instance,
            invalid_params=invalid_params or [],
        )
        response = Response(html, status=status, mimetype="text/html")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if status == 401 and wants_problem_json():
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="sanji"')
    return response


def handle_domain_error(error: DomainError) -> Response:
    """Map a service's DomainError to its HTTP form."""
    extensions = error.extensions()
    retry = extensions.get("retry_after")
    return problem_response(
        error.status,
        error.title,
        error.detail or error.title,
        error.slug,
        error.invalid_params,
        headers={"Retry-After": str(retry)} if retry else None,
        extensions=extensions,
    )


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug/webargs HTTP errors, including 422 validation errors from schemas."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    params = flatten_messages(data.get("messages") or data.get("errors") or {})
    title = HTTP_TITLES.get(status, error.name)
    if status == 422:
        detail = "；".join(f"{p.name}: {p.reason}" for p in params) or "请求参数不符合要求"
    elif status >= 500:
        detail = "服务器处理请求时出错，请稍后重试；如仍有问题请把错误编号告诉运维人员。"
    else:
        detail = str(data.get("message") or _chinese_detail(status, error))
    return problem_response(
        status, title, detail, _SLUGS.get(status, "http-error"), params, data.get("headers")
    )


def _chinese_detail(status: int, error: HTTPException) -> str:
    if status == 404:
        return f"路径 {request.path} 不存在"
    if status == 405:
        return f"{request.path} 不支持 {request.method} 请求"
    if status == 413:
        return "请求体超过允许的大小"
    return error.description or HTTP_TITLES.get(status, error.name)


def handle_unexpected(error: Exception) -> Response:
    """Anything else is a bug: log it with its trace, answer 500 without internals."""
    log.exception("unhandled_error", error=type(error).__name__)
    return problem_response(
        500,
        HTTP_TITLES[500],
        "服务器处理请求时出错，请稍后重试；如仍有问题请把错误编号告诉运维人员。",
        "internal-error",
    )


def init_app(app: Flask) -> None:
    """Register the handlers; called after flask-smorest so ours win."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    if not app.testing or not app.config.get("PROPAGATE_UNEXPECTED", False):
        app.register_error_handler(Exception, handle_unexpected)
