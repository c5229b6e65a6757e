"""The hub's certificate registry: keys, issuance on approval, status changes, look-ups.

Issuance: when a case ends approved and its item names a result certificate type, the
issuing department's key signs the certificate; a ``certificate_issued`` event carries
it down to where the case was filed. Revocations and supersessions go into a new signed
status list in the master feed, which every node uses to verify offline.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.catalog.models import CertificateType, ItemVersion
from county_hub.certs.models import CertificateRow, CertStatus, IssuerKeyRow
from county_hub.org.models import Department
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.cases import CaseState, EventType, Outcome, may_follow
from shared.casework.write import write_event
from shared.certs import (
    Certificate,
    IssuerKey,
    KeyPair,
    SignedCertificate,
    StatusEntry,
    StatusList,
    sign_certificate,
    sign_status_list,
)
from shared.certs.signing import b64url, unb64url
from shared.clock import Clock, to_china
from shared.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from shared.ids import make_certificate_identifier
from shared.log import get_logger
from shared.sync.feed import record_change
from shared.sync.models import CaseRow
from shared.sync.store import current_state

log = get_logger(__name__)

#: The department that signs the status list (it runs the government service centre).
STATUS_SIGNER = "spj"


# --------------------------------------------------------------------------- keys


def key_dir(session: Session) -> Path:
    """Where private keys live: ``DATA_DIR/issuer-keys`` of the hub (ADR 0010)."""
    data_dir = session.info.get("data_dir")
    if not data_dir:
        raise RuntimeError("this session has no data_dir: it cannot reach signing keys")
    return Path(data_dir) / "issuer-keys"


def _private(session: Session, kid: str) -> KeyPair:
    path = key_dir(session) / f"{kid}.key"
    try:
        return KeyPair.from_private_bytes(unb64url(path.read_text().strip()))
    except FileNotFoundError as err:
        raise Conflict(
            detail=f"签发密钥 {kid} 的私钥文件缺失（{path}），请从备份恢复或轮换密钥"
        ) from err


def announce_key(session: Session, row: IssuerKeyRow, *, clock: Clock) -> None:
    key = IssuerKey(
        kid=row.kid,
        issuer_code=row.issuer_code,
        public_raw=unb64url(row.public_key),
        active_from=row.active_from,
        retired_at=row.retired_at,
        usage=row.usage,  # type: ignore[arg-type]
    )
    record_change(session, "issuer_key", row.kid, key.to_dict(), clock=clock)


def new_key(
    session: Session, department: Department, *, usage: str, on: date, clock: Clock
) -> tuple[IssuerKeyRow, KeyPair]:
    """Generate a key, keep the private half in a 0600 file, announce the public half."""
    pair = KeyPair.generate()
    folder = key_dir(session)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{pair.kid}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(b64url(pair.private_bytes()) + "\n")
    row = IssuerKeyRow(
        kid=pair.kid,
        usage=usage,
        department_code=department.code,
        issuer_code=department.uscc,
        public_key=b64url(pair.public_raw),
        active_from=on,
    )
    session.add(row)
    session.flush()
    announce_key(session, row, clock=clock)
    log.info("issuer_key_created", kid=pair.kid, department=department.code, usage=usage)
    return row, pair


def active_key(
    session: Session, department: Department, *, usage: str, clock: Clock
) -> tuple[IssuerKeyRow, KeyPair]:
    """The department's signing key in use today (created on first use)."""
    today = clock.today()
    row = session.scalar(
        select(IssuerKeyRow)
        .where(
            IssuerKeyRow.department_code == department.code,
            IssuerKeyRow.usage == usage,
            IssuerKeyRow.active_from <= today,
            IssuerKeyRow.retired_at.is_(None),
        )
        .order_by(IssuerKeyRow.active_from.desc())
        .limit(1)
    )
    if row is None:
        return new_key(session, department, usage=usage, on=today, clock=clock)
    return row, _private(session, row.kid)


def rotate_key(
    session: Session, actor: Actor, department_code: str, *, usage: str, clock: Clock
) -> IssuerKeyRow:
    """Retire the department's key from today and start a new one (old certificates
    stay verifiable: the old public key stays in every node's key ring)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(detail="只有县级管理员可以轮换签发密钥")
    department = session.get(Department, department_code)
    if department is None:
        raise NotFound(detail=f"部门 {department_code} 不存在")
    today = clock.today()
    for old in session.scalars(
        select(IssuerKeyRow).where(
            IssuerKeyRow.department_code == department_code,
            IssuerKeyRow.usage == usage,
            IssuerKeyRow.retired_at.is_(None),
        )
    ):
        old.retired_at = today
        announce_key(session, old, clock=clock)
    row, _ = new_key(session, department, usage=usage, on=today, clock=clock)
    return row


# --------------------------------------------------------------------------- status


def publish_status_list(session: Session, *, clock: Clock) -> int:
    """Sign the current revocations and supersessions into the master feed."""
    signer = session.get(Department, STATUS_SIGNER)
    if signer is None:
        raise RuntimeError(f"the status list signer {STATUS_SIGNER} is not a department")
    row, pair = active_key(session, signer, usage="status", clock=clock)
    entries = {
        cert.identifier: StatusEntry(
            status=cert.status.value,  # type: ignore[arg-type]
            reason=cert.status_reason,
            since=cert.status_since or clock.today(),
            superseded_by=cert.superseded_by,
        )
        for cert in session.scalars(
            select(CertificateRow).where(CertificateRow.status != CertStatus.VALID)
        )
    }
    signed = sign_status_list(
        StatusList(kid=row.kid, issued_at=to_china(clock.now()), entries=entries), pair
    )
    record_change(session, "cert_status", "current", signed.to_dict(), clock=clock)
    return len(entries)


def change_status(
    session: Session,
    actor: Actor,
    identifier: str,
    *,
    status: CertStatus,
    reason: str,
    clock: Clock,
    superseded_by: str | None = None,
) -> CertificateRow:
    """Revoke (吊销/注销) a certificate, with the reason, from today."""
    cert = session.get(CertificateRow, identifier)
    if cert is None:
        raise NotFound(detail=f"证照 {identifier} 不存在")
    if actor.role is not Role.ADMIN and not (
        actor.role is Role.DEPT_REVIEWER and actor.department_code == cert.department_code
    ):
        raise PermissionDenied(detail="只有发证部门或县级管理员可以变更证照状态")
    if not reason.strip():
        raise InvalidInput(
            detail="请写明原因", invalid_params=[InvalidParam("reason", "变更证照状态须写明原因")]
        )
    if cert.status is not CertStatus.VALID:
        raise Conflict(detail=f"证照已是「{cert.status.label}」状态，不能再变更")
    cert.status = status
    cert.status_reason = reason.strip()[:500]
    cert.status_since = clock.today()
    cert.superseded_by = superseded_by
    session.flush()
    publish_status_list(session, clock=clock)
    log.info("certificate_status", identifier=identifier, status=status.value)
    return cert


# --------------------------------------------------------------------------- issuance


def _serial(session: Session, issuer_code: str, year: int) -> str:
    prefix = f"{year}"
    used = session.scalar(
        select(func.count())
        .select_from(CertificateRow)
        .where(
            CertificateRow.issuer_code == issuer_code,
            CertificateRow.version == 1,
            CertificateRow.issue_date >= date(year, 1, 1),
            CertificateRow.issue_date <= date(year, 12, 31),
        )
    )
    return f"{prefix}{(used or 0) + 1:07d}"


def valid_to(start: date, years: int | None) -> date | None:
    if years is None:
        return None
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return end - timedelta(days=1)


def issue(
    session: Session,
    *,
    cert_type: CertificateType,
    holder_name: str,
    holder_code: str,
    holder_code_type: str,
    region: str,
    clock: Clock,
    item_code: str | None = None,
    case_no: str | None = None,
    is_demo: bool = False,
) -> tuple[CertificateRow, SignedCertificate]:
    """Sign and register a certificate; a valid one of the same type, issuer and holder
    is superseded by the new version (same serial, version + 1)."""
    department = session.get(Department, cert_type.issuing_department_code or "")
    if department is None or not cert_type.type_code:
        raise Conflict(detail=f"证照类型「{cert_type.name}」没有县级发证部门，不能由本平台签发")
    today = clock.today()
    key_row, pair = active_key(session, department, usage="certificate", clock=clock)
    previous = session.scalar(
        select(CertificateRow).where(
            CertificateRow.holder_code == holder_code,
            CertificateRow.certificate_type == cert_type.code,
            CertificateRow.issuer_code == department.uscc,
            CertificateRow.status == CertStatus.VALID,
        )
    )
    if previous is not None:
        serial, version = previous.identifier.split(".")[-3], previous.version + 1
    else:
        serial, version = _serial(session, department.uscc, today.year), 1
    identifier = make_certificate_identifier(cert_type.type_code, department.uscc, serial, version)
    certificate = Certificate(
        name=cert_type.name,
        type_code=cert_type.type_code,
        number=f"{cert_type.code.upper()}{serial}-{version}",
        identifier=identifier,
        issuer_name=department.name,
        issuer_code=department.uscc,
        issue_date=today,
        holder_name=holder_name,
        holder_code=holder_code,
        holder_code_type=holder_code_type,  # type: ignore[arg-type]
        region=region,
        valid_from=today,
        valid_to=valid_to(today, cert_type.validity_years),
        signer_kid=key_row.kid,
        item_code=item_code,
        previous=previous.identifier if previous is not None else None,
        version=version,
    )
    signed = sign_certificate(certificate, pair)
    row = CertificateRow(
        identifier=identifier,
        certificate_type=cert_type.code,
        type_code=cert_type.type_code,
        name=cert_type.name,
        number=certificate.number,
        version=version,
        department_code=department.code,
        issuer_code=department.uscc,
        holder_code=holder_code,
        holder_code_type=holder_code_type,
        holder_name=holder_name,
        issue_date=today,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        case_no=case_no,
        item_code=item_code,
        kid=key_row.kid,
        signed=signed.to_dict(),
        is_demo=is_demo,
    )
    session.add(row)
    session.flush()
    if previous is not None:
        previous.status = CertStatus.SUPERSEDED
        previous.status_reason = "换发新版本"
        previous.status_since = today
        previous.superseded_by = identifier
        session.flush()
        publish_status_list(session, clock=clock)
    log.info("certificate_issued", identifier=identifier, case_no=case_no)
    return row, signed


def _result_type(session: Session, state: CaseState) -> CertificateType | None:
    code = session.scalar(
        select(ItemVersion.result_certificate_type).where(
            ItemVersion.item_code == state.item_code, ItemVersion.version == state.item_version
        )
    )
    return session.get(CertificateType, code) if code else None


def issue_for_case(
    session: Session, state: CaseState, *, clock: Clock, county: str
) -> CaseState | None:
    """Issue the result certificate of an approved case (once); the case after it.

    ``None`` when there is nothing to issue (not approved, already issued, no result
    certificate). The ``certificate_issued`` event goes through the common write path:
    refused by the fold's rule (Conflict, …) with nothing registered, else stored and the
    case folded once.
    """
    if state.outcome is not Outcome.APPROVED or state.certificates:
        return None
    cert_type = _result_type(session, state)
    if cert_type is None or not cert_type.issuing_department_code:
        return None
    applicant = state.applicant
    # The event needs the signed certificate, so the registry row comes first; a
    # refusal rolls it back (and a superseded predecessor's change with it).
    with session.begin_nested():
        row, signed = issue(
            session,
            cert_type=cert_type,
            holder_name=str(applicant["name"]),
            holder_code=str(applicant["id_number"]),
            holder_code_type=str(applicant["id_type"]),
            region=state.accepting_node,
            clock=clock,
            item_code=state.item_code,
            case_no=state.case_no,
        )
        return write_event(
            session,
            state,
            EventType.CERTIFICATE_ISSUED,
            {
                "identifier": row.identifier,
                "name": row.name,
                "number": row.number,
                "valid_from": row.valid_from.isoformat(),
                "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                "payload": signed.payload(),
            },
            actor_name="system",
            node=county,
            clock=clock,
            acked=True,
            county=county,
        )


def after_case_change(
    session: Session, state: CaseState, *, clock: Clock, county: str
) -> CaseState:
    """Hook the hub's case API and pages call after an action: an approval that carries a
    result certificate gets it signed at once (the scheduler catches synced ones).

    Only while the fold lets a certificate follow: voiding an approved case that has no
    certificate yet must not sign one (nor fail the void).
    """
    if not may_follow(state, EventType.CERTIFICATE_ISSUED):
        return state
    issued = issue_for_case(session, state, clock=clock, county=county)
    return state if issued is None else issued


def issue_due(session: Session, *, clock: Clock, county: str, limit: int = 200) -> int:
    """Issue the certificates of approved cases that have none yet (scheduler job).

    A case the fold refuses a certificate is logged and left; the others still get theirs.
    """
    wanted = (
        select(CaseRow.case_no)
        .join(ItemVersion, ItemVersion.item_code == CaseRow.item_code)
        .where(
            ItemVersion.version == CaseRow.state["item_version"].as_integer(),
            CaseRow.outcome == Outcome.APPROVED.value,
            CaseRow.status.in_(("concluded", "delivered")),
            ItemVersion.result_certificate_type.is_not(None),
            ~select(CertificateRow.identifier)
            .where(CertificateRow.case_no == CaseRow.case_no)
            .exists(),
        )
        .distinct()
        .limit(limit)
    )
    issued = 0
    for case_no in session.scalars(wanted).all():
        state = current_state(session, case_no, county=county)
        try:
            done = issue_for_case(session, state, clock=clock, county=county)
        except DomainError as err:
            log.warning("certificate_refused", case_no=case_no, reason=err.detail or err.title)
            continue
        if done is not None:
            issued += 1
    return issued


# --------------------------------------------------------------------------- records


def record(cert: CertificateRow) -> dict[str, Any]:
    """A registry row for the API (holder code in full: callers mask per role)."""
    return {
        "identifier": cert.identifier,
        "certificate_type": cert.certificate_type,
        "name": cert.name,
        "number": cert.number,
        "version": cert.version,
        "issuer_name": cert.signed["cert"]["issuer_name"],
        "department": cert.department_code,
        "holder_name": cert.holder_name,
        "holder_code": cert.holder_code,
        "issue_date": cert.issue_date.isoformat(),
        "valid_from": cert.valid_from.isoformat(),
        "valid_to": cert.valid_to.isoformat() if cert.valid_to else None,
        "status": cert.status.value,
        "status_label": cert.status.label,
        "status_reason": cert.status_reason,
        "superseded_by": cert.superseded_by,
        "case_no": cert.case_no,
        "payload": SignedCertificate.from_dict(cert.signed).payload(),
    }


def find_by_holder(
    session: Session, holder_code: str, *, certificate_type: str | None = None
) -> Sequence[CertificateRow]:
    """The holder's certificates, newest first (one index: holder_code, type_code)."""
    stmt = select(CertificateRow).where(CertificateRow.holder_code == holder_code)
    if certificate_type:
        stmt = stmt.where(CertificateRow.certificate_type == certificate_type)
    return session.scalars(stmt.order_by(CertificateRow.issue_date.desc()).limit(50)).all()
