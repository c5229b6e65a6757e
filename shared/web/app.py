"""Build a tier's Flask app: config, database, API (flask-smorest), errors, auth, docs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock, SystemClock
from shared.config import Setting, load_config
from shared.db import make_engine, make_sessionmaker
from shared.log import configure_logging
from shared.sync.crypto import NodeKey
from shared.web import problems
from shared.web.smorest import Api

TIER_LABELS = {"hub": "县级枢纽", "town": "镇(街道)便民服务中心", "village": "村(社区)便民服务室"}


def sanji_version() -> str:
    """The installed distribution's version (or 'dev' when run from a bare checkout)."""
    try:
        return version("sanji")
    except PackageNotFoundError:  # pragma: no cover - only outside an install
        return "dev"


@dataclass
class Tier:
    """What a request needs to know about the tier serving it (``app.extensions['sanji']``)."""

    name: str
    node_code: str
    engine: Engine
    sessions: sessionmaker[Session]
    key: NodeKey
    clock: Clock = field(default_factory=SystemClock)
    version: str = field(default_factory=sanji_version)

    @property
    def label(self) -> str:
        return TIER_LABELS[self.name]


def build_app(
    import_name: str,
    *,
    tier: str,
    prefix: str,
    settings: Sequence[Setting],
    config: Mapping[str, Any] | None,
    register: Callable[[Flask, Api], None],
) -> Flask:
    """Create the app for ``tier``; ``register`` adds the tier's own blueprints."""
    app = Flask(import_name)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    load_config(app, prefix=prefix, tier=tier, settings=settings, overrides=config)
    configure_logging(app.config["LOG_LEVEL"])
    app.config.update(_api_settings(tier))

    engine = make_engine(app.config["DATABASE_URL"])
    clock = app.config.get("CLOCK") or SystemClock()
    key = NodeKey.load_or_create(Path(app.config["DATA_DIR"]) / "node_key.pem")
    app.extensions["sanji"] = Tier(
        name=tier,
        node_code=app.config["NODE_CODE"],
        engine=engine,
        # The node's key signs what it writes (the hub: master changes; see shared.sync).
        sessions=make_sessionmaker(
            engine, info={"signer": key, "data_dir": app.config["DATA_DIR"]}
        ),
        key=key,
        clock=clock,
    )
    app.teardown_appcontext(_close_session)

    from shared.web import assets

    assets.init_app(app)
    api = Api(app)
    from shared.web import auth, calendar_api, health

    api.register_blueprint(auth.blp, url_prefix="/api/v1/auth")
    api.register_blueprint(health.blp, url_prefix="/api/v1")
    api.register_blueprint(calendar_api.blp, url_prefix="/api/v1/calendar")
    register(app, api)
    from shared.web import pages

    pages.init_app(app)
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


def current_tier() -> Tier:
    """The tier of the app handling this request."""
    from flask import current_app

    tier: Tier = current_app.extensions["sanji"]
    return tier


def db_session() -> Session:
    """The request's session; the view (the caller) commits, teardown closes it."""
    if "sanji_session" not in g:
        g.sanji_session = current_tier().sessions()
    session: Session = g.sanji_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("sanji_session", None)
    if session is not None:
        session.close()
