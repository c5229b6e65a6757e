"""Ed25519 node keys, canonical JSON, signed requests and signed master changes.

A request is signed over ``METHOD\\nPATH\\nQUERY\\nTIMESTAMP\\nNONCE\\nSHA256(body)``; the
receiver checks the sender's registered key, a clock window and a nonce it has not seen.
No Flask here: the web side lives in ``shared.sync.api``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# Re-exported (``as``): code and tests import canonical_json from here too.
from shared.canonical import canonical_json as canonical_json
from shared.errors import Unauthenticated

#: Seconds a signed request's timestamp may differ from the receiver's clock.
CLOCK_WINDOW = 300

H_NODE = "X-Sanji-Node"
H_TIME = "X-Sanji-Timestamp"
H_NONCE = "X-Sanji-Nonce"
H_SIG = "X-Sanji-Signature"
#: The serving node's signature of its reply to a signed request (protocol 2).
H_REPLY_SIG = "X-Sanji-Reply-Signature"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


@dataclass(frozen=True)
class NodeKey:
    """This node's private key and its public half in base64."""

    private: Ed25519PrivateKey

    @property
    def public_b64(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return b64(raw)

    def sign(self, data: bytes) -> str:
        return b64(self.private.sign(data))

    @classmethod
    def generate(cls) -> NodeKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> NodeKey:
        """The key in ``path`` (PEM), created with mode 0600 on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # the web or scheduler process made it first
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return cls(key)


def verify(public_b64: str, data: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is ``public_b64``'s signature of ``data``."""
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_b64)).verify(unb64(signature_b64), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public_b64: str) -> str:
    """A short, readable id of a public key (for operators comparing keys by phone)."""
    digest = hashlib.sha256(unb64(public_b64)).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed by an operator (any case, spaces, with or without colons)
    in the form :func:`fingerprint` prints, or '' when it cannot be one."""
    digits = "".join(ch for ch in text.lower() if ch not in ": -")
    if len(digits) != 16 or any(ch not in "0123456789abcdef" for ch in digits):
        return ""
    return ":".join(digits[i : i + 4] for i in range(0, 16, 4))


# --------------------------------------------------------------------------- requests


def signing_string(
    method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, query, timestamp, nonce, digest]).encode()


def sign_request(
    key: NodeKey, node: str, method: str, path: str, query: str, body: bytes, *, now: datetime
) -> dict[str, str]:
    """Headers that authenticate a sync request from ``node``."""
    timestamp = str(int(now.timestamp()))
    nonce = secrets.token_hex(16)
    signature = key.sign(signing_string(method, path, query, timestamp, nonce, body))
    return {H_NODE: node, H_TIME: timestamp, H_NONCE: nonce, H_SIG: signature}


@dataclass(frozen=True)
class SignedRequest:
    """What a receiver extracted from a signed request's headers."""

    node: str
    timestamp: int
    nonce: str
    signature: str


def read_signed_headers(headers: Any) -> SignedRequest:
    """The signature headers, or Unauthenticated naming what is missing."""
    missing = [h for h in (H_NODE, H_TIME, H_NONCE, H_SIG) if not headers.get(h)]
    if missing:
        raise Unauthenticated(detail="同步请求缺少签名头：" + "、".join(missing))
    try:
        timestamp = int(headers[H_TIME])
    except ValueError as exc:
        raise Unauthenticated(detail="签名时间戳格式错误") from exc
    nonce = str(headers[H_NONCE])
    if not (8 <= len(nonce) <= 64 and nonce.isalnum()):
        raise Unauthenticated(detail="签名随机数格式错误")
    return SignedRequest(str(headers[H_NODE]), timestamp, nonce, str(headers[H_SIG]))


def check_request(
    signed: SignedRequest,
    public_b64: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    now: datetime,
) -> None:
    """Raise Unauthenticated unless the signature and the clock window are right.

    (The nonce is checked against the receiver's store by the caller.)
    """
    if abs(now.timestamp() - signed.timestamp) > CLOCK_WINDOW:
        raise Unauthenticated(detail=f"请求时间与本机相差超过 {CLOCK_WINDOW} 秒，请校准节点时钟")
    message = signing_string(method, path, query, str(signed.timestamp), signed.nonce, body)
    if not verify(public_b64, message, signed.signature):
        raise Unauthenticated(detail="同步请求签名无效")


def reply_signing_string(
    method: str, path: str, query: str, nonce: str, status: int, body: bytes
) -> bytes:
    """What the serving node signs for its reply to one signed request.

    The request's nonce is in it, so a reply cannot be replayed to another request (an
    old, empty page of events to hide new ones); the body is the JSON before gzip.
    """
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(["REPLY", method.upper(), path, query, nonce, str(status), digest]).encode()


def check_reply(
    public_b64: str,
    signature: str | None,
    *,
    method: str,
    path: str,
    query: str,
    nonce: str,
    status: int,
    body: bytes,
) -> bool:
    """Whether ``signature`` is the upstream's signature of this reply."""
    if not signature:
        return False
    return verify(
        public_b64, reply_signing_string(method, path, query, nonce, status, body), signature
    )


# --------------------------------------------------------------------------- master changes


def change_payload(seq: int, entity: str, key: str, op: str, data: Any, at: str) -> bytes:
    """The bytes the hub signs for one master change."""
    return canonical_json(
        {"seq": seq, "entity": entity, "key": key, "op": op, "data": data, "at": at}
    )
