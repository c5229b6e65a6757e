"""Finding 6: a node trusts its upstream's TLS certificate through UPSTREAM_CA_BUNDLE.

A local HTTPS server with a certificate from a CA made here: the node's sync gets through
TLS with the CA bundle set (and then stops at the reply signature, which this server
cannot give) and fails at the TLS handshake without it.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from shared.clock import FixedClock
from shared.db import unit_of_work
from shared.node.jobs import sync_cycle
from shared.sync import state
from shared.sync.crypto import NodeKey
from tests.security.conftest import TOWN, VILLAGE, make_node


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A county CA and a town certificate for 127.0.0.1 signed by it (PEM files)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("sanji county CA"))
        .issuer_name(_name("sanji county CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    town_key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"town-{TOWN}"))
        .issuer_name(ca.subject)
        .public_key(town_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "town.pem", folder / "town.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_pem(town_key))
    return ca_file, cert_file, key_file


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"changes": [], "next": 0, "more": false}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https_upstream(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``(url, CA bundle)`` of a local HTTPS server whose certificate the CA signed."""
    ca_file, cert_file, key_file = make_ca_and_server_cert(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), _Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _village(tmp_path: Path, clock: FixedClock, url: str, **config: str) -> Flask:
    from village_portal import create_app

    app = make_node(create_app, tmp_path, VILLAGE, clock, **config)
    with unit_of_work(app.extensions["sanji"].sessions) as session:
        # As if joined: the upstream's key is one this test server does not hold.
        upstream = {"url": url, "node": TOWN, "public_key": NodeKey.generate().public_b64}
        state.put(session, "upstream", upstream)
    return app


def _last_error(app: Flask) -> str:
    sync_cycle(app, forced=True)
    with app.extensions["sanji"].sessions() as session:
        return str(state.get(session, "last_error"))


def test_upstream_ca_bundle_reaches_requests(
    https_upstream: tuple[str, Path],
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    url, ca_file = https_upstream
    trusting = _village(tmp_path / "with", clock, url, UPSTREAM_CA_BUNDLE=str(ca_file))
    error = _last_error(trusting)
    # TLS was fine; the request went through and the unsigned reply was refused.
    assert "SSLError" not in error and "签名" in error, error
    stranger = _village(tmp_path / "without", clock, url)
    assert "SSLError" in _last_error(stranger)


def test_a_wrong_bundle_in_the_environment_does_not_override_the_setting(
    https_upstream: tuple[str, Path],
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, ca_file = https_upstream
    (tmp_path / "other").mkdir()
    other_ca, _, _ = make_ca_and_server_cert(tmp_path / "other")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    app = _village(tmp_path / "with", clock, url, UPSTREAM_CA_BUNDLE=str(ca_file))
    assert "SSLError" not in _last_error(app)
