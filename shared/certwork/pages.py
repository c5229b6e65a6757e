"""Certificate pages on every tier: verify a shown certificate, look one up for a case,
and print an issued certificate with its QR code (inline SVG; nothing from the internet)."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup
from marshmallow import ValidationError

from shared.casework.pages import case_or_404
from shared.certs import parse_payload, verify
from shared.certwork import services
from shared.certwork.schemas import LookupArgsSchema, VerifySchema
from shared.errors import DomainError, flatten_messages
from shared.ids.masking import mask_id_number
from shared.web.audit import audit, subject_of
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("certpages", __name__, template_folder="templates")


def qr_svg(payload: str) -> Markup:
    """The payload as a QR code, an inline SVG the page prints as is."""
    svg = segno.make(payload, error="m").svg_inline(scale=2, border=2)
    return Markup(svg)  # noqa: S704 - segno's own SVG of our signed payload


def _errors(err: ValidationError) -> dict[str, str]:
    return {p.name: p.reason for p in flatten_messages(err.messages)}


@bp.route("/certificates/verify", methods=["GET", "POST"])
def verify_page() -> Any:
    """Paste or scan a certificate's QR content; a plain Chinese verdict (works offline)."""
    actor = require_login()
    values = {k: request.form.get(k, "") for k in ("payload", "case_no", "purpose")}
    errors: dict[str, str] = {}
    verdict: dict[str, Any] | None = None
    if request.method == "POST":
        tier = current_tier()
        db = db_session()
        try:
            data = VerifySchema().load(
                {
                    "payload": values["payload"],
                    "case_no": values["case_no"] or None,
                    "purpose": values["purpose"] or None,
                }
            )
            found = services.verify_payload(
                db,
                actor,
                data["payload"],
                node=tier.node_code,
                clock=tier.clock,
                case_no=data["case_no"],
                purpose=data["purpose"],
                county=tier.county,
                acked=tier.name == "hub",
            )
        except ValidationError as err:
            db.rollback()
            errors = _errors(err)
        except DomainError as err:
            db.rollback()
            errors = {"_form": err.detail}
        else:
            audit("cert.verify", data["case_no"] or "", detail=found.identifier or "")
            db.commit()
            verdict = services.verdict_record(found)
    status = 422 if errors else 200
    return render_template(
        "certwork/cert_verify.html", values=values, errors=errors, verdict=verdict
    ), status


@bp.route("/certificates/lookup", methods=["GET", "POST"])
def lookup_page() -> Any:
    """Find an applicant's certificates for the case at hand (purpose-bound, logged)."""
    actor = require_login()
    # A link may name the case and purpose; the holder's ID number only ever comes in the
    # POSTed form, so it never appears in a URL or an access log.
    values = {k: request.args.get(k, "").strip() for k in ("case_no", "purpose")} | {"holder": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("holder", "case_no", "purpose")}
    errors: dict[str, str] = {}
    items: list[dict[str, Any]] | None = None
    if request.method == "POST":
        tier = current_tier()
        db = db_session()
        try:
            args = LookupArgsSchema().load(values)
            state = services.check_lookup(
                db,
                actor,
                holder=args["holder"],
                case_no=args["case_no"],
                node=tier.node_code,
                county=tier.county,
            )
            args["holder"] = str(args["holder"]).upper()
            args["holder_type"] = str(state.applicant.get("id_type", "111"))
            found = current_app.extensions["sanji.cert_lookup"](db, actor, args, tier=tier)
        except ValidationError as err:
            db.rollback()
            errors = _errors(err)
        except DomainError as err:
            db.rollback()
            errors = {"_form": err.detail}
        else:
            audit(
                "cert.lookup",
                args["case_no"],
                subject=subject_of(state.applicant),
                detail=f"查到 {len(found)} 本证照",
            )
            db.commit()
            items = services.masked_rows(found, actor)
    status = 422 if errors else 200
    return render_template(
        "certwork/cert_lookup.html", values=values, errors=errors, items=items
    ), status


@bp.get("/cases/<case_no>/certificates/<int:index>")
def certificate_print(case_no: str, index: int) -> str:
    """The certificate an approval issued, printable, with its QR code."""
    require_login()
    state = case_or_404(case_no)
    if not 0 <= index < len(state.certificates):
        abort(404)
    cert = state.certificates[index]
    trust = services.Trust.load(db_session())
    signed = parse_payload(str(cert["payload"]))
    verdict = (
        verify(cert["payload"], trust.keys, trust.statuses, current_tier().clock.today())
        if trust.statuses is not None
        else None
    )
    return render_template(
        "certwork/cert_print.html",
        case=state.to_dict(masked=True),
        cert=signed.certificate,
        holder=mask_id_number(signed.certificate.holder_code),
        qr=qr_svg(str(cert["payload"])),
        verdict=verdict,
    )
