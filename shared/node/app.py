"""The node application that town nodes and village portals both run.

Intake and handling (``shared.casework``), certificate work (``shared.certwork``), the
replica of master data (``shared.node.replica``), the sync status page and the node's
home page. What only a town does — serving its villages' sync and relaying their
look-ups and complaints to the county — is ``town_node.relay``.
"""

from __future__ import annotations

from flask import Flask

import shared.node.models  # noqa: F401  (registers the node schema's tables)
from shared.certwork.forward import forward_lookup
from shared.node.replica.api import blp as catalog_api
from shared.node.replica.catalog import ReplicaCatalog
from shared.web import home
from shared.web.common import TierHooks, register_case_work
from shared.web.smorest import Api


def register_node(app: Flask, api: Api, hooks: TierHooks | None = None) -> None:
    """Register what every node serves; ``hooks`` lets a town add its relay handlers."""
    api.register_blueprint(catalog_api, url_prefix="/api/v1/catalog")
    register_case_work(
        app, api, hooks or TierHooks(catalog=ReplicaCatalog, cert_lookup=forward_lookup)
    )
    home.init_app(app)
