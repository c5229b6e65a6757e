"""The case work every tier serves, registered in one place: cases, certificates, sync, audit.

A tier passes what differs (its catalog, how it answers certificate look-ups and
complaints, what it does after a case changes); the blueprints are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from shared.audit import pages as audit_pages
from shared.audit.api import blp as audit_api
from shared.audit.retention import check_retention
from shared.casework import pages as case_pages
from shared.casework.api import blp as cases_api
from shared.certwork import pages as cert_pages
from shared.certwork.api import blp as certificates_api
from shared.feedback import pages as feedback_pages
from shared.sync import pages as sync_pages
from shared.sync.api import blp as sync_api
from shared.web.smorest import Api


@dataclass(frozen=True)
class TierHooks:
    """What a tier plugs into the common case work (kept in ``app.extensions``)."""

    catalog: Callable[..., Any]  # session -> CatalogView
    cert_lookup: Callable[..., Any]  # (session, actor, args, *, tier) -> results
    cert_lookup_peer: Callable[..., Any] | None = None  # a look-up from the node below
    complaint_peer: Callable[..., Any] | None = None  # a complaint from the node below
    after_case_change: Callable[..., Any] | None = None  # (session, state, *, clock, county)


def register_case_work(app: Flask, api: Api, hooks: TierHooks) -> None:
    """Register the case, certificate and sync-status API and pages with ``hooks``."""
    app.extensions["sanji.catalog"] = hooks.catalog
    app.extensions["sanji.cert_lookup"] = hooks.cert_lookup
    for name in ("cert_lookup_peer", "complaint_peer", "after_case_change"):
        if getattr(hooks, name) is not None:
            app.extensions[f"sanji.{name}"] = getattr(hooks, name)
    api.register_blueprint(cases_api, url_prefix="/api/v1/cases")
    api.register_blueprint(certificates_api, url_prefix="/api/v1/certificates")
    api.register_blueprint(sync_api, url_prefix="/api/v1/sync")
    # Refuse to start with a retention below the legal six months.
    check_retention(app.config["AUDIT_RETENTION_DAYS"])
    api.register_blueprint(audit_api, url_prefix="/api/v1/audit")
    for module in (case_pages, cert_pages, feedback_pages, sync_pages, audit_pages):
        app.register_blueprint(module.bp)
