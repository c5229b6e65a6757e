"""The /audit page on every tier: filters (actor, action, date range, node), paginated."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from shared.audit import services
from shared.audit.entry import ACTION_LABELS
from shared.audit.schemas import AuditQueryArgsSchema
from shared.errors import InvalidInput
from shared.web.audit import audit
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("auditpages", __name__, template_folder="templates")

PER_PAGE = 50
_FILTERS = ("actor", "action", "since", "until", "node", "page")


@bp.get("/audit")
def audit_list() -> tuple[str, int]:
    """The audit log for its readers (others get the 403 page)."""
    actor = require_login()
    services.require_reader(actor, current_tier())
    raw = {k: v for k, v in request.args.items() if v != "" and k in _FILTERS}
    error = ""
    try:
        args = services.search_args({**AuditQueryArgsSchema().load(raw), "per_page": PER_PAGE})
    except (ValidationError, InvalidInput) as err:
        error = err.detail if isinstance(err, InvalidInput) else "筛选条件有误"
        args = services.search_args({**AuditQueryArgsSchema().load({}), "per_page": PER_PAGE})
    listing = services.search(db_session(), **args)
    audit("audit.read", raw.get("node", ""), detail=f"页面查询第 {listing['page']} 页", commit=True)
    return render_template(
        "audit/list.html",
        listing=listing,
        values=raw,
        error=error,
        actions=sorted(ACTION_LABELS.items()),
        pages=max(1, -(-listing["total"] // PER_PAGE)),
    ), 422 if error else 200
