"""What a town node and a village portal both serve: catalog replica, cases, sync, home.

The two tiers differ in who they serve (a town relays for its villages and enrolls
them), not in their pages or API, so both apps register the same blueprints here.
"""

from __future__ import annotations

from flask import Flask

from shared.web.smorest import Api


def register_node(app: Flask, api: Api) -> None:
    from shared.casework.api import blp as cases
    from shared.certwork.api import blp as certificates
    from shared.certwork.forward import forward_lookup, relay_lookup
    from shared.replica.api import blp as catalog
    from shared.replica.view import ReplicaCatalog
    from shared.sync.web import blp as sync
    from shared.web import home
    from shared.web.ratingpages import relay_complaint

    app.extensions["sanji.catalog"] = ReplicaCatalog
    app.extensions["sanji.cert_lookup"] = forward_lookup
    app.extensions["sanji.cert_lookup_peer"] = relay_lookup
    app.extensions["sanji.complaint_peer"] = relay_complaint
    api.register_blueprint(catalog, url_prefix="/api/v1/catalog")
    api.register_blueprint(cases, url_prefix="/api/v1/cases")
    api.register_blueprint(certificates, url_prefix="/api/v1/certificates")
    api.register_blueprint(sync, url_prefix="/api/v1/sync")
    home.init_app(app)
