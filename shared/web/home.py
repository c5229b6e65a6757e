"""The landing page of a tier: what this node is and where its API lives."""

from __future__ import annotations

from flask import Flask, render_template

from shared.web.context import unit_names


def init_app(app: Flask) -> None:
    @app.get("/")
    def home() -> str:
        tier = app.extensions["sanji"]
        # The name comes with the master data (regions), so it is "" until the first sync.
        name = unit_names().get(tier.node_code, "")
        return render_template("sanji/home.html", node_name=name, tier=tier)
