"""村(社区)便民服务室 (village tier): accepts cases and keeps working offline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import village_portal.models  # noqa: F401  (registers the tables)
from shared.web.app import build_app
from shared.web.node import register_node
from village_portal.config import PREFIX, SETTINGS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The village tier's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="village",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        register=register_node,
    )
