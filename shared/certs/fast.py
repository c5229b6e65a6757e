"""The fast path of payload parsing: one regular expression for the canonical spelling.

:func:`shared.certs.signing.parse_payload` is the specification: base64url, UTF-8,
``json.loads``, re-serialise to canonical JSON and compare, then
``SignedCertificate.from_dict`` with every rule of :class:`Certificate`. Done that way
it costs as much as the Ed25519 check it precedes. :func:`certificate` here accepts a
subset of what that path accepts and builds the very same certificate with cheaper
steps; for everything else it answers None and the caller runs the full path, which
then refuses with the exact verdict and message it always gave. So this module never
refuses anything and never accepts anything the full path would refuse; each check
below says why it is the one it replaces.

**Canonical JSON without re-serialising.** :data:`_PAYLOAD` matches the JSON text of
the payload only in this form: exactly the keys ``cert`` (its 17 keys), ``kid``, ``sig``
in sorted order, no blanks, every string free of ``"``, ``\\`` and U+0000–U+001F, the
version a decimal integer without leading zeros, ``null`` where allowed. For such a
text ``json.loads`` returns each string as written (there are no escapes) and
``canonical_json`` writes it back as written (with ``ensure_ascii=False`` the encoder
escapes only ``"``, ``\\`` and U+0000–U+001F; a text decoded from UTF-8 holds no lone
surrogates), keys sorted, integers in decimal: the same bytes. So a match passes the
full path's "编码不规范" check; a text that does not match (a blank, another key order,
``1.0``) simply takes the full path, which re-serialises as before. A text whose strings
hold escapes (a ``"`` in a name: rare) matches :data:`_LOOSE` instead, and each escaped
string is re-encoded on its own (:func:`_unescaped`), which is the same check.

**No slow path.** The full path only ever sees a text that failed here; if such a text
is not in the payload's form and holds more than 64 of ``[{,:`` it cannot be a
certificate, and :func:`too_complex` has it refused before ``json.loads`` (nesting 900
deep or thousands of numbers would otherwise cost several signature checks).
"""

from __future__ import annotations

import binascii
import functools
import json
import re
from datetime import date
from typing import Any

from shared.certs.model import (
    _FIELDS,
    Certificate,
    CertificateError,
    _canonical,
    _text,
    _unchecked,
    _validate_issuer_code,
)
from shared.errors import InvalidInput
from shared.ids.certificate import make_certificate_identifier
from shared.ids.gb32100 import validate_uscc
from shared.ids.region import region_level

# A JSON string the canonical encoder writes back unchanged (see the module docstring).
_STR = r'"([^"\\\x00-\x1f]*)"'
# The same, for model._text: not empty, no blank at either end (re's \s is what
# str.isspace() and so str.strip() take for blank), at most so many characters.
_TEXT = r'"((?!\s)[^"\\\x00-\x1f]{1,%d}(?<!\s))"'
# Any string as canonical JSON may write it, escapes included. (Possessive, so a text
# that does not match is given up at once, never backtracked.)
_ESCAPED = r'"((?:[^"\\\x00-\x1f]++|\\["\\bfnrt]|\\u00[01][0-9a-f])*+)"'
_DAY = r'"([0-9]{4}-[0-9]{2}-[0-9]{2})"'
# The identifier in the only form parse_certificate_identifier turns back into the same
# text (upper case, no blanks, 3-digit version); the parts' own rules are checked below.
_IDENTIFIER = (
    r"1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9A-Z]{1,32})"
    r"\.([0-9]{3})\.([0-9A-Z])"
)


def _payload_pattern(*, escapes: bool) -> str:
    """The payload's JSON, keys in canonical order; ``escapes``: strings may hold them."""
    plain = _ESCAPED if escapes else _STR

    def text(limit: int) -> str:
        # With escapes the text rules are checked on the decoded value instead.
        return _ESCAPED if escapes else _TEXT % limit

    identifier = _IDENTIFIER.replace("([0-9A-Z]{21})", "(?P<type>[0-9A-Z]{21})", 1)
    identifier = identifier.replace("([0-9A-Z]{18})", "(?P<issuer>[0-9A-Z]{18})", 1)
    value = {
        "holder_code": plain,
        "holder_code_type": r'"(111|001)"',
        "holder_name": text(200),
        "identifier": f'"({identifier})"',
        "issue_date": _DAY,
        # Certificate._check: the identifier's type code and issuer are the record's.
        "issuer_code": r'"(?P=issuer)"',
        "issuer_name": text(200),
        "item_code": f"(?:null|{text(64)})",
        "name": text(200),
        "number": text(200),
        "previous": f"(?:null|{plain})",
        "region": plain,
        "signer_kid": r'"(?P<kid>[0-9a-f]{16})"',
        "type_code": r'"(?P=type)"',
        "valid_from": _DAY,
        "valid_to": r'(?:null|"([0-9]{4}-[0-9]{2}-[0-9]{2})")',
        "version": r"([1-9][0-9]{0,2})",  # from_dict's 1–999, in canonical decimal
    }
    if value.keys() != _FIELDS:
        raise AssertionError("the payload pattern must name every field of Certificate")
    return (
        r'\{"cert":\{'
        + ",".join(f'"{name}":{value[name]}' for name in sorted(_FIELDS))
        # SignedCertificate.from_dict: the kid outside is the signed one.
        + r'\},"kid":"(?P=kid)","sig":"([A-Za-z0-9_-]{86})"\}'
    )


_PAYLOAD = re.compile(_payload_pattern(escapes=False))
# Every valid certificate's payload matches this one.
_LOOSE = re.compile(_payload_pattern(escapes=True))
_PREVIOUS = re.compile(_IDENTIFIER)

# "[", "{", ",", ":" a text not in the payload's form may hold and still be parsed as JSON.
_MAX_STRUCTURE = 64

# ISO/IEC 7064 MOD 37,36 as in shared.ids.certificate.mod37_36_check, one table lookup
# per character: _STEP[p][char] is the next p.
_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEP = [
    {char: (2 * ((p + value) % 36 or 36)) % 37 for value, char in enumerate(_ALPHANUMERIC)}
    for p in range(37)
]

_B64URL_VALUES = {
    c: v for v, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}

# GB 11643 (see shared.ids.gb11643): born in 1900 or later, check character by sum mod 11.
_ID_EARLIEST = date(1900, 1, 1)
_ID_CHECK = "10X98765432"
_ID_LAST = frozenset("0123456789X")


def certificate(text: str) -> tuple[Certificate, bytes] | None:
    """The certificate and the signature ``text`` (the payload's JSON) holds.

    None when ``text`` is not in the form above or any rule is not plainly met: the
    caller then runs the full path, which decides (and words the refusal).
    """
    match = _PAYLOAD.fullmatch(text)
    if match is not None:
        # Any: the pattern decides which groups may be None (valid_to, item_code, previous).
        groups: tuple[Any, ...] | None = match.groups()
    elif "\\" in text and (match := _LOOSE.fullmatch(text)) is not None:
        groups = _unescaped(match.groups())  # a text with escapes: rare, a little slower
        if groups is not None and not _texts_ok(groups):
            return None
    else:
        return None
    if groups is None:
        return None
    (
        holder_code,
        holder_code_type,
        holder_name,
        identifier,
        type_code,  # == the record's type_code and issuer_code (the pattern)
        issuer_code,
        serial,
        id_version,
        id_check,
        issue_text,
        issuer_name,
        item_code,
        name,
        number,
        previous,
        region,
        signer_kid,
        from_text,
        to_text,
        version_text,
        sig,
    ) = groups
    # Certificate._check, identifier: the version is the record's, the check holds (the
    # check character over type code, issuer, serial and version; the state after the
    # first two is computed once per pair, with the issuer's own check).
    if id_version != version_text.zfill(3):
        return None
    p = _record_prefix_state(type_code, issuer_code)
    if p is None:
        return None
    step = _STEP
    for char in serial + id_version:
        p = step[p][char]
    if _ALPHANUMERIC[(37 - p) % 36] != id_check:
        return None
    # model._date: fromisoformat gives back the same spelling. For the pattern's
    # DDDD-DD-DD it either raises or returns the date whose isoformat() is that text.
    try:
        issue_date = date.fromisoformat(issue_text)
        valid_from = date.fromisoformat(from_text)
        valid_to = None if to_text is None else date.fromisoformat(to_text)
    except ValueError:
        return None
    if holder_code_type == "111":
        if not _id_number_ok(holder_code, issue_date):
            return None
    elif not _uscc_ok(holder_code):
        return None
    if not _region_ok(region):
        return None
    if valid_to is not None and valid_to < valid_from:
        return None
    if previous is not None and not _previous_ok(previous, identifier, type_code):
        return None
    # unb64url of the 86 characters the pattern allows: the last one's 4 unused bits must
    # be zero (else a second spelling of the same signature), then it is standard base64.
    if _B64URL_VALUES[sig[-1]] & 0b1111:
        return None
    signature = binascii.a2b_base64(sig.replace("-", "+").replace("_", "/") + "==")
    fields = {
        "name": name,
        "type_code": type_code,
        "number": number,
        "identifier": identifier,
        "issuer_name": issuer_name,
        "issuer_code": issuer_code,
        "issue_date": issue_date,
        "holder_name": holder_name,
        "holder_code": holder_code,
        "holder_code_type": holder_code_type,
        "region": region,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "signer_kid": signer_kid,
        "item_code": item_code,
        "previous": previous,
        "version": int(version_text),
    }
    return _unchecked(fields), signature


def _texts_ok(groups: tuple[Any, ...]) -> bool:
    """model._text for the texts _PAYLOAD checks itself, on decoded values (_LOOSE)."""
    holder_name, issuer_name, item_code, name, number = (groups[i] for i in (2, 10, 11, 12, 13))
    for value, limit in ((name, 200), (number, 200), (issuer_name, 200), (holder_name, 200)):
        if not 0 < len(value) <= limit or value != value.strip():
            return False
    return item_code is None or (0 < len(item_code) <= 64 and item_code == item_code.strip())


@functools.lru_cache(maxsize=256)
def _prefix_state(type_code: str, issuer: str) -> int | None:
    """The MOD 37,36 state after ``type_code + issuer``; None if either is misshapen.

    A county has a few dozen issuers and types: their part of every identifier's
    check is computed once. ``make_certificate_identifier`` raises exactly when the
    shapes parse_certificate_identifier checks (_check_parts) are wrong.
    """
    try:
        make_certificate_identifier(type_code, issuer, "0", 0)
    except InvalidInput:
        return None
    return _state(36, type_code + issuer)


@functools.lru_cache(maxsize=256)
def _record_prefix_state(type_code: str, issuer_code: str) -> int | None:
    """:func:`_prefix_state`, also None unless ``issuer_code`` is a valid record's issuer.

    Certificate._check: ``_canonical(issuer_code, "issuer_code", _validate_issuer_code)``.
    One cache for both, so a certificate costs one look-up.
    """
    try:
        _canonical(issuer_code, "issuer_code", _validate_issuer_code)
    except CertificateError:
        return None
    return _prefix_state(type_code, issuer_code)


def _unescaped(groups: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The groups with JSON escapes decoded, or None if one is not canonically escaped.

    The payload's JSON is canonical exactly when each value is written as canonical
    JSON writes it (the structure around them is fixed): so each string with a
    backslash must be given back unchanged by encoding what it decodes to.
    """
    decoded: list[str | None] = []
    for group in groups:
        if group is not None and "\\" in group:
            value = json.loads(f'"{group}"')
            if json.dumps(value, ensure_ascii=False) != f'"{group}"':
                return None
            group = value
        decoded.append(group)
    return tuple(decoded)


def too_complex(text: str) -> bool:
    """Whether ``text`` (the payload's JSON) is to be refused without parsing it as JSON.

    Never for a valid certificate's payload (it is in the loose form); for any other
    text only when it holds more than 64 of ``[{,:``, so that every text parsed as
    JSON is either flat (the payload's form) or small.
    """
    structure = text.count("[") + text.count("{") + text.count(",") + text.count(":")
    return structure > _MAX_STRUCTURE and _LOOSE.fullmatch(text) is None


def _state(p: int, data: str) -> int:
    for char in data:
        p = _STEP[p][char]
    return p


def _check_char(type_code: str, issuer: str, rest: str) -> str | None:
    """The identifier's check character (the regex already allows only 0-9A-Z)."""
    p = _prefix_state(type_code, issuer)
    return None if p is None else _ALPHANUMERIC[(37 - _state(p, rest)) % 36]


@functools.lru_cache(maxsize=4096)
def _region_ok(code: str) -> bool:
    # Certificate._check: _text(region, limit=12) and region_level; a county has a few
    # hundred division codes, each checked once.
    try:
        _text("region", code, limit=12)
        region_level(code, field="region")
    except InvalidInput:
        return False
    return True


def _id_number_ok(code: str, issue_date: date) -> bool:
    """validate_id_number(code, today=issue_date).number == code, without its messages.

    18 characters, already in canonical form (no blanks, upper-case X), 17 ASCII
    digits and a digit or X, a real birth date from 1900 up to the issue date, and the
    GB 11643 check character.
    """
    if len(code) != 18 or not code.isascii() or not code[:17].isdigit():
        return False
    if code[17] not in _ID_LAST:
        return False
    # The 8 digits YYYYMMDD, which fromisoformat (3.11) reads as date(YYYY, MM, DD).
    try:
        born = date.fromisoformat(code[6:14])
    except ValueError:
        return False
    if born < _ID_EARLIEST or born > issue_date:
        return False
    # The weights are 2^(18-i) mod 11 for the i-th digit, and 13 ≡ 2 (mod 11): the
    # weighted sum is 2·Σ dᵢ·13^(17-i) = 2·int(first 17, base 13), modulo 11.
    return _ID_CHECK[2 * int(code[:17], 13) % 11] == code[17]


def _uscc_ok(code: str) -> bool:
    # Certificate._check for an 001 holder: _canonical(holder_code, validate_uscc).
    try:
        _canonical(code, "holder_code", validate_uscc)
    except CertificateError:
        return False
    return True


def _previous_ok(previous: str, identifier: str, type_code: str) -> bool:
    """Certificate._check for ``previous``: another canonical identifier of the same type.

    The pattern leaves it at most 94 characters, none blank: _text(limit=100) holds.
    """
    match = _PREVIOUS.fullmatch(previous)
    if match is None:
        return False
    p_type, p_issuer, p_serial, p_version, p_check = match.groups()
    if p_type != type_code or previous == identifier:
        return False
    return _check_char(p_type, p_issuer, p_serial + p_version) == p_check
