"""GET /health: is this tier up, which node is it, which version."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import text

from shared.web.context import current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("health", __name__, description="运行状态")


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok 或 degraded"})
    tier = ma.fields.String(metadata={"description": "hub、town 或 village"})
    tier_label = ma.fields.String()
    node = ma.fields.String(metadata={"description": "本节点行政区划代码"})
    version = ma.fields.String()
    database = ma.fields.String()


@blp.route("/health")
@blp.response(200, HealthSchema)
def health() -> dict[str, str]:
    """Report status, tier, node code and version"""
    tier = current_tier()
    try:
        db_session().execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the point of a health check is to say so, not to fail
        database = "unreachable"
    return {
        "status": "ok" if database == "ok" else "degraded",
        "tier": tier.name,
        "tier_label": tier.label,
        "node": tier.node_code,
        "version": tier.version,
        "database": database,
    }
