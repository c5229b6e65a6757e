"""Build a tier's Flask app: config, database, API (flask-smorest), errors, auth, docs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.clock import SystemClock
from shared.config import Setting, load_config
from shared.db import make_engine, make_sessionmaker
from shared.log import configure_logging
from shared.sync.crypto import NodeKey
from shared.tier import TIER_LABELS, Identity, Tier
from shared.web import (
    assets,
    auth,
    calendar_api,
    converters,
    headers,
    health,
    metrics,
    pages,
    problems,
)
from shared.web.context import close_session
from shared.web.smorest import Api


def build_app(
    import_name: str,
    *,
    tier: str,
    prefix: str,
    settings: Sequence[Setting],
    config: Mapping[str, Any] | None,
    identity: Identity,
    register: Callable[[Flask, Api], None],
) -> Flask:
    """Create the app for ``tier``: config, database, API, login and error pages.

    ``identity`` names the node and its county from the settings and the database (the
    hub: its COUNTY_CODE; a node: what it stored at join, see ``shared.node.config``).
    ``register`` adds the tier's own blueprints and pages (each tier's ``register``:
    ``county_hub.register``, ``shared.node.app.register_node`` and the town's relay), so
    this module imports no domain blueprint.
    """
    app = Flask(import_name)
    converters.init_app(app)  # before any route: every <int:...> fits an INTEGER column
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    load_config(app, prefix=prefix, tier=tier, settings=settings, overrides=config)
    configure_logging(app.config["LOG_LEVEL"])
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Only behind a proxy we run: otherwise any client could forge X-Forwarded-For
        # and slip past the per-address login limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config.update(_api_settings(tier))

    engine = make_engine(app.config["DATABASE_URL"])
    clock = app.config.get("CLOCK") or SystemClock()
    key = NodeKey.load_or_create(Path(app.config["DATA_DIR"]) / "node_key.pem")
    # The node's key signs what it writes (the hub: master changes; see shared.sync).
    sessions = make_sessionmaker(engine, info={"signer": key, "data_dir": app.config["DATA_DIR"]})
    node_code, county = identity(app.config, sessions)
    app.config["NODE_CODE"] = node_code
    app.extensions["sanji"] = Tier(
        name=tier,
        node_code=node_code,
        county=county,
        engine=engine,
        sessions=sessions,
        key=key,
        clock=clock,
        upstream_ca_bundle=str(app.config.get("UPSTREAM_CA_BUNDLE") or ""),
    )
    app.teardown_appcontext(close_session)

    assets.init_app(app)
    headers.init_app(app)
    metrics.init_app(app)
    api = Api(app)
    api.register_blueprint(auth.blp, url_prefix="/api/v1/auth")
    api.register_blueprint(health.blp, url_prefix="/api/v1")
    api.register_blueprint(calendar_api.blp, url_prefix="/api/v1/calendar")
    pages.init_app(app)
    register(app, api)
    problems.init_app(app)

    @app.context_processor
    def _tier_context() -> dict[str, str]:
        current = app.extensions["sanji"]
        return {
            "sanji_tier_label": current.label,
            "sanji_node": current.node_code,
            "sanji_version": current.version,
        }

    return app


def _api_settings(tier: str) -> dict[str, Any]:
    return {
        "API_TITLE": f"sanji {TIER_LABELS[tier]} API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served by the app itself (shared/web/static/swagger-ui): no CDN on rural links.
        "OPENAPI_SWAGGER_UI_URL": "/_sanji/static/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "略阳县三级政务服务平台。"
                "错误均以 RFC 9457 application/problem+json 返回。"
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    }
