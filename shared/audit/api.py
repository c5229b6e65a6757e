"""GET /audit, GET /audit/verify and POST /audit/who-looked — on every tier.

Readers: see ``shared.audit.services.require_reader``. Reading the log is itself audited
(``audit.read``), so the auditors are audited too.
"""

from __future__ import annotations

from typing import Any

from shared.accounts.models import Role
from shared.accounts.services import require_role
from shared.audit import services
from shared.audit.schemas import (
    AuditPageSchema,
    AuditQueryArgsSchema,
    AuditVerifySchema,
    AuditWhoLookedRequestSchema,
    AuditWhoLookedSchema,
)
from shared.web.audit import audit
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("audit", __name__, description="安全审计日志：查询、完整性核验、个人信息使用记录")


@blp.route("")
@blp.auth_required
@blp.arguments(AuditQueryArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(403, description="本账号不能查阅审计日志")
def list_entries(args: dict[str, Any]) -> dict[str, Any]:
    """Audit entries held here, newest first (every node's at the hub); filters combine"""
    services.require_reader(current_actor(), current_tier())
    result = services.search(db_session(), **services.search_args(args))
    audit("audit.read", args.get("node", ""), detail=f"查询第 {args['page']} 页", commit=True)
    return result


@blp.route("/verify")
@blp.auth_required
@blp.response(200, AuditVerifySchema)
@blp.alt_response(403, description="本账号不能查阅审计日志")
def verify() -> dict[str, Any]:
    """Check every node's hash chain held here (from its last seal to its head)"""
    services.require_reader(current_actor(), current_tier())
    result = services.verify(db_session())
    audit("audit.read", "verify", detail="核验完整性", commit=True)
    return result


@blp.route("/who-looked", methods=["POST"])
@blp.auth_required
@blp.arguments(AuditWhoLookedRequestSchema)
@blp.response(200, AuditWhoLookedSchema)
@blp.alt_response(403, description="仅县级管理员或督查人员可查询")
def who_looked(body: dict[str, str]) -> dict[str, Any]:
    """Who used a person's data: certificate uses and case views, from every node (masked)"""
    require_role(current_actor(), Role.ADMIN, Role.SUPERVISOR, action="查询个人信息使用记录")
    county = current_tier().county
    result = services.who_looked(db_session(), body["holder"], county=county)
    audit("audit.who_looked", result["holder"], commit=True)
    return result
