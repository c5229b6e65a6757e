"""Issuer keys, the key ring every node holds, signed certificates and their QR payload.

A certificate is signed with Ed25519 over ``canonical_json(cert.to_dict())``. The payload
is ``SJC1.`` + base64url (no padding) of ``canonical_json({"cert", "kid", "sig"})``;
parsing accepts only that exact spelling, so one signed certificate has exactly one
payload and any changed character is either refused or changes what is verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any, Literal, NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.canonical import canonical_json
from shared.certs.fast import certificate as fast_certificate
from shared.certs.fast import too_complex
from shared.certs.model import Certificate, CertificateError
from shared.errors import InvalidParam

PAYLOAD_PREFIX = "SJC1."
#: Longer payloads are refused before any decoding. A real one is about 900 characters
#: (a QR code holds 2,953 bytes); the longest a valid certificate can have is 7,845:
#: every text at its length limit in characters JSON writes as ``\u00XX``, a 32-character
#: serial, ``previous`` set. 8 KiB stays above that, so no valid certificate is refused.
MAX_PAYLOAD = 8192

KeyUsage = Literal["certificate", "status"]

_CERT_START = b'{"cert":'
_KID_START = b',"kid":"'
# base64url → standard base64, for binascii's strict decoder.
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_B64URL_VALUES = {
    c: v for v, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}


# --------------------------------------------------------------------------- encoding


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Strict inverse of :func:`b64url`: only its exact output is accepted (ValueError)."""
    try:
        encoded = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("not base64url") from None
    # "+", "/" and "=" are deleted before "-_" become "+/": if the length changed, the
    # text held a character of standard base64 that base64url does not use. Strict mode
    # refuses every other character outside the alphabet (blanks and newlines too).
    standard = encoded.translate(_TO_STANDARD, b"+/=")
    if len(standard) != len(encoded) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = binascii.a2b_base64(standard + b"=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    # The last character may carry unused bits (4 when len % 4 == 2, 2 when 3): unless
    # they are zero, a second spelling of the same bytes would let a payload change
    # without changing what it says.
    unused = (0, 0, 0b1111, 0b11)[len(text) % 4]
    if unused and _B64URL_VALUES[text[-1]] & unused:
        raise ValueError("non-canonical base64url")
    return data


def key_id(public_raw: bytes) -> str:
    """The key id: the first 16 hex digits of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class KeyPair:
    """A private Ed25519 key (held by the hub for a department, or the hub's status key)."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        """A new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> KeyPair:
        """The key from its 32 raw private bytes (as stored by the hub)."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        """The 32 raw private bytes: keep them secret."""
        return self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @cached_property
    def public_raw(self) -> bytes:
        """The 32 raw public bytes."""
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def kid(self) -> str:
        """This key's id (:func:`key_id`)."""
        return key_id(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self.private.sign(data)

    def public(
        self,
        issuer_code: str,
        active_from: date,
        *,
        usage: KeyUsage = "certificate",
        retired_at: date | None = None,
    ) -> IssuerKey:
        """The public record of this key, as the key ring holds it."""
        return IssuerKey(self.kid, issuer_code, self.public_raw, active_from, retired_at, usage)


@dataclass(frozen=True)
class IssuerKey:
    """A public key as distributed to the nodes.

    ``usage`` keeps the two roles apart: a department's ``certificate`` key cannot sign
    a status list and the hub's ``status`` key cannot sign a certificate. The key may
    sign on days ``active_from <= day < retired_at`` (``retired_at`` is the first day it
    no longer signs; None = still in use). What it signed before stays verifiable.
    """

    kid: str
    issuer_code: str
    public_raw: bytes
    active_from: date
    retired_at: date | None = None
    usage: KeyUsage = "certificate"

    def __post_init__(self) -> None:
        if len(self.public_raw) != 32:
            raise ValueError("an Ed25519 public key has 32 bytes")
        if key_id(self.public_raw) != self.kid:
            raise ValueError(f"key id {self.kid} does not match its public key")
        if self.retired_at is not None and self.retired_at < self.active_from:
            raise ValueError("a key cannot retire before it becomes active")

    def signs_on(self, day: date) -> bool:
        """Whether the key may sign something dated ``day``."""
        return self.active_from <= day and (self.retired_at is None or day < self.retired_at)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the master feed."""
        return {
            "kid": self.kid,
            "issuer_code": self.issuer_code,
            "public_key": b64url(self.public_raw),
            "active_from": self.active_from.isoformat(),
            "retired_at": None if self.retired_at is None else self.retired_at.isoformat(),
            "usage": self.usage,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IssuerKey:
        """Inverse of :meth:`to_dict` (ValueError / KeyError on bad data)."""
        usage = data["usage"]
        if usage not in ("certificate", "status"):
            raise ValueError(f"unknown key usage {usage!r}")
        retired = data["retired_at"]
        return cls(
            kid=str(data["kid"]),
            issuer_code=str(data["issuer_code"]),
            public_raw=unb64url(str(data["public_key"])),
            active_from=date.fromisoformat(str(data["active_from"])),
            retired_at=None if retired is None else date.fromisoformat(str(retired)),
            usage="status" if usage == "status" else "certificate",
        )


@dataclass(frozen=True)
class KeyRing:
    """Every public key a node trusts, by key id. Immutable: changes return a new ring.

    Parsed public keys and status-list checks are cached, so verifying many
    certificates costs one Ed25519 verification each.
    """

    keys: Mapping[str, IssuerKey] = field(default_factory=dict)

    @classmethod
    def of(cls, keys: Iterable[IssuerKey]) -> KeyRing:
        """A ring holding ``keys`` (ValueError if a key id repeats)."""
        ring: dict[str, IssuerKey] = {}
        for key in keys:
            if key.kid in ring:
                raise ValueError(f"key {key.kid} appears twice")
            ring[key.kid] = key
        return cls(ring)

    def __iter__(self) -> Iterator[IssuerKey]:
        return iter(self.keys.values())

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, kid: str) -> IssuerKey | None:
        """The key with this id, or None."""
        return self.keys.get(kid)

    def add(self, key: IssuerKey) -> KeyRing:
        """A ring with ``key`` added (a new key for rotation); old keys stay."""
        if key.kid in self.keys:
            raise ValueError(f"key {key.kid} is already in the ring")
        return KeyRing({**self.keys, key.kid: key})

    def retire(self, kid: str, on: date) -> KeyRing:
        """A ring where ``kid`` no longer signs from ``on``."""
        return KeyRing({**self.keys, kid: replace(self.keys[kid], retired_at=on)})

    def check(self, kid: str, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the signature of ``data`` by key ``kid``."""
        public = self._public_keys.get(kid)
        if public is None:
            return False
        try:
            public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    @cached_property
    def _public_keys(self) -> dict[str, Ed25519PublicKey]:
        return {
            kid: Ed25519PublicKey.from_public_bytes(key.public_raw)
            for kid, key in self.keys.items()
        }

    @cached_property
    def _checked(self) -> dict[tuple[str, bytes, bytes], bool]:
        # (kid, signature, sha256 of the data) → result; used for status lists only.
        return {}

    def check_cached(self, kid: str, data_digest: bytes, data: bytes, signature: bytes) -> bool:
        """:meth:`check`, remembered by ``(kid, signature, data_digest)``.

        For the status list, which every verification checks again: the caller passes
        the SHA-256 of ``data`` it computed once.
        """
        memo = self._checked
        token = (kid, signature, data_digest)
        result = memo.get(token)
        if result is None:
            result = self.check(kid, data, signature)
            if len(memo) > 64:
                memo.clear()
            memo[token] = result
        return result

    def to_list(self) -> list[dict[str, Any]]:
        """JSON form for the master feed."""
        return [key.to_dict() for key in self.keys.values()]

    @classmethod
    def from_list(cls, rows: Iterable[Mapping[str, Any]]) -> KeyRing:
        """Inverse of :meth:`to_list`."""
        return cls.of(IssuerKey.from_dict(row) for row in rows)


# --------------------------------------------------------------------------- certificates


def signing_bytes(cert: Certificate) -> bytes:
    """The bytes an issuer signs: the canonical JSON of the certificate's dict."""
    return canonical_json(cert.to_dict())


@dataclass(frozen=True)
class SignedCertificate:
    """A certificate with its issuer's signature; ``kid`` = ``certificate.signer_kid``."""

    certificate: Certificate
    signature: bytes
    # The bytes the signature covers when already at hand: only parse_payload sets it
    # (sliced out of the payload, equal to signing_bytes by construction); not an
    # argument, so no caller can pair a certificate with other signed bytes.
    _covered: bytes | None = field(default=None, init=False, compare=False, repr=False)

    def signed_bytes(self) -> bytes:
        """What the signature covers: :func:`signing_bytes` of the certificate."""
        return signing_bytes(self.certificate) if self._covered is None else self._covered

    @classmethod
    def _parsed(
        cls, certificate: Certificate, signature: bytes, covered: bytes
    ) -> SignedCertificate:
        """For parse_payload only: with ``covered`` as sliced out of the payload it read."""
        signed = object.__new__(cls)
        # Frozen; set as the dataclass's own __init__ would, without its three calls.
        signed.__dict__.update(certificate=certificate, signature=signature, _covered=covered)
        return signed

    @property
    def kid(self) -> str:
        """The id of the key that signed it."""
        return self.certificate.signer_kid

    def to_dict(self) -> dict[str, Any]:
        """``{cert, kid, sig}``: what the payload encodes and what case events carry."""
        return {"cert": self.certificate.to_dict(), "kid": self.kid, "sig": b64url(self.signature)}

    def payload(self) -> str:
        """The compact, QR-ready text: ``SJC1.`` + base64url(canonical JSON)."""
        return PAYLOAD_PREFIX + b64url(canonical_json(self.to_dict()))

    @classmethod
    def from_dict(cls, data: object) -> SignedCertificate:
        """Inverse of :meth:`to_dict`; raises :class:`CertificateError`."""
        if not isinstance(data, Mapping) or set(data) != {"cert", "kid", "sig"}:
            _garbage("应为含 cert、kid、sig 三项的对象")
        sig = data["sig"]
        try:
            signature = unb64url(sig) if isinstance(sig, str) else b""
        except ValueError:
            signature = b""
        if len(signature) != 64:
            _garbage("签名格式错误")
        cert = Certificate.from_dict(data["cert"])
        if data["kid"] != cert.signer_kid:
            _garbage("签名密钥编号与证照记载的不一致")
        return cls(cert, signature)


def _garbage(reason: str) -> NoReturn:
    raise CertificateError(
        detail=f"无法识别的电子证照：{reason}",
        invalid_params=[InvalidParam(name="payload", reason=reason)],
    )


def sign_certificate(
    cert: Certificate, private_key: KeyPair, *, keyring: KeyRing | None = None
) -> SignedCertificate:
    """Sign ``cert`` with ``private_key``, whose id must be ``cert.signer_kid``.

    With ``keyring``, also refuse (CertificateError) a key that is not registered for
    the certificate's issuer or does not sign on its issue date (retired, not yet
    active): the rules :func:`shared.certs.verify.verify` will apply.
    """
    if private_key.kid != cert.signer_kid:
        _refuse(f"签发密钥 {private_key.kid} 与证照记载的签发密钥 {cert.signer_kid} 不一致")
    if keyring is not None:
        key = keyring.get(private_key.kid)
        if key is None or key.usage != "certificate":
            _refuse(f"签发密钥 {private_key.kid} 未登记为证照签发密钥")
        if key.issuer_code != cert.issuer_code:
            _refuse(f"签发密钥 {key.kid} 不属于颁发机构 {cert.issuer_code}")
        if not key.signs_on(cert.issue_date):
            _refuse(f"签发密钥 {key.kid} 在 {cert.issue_date} 不可用于签发")
    return SignedCertificate(cert, private_key.sign(signing_bytes(cert)))


def _refuse(reason: str) -> NoReturn:
    raise CertificateError(
        detail=f"不能签发电子证照：{reason}",
        invalid_params=[InvalidParam(name="signer_kid", reason=reason)],
    )


def parse_payload(text: str) -> SignedCertificate:
    """The signed certificate a scanned payload carries; the signature is NOT checked.

    Anything else (wrong prefix, broken base64url, not canonical JSON, missing or
    invalid fields) raises :class:`CertificateError` with a Chinese ``detail``; its
    ``code`` is ``bad_identifier`` when only the identifier is at fault.
    """
    if not isinstance(text, str):
        _garbage("应为文本")
    if len(text) > MAX_PAYLOAD:
        _garbage(f"内容过长（{len(text)} 个字符）")
    if not text.startswith(PAYLOAD_PREFIX):
        _garbage(f"不是本平台的电子证照码（应以 {PAYLOAD_PREFIX} 开头）")
    try:
        raw = unb64url(text[len(PAYLOAD_PREFIX) :])
        body = raw.decode("utf-8")
    except ValueError:  # UnicodeDecodeError is one
        _garbage("编码已损坏")
    # Every real payload is in the form shared.certs.fast reads with one regular
    # expression and cheap checks; it accepts only what the steps below accept.
    fast = fast_certificate(body)
    if fast is not None:
        # The same slice as below: the payload's form is the one argued there.
        return SignedCertificate._parsed(*fast, raw[len(_CERT_START) : raw.rindex(_KID_START)])
    # What json.loads and the re-serialisation below cost must stay bounded whatever the
    # text: no input may cost more than a few signature checks.
    if too_complex(body):
        _garbage("数据结构不符")
    try:
        data = json.loads(body, parse_constant=_no_constant, parse_int=_short_int)
        canonical = canonical_json(data)
    except _LongNumber:
        _garbage("数据结构不符")
    except (ValueError, RecursionError):
        _garbage("编码已损坏")
    # One spelling only: otherwise the same certificate has many payloads.
    if canonical != raw:
        _garbage("编码不规范")
    signed = SignedCertificate.from_dict(data)
    # raw is canonical with keys cert < kid < sig, and kid and sig (checked above) hold
    # neither quotes nor commas, so the certificate's canonical JSON sits between the two
    # markers: reuse it rather than serialize the certificate again.
    covered = raw[len(_CERT_START) : raw.rindex(_KID_START)]
    return SignedCertificate._parsed(signed.certificate, signed.signature, covered)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


class _LongNumber(Exception):
    """An integer in a payload's JSON too long to be a certificate's version."""


def _short_int(text: str) -> int:
    # A certificate's only number is its version (1–999). Converting a number of
    # thousands of digits (and back) costs as much as several signature checks.
    if len(text) > 64:
        raise _LongNumber
    return int(text)
