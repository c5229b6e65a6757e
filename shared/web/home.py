"""The landing page of a tier: what this node is and where its API lives."""

from __future__ import annotations

from flask import Flask, render_template

from shared import refdata


def init_app(app: Flask) -> None:
    @app.get("/")
    def home() -> str:
        tier = app.extensions["sanji"]
        return render_template(
            "sanji/home.html", node_name=refdata.place_name(tier.node_code), tier=tier
        )
