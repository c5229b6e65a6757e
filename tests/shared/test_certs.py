"""Tests for shared.certs: record, payload, key rotation, status list, verify, usage log."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.canonical import canonical_json
from shared.certs import (
    GENESIS,
    Certificate,
    CertificateError,
    ChainAnchor,
    KeyPair,
    KeyRing,
    SignedCertificate,
    SignedStatusList,
    StatusEntry,
    StatusList,
    StatusListError,
    UsageEntry,
    UsageFields,
    VerdictCode,
    chain_entry,
    check_chain,
    holder_ref,
    parse_payload,
    sign_certificate,
    sign_status_list,
    signing_bytes,
    verify,
    verify_status_list,
)
from shared.certs.signing import b64url, key_id, unb64url
from shared.errors import InvalidInput
from shared.ids import id_check_char, make_certificate_identifier

# The national example of DOMAIN.md §5: a known-good identifier, check character U.
KNOWN_GOOD = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
TYPE_CODE = "11100000000013338W011"
ISSUER = "11430000006122244L"
OTHER_ISSUER = "91370406L24894136J"  # DOMAIN.md §6 example USCC
HOLDER = "13043419840726291X"  # DOMAIN.md §6 example ID number
OTHER_HOLDER = "61072719900101123" + id_check_char("61072719900101123")
TODAY = date(2026, 11, 27)
LIST_AT = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, same day

ISSUER_KEY = KeyPair.generate()
HUB_KEY = KeyPair.generate()
RING = KeyRing.of(
    [
        ISSUER_KEY.public(ISSUER, date(2023, 1, 1)),
        HUB_KEY.public(ISSUER, date(2023, 1, 1), usage="status"),
    ]
)


def make_cert(**changes: Any) -> Certificate:
    fields: dict[str, Any] = {
        "name": "食品经营许可证",
        "type_code": TYPE_CODE,
        "number": "JY16107270012345",
        "identifier": KNOWN_GOOD,
        "issuer_name": "略阳县市场监督管理局",
        "issuer_code": ISSUER,
        "issue_date": date(2023, 5, 4),
        "holder_name": "张三",
        "holder_code": HOLDER,
        "holder_code_type": "111",
        "region": "610727105",
        "valid_from": date(2023, 5, 4),
        "valid_to": date(2028, 5, 3),
        "signer_kid": ISSUER_KEY.kid,
        "item_code": "000130001000",
        "previous": None,
        "version": 1,
    }
    fields.update(changes)
    return Certificate(**fields)


def status_list(
    entries: dict[str, StatusEntry] | None = None, key: KeyPair = HUB_KEY
) -> SignedStatusList:
    return sign_status_list(StatusList(key.kid, LIST_AT, entries or {}), key)


EMPTY_LIST = status_list()
CERT = make_cert()
SIGNED = sign_certificate(CERT, ISSUER_KEY, keyring=RING)
PAYLOAD = SIGNED.payload()


def encode(cert: dict[str, Any], kid: str, sig: bytes) -> str:
    return "SJC1." + b64url(canonical_json({"cert": cert, "kid": kid, "sig": b64url(sig)}))


# --------------------------------------------------------------------------- record


def test_known_good_identifier_is_accepted_with_its_parts() -> None:
    assert CERT.identifier == KNOWN_GOOD
    assert CERT.serial == "20230000403"
    assert make_certificate_identifier(TYPE_CODE, ISSUER, "20230000403", 1) == KNOWN_GOOD


def test_dict_round_trip_and_long_term() -> None:
    assert Certificate.from_dict(CERT.to_dict()) == CERT
    long_term = make_cert(valid_to=None)
    assert long_term.to_dict()["valid_to"] is None
    assert Certificate.from_dict(long_term.to_dict()) == long_term


def test_holder_code_stays_out_of_repr() -> None:
    assert HOLDER not in repr(CERT)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"identifier": KNOWN_GOOD[:-1] + "V"}, "identifier", "bad_identifier"),
        ({"identifier": KNOWN_GOOD.lower()}, "identifier", "bad_identifier"),
        ({"version": 2}, "identifier", "bad_identifier"),
        ({"type_code": "11100000000013338W012"}, "identifier", "bad_identifier"),
        ({"issuer_code": OTHER_ISSUER}, "identifier", "bad_identifier"),
        ({"holder_code": HOLDER[:-1] + "1"}, "holder_code", "malformed"),
        ({"holder_code": HOLDER[:-1] + "x"}, "holder_code", "malformed"),
        ({"holder_code_type": "001"}, "holder_code", "malformed"),
        ({"holder_code_type": "999"}, "holder_code_type", "malformed"),
        ({"region": "61072"}, "region", "malformed"),
        ({"valid_to": date(2023, 5, 3)}, "valid_to", "malformed"),
        ({"signer_kid": "ABC"}, "signer_kid", "malformed"),
        ({"name": " 食品经营许可证"}, "name", "malformed"),
        ({"holder_name": ""}, "holder_name", "malformed"),
        ({"previous": KNOWN_GOOD}, "previous", "malformed"),
        # Born after the certificate was issued.
        (
            {"issue_date": date(1984, 7, 1), "valid_from": date(1984, 7, 1)},
            "holder_code",
            "malformed",
        ),
    ],
)
def test_record_rules(changes: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(CertificateError) as caught:
        make_cert(**changes)
    assert caught.value.code == code
    assert caught.value.invalid_params[0].name == field
    assert caught.value.detail.startswith("电子证照信息有误：")


def test_uscc_holder() -> None:
    cert = make_cert(holder_code_type="001", holder_code=OTHER_ISSUER, holder_name="某某公司")
    assert Certificate.from_dict(cert.to_dict()) == cert


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("number"),
        lambda d: d.update(extra=1),
        lambda d: d.update(issue_date="20230504"),
        lambda d: d.update(issue_date="2023-5-4"),
        lambda d: d.update(version=True),
        lambda d: d.update(version="001"),
        lambda d: d.update(name=None),
        lambda d: d.update(valid_to=""),
    ],
)
def test_from_dict_is_strict(change: Callable[[dict[str, Any]], object]) -> None:
    data = CERT.to_dict()
    change(data)
    with pytest.raises(CertificateError, match="电子证照信息有误"):
        Certificate.from_dict(data)


# --------------------------------------------------------------------------- payload


def test_payload_round_trip_and_valid_verdict() -> None:
    assert PAYLOAD.startswith("SJC1.")
    assert len(PAYLOAD) < 2000  # fits one QR code
    assert parse_payload(PAYLOAD) == SIGNED
    assert parse_payload(PAYLOAD).signed_bytes() == signing_bytes(CERT)  # sliced, not rebuilt
    verdict = verify(PAYLOAD, RING, EMPTY_LIST, TODAY)
    assert verdict.ok and verdict.code is VerdictCode.VALID
    assert verdict.message == "证照有效（状态截至 2026-11-27）"
    assert verdict.as_of == TODAY
    assert verdict.holder_code_masked == "1304**********291X"
    assert verdict.identifier == KNOWN_GOOD
    assert verify(SIGNED, RING, EMPTY_LIST, TODAY).ok


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "SJC1.",
        "SJC1.!!!!",
        "sjc1." + PAYLOAD[5:],
        PAYLOAD + "=",
        PAYLOAD + "A",
        "SJC1." + b64url(b"not json"),
        "SJC1." + b64url(b"[]"),
        "SJC1." + b64url(b'{"cert": {}, "kid": "", "sig": ""}'),
        "SJC1." + b64url(b"\xff\xfe"),
        "SJC1." + b64url(b"NaN"),
        "SJC1." + "A" * 5000,
    ],
)
def test_garbage_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(CertificateError) as caught:
        parse_payload(text)
    assert caught.value.detail.startswith("无法识别的电子证照：") or "电子证照信息有误" in (
        caught.value.detail
    )
    verdict = verify(text, RING, EMPTY_LIST, TODAY)
    assert not verdict.ok and verdict.code is VerdictCode.MALFORMED
    assert verdict.message == caught.value.detail


def test_non_canonical_json_is_refused() -> None:
    body = {"cert": CERT.to_dict(), "kid": SIGNED.kid, "sig": b64url(SIGNED.signature)}
    spaced = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    with pytest.raises(CertificateError, match="编码不规范"):
        parse_payload("SJC1." + b64url(spaced))


def test_kid_outside_must_match_the_signed_one() -> None:
    text = encode(CERT.to_dict(), HUB_KEY.kid, SIGNED.signature)
    assert verify(text, RING, EMPTY_LIST, TODAY).code is VerdictCode.MALFORMED


def test_identifier_with_a_bad_check_character_is_its_own_verdict() -> None:
    data = {**CERT.to_dict(), "identifier": KNOWN_GOOD[:-1] + "7"}
    verdict = verify(encode(data, ISSUER_KEY.kid, SIGNED.signature), RING, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.BAD_IDENTIFIER
    assert "校验位错误" in verdict.message


def test_strict_base64url() -> None:
    for n in range(6):
        data = bytes(range(n))
        assert unb64url(b64url(data)) == data
    with pytest.raises(ValueError, match="base64url"):
        unb64url("AB")  # "AB" and "AA" would both decode to b"\x00"
    with pytest.raises(ValueError, match="base64url"):
        unb64url("A")


# --------------------------------------------------------------------------- tampering

OTHER_SAME_ISSUER = KeyPair.generate()
RING_TWO_KEYS = RING.add(OTHER_SAME_ISSUER.public(ISSUER, date(2023, 1, 1)))

TAMPERS: dict[str, tuple[dict[str, Any], VerdictCode]] = {
    "name": ({"name": "食品经营许可证（副本）"}, VerdictCode.BAD_SIGNATURE),
    "type_code": (
        {
            "type_code": "11100000000013338W012",
            "identifier": make_certificate_identifier(
                "11100000000013338W012", ISSUER, "20230000403", 1
            ),
        },
        VerdictCode.BAD_SIGNATURE,
    ),
    "number": ({"number": "JY16107270012346"}, VerdictCode.BAD_SIGNATURE),
    "identifier": (
        {"identifier": make_certificate_identifier(TYPE_CODE, ISSUER, "20230000404", 1)},
        VerdictCode.BAD_SIGNATURE,
    ),
    "issuer_name": ({"issuer_name": "略阳县人民政府"}, VerdictCode.BAD_SIGNATURE),
    "issuer_code": (
        {
            "issuer_code": OTHER_ISSUER,
            "identifier": make_certificate_identifier(TYPE_CODE, OTHER_ISSUER, "20230000403", 1),
        },
        VerdictCode.WRONG_ISSUER,
    ),
    "issue_date": ({"issue_date": "2023-05-05"}, VerdictCode.BAD_SIGNATURE),
    "holder_name": ({"holder_name": "李四"}, VerdictCode.BAD_SIGNATURE),
    "holder_code": ({"holder_code": OTHER_HOLDER}, VerdictCode.BAD_SIGNATURE),
    "holder_code_type": (
        {"holder_code_type": "001", "holder_code": OTHER_ISSUER},
        VerdictCode.BAD_SIGNATURE,
    ),
    "region": ({"region": "610727001"}, VerdictCode.BAD_SIGNATURE),
    "valid_from": ({"valid_from": "2023-05-05"}, VerdictCode.BAD_SIGNATURE),
    "valid_to": ({"valid_to": None}, VerdictCode.BAD_SIGNATURE),
    "signer_kid": ({"signer_kid": OTHER_SAME_ISSUER.kid}, VerdictCode.BAD_SIGNATURE),
    "item_code": ({"item_code": "000130001001"}, VerdictCode.BAD_SIGNATURE),
    "previous": (
        {"previous": make_certificate_identifier(TYPE_CODE, ISSUER, "20230000403", 2)},
        VerdictCode.BAD_SIGNATURE,
    ),
    "version": (
        {
            "version": 2,
            "identifier": make_certificate_identifier(TYPE_CODE, ISSUER, "20230000403", 2),
        },
        VerdictCode.BAD_SIGNATURE,
    ),
}


def test_every_field_is_covered_by_a_tamper_case() -> None:
    assert set(TAMPERS) == set(CERT.to_dict())


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_tampered_field_is_refused(field: str) -> None:
    changes, expected = TAMPERS[field]
    data = {**CERT.to_dict(), **changes}
    Certificate.from_dict(data)  # still a well-formed record: only the signature can tell
    text = encode(data, data["signer_kid"], SIGNED.signature)
    verdict = verify(text, RING_TWO_KEYS, EMPTY_LIST, TODAY)
    assert not verdict.ok
    assert verdict.code is expected
    if expected is VerdictCode.BAD_SIGNATURE:
        assert verdict.message == "签名不符，证照内容可能被篡改"


def test_changed_signature_is_refused() -> None:
    sig = bytearray(SIGNED.signature)
    sig[10] ^= 1
    verdict = verify(encode(CERT.to_dict(), ISSUER_KEY.kid, bytes(sig)), RING, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.BAD_SIGNATURE


@settings(max_examples=400, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(PAYLOAD) - 1), byte=st.integers(0, 255))
def test_no_single_byte_change_verifies(position: int, byte: int) -> None:
    raw = bytearray(PAYLOAD.encode("ascii"))
    if raw[position] == byte:
        byte = (byte + 1) % 256
    raw[position] = byte
    verdict = verify(raw.decode("latin-1"), RING, EMPTY_LIST, TODAY)
    assert not verdict.ok


def test_each_character_changed_to_its_neighbour_never_verifies() -> None:
    # Deterministic companion of the property above, over every position; it covers the
    # last character, whose low bits base64 would otherwise ignore.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, char in enumerate(PAYLOAD):
        other = alphabet[(alphabet.index(char) + 1) % 64] if char in alphabet else "A"
        assert not verify(PAYLOAD[:i] + other + PAYLOAD[i + 1 :], RING, EMPTY_LIST, TODAY).ok


# --------------------------------------------------------------------------- keys


def test_key_id_is_sha256_prefix_of_the_raw_public_key() -> None:
    assert ISSUER_KEY.kid == hashlib.sha256(ISSUER_KEY.public_raw).hexdigest()[:16]
    assert key_id(ISSUER_KEY.public_raw) == ISSUER_KEY.kid
    again = KeyPair.from_private_bytes(ISSUER_KEY.private_bytes())
    assert again.kid == ISSUER_KEY.kid


def test_key_ring_round_trip() -> None:
    assert KeyRing.from_list(RING.to_list()) == RING


def test_wrong_key_signature() -> None:
    impostor = KeyPair.generate()
    forged = SignedCertificate(CERT, impostor.sign(signing_bytes(CERT)))
    verdict = verify(forged, RING, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.BAD_SIGNATURE


def test_unknown_kid() -> None:
    stranger = KeyPair.generate()
    signed = sign_certificate(make_cert(signer_kid=stranger.kid), stranger)
    verdict = verify(signed.payload(), RING, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.UNKNOWN_KEY
    assert stranger.kid in verdict.message


def test_status_key_cannot_sign_certificates() -> None:
    signed = sign_certificate(make_cert(signer_kid=HUB_KEY.kid), HUB_KEY)
    assert verify(signed, RING, EMPTY_LIST, TODAY).code is VerdictCode.UNKNOWN_KEY


def test_key_of_another_issuer() -> None:
    other = KeyPair.generate()
    ring = RING.add(other.public(OTHER_ISSUER, date(2023, 1, 1)))
    signed = sign_certificate(make_cert(signer_kid=other.kid), other)
    verdict = verify(signed, ring, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.WRONG_ISSUER
    with pytest.raises(CertificateError, match="不属于颁发机构"):
        sign_certificate(make_cert(signer_kid=other.kid), other, keyring=ring)


def test_sign_refuses_a_key_that_is_not_the_recorded_signer() -> None:
    with pytest.raises(CertificateError, match="不一致"):
        sign_certificate(CERT, OTHER_SAME_ISSUER)


def test_rotation_keeps_old_certificates_verifiable() -> None:
    new_key = KeyPair.generate()
    rotated = RING.add(new_key.public(ISSUER, date(2026, 1, 1))).retire(
        ISSUER_KEY.kid, date(2026, 1, 1)
    )
    # Issued in 2023 with the old key: still valid after the rotation.
    assert verify(PAYLOAD, rotated, EMPTY_LIST, TODAY).ok
    # A new certificate with the new key.
    fresh = make_cert(
        identifier=make_certificate_identifier(TYPE_CODE, ISSUER, "20260000001", 1),
        issue_date=date(2026, 3, 1),
        valid_from=date(2026, 3, 1),
        signer_kid=new_key.kid,
    )
    assert verify(sign_certificate(fresh, new_key, keyring=rotated), rotated, EMPTY_LIST, TODAY).ok
    # The retired key signing a certificate dated after its retirement.
    late = dataclasses.replace(fresh, signer_kid=ISSUER_KEY.kid)
    with pytest.raises(CertificateError, match="不可用于签发"):
        sign_certificate(late, ISSUER_KEY, keyring=rotated)
    verdict = verify(sign_certificate(late, ISSUER_KEY), rotated, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.KEY_RETIRED
    assert "2026-01-01" in verdict.message
    # The retirement day itself is already too late; the day before is not.
    on_the_day = dataclasses.replace(late, issue_date=date(2026, 1, 1))
    day_before = dataclasses.replace(late, issue_date=date(2025, 12, 31))
    check = verify(sign_certificate(on_the_day, ISSUER_KEY), rotated, EMPTY_LIST, TODAY)
    assert check.code is VerdictCode.KEY_RETIRED
    assert verify(sign_certificate(day_before, ISSUER_KEY), rotated, EMPTY_LIST, TODAY).ok
    # The new key before it became active.
    early = dataclasses.replace(fresh, issue_date=date(2025, 6, 1), valid_from=date(2025, 6, 1))
    verdict = verify(sign_certificate(early, new_key), rotated, EMPTY_LIST, TODAY)
    assert verdict.code is VerdictCode.KEY_RETIRED
    assert "早于该密钥启用日期" in verdict.message


# --------------------------------------------------------------------------- status


def test_revoked() -> None:
    entries = {KNOWN_GOOD: StatusEntry("revoked", "以欺骗手段取得许可", date(2026, 10, 1))}
    verdict = verify(PAYLOAD, RING, status_list(entries), TODAY)
    assert verdict.code is VerdictCode.REVOKED
    assert verdict.message.startswith("证照已被吊销：原因：以欺骗手段取得许可")
    assert "状态截至 2026-11-27" in verdict.message
    assert verdict.as_of == TODAY
    # Verified for a day before the revocation took effect.
    assert verify(PAYLOAD, RING, status_list(entries), date(2026, 9, 30)).ok


def test_superseded() -> None:
    newer = make_certificate_identifier(TYPE_CODE, ISSUER, "20230000403", 2)
    entries = {KNOWN_GOOD: StatusEntry("superseded", "变更经营场所", date(2026, 11, 1), newer)}
    verdict = verify(PAYLOAD, RING, status_list(entries), TODAY)
    assert verdict.code is VerdictCode.SUPERSEDED
    assert newer in verdict.message


def test_status_of_another_certificate_does_not_matter() -> None:
    other = make_certificate_identifier(TYPE_CODE, ISSUER, "20230000404", 1)
    entries = {other: StatusEntry("revoked", "注销", date(2026, 1, 1))}
    assert verify(PAYLOAD, RING, status_list(entries), TODAY).ok


def test_expired_not_yet_valid_and_long_term() -> None:
    assert verify(PAYLOAD, RING, EMPTY_LIST, date(2028, 5, 3)).ok  # last day included
    expired = verify(PAYLOAD, RING, EMPTY_LIST, date(2028, 5, 4))
    assert expired.code is VerdictCode.EXPIRED
    assert "2028-05-03" in expired.message
    early = verify(PAYLOAD, RING, EMPTY_LIST, date(2023, 5, 3))
    assert early.code is VerdictCode.NOT_YET_VALID
    long_term = sign_certificate(make_cert(valid_to=None), ISSUER_KEY)
    assert verify(long_term.payload(), RING, EMPTY_LIST, date(2099, 1, 1)).ok


def test_status_list_round_trip() -> None:
    entries = {KNOWN_GOOD: StatusEntry("revoked", "吊销", date(2026, 10, 1))}
    signed = status_list(entries)
    again = SignedStatusList.from_dict(signed.to_dict())
    assert again == signed
    assert verify_status_list(again, RING).as_of == TODAY


def test_tampered_status_list_is_refused() -> None:
    entries = {KNOWN_GOOD: StatusEntry("revoked", "吊销", date(2026, 10, 1))}
    wire = status_list(entries).to_dict()
    wire["list"]["entries"] = {}  # someone drops the revocation on the way
    tampered = SignedStatusList.from_dict(wire)
    with pytest.raises(StatusListError, match="签名不符"):
        verify_status_list(tampered, RING)
    verdict = verify(PAYLOAD, RING, tampered, TODAY)
    assert not verdict.ok and verdict.code is VerdictCode.BAD_STATUS_LIST
    assert "无法确认证照状态" in verdict.message


def test_status_list_spelt_differently_is_refused() -> None:
    wire = status_list().to_dict()
    wire["list"]["issued_at"] = "2026-11-27T01:00:00+00:00"  # same moment, other spelling
    with pytest.raises(StatusListError, match="不规范"):
        SignedStatusList.from_dict(wire)


def test_status_list_signed_by_a_certificate_key_is_refused() -> None:
    forged = sign_status_list(StatusList(ISSUER_KEY.kid, LIST_AT, {}), ISSUER_KEY)
    with pytest.raises(StatusListError, match="不是状态名单密钥"):
        verify_status_list(forged, RING)
    stranger = KeyPair.generate()
    unknown = sign_status_list(StatusList(stranger.kid, LIST_AT, {}), stranger)
    assert verify(PAYLOAD, RING, unknown, TODAY).code is VerdictCode.BAD_STATUS_LIST


def test_status_entry_rules() -> None:
    with pytest.raises(StatusListError):
        StatusEntry("superseded", "变更", date(2026, 1, 1))  # replacement missing
    with pytest.raises(StatusListError):
        StatusEntry("revoked", "吊销", date(2026, 1, 1), KNOWN_GOOD)


# --------------------------------------------------------------------------- usage log

LOG_KEY = b"county log key for tests"
T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def fields(i: int, **changes: Any) -> UsageFields:
    base: dict[str, Any] = {
        "node": "610727105",
        "at": T0 + timedelta(minutes=i),
        "actor": "town-610727105",
        "action": "verify",
        "case_no": f"610727105-20261127-{i:04d}",
        "purpose": "食品经营许可变更：核验原证",
        "certificate": KNOWN_GOOD,
    }
    base.update(changes)
    return UsageFields(**base)


def build_chain(n: int) -> list[UsageEntry]:
    entries: list[UsageEntry] = []
    for i in range(n):
        entries.append(chain_entry(entries[-1] if entries else None, fields(i)))
    return entries


def rehash(entry: UsageEntry, **changes: Any) -> UsageEntry:
    changed = dataclasses.replace(entry, **changes)
    return dataclasses.replace(changed, hash=changed.expected_hash())


def test_good_chain() -> None:
    entries = build_chain(5)
    assert entries[0].seq == 1 and entries[0].prev_hash == GENESIS
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    report = check_chain(entries)
    assert report.ok and report.problem is None and report.checked == 5
    assert report.head == ChainAnchor(5, entries[-1].hash)
    assert check_chain([UsageEntry.from_dict(e.to_dict()) for e in entries]).ok


def test_chain_gap() -> None:
    entries = build_chain(5)
    report = check_chain(entries[:2] + entries[3:])
    assert not report.ok and report.problem == "gap" and report.first_bad_seq == 3
    assert "缺少第 3 条" in report.reason
    assert check_chain(entries[1:]).problem == "gap"  # does not start at 1
    assert check_chain([*entries[:3], entries[2]]).problem == "gap"  # repeated


def test_chain_rewrite() -> None:
    entries = build_chain(5)
    entries[2] = dataclasses.replace(entries[2], purpose="另作他用")
    report = check_chain(entries)
    assert report.problem == "rewritten" and report.first_bad_seq == 3
    assert "被改写" in report.reason


def test_chain_rewrite_with_recomputed_hash_breaks_the_next_link() -> None:
    entries = build_chain(5)
    entries[2] = rehash(entries[2], purpose="另作他用")
    report = check_chain(entries)
    assert report.problem == "broken_link" and report.first_bad_seq == 4


def test_chain_broken_link() -> None:
    entries = build_chain(5)
    entries[3] = rehash(entries[3], prev_hash="f" * 64)
    report = check_chain(entries)
    assert report.problem == "broken_link" and report.first_bad_seq == 4
    assert "链条断裂" in report.reason


def test_chain_fork_against_the_anchor() -> None:
    entries = build_chain(6)
    anchor = ChainAnchor(3, entries[2].hash)
    # The batch after the anchor is fine on its own and joins the anchor.
    assert check_chain(entries[3:], anchor).ok
    assert check_chain(entries, anchor).ok
    assert check_chain(entries[2:], anchor).ok  # a resend overlapping the anchor
    # The node rewrote entry 2 and recomputed everything after it: consistent in
    # itself, but not the history the hub already accepted.
    forged = entries[:1]
    for i in range(1, 6):
        forged.append(chain_entry(forged[-1], fields(i, purpose="改写") if i == 1 else fields(i)))
    assert check_chain(forged).ok
    report = check_chain(forged, anchor)
    assert report.problem == "fork" and report.first_bad_seq == 3
    assert check_chain(forged[1:], anchor).problem == "fork"
    report = check_chain(forged[3:], anchor)
    assert report.problem == "fork" and report.first_bad_seq == 4
    # Cut back to before the anchor.
    report = check_chain(entries[:2], anchor)
    assert report.problem == "fork" and "截断" in report.reason
    # A batch that skips past the anchor.
    assert check_chain(entries[4:], anchor).problem == "gap"


def test_chain_entries_of_another_node() -> None:
    entries = build_chain(2)
    with pytest.raises(InvalidInput, match="属于节点"):
        chain_entry(entries[-1], fields(2, node="610727001"))


def test_holder_is_stored_as_hmac_and_mask_only() -> None:
    entry = chain_entry(
        None,
        UsageFields.for_holder(
            holder_code_type="111",
            holder_code=HOLDER,
            key=LOG_KEY,
            node="610727105",
            at=T0,
            actor="agent-610727105201",
            action="lookup",
            case_no="610727105-20261127-0001",
            purpose="代办营业执照：查询持证情况",
        ),
    )
    text = canonical_json(entry.to_dict()).decode()
    assert HOLDER not in text
    assert entry.holder_masked == "1304**********291X"
    assert entry.holder_ref == holder_ref("111", HOLDER, key=LOG_KEY)
    assert holder_ref("111", HOLDER, key=b"another key") != entry.holder_ref
    assert check_chain([entry]).ok


def test_usage_fields_must_say_what_and_why() -> None:
    with pytest.raises(InvalidInput, match="证照或持证主体"):
        chain_entry(None, fields(0, certificate=None))
    with pytest.raises(InvalidInput, match="用证事由"):
        chain_entry(None, fields(0, purpose=" "))
