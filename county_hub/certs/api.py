"""The hub's certificate registry API: a certificate, revoke, rotate keys, who used mine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from county_hub.certs import services
from county_hub.certs.models import CertificateRow, CertStatus
from county_hub.certs.schemas import (
    IssuerKeySchema,
    RatesArgsSchema,
    RevokeSchema,
    RotateSchema,
    UsageAlertSchema,
    UsageSchema,
    WaiverRateSchema,
)
from shared.accounts.models import Role
from shared.accounts.services import require_role
from shared.certs import holder_ref
from shared.certwork.models import CertUsageRow, UsageAlert
from shared.certwork.schemas import CertificateRecordSchema, UsageArgsSchema
from shared.certwork.services import holder_key
from shared.errors import NotFound
from shared.ids.masking import mask_id_number
from shared.web.audit import audit
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint(
    "certificate_registry", __name__, description="县级证照库：状态变更、密钥轮换、用证记录"
)


@blp.route("/registry/<string:identifier>")
@blp.auth_required
@blp.response(200, CertificateRecordSchema)
def get_certificate(identifier: str) -> dict[str, Any]:
    """One certificate of the registry with its status (holder code masked)"""
    actor = current_actor()
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.DEPT_REVIEWER, action="查看证照库")
    cert = db_session().get(CertificateRow, identifier)
    if cert is None:
        raise NotFound(detail=f"证照 {identifier} 不存在")
    data = services.record(cert)
    data["holder_code"] = mask_id_number(cert.holder_code)
    # The signed QR payload encodes the full holder code: the registry view leaves it out
    # (the holder's own copy and purpose-bound look-ups carry it).
    data.pop("payload", None)
    audit("cert.view", identifier, commit=True)
    return data


@blp.route("/registry/<string:identifier>/revoke", methods=["POST"])
@blp.auth_required
@blp.arguments(RevokeSchema)
@blp.response(200, CertificateRecordSchema)
@blp.alt_response(409, description="证照已吊销或已换发")
def revoke(data: dict[str, Any], identifier: str) -> dict[str, Any]:
    """Revoke a certificate from today; a new signed status list goes to every node"""
    session = db_session()
    cert = services.change_status(
        session,
        current_actor(),
        identifier,
        status=CertStatus.REVOKED,
        reason=data["reason"],
        clock=current_tier().clock,
    )
    session.commit()
    record = services.record(cert)
    record["holder_code"] = mask_id_number(cert.holder_code)
    return record


@blp.route("/keys/rotate", methods=["POST"])
@blp.auth_required
@blp.arguments(RotateSchema)
@blp.response(201, IssuerKeySchema)
def rotate(data: dict[str, Any]) -> dict[str, Any]:
    """Retire a department's signing key from today and start a new one"""
    session = db_session()
    row = services.rotate_key(
        session,
        current_actor(),
        data["department"],
        usage=data["usage"],
        clock=current_tier().clock,
    )
    session.commit()
    return {"kid": row.kid, "department": row.department_code, "active_from": str(row.active_from)}


@blp.route("/usage", methods=["POST"])
@blp.auth_required
# A POST body, never a query string: the holder's ID number must not reach access logs.
@blp.arguments(UsageArgsSchema)
@blp.response(200, UsageSchema)
def usage(args: dict[str, Any]) -> dict[str, Any]:
    """Who used a holder's certificates: every look-up and verification, from every node"""
    actor = current_actor()
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, action="查询用证记录")
    session = db_session()
    holder = str(args["holder"]).upper()
    ref = holder_ref(args["holder_type"], holder, key=holder_key(current_tier().county))
    mine = select(CertificateRow.identifier).where(CertificateRow.holder_code == holder)
    rows = session.scalars(
        select(CertUsageRow)
        .where((CertUsageRow.holder_ref == ref) | CertUsageRow.certificate.in_(mine))
        .order_by(CertUsageRow.at.desc())
        .limit(500)
    ).all()
    return {
        "holder": mask_id_number(holder),
        "items": [
            {
                "at": r.at.isoformat(),
                "node": r.node,
                "actor": r.actor,
                "action": r.action,
                "case_no": r.case_no,
                "purpose": r.purpose,
                "certificate": r.certificate,
            }
            for r in rows
        ],
    }


@blp.route("/usage/alerts")
@blp.auth_required
@blp.response(200, UsageAlertSchema(many=True))
def usage_alerts() -> list[dict[str, Any]]:
    """Usage logs that failed the chain check (gap, rewrite, fork), per node"""
    require_role(current_actor(), Role.ADMIN, Role.SUPERVISOR, action="查看用证日志告警")
    rows = db_session().scalars(
        select(UsageAlert).where(UsageAlert.resolved.is_(False)).order_by(UsageAlert.id)
    )
    return [
        {
            "node": a.node,
            "seq": a.seq,
            "problem": a.problem,
            "reason": a.reason,
            "at": a.at.isoformat(),
        }
        for a in rows
    ]


@blp.route("/waiver-rates")
@blp.auth_required
@blp.arguments(RatesArgsSchema, location="query")
@blp.response(200, WaiverRateSchema(many=True))
def waiver_rates(args: dict[str, Any]) -> list[dict[str, Any]]:
    """免提交率: materials waived by a shared certificate ÷ materials required"""
    from county_hub.certs.figures import waiver_rates as rates

    require_role(
        current_actor(), Role.ADMIN, Role.SUPERVISOR, Role.DEPT_REVIEWER, action="查看免提交率"
    )
    return rates(db_session(), by=args["by"], month=args["month"])
