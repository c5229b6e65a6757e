"""镇(街道)便民服务中心 (town tier): accepts cases and keeps working offline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import town_node.models  # noqa: F401  (registers the tables)
from shared.web.app import build_app
from shared.web.smorest import Api
from town_node.config import PREFIX, SETTINGS


def _register(app: Flask, api: Api) -> None:
    from shared.casework.api import blp as cases
    from shared.replica.api import blp as catalog
    from shared.replica.view import ReplicaCatalog
    from shared.sync.web import blp as sync
    from shared.web import home

    app.extensions["sanji.catalog"] = ReplicaCatalog
    api.register_blueprint(catalog, url_prefix="/api/v1/catalog")
    api.register_blueprint(cases, url_prefix="/api/v1/cases")
    api.register_blueprint(sync, url_prefix="/api/v1/sync")
    home.init_app(app)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The town tier's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="town",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        register=_register,
    )
