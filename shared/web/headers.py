"""Security headers on every response of every tier (CSP, framing, referrer, sniffing).

The pages load scripts and styles only from the app itself (``/_sanji/static``), so the
policy allows no inline script at all: a clerk's 准予 button cannot be framed
(clickjacking) and an injected ``<script>`` does not run. Swagger UI is served through
our own template (``shared/web/templates/swagger_ui.html``) so it needs no relaxation.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

#: style-src has no 'unsafe-inline': the templates carry no style attributes; ECharts and
#: Swagger UI set styles through the CSSOM (element.style), which CSP does not restrict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # for browsers older than frame-ancestors
    "Referrer-Policy": "same-origin",  # case numbers in URLs stay inside the platform
    "X-Content-Type-Options": "nosniff",
}


def init_app(app: Flask) -> None:
    """Add the headers after every request, errors and static files included."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
