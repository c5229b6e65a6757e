"""Tests for the fast verification path: fast parse ≡ full parse, verify_many ≡ verify.

The fast path (shared.certs.fast) may only ever answer "same as the full path" or "ask
the full path", so most tests here run both and compare. Behaviour only, no timing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shared.certs
from shared.canonical import canonical_json
from shared.certs import (
    Certificate,
    CertificateError,
    KeyPair,
    KeyRing,
    SignedCertificate,
    SignedStatusList,
    StatusEntry,
    StatusList,
    Verdict,
    VerdictCode,
    fast,
    parse_payload,
    sign_certificate,
    sign_status_list,
    signing,
    verify,
    verify_many,
)
from shared.certs.signing import MAX_PAYLOAD, b64url, unb64url
from shared.errors import InvalidInput
from shared.ids import id_check_char, make_certificate_identifier
from shared.ids.certificate import mod37_36_check
from shared.ids.gb11643 import validate_id_number

TYPE_CODE = "11100000000013338W011"
ISSUER = "11430000006122244L"
OTHER_ISSUER = "91370406L24894136J"
TODAY = date(2026, 11, 27)
LIST_AT = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)

ISSUER_KEY = KeyPair.generate()
OTHER_KEY = KeyPair.generate()  # registered for another issuer
RETIRED_KEY = KeyPair.generate()  # retired on 2024-01-01
STRANGER = KeyPair.generate()  # not in the ring
HUB_KEY = KeyPair.generate()
RING = KeyRing.of(
    [
        ISSUER_KEY.public(ISSUER, date(2020, 1, 1)),
        OTHER_KEY.public(OTHER_ISSUER, date(2020, 1, 1)),
        RETIRED_KEY.public(ISSUER, date(2020, 1, 1), retired_at=date(2024, 1, 1)),
        HUB_KEY.public(ISSUER, date(2020, 1, 1), usage="status"),
    ]
)


def holder(i: int) -> str:
    first17 = f"610727{date(1950, 1, 1) + timedelta(days=i * 37):%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_char(first17)


def make_cert(i: int, key: KeyPair = ISSUER_KEY, **changes: Any) -> Certificate:
    issued = date(2024, 1, 1) + timedelta(days=i % 700)
    fields: dict[str, Any] = {
        "name": "食品经营许可证",
        "type_code": TYPE_CODE,
        "number": f"JY1610727{i:07d}",
        "identifier": make_certificate_identifier(TYPE_CODE, ISSUER, f"2026{i:07d}", 1),
        "issuer_name": "略阳县市场监督管理局",
        "issuer_code": ISSUER,
        "issue_date": issued,
        "holder_name": "张三丰",
        "holder_code": holder(i),
        "holder_code_type": "111",
        "region": "610727105",
        "valid_from": issued,
        "valid_to": issued + timedelta(days=5 * 365),
        "signer_kid": key.kid,
        "item_code": "000130001000",
        "previous": None,
        "version": 1,
    }
    fields.update(changes)
    return Certificate(**fields)


def payload_of(cert: Certificate, key: KeyPair = ISSUER_KEY) -> str:
    return sign_certificate(cert, key).payload()


def encode(body: str | bytes) -> str:
    return "SJC1." + b64url(body.encode("utf-8") if isinstance(body, str) else body)


def status_list(entries: dict[str, StatusEntry]) -> SignedStatusList:
    return sign_status_list(StatusList(HUB_KEY.kid, LIST_AT, entries), HUB_KEY)


# Certificates of every shape the fast path must read itself.
SHAPES: dict[str, Certificate] = {
    "plain": make_cert(1),
    "long_term": make_cert(2, valid_to=None),
    "no_item": make_cert(3, item_code=None),
    "business": make_cert(
        4, holder_code_type="001", holder_code=OTHER_ISSUER, holder_name="某某食品有限公司"
    ),
    "version_2": make_cert(
        5,
        identifier=make_certificate_identifier(TYPE_CODE, ISSUER, "20260000005", 2),
        version=2,
        previous=make_certificate_identifier(TYPE_CODE, ISSUER, "20260000005", 1),
    ),
    "version_999": make_cert(
        6, identifier=make_certificate_identifier(TYPE_CODE, ISSUER, "Z" * 32, 999), version=999
    ),
    "village": make_cert(7, region="610727105201"),
    "county": make_cert(8, region="610727"),
    "quotes_free_ascii": make_cert(9, holder_name="Zhang San-feng (张三丰)"),
    "supplementary_plane": make_cert(10, holder_name="𠮷野家"),
    "escaped": make_cert(11, holder_name='张"三\\丰\x01', number="JY\t1"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_real_shapes_take_the_fast_path_and_equal_the_full_one(shape: str) -> None:
    cert = SHAPES[shape]
    text = payload_of(cert)
    body = unb64url(text[5:]).decode("utf-8")
    found = fast.certificate(body)
    assert found is not None, "a real certificate must not need the full path"
    assert found[0] == cert
    assert found[0].__dict__ == cert.__dict__  # same values, same types
    assert parse_payload(text) == full_parse(text)
    assert parse_payload(text).signed_bytes() == full_parse(text).signed_bytes()


# --------------------------------------------------------------------------- fast ≡ full


def full_parse(text: str) -> SignedCertificate:
    """parse_payload with the fast path switched off: the specification."""
    saved = signing.fast_certificate
    signing.fast_certificate = lambda body: None  # type: ignore[assignment]
    try:
        return parse_payload(text)
    finally:
        signing.fast_certificate = saved


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        signed = parse(text)
    except CertificateError as exc:
        return ("refused", (exc.code, exc.detail, exc.invalid_params))
    return ("parsed", (signed, signed.signed_bytes()))


# Characters that matter to one rule or another: JSON syntax, escapes, blanks (ASCII and
# not), the check alphabets, a lower-case x, CJK, an astral character, controls.
MUTATIONS = ' "\\/,:{}0129AXZaxz-._\x00\x01\x1f\x7f\u00a0\u3000\u2028中𠮷'
INSERTIONS = ' "\\0X'


@pytest.mark.parametrize("shape", ["plain", "business", "version_2", "escaped"])
def test_every_character_of_the_json_changed_gives_the_full_path_outcome(shape: str) -> None:
    body = canonical_json(sign_certificate(SHAPES[shape], ISSUER_KEY).to_dict()).decode()
    for i in range(len(body)):
        changed = [body[:i] + body[i + 1 :]]  # removed
        changed += [body[:i] + c + body[i + 1 :] for c in MUTATIONS if c != body[i]]
        changed += [body[:i] + c + body[i:] for c in INSERTIONS]
        for text in map(encode, changed):
            assert outcome(parse_payload, text) == outcome(full_parse, text), (i, text)


FIELD_VALUES = st.one_of(
    st.text(alphabet=MUTATIONS + "01234567896107X", max_size=40),
    st.text(max_size=8),
    st.integers(-2, 1200),
    st.none(),
    st.booleans(),
    st.sampled_from(["2024-02-29", "2023-02-29", "20240108", "2024-1-8", "0000-01-01"]),
    st.sampled_from([OTHER_ISSUER, ISSUER, TYPE_CODE, holder(3), holder(3).lower()]),
)


@settings(max_examples=600)
@given(
    shape=st.sampled_from(sorted(SHAPES)),
    field=st.sampled_from(sorted(Certificate.__dataclass_fields__)),
    value=FIELD_VALUES,
    tweak=st.sampled_from(["replace", "append", "prepend"]),
)
def test_any_field_changed_gives_the_full_path_outcome(
    shape: str, field: str, value: Any, tweak: str
) -> None:
    signed = sign_certificate(SHAPES[shape], ISSUER_KEY)
    data = signed.to_dict()
    old = data["cert"][field]
    if tweak != "replace" and isinstance(value, str) and isinstance(old, str):
        value = old + value if tweak == "append" else value + old
    data["cert"][field] = value
    text = encode(canonical_json(data))
    assert outcome(parse_payload, text) == outcome(full_parse, text)


@settings(max_examples=300)
@given(
    serial=st.text(alphabet="0123456789ABCDEFXYZ", min_size=1, max_size=32),
    version=st.integers(1, 999),
    check=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)
def test_identifiers_fast_and_full_agree(serial: str, version: int, check: str) -> None:
    good = make_certificate_identifier(TYPE_CODE, ISSUER, serial, version)
    for identifier in (good, good[:-1] + check):
        cert = {**SHAPES["plain"].to_dict(), "version": version, "identifier": identifier}
        text = encode(canonical_json({"cert": cert, "kid": ISSUER_KEY.kid, "sig": "A" * 86}))
        assert outcome(parse_payload, text) == outcome(full_parse, text)


@settings(max_examples=500)
@given(
    code=st.one_of(
        st.text(alphabet="0123456789Xx ", min_size=17, max_size=19),
        st.integers(0, 10**17 - 1).map(lambda n: f"{n:017d}").map(lambda s: s + id_check_char(s)),
        st.builds(
            lambda d, n: f"610727{d:%Y%m%d}{n:03d}",
            st.dates(date(1890, 1, 1), date(2030, 12, 31)),
            st.integers(0, 999),
        ).map(lambda s: s + id_check_char(s)),
    ),
    issued=st.dates(date(1899, 1, 1), date(2030, 12, 31)),
)
def test_id_number_check_equals_gb11643(code: str, issued: date) -> None:
    try:
        expected = validate_id_number(code, today=issued, field="holder_code").number == code
    except InvalidInput:
        expected = False
    assert fast._id_number_ok(code, issued) is expected


def test_the_patterns_blank_is_what_strip_strips() -> None:
    # The text rules in the pattern rely on re's \s being exactly str.isspace(), which
    # is what str.strip() strips (model._text compares a text with its strip()).
    blank = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (blank.fullmatch(char) is not None) is char.isspace(), hex(code)
        assert (char.strip() == "") is char.isspace(), hex(code)


@given(data=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=80))
def test_mod37_36_state_equals_the_check_character(data: str) -> None:
    assert fast._ALPHANUMERIC[(37 - fast._state(36, data)) % 36] == mod37_36_check(data)


def old_unb64url(text: str) -> bytes:
    """unb64url as it was before the fast path: the reference."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    unused = (0, 0, 0b1111, 0b11)[len(text) % 4]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if unused and alphabet.index(text[-1]) & unused:
        raise ValueError("non-canonical base64url")
    return data


@settings(max_examples=1000)
@given(
    text=st.one_of(
        st.text(alphabet="AQgw09_-+/= \n\t.!é中\x00", max_size=12),
        st.binary(max_size=20).map(b64url),
        st.binary(min_size=1, max_size=20).map(lambda b: b64url(b) + "A"),
    )
)
def test_unb64url_accepts_exactly_what_it_did(text: str) -> None:
    try:
        expected: bytes | None = old_unb64url(text)
    except ValueError:
        expected = None
    try:
        got: bytes | None = unb64url(text)
    except ValueError:
        got = None
    assert got == expected


TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200
).filter(lambda t: t == t.strip())


@settings(max_examples=300)
@given(
    name=TEXTS,
    holder_name=TEXTS,
    number=st.one_of(TEXTS, st.just(',:[{"\\' * 33)),
    item_code=st.one_of(st.none(), TEXTS.filter(lambda t: len(t) <= 64)),
)
def test_every_valid_certificate_parses_whatever_its_texts(
    name: str, holder_name: str, number: str, item_code: str | None
) -> None:
    cert = make_cert(1, name=name, holder_name=holder_name, number=number, item_code=item_code)
    text = payload_of(cert)
    body = unb64url(text[5:]).decode("utf-8")
    assert not fast.too_complex(body)
    assert parse_payload(text).certificate == cert
    assert verify(text, RING, status_list({}), TODAY).ok


def no_budget_parse(text: str) -> SignedCertificate:
    """The full path as it was before the structure budget and the integer bound."""
    saved = signing.too_complex, signing._short_int
    signing.too_complex = lambda body: False  # type: ignore[assignment]
    signing._short_int = int  # type: ignore[assignment]
    try:
        return full_parse(text)
    finally:
        signing.too_complex, signing._short_int = saved


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**80), 10**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=60,
)


@settings(max_examples=300)
@given(value=JSON, spaced=st.booleans())
def test_the_structure_budget_only_refuses_what_was_refused(value: Any, spaced: bool) -> None:
    body = json.dumps(value) if spaced else canonical_json(value).decode()
    text = encode(body)
    now, before = outcome(parse_payload, text), outcome(no_budget_parse, text)
    if now[0] == "refused" and now[1][1] == "无法识别的电子证照：数据结构不符":
        assert before[0] == "refused"
    else:
        assert now == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 900 + "]" * 900,
        '{"a":' * 900 + "1" + "}" * 900,
        "9" * 4_000,
        "[" + ",".join(["1e9"] * 1_500) + "]",
        "{" + ",".join(f'"{i}":1' for i in range(700)) + "}",
        '{"cert":{' + '"a":[' * 500 + "]" * 500 + '},"kid":"","sig":""}',
    ],
)
def test_deep_or_large_json_is_refused_before_json_parsing(body: str) -> None:
    text = encode(body)
    assert len(text) <= MAX_PAYLOAD
    verdict = verify(text, RING, status_list({}), TODAY)
    assert verdict.code is VerdictCode.MALFORMED
    assert verdict.message == "无法识别的电子证照：数据结构不符"


# --------------------------------------------------------------------------- size bound


def test_payload_over_the_bound_is_refused_before_any_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_run(text: str) -> bytes:
        raise AssertionError("decoded a payload over the bound")

    monkeypatch.setattr(signing, "unb64url", must_not_run)
    for text in ("SJC1." + "A" * (MAX_PAYLOAD - 4), "SJC1." + "A" * 1_000_000, "x" * 10**7):
        verdict = verify(text, RING, status_list({}), TODAY)
        assert verdict.code is VerdictCode.MALFORMED and not verdict.ok
        assert verdict.message == f"无法识别的电子证照：内容过长（{len(text)} 个字符）"
        assert verdict.certificate is None


def test_the_largest_valid_certificate_fits_under_the_bound() -> None:
    # Every text at its limit in characters canonical JSON writes as \u00XX (6 bytes).
    widest = "\x01" * 200
    cert = make_cert(
        1,
        name=widest,
        number=widest,
        issuer_name=widest,
        holder_name=widest,
        item_code="\x01" * 64,
        region="610727105201",
        identifier=make_certificate_identifier(TYPE_CODE, ISSUER, "Z" * 32, 998),
        previous=make_certificate_identifier(TYPE_CODE, OTHER_ISSUER, "Y" * 32, 999),
        version=998,
    )
    text = payload_of(cert)
    assert 7_000 < len(text) <= MAX_PAYLOAD
    assert verify(text, RING, status_list({}), date(2025, 1, 1)).ok


# --------------------------------------------------------------------------- verify_many

NEWER = make_certificate_identifier(TYPE_CODE, ISSUER, "20269999999", 2)
STATUS = status_list(
    {
        make_cert(20).identifier: StatusEntry("revoked", "以欺骗手段取得许可", date(2026, 1, 1)),
        make_cert(21).identifier: StatusEntry("superseded", "变更场所", date(2026, 2, 1), NEWER),
        make_cert(22).identifier: StatusEntry("revoked", "尚未生效的吊销", date(2027, 1, 1)),
    }
)


def tampered(text: str) -> str:
    body = unb64url(text[5:]).decode()
    return encode(body.replace("张三丰", "李四光"))


def bad_identifier() -> str:
    data = sign_certificate(make_cert(1), ISSUER_KEY).to_dict()
    ident = data["cert"]["identifier"]
    data["cert"]["identifier"] = ident[:-1] + ("0" if ident[-1] != "0" else "1")
    return encode(canonical_json(data))


def mixed() -> list[str | SignedCertificate]:
    plain = payload_of(make_cert(1))
    return [
        plain,
        payload_of(make_cert(20)),  # revoked
        payload_of(make_cert(21)),  # superseded
        payload_of(make_cert(22)),  # revocation from next year: valid today
        payload_of(make_cert(23, valid_to=date(2025, 1, 1))),  # expired
        payload_of(make_cert(24, valid_from=date(2027, 1, 1), valid_to=None)),  # not yet
        tampered(plain),  # bad signature
        payload_of(make_cert(25, signer_kid=STRANGER.kid), STRANGER),  # unknown key
        payload_of(make_cert(26, signer_kid=OTHER_KEY.kid), OTHER_KEY),  # wrong issuer
        payload_of(make_cert(27, signer_kid=RETIRED_KEY.kid), RETIRED_KEY),  # key retired
        payload_of(make_cert(28, signer_kid=HUB_KEY.kid), HUB_KEY),  # status key
        bad_identifier(),
        plain[:-1] + ("A" if plain[-1] != "A" else "B"),  # one character changed
        plain + "A",
        "",
        "hello",
        "SJC1.",
        "SJC1.!!!!",
        encode("[]"),
        encode('{"cert":{},"kid":"","sig":""}'),
        encode(json.dumps(sign_certificate(make_cert(1), ISSUER_KEY).to_dict())),  # spaces
        "SJC1." + "A" * (MAX_PAYLOAD + 1),
        sign_certificate(make_cert(29), ISSUER_KEY),  # already parsed
        None,  # type: ignore[list-item]
        plain,  # the same payload twice
    ]


def test_verify_many_equals_verify_on_each() -> None:
    payloads = mixed()
    many = verify_many(payloads, RING, STATUS, TODAY)
    one_by_one = [verify(p, RING, STATUS, TODAY) for p in payloads]
    assert many == one_by_one
    codes = [v.code for v in many]
    assert set(codes) == set(VerdictCode) - {VerdictCode.BAD_STATUS_LIST}
    # Every refusal says why, in Chinese.
    assert all(re.search(r"[\u4e00-\u9fff]", v.message) for v in many)


def test_verify_many_with_a_bad_status_list_equals_verify() -> None:
    wire = STATUS.to_dict()
    wire["list"]["entries"] = {}
    dropped = SignedStatusList.from_dict(wire)  # signature no longer holds
    payloads = mixed()
    many = verify_many(payloads, RING, dropped, TODAY)
    assert many == [verify(p, RING, dropped, TODAY) for p in payloads]
    assert VerdictCode.BAD_STATUS_LIST in {v.code for v in many}


def test_verify_many_takes_any_iterable_and_keeps_the_order() -> None:
    payloads = [payload_of(make_cert(i)) for i in range(30, 40)]

    def generate() -> Iterator[str]:
        yield from payloads

    many = verify_many(generate(), RING, STATUS, TODAY)
    assert [v.identifier for v in many] == [make_cert(i).identifier for i in range(30, 40)]
    assert all(isinstance(v, Verdict) and v.ok for v in many)
    assert verify_many([], RING, STATUS, TODAY) == []


def test_verify_many_is_exported() -> None:
    assert "verify_many" in shared.certs.__all__


# --------------------------------------------------------------------------- status index


def test_status_index_finds_every_revoked_certificate() -> None:
    entries = {
        make_cert(i).identifier: StatusEntry("revoked", f"第 {i} 号", date(2026, 1, 1))
        for i in range(100, 400)
    }
    listed = status_list(entries)
    numbers = range(95, 405, 5)
    payloads = [payload_of(make_cert(i)) for i in numbers]
    for i, verdict in zip(numbers, verify_many(payloads, RING, listed, TODAY), strict=True):
        if 100 <= i < 400:
            assert verdict.code is VerdictCode.REVOKED and f"第 {i} 号" in verdict.message
        else:
            assert verdict.ok


def test_status_list_with_a_repeated_identifier_behaves_as_before() -> None:
    # The wire form repeats an identifier: JSON keeps the last, as it always did, and
    # the hub's signature covers the list as parsed.
    ident = make_cert(1).identifier
    last = StatusEntry("superseded", "变更", date(2026, 3, 1), NEWER)
    signed = status_list({ident: last})
    text = json.dumps(signed.to_dict(), ensure_ascii=False)
    first = json.dumps(StatusEntry("revoked", "吊销", date(2026, 1, 1)).to_dict())
    text = text.replace('"entries": {', f'"entries": {{"{ident}": {first}, ', 1)
    assert text.count(ident) == 2
    parsed = SignedStatusList.from_dict(json.loads(text))
    assert parsed.status_list.status_of(ident, TODAY) == last
    assert parsed.status_list.entries.get(ident) == last  # what status_of used to read
    verdict = verify(payload_of(make_cert(1)), RING, parsed, TODAY)
    assert verdict.code is VerdictCode.SUPERSEDED


def test_status_index_works_for_any_mapping() -> None:
    ident = make_cert(1).identifier
    entry = StatusEntry("revoked", "吊销", date(2026, 1, 1))
    listed = StatusList(HUB_KEY.kid, LIST_AT, MappingProxyType({ident: entry}))
    assert listed.status_of(ident, TODAY) == entry
    assert listed.status_of(ident, date(2025, 12, 31)) is None
    assert listed.status_of(make_cert(2).identifier, TODAY) is None
    assert listed.as_of == TODAY


def test_status_list_check_is_remembered_per_ring_only() -> None:
    listed = status_list({})
    text = payload_of(make_cert(1))
    without_hub = KeyRing.of(k for k in RING if k.usage != "status")
    assert verify(text, RING, listed, TODAY).ok
    refused = verify(text, without_hub, listed, TODAY)
    assert refused.code is VerdictCode.BAD_STATUS_LIST and "未登记" in refused.message
    assert verify(text, RING, listed, TODAY).ok
    assert verify_many([text], without_hub, listed, TODAY) == [refused]
