"""Offline verification of a certificate: one pure function, one verdict in plain Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import islice

from shared.certs.model import Certificate, CertificateError
from shared.certs.signing import IssuerKey, KeyRing, SignedCertificate, parse_payload
from shared.certs.status import SignedStatusList, StatusList
from shared.ids.masking import mask_id_number


class VerdictCode(StrEnum):
    """What a verification found; the first failing check wins (in this order)."""

    VALID = "valid"
    MALFORMED = "malformed"
    BAD_IDENTIFIER = "bad_identifier"
    UNKNOWN_KEY = "unknown_key"
    WRONG_ISSUER = "wrong_issuer"
    BAD_SIGNATURE = "bad_signature"
    KEY_RETIRED = "key_retired"
    BAD_STATUS_LIST = "bad_status_list"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`.

    ``certificate`` is set once the payload parsed (also when a later check failed, so
    a page can say *which* certificate is bad); it holds the full holder code, so pages
    and logs show ``holder_code_masked`` instead.
    """

    ok: bool
    code: VerdictCode
    message: str
    as_of: date | None = None  # the status list's date, once it was consulted
    holder_code_masked: str | None = None
    identifier: str | None = None
    certificate: Certificate | None = None


def verify(
    payload_or_signed: str | SignedCertificate,
    keyring: KeyRing,
    status_list: SignedStatusList,
    on: date,
) -> Verdict:
    """Check a scanned payload (or a signed certificate) as of day ``on``, offline.

    In order: it parses; its identifier's check character holds and matches the
    record; the key id is in ``keyring`` as a certificate key of the certificate's
    issuer; the signature holds; the key was allowed to sign on the issue date; the
    status list is the hub's (else ``bad_status_list``) and does not list it as revoked
    or superseded from a day on or before ``on``; ``on`` is within its validity.
    Never raises for bad input: every failure is a verdict.
    """
    first = _before_signature(payload_or_signed, keyring)
    if isinstance(first, Verdict):
        return first
    signed, key = first
    holds = keyring.check(key.kid, signed.signed_bytes(), signed.signature)
    return _after_signature(signed, key, holds, _listed(status_list, keyring), on)


#: verify_many works through this many payloads per phase (see there).
_BATCH = 256


def verify_many(
    payloads: Iterable[str | SignedCertificate],
    keyring: KeyRing,
    status_list: SignedStatusList,
    on: date,
) -> list[Verdict]:
    """:func:`verify` of each payload, in order, with the status list checked once.

    For the paths that verify many certificates at a time (a holder's look-up, the
    certificates handed in at intake): the verdicts are exactly those of calling
    :func:`verify` on each, with the same ``keyring``, ``status_list`` and ``on``.
    """
    listed = _listed(status_list, keyring)
    check, before, after = keyring.check, _before_signature, _after_signature
    verdicts: list[Verdict] = []
    # In phases, a batch at a time: parse every payload, then check every signature,
    # then give the verdicts. Each phase's code and data then stay in the CPU's caches,
    # where one certificate after another has the Ed25519 code evict the parser's (the
    # parse costs about half again as much that way). Checks and verdicts per
    # certificate are those of verify(), in the same order.
    pending = iter(payloads)
    while batch := list(islice(pending, _BATCH)):
        firsts = [before(payload, keyring) for payload in batch]
        holds = [
            None if isinstance(f, Verdict) else check(f[1].kid, f[0].signed_bytes(), f[0].signature)
            for f in firsts
        ]
        verdicts += [
            f if isinstance(f, Verdict) else after(f[0], f[1], ok is True, listed, on)
            for f, ok in zip(firsts, holds, strict=True)
        ]
    return verdicts


def _listed(status_list: SignedStatusList, keyring: KeyRing) -> StatusList | str:
    """The verified status list, or why it cannot be trusted (a Chinese detail).

    Only consulted once a certificate has passed every check before it (the order of
    the verdicts); computing it first changes nothing, it depends on neither.
    """
    return status_list.checked_with(keyring)


def _before_signature(
    payload_or_signed: str | SignedCertificate, keyring: KeyRing
) -> Verdict | tuple[SignedCertificate, IssuerKey]:
    """The checks before the signature: the verdict if one fails, else the signing key."""
    if isinstance(payload_or_signed, SignedCertificate):
        signed = payload_or_signed
    else:
        try:
            signed = parse_payload(payload_or_signed)
        except CertificateError as exc:
            code = (
                VerdictCode.BAD_IDENTIFIER
                if exc.code == "bad_identifier"
                else VerdictCode.MALFORMED
            )
            return Verdict(False, code, exc.detail)
    cert = signed.certificate
    key = keyring.get(signed.kid)
    if key is None or key.usage != "certificate":
        return _about(
            cert,
            VerdictCode.UNKNOWN_KEY,
            f"签发密钥（{signed.kid}）未登记，无法核验；请同步最新的签发机构公钥后重试",
        )
    if key.issuer_code != cert.issuer_code:
        return _about(
            cert,
            VerdictCode.WRONG_ISSUER,
            f"签发密钥不属于证照所载颁发机构“{cert.issuer_name}”，证照不可信",
        )
    return signed, key


def _after_signature(
    signed: SignedCertificate,
    key: IssuerKey,
    holds: bool,
    listed: StatusList | str,
    on: date,
) -> Verdict:
    """The verdict once the signature was checked (``holds``: whether it holds)."""
    cert = signed.certificate
    if not holds:
        return _about(cert, VerdictCode.BAD_SIGNATURE, "签名不符，证照内容可能被篡改")
    if not key.signs_on(cert.issue_date):
        if cert.issue_date < key.active_from:
            why = f"颁证日期 {cert.issue_date} 早于该密钥启用日期 {key.active_from}"
        else:
            why = f"该密钥已于 {key.retired_at} 停用，不能签发 {cert.issue_date} 的证照"
        return _about(cert, VerdictCode.KEY_RETIRED, f"签发密钥在颁证日期不可用：{why}")

    if isinstance(listed, str):
        return _about(
            cert,
            VerdictCode.BAD_STATUS_LIST,
            f"无法确认证照状态：{listed}；请重新同步证照状态名单",
        )
    as_of = listed.as_of
    entry = listed.status_of(cert.identifier, on)
    if entry is not None and entry.status == "revoked":
        return _about(
            cert,
            VerdictCode.REVOKED,
            f"证照已被吊销：原因：{entry.reason}（自 {entry.since} 起；状态截至 {as_of}）",
            as_of,
        )
    if entry is not None:
        return _about(
            cert,
            VerdictCode.SUPERSEDED,
            f"证照已被新版本替代（新证照标识 {entry.superseded_by}；原因：{entry.reason}；"
            f"自 {entry.since} 起；状态截至 {as_of}），请使用新证照",
            as_of,
        )
    if on < cert.valid_from:
        return _about(
            cert, VerdictCode.NOT_YET_VALID, f"证照尚未生效：自 {cert.valid_from} 起有效", as_of
        )
    if cert.valid_to is not None and on > cert.valid_to:
        return _about(cert, VerdictCode.EXPIRED, f"证照已过有效期：有效期至 {cert.valid_to}", as_of)
    return _about(cert, VerdictCode.VALID, f"证照有效（状态截至 {as_of}）", as_of)


def _about(
    cert: Certificate, code: VerdictCode, message: str, as_of: date | None = None
) -> Verdict:
    """The verdict on a certificate that parsed."""
    verdict = object.__new__(Verdict)
    # Set as the frozen dataclass's own __init__ would (it has no checks), without its
    # seven object.__setattr__ calls: one verdict per certificate verified.
    verdict.__dict__.update(
        ok=code is VerdictCode.VALID,
        code=code,
        message=message,
        as_of=as_of,
        holder_code_masked=mask_id_number(cert.holder_code),
        identifier=cert.identifier,
        certificate=cert,
    )
    return verdict
