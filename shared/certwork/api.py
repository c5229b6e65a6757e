"""/api/v1/certificates on every tier: verify offline, look up by holder for a case.

Verification needs nothing but the master feed (issuer keys and the signed status list),
so it works when the county is unreachable. A look-up by holder asks the hub's registry:
the hub answers its own clerks; a town or village forwards it upstream, signed with its
node key, and says so plainly when the county cannot be reached.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, request

from shared.certwork import services
from shared.certwork.schemas import LookupArgsSchema, LookupSchema, VerdictSchema, VerifySchema
from shared.web.audit import audit, subject_of
from shared.web.context import current_actor, current_tier, db_session
from shared.web.pages import limiter
from shared.web.smorest import Blueprint

blp = Blueprint("certificates", __name__, description="电子证照：离线核验、按办件调用、用证记录")

LOOKUPS_PER_MINUTE = "20 per minute"


def _actor_key() -> str:
    """Rate limits count per account (the bearer token names it), not per address."""
    header = request.headers.get("Authorization", "")
    return "actor:" + hashlib.sha256(header.encode()).hexdigest()[:16]


@blp.route("/verify", methods=["POST"])
@blp.auth_required
@blp.arguments(VerifySchema)
@blp.response(200, VerdictSchema)
@blp.alt_response(409, description="本节点尚无证照状态名单")
def verify(data: dict[str, Any]) -> dict[str, Any]:
    """Verify a certificate's QR payload offline: signature, issuer key, status, validity"""
    session = db_session()
    tier = current_tier()
    verdict = services.verify_payload(
        session,
        current_actor(),
        data["payload"],
        node=tier.node_code,
        clock=tier.clock,
        case_no=data["case_no"],
        purpose=data["purpose"],
        county=tier.county,
        acked=tier.name == "hub",
    )
    audit("cert.verify", data["case_no"] or "", detail=verdict.identifier or "")
    session.commit()
    return services.verdict_record(verdict)


@blp.route("/lookup", methods=["POST"])
@blp.auth_required
@limiter.limit(
    LOOKUPS_PER_MINUTE, key_func=_actor_key, error_message="调用证照过于频繁，请稍后再试"
)
# A POST body, never a query string: the holder's ID number must not reach access logs.
@blp.arguments(LookupArgsSchema)
@blp.response(200, LookupSchema)
@blp.alt_response(403, description="办件不在本节点，或村代办员没有申请人授权")
@blp.alt_response(503, description="县级平台暂不可达（离线时只能核验二维码）")
def lookup(args: dict[str, Any]) -> dict[str, Any]:
    """A holder's certificates, for a case at this node whose applicant is the holder"""
    session = db_session()
    tier = current_tier()
    actor = current_actor()
    state = services.check_lookup(
        session,
        actor,
        holder=args["holder"],
        case_no=args["case_no"],
        node=tier.node_code,
        county=tier.county,
    )
    args["holder"] = str(args["holder"]).upper()
    args["holder_type"] = str(state.applicant.get("id_type", "111"))
    find = current_app.extensions["sanji.cert_lookup"]
    rows = find(session, actor, args, tier=tier)
    audit(
        "cert.lookup",
        args["case_no"],
        subject=subject_of(state.applicant),
        detail=f"查到 {len(rows)} 本证照",
    )
    session.commit()
    return {"items": services.masked_rows(rows, actor), "case_no": args["case_no"]}
