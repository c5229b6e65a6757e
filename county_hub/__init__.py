"""County hub (县级枢纽): master catalog, delegation lists, accounts, the county's registry.

The hub does the common case work too (``shared.web.common``: cases, certificates, sync
status) with its own hooks: its catalog tables, its certificate registry answering
look-ups, reacting to case changes (``county_hub/cases/hooks.py``: result certificates,
ratings), and registering complaints. It serves its towns the sync protocol's peer
endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

import county_hub.models  # noqa: F401  (registers the tables)
from county_hub import pages
from county_hub.accounts import pages as account_pages
from county_hub.accounts import services as account_services
from county_hub.accounts.api import blp as accounts
from county_hub.appointments import pages as appointment_pages
from county_hub.appointments.api import appointments_blp, inspections_blp
from county_hub.calendar.api import blp as calendar_admin
from county_hub.cases.hooks import after_case_change
from county_hub.cases.view import HubCatalog
from county_hub.catalog.api import blp as catalog
from county_hub.certs import figures as cert_figures
from county_hub.certs.api import blp as registry
from county_hub.certs.lookup import hub_lookup, peer_lookup
from county_hub.config import PREFIX, SETTINGS, identity
from county_hub.delegation.api import blp as delegation
from county_hub.exchange import pages as exchange_pages
from county_hub.exchange.api import blp as exchange
from county_hub.org.api import departments_blp, regions_blp
from county_hub.packages import pages as package_pages
from county_hub.packages.api import blp as packages
from county_hub.ratings import figures as rating_figures
from county_hub.ratings import pages as supervision_pages
from county_hub.ratings.api import complaints_blp, rectifications_blp
from county_hub.ratings.relay import file_complaint_for_node
from county_hub.supervision.api import blp as supervision
from county_hub.supervision.api import reports
from shared.cases import CaseState
from shared.clock import Clock
from shared.sync.api import peers_blp
from shared.web import audit
from shared.web.app import build_app
from shared.web.common import TierHooks, register_case_work
from shared.web.smorest import Api


def hub_hooks(app: Flask) -> TierHooks:
    """The hub's catalog, registry and reactions to case changes, for the common case work."""

    def after_change(session: Session, state: CaseState, *, clock: Clock, county: str) -> Any:
        return after_case_change(
            session,
            state,
            clock=clock,
            county=county,
            rectify_working_days=int(app.config["RECTIFY_WORKING_DAYS"]),
        )

    return TierHooks(
        catalog=HubCatalog,
        cert_lookup=hub_lookup,
        cert_lookup_peer=peer_lookup,
        complaint_peer=file_complaint_for_node,
        after_case_change=after_change,
    )


#: Blueprints whose successful writes are audited once per request (shared.web.audit).
HUB_CHANGES = {
    "catalog": "catalog.change",
    "catalogedit": "catalog.change",
    "delegations": "delegation.change",
    "delegationpages": "delegation.change",
    "accounts": "account.change",
    "calendar_admin": "admin.change",
    "regions": "admin.change",
    "departments": "admin.change",
    "packages": "admin.change",
    "hubpackages": "admin.change",
    "certificate_registry": "cert.change",
}


def register(app: Flask, api: Api) -> None:
    """Domains in a fixed order (the order of the OpenAPI document)."""
    api.register_blueprint(catalog, url_prefix="/api/v1/catalog")
    api.register_blueprint(delegation, url_prefix="/api/v1/delegations")
    api.register_blueprint(regions_blp, url_prefix="/api/v1/regions")
    api.register_blueprint(departments_blp, url_prefix="/api/v1/departments")
    api.register_blueprint(calendar_admin, url_prefix="/api/v1/calendar")
    api.register_blueprint(accounts, url_prefix="/api/v1/accounts")
    # POST /auth/logout-all (shared) raises the fed session version here, the master.
    app.extensions["sanji.logout_everywhere"] = lambda session, actor: (
        account_services.log_out_everywhere(
            session, actor, actor.username, clock=app.extensions["sanji"].clock
        )
    )
    api.register_blueprint(supervision, url_prefix="/api/v1/supervision")
    api.register_blueprint(reports, url_prefix="/api/v1/reports")
    cert_figures.register()
    rating_figures.register()
    register_case_work(app, api, hub_hooks(app))
    api.register_blueprint(registry, url_prefix="/api/v1/certificates")
    api.register_blueprint(peers_blp, url_prefix="/api/v1/sync")
    api.register_blueprint(rectifications_blp, url_prefix="/api/v1/supervision/rectifications")
    api.register_blueprint(complaints_blp, url_prefix="/api/v1/complaints")
    api.register_blueprint(packages, url_prefix="/api/v1/packages")
    api.register_blueprint(appointments_blp, url_prefix="/api/v1/appointments")
    api.register_blueprint(inspections_blp, url_prefix="/api/v1/inspections")
    api.register_blueprint(exchange, url_prefix="/api/v1/exchange")
    audit.init_app(app, HUB_CHANGES)
    pages.init_app(app)
    supervision_pages.init_app(app)
    package_pages.init_app(app)
    appointment_pages.init_app(app)
    account_pages.init_app(app)
    exchange_pages.init_app(app)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The county hub's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="hub",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        identity=identity,
        register=register,
    )
