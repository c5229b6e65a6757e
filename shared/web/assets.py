"""Static files and templates shared by every tier, served by the app itself."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "sanji_shared",
    __name__,
    static_folder="static",
    static_url_path="/_sanji/static",
    template_folder="templates",
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
