"""Verification, look-ups and the usage log at any tier.

Every use of a certificate is appended to this node's hash-chained usage log in the same
transaction as the use, so there is no use without its entry. The log goes upstream with
the sync (shared.certwork.sync); the hub checks each node's chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.cases import CaseState
from shared.certs import (
    KeyRing,
    SignedStatusList,
    UsageEntry,
    UsageFields,
    Verdict,
    chain_entry,
    verify,
)
from shared.certwork.models import CertUsageRow
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound, PermissionDenied
from shared.ids.masking import mask_id_number
from shared.log import get_logger
from shared.sync.models import MasterChange
from shared.sync.store import current_state

log = get_logger(__name__)

#: Without a case, a verification serves the citizen at the counter.
COUNTER_CASE = "现场核验"
COUNTER_PURPOSE = "核验申请人出示的电子证照"


def holder_key(county: str) -> bytes:
    """Key of the holder references in usage logs.

    Every node holds it: the reference keeps ID numbers out of exported logs, it does not
    protect them from a node's own administrator (who sees the cases anyway).
    """
    return f"sanji-cert-usage:{county}".encode()


# --------------------------------------------------------------------------- trust


def _latest(session: Session, entity: str) -> list[MasterChange]:
    newest = (
        select(MasterChange.key, func.max(MasterChange.seq).label("seq"))
        .where(MasterChange.entity == entity)
        .group_by(MasterChange.key)
        .subquery()
    )
    return list(
        session.scalars(select(MasterChange).join(newest, MasterChange.seq == newest.c.seq)).all()
    )


def keyring(session: Session) -> KeyRing:
    """Issuer and status keys as the master feed announced them (hub and nodes alike)."""
    return KeyRing.from_list([c.data for c in _latest(session, "issuer_key")])


def status_list(session: Session) -> SignedStatusList | None:
    """The newest signed status list of the master feed, if any was published."""
    found = _latest(session, "cert_status")
    return SignedStatusList.from_dict(found[0].data) if found else None


@dataclass(frozen=True)
class Trust:
    """What an offline verification needs, read once (pages verify many in a row)."""

    keys: KeyRing
    statuses: SignedStatusList | None

    @classmethod
    def load(cls, session: Session) -> Trust:
        return cls(keyring(session), status_list(session))


# --------------------------------------------------------------------------- usage log


def last_entry(session: Session, node: str) -> UsageEntry | None:
    row = session.scalar(
        select(CertUsageRow)
        .where(CertUsageRow.node == node)
        .order_by(CertUsageRow.seq.desc())
        .limit(1)
        .with_for_update()
    )
    return to_entry(row) if row is not None else None


def to_entry(row: CertUsageRow) -> UsageEntry:
    return UsageEntry(
        node=row.node,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,  # type: ignore[arg-type]
        case_no=row.case_no,
        purpose=row.purpose,
        certificate=row.certificate,
        holder_ref=row.holder_ref,
        holder_masked=row.holder_masked,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def to_row(entry: UsageEntry, *, acked: bool) -> CertUsageRow:
    return CertUsageRow(
        node=entry.node,
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        case_no=entry.case_no,
        purpose=entry.purpose,
        certificate=entry.certificate,
        holder_ref=entry.holder_ref,
        holder_masked=entry.holder_masked,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        acked=acked,
    )


def record_use(
    session: Session,
    actor: Actor,
    *,
    node: str,
    clock: Clock,
    action: str,
    case_no: str,
    purpose: str,
    certificate: str | None = None,
    holder: tuple[str, str] | None = None,
    county: str,
    acked: bool = False,
) -> UsageEntry:
    """Append one entry to this node's log, in the caller's transaction."""
    now = clock.now().replace(microsecond=0)
    common: dict[str, Any] = {
        "node": node,
        "at": now,
        "actor": actor.username,
        "action": action,
        "case_no": case_no,
        "purpose": purpose,
        "certificate": certificate,
    }
    if holder is not None:
        fields = UsageFields.for_holder(
            holder_code_type=holder[0], holder_code=holder[1], key=holder_key(county), **common
        )
    else:
        fields = UsageFields(**common)
    entry = chain_entry(last_entry(session, node), fields)
    session.add(to_row(entry, acked=acked))
    session.flush()
    return entry


# --------------------------------------------------------------------------- verify


def verify_payload(
    session: Session,
    actor: Actor,
    payload: str,
    *,
    node: str,
    clock: Clock,
    case_no: str | None = None,
    purpose: str | None = None,
    county: str,
    acked: bool = False,
    trust: Trust | None = None,
) -> Verdict:
    """Check a scanned or pasted certificate offline and log the verification."""
    trust = trust or Trust.load(session)
    today = clock.today()
    if trust.statuses is None:
        raise Conflict(detail="本节点尚未从县级平台同步到证照状态名单，暂不能核验；请先同步")
    if case_no:
        case_for_use(session, actor, case_no, node=node, county=county)
    verdict = verify(payload.strip(), trust.keys, trust.statuses, today)
    cert = verdict.certificate
    if verdict.identifier:  # garbage that names no certificate is not a use of one
        record_use(
            session,
            actor,
            node=node,
            clock=clock,
            action="verify",
            case_no=case_no or COUNTER_CASE,
            purpose=(purpose or COUNTER_PURPOSE)[:200],
            certificate=verdict.identifier,
            holder=(cert.holder_code_type, cert.holder_code) if cert is not None else None,
            county=county,
            acked=acked,
        )
    log.info("certificate_verified", node=node, code=verdict.code.value, actor=actor.username)
    return verdict


def verdict_record(verdict: Verdict) -> dict[str, Any]:
    """JSON form of a verdict for the API and pages (holder code masked)."""
    cert = verdict.certificate
    return {
        "ok": verdict.ok,
        "code": verdict.code.value,
        "message": verdict.message,
        "as_of": verdict.as_of.isoformat() if verdict.as_of else None,
        "identifier": verdict.identifier,
        "certificate": None
        if cert is None
        else {
            "name": cert.name,
            "number": cert.number,
            "issuer_name": cert.issuer_name,
            "holder_name": cert.holder_name,
            "holder_code": verdict.holder_code_masked,
            "issue_date": cert.issue_date.isoformat(),
            "valid_from": cert.valid_from.isoformat(),
            "valid_to": cert.valid_to.isoformat() if cert.valid_to else None,
        },
    }


# --------------------------------------------------------------------------- look-ups


def case_for_use(
    session: Session, actor: Actor, case_no: str, *, node: str, county: str
) -> CaseState:
    """The case a use serves: it must be held here and be this clerk's to work on."""
    try:
        state = current_state(session, case_no, county=county)
    except NotFound as err:
        raise NotFound(detail=f"本节点没有办件 {case_no}：用证须写明本节点办理的办件") from err
    at_this_node = state.case_no.startswith(node) or state.handled_by == node
    if actor.role is Role.DEPT_REVIEWER:
        at_this_node = state.handled_by == actor.department_code
    elif actor.role in (Role.ADMIN, Role.SUPERVISOR):
        at_this_node = True
    if not at_this_node:
        raise PermissionDenied(detail=f"办件 {case_no} 不在本节点（{node}）办理，不能为它调用证照")
    if actor.role is Role.VILLAGE_AGENT and not state.consent:
        raise PermissionDenied(detail="该办件没有申请人的授权记录，村代办员不能调用其证照")
    return state


def check_lookup(
    session: Session, actor: Actor, *, holder: str, case_no: str, node: str, county: str
) -> CaseState:
    """A look-up by holder must serve a case here whose applicant is that holder."""
    state = case_for_use(session, actor, case_no, node=node, county=county)
    applicant = str(state.applicant.get("id_number", "")).upper()
    if holder.strip().upper() != applicant:
        raise InvalidInput(
            detail="查询的持证主体不是该办件的申请人",
            invalid_params=[
                InvalidParam("holder", f"办件 {case_no} 的申请人是 {mask_id_number(applicant)}")
            ],
        )
    return state


def masked_rows(rows: Sequence[Mapping[str, Any]], actor: Actor) -> list[dict[str, Any]]:
    """Look-up results as a role may see them: the holder code is always masked."""
    del actor  # every role sees the masked code; the full one stays on the certificate
    return [{**row, "holder_code": mask_id_number(str(row["holder_code"]))} for row in rows]
