"""The hub's landing page (the staff pages arrive with issue #4)."""

from __future__ import annotations

from flask import Flask

from shared.web import home


def init_app(app: Flask) -> None:
    home.init_app(app)
