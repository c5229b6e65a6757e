"""镇(街道)便民服务中心 (town tier): accepts cases and keeps working offline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import town_node.models  # noqa: F401  (registers the tables)
from shared.web.app import build_app
from shared.web.node import register_node
from town_node.config import PREFIX, SETTINGS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The town tier's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="town",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        register=register_node,
    )
