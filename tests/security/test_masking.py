"""Finding 2: no full ID number or mobile number leaves the platform in a masked view.

Masked case JSON (history payloads, certificates), look-ups and the usage log by POST (no
holder code in a URL), access-log lines, and a scan of everything the demo's own data
produces through the API, the pages and the exports, including the log lines written.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.certs.demo import BUSINESSES
from county_hub.certs.models import CertificateRow
from county_hub.certs.services import record
from shared.errors import InvalidInput
from shared.ids import validate_id_number
from shared.log import MaskingFormatter
from shared.serve import MaskingLogger
from tests.conftest import case_body, login

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PHONE = "13812345678"  # case_body's applicant
ID = "13043419840726291X"


def _leaks(text: str) -> list[str]:
    """Valid GB 11643 ID numbers and mainland mobiles in ``text`` (an 18-digit USCC of a
    department inside a certificate identifier is no personal data and fails the check)."""
    ids = [m for m in ID_NUMBER.findall(text) if _is_id(m)]
    return ids + MOBILE.findall(text)


def _is_id(text: str) -> bool:
    try:
        validate_id_number(text)
    except InvalidInput:
        return False
    return True


def _approved_case(hub: FlaskClient) -> tuple[str, dict[str, str]]:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    reviewer = login(hub, "dept-scjgj")
    case_no = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer).get_json()[
        "case_no"
    ]
    hub.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}, headers=reviewer)
    decided = hub.post(
        f"/api/v1/cases/{case_no}/actions",
        json={"action": "decide", "approve": True},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.get_json()
    return case_no, reviewer


def test_masked_case_json_has_no_certificate_payload_and_no_full_numbers(
    hub: FlaskClient,
) -> None:
    case_no, reviewer = _approved_case(hub)
    case = hub.get(f"/api/v1/cases/{case_no}", headers=reviewer).get_json()
    assert case["certificates"], "the approval issued the licence"
    assert all("payload" not in c for c in case["certificates"])
    text = json.dumps(case, ensure_ascii=False)
    assert "SJC1." not in text  # no signed QR payload anywhere, history included
    assert _leaks(text) == []
    issued = [h for h in case["history"] if h["type"] == "certificate_issued"]
    assert issued and "payload" not in issued[0]["payload"]


def test_the_registry_view_leaves_the_payload_out(hub: FlaskClient, hub_session: Session) -> None:
    row = hub_session.query(CertificateRow).first()
    assert row is not None
    shown = hub.get(
        f"/api/v1/certificates/registry/{row.identifier}", headers=login(hub, "admin")
    ).get_json()
    assert "payload" not in shown and "*" in shown["holder_code"]
    assert row.holder_code not in json.dumps(shown)


def test_holder_codes_never_go_in_a_url(hub: FlaskClient) -> None:
    admin = login(hub, "admin")
    shop = BUSINESSES[0].code
    by_url = hub.get("/api/v1/certificates/usage", query_string={"holder": shop}, headers=admin)
    assert by_url.status_code == 405
    by_body = hub.post(
        "/api/v1/certificates/usage", json={"holder": shop, "holder_type": "001"}, headers=admin
    )
    assert by_body.status_code == 200
    assert shop not in by_body.get_data(as_text=True)
    lookup = hub.get(
        "/api/v1/certificates/lookup", query_string={"holder": shop}, headers=admin
    ).status_code
    assert lookup == 405


def test_the_access_log_stars_numbers_in_request_lines() -> None:
    class Cfg:
        access_log_format = '%(h)s "%(r)s" %(s)s'
        errorlog = "-"
        loglevel = "info"
        accesslog = None
        syslog = False
        logconfig = None
        logconfig_dict = None
        logconfig_json = None
        capture_output = False
        disable_redirect_access_to_syslog = False
        user = 0
        group = 0
        permit_unconventional_http_method = False

        def __getattr__(self, name: str) -> Any:
            return None

    logger = MaskingLogger.__new__(MaskingLogger)
    logger.cfg = Cfg()

    class Req:
        method = "GET"
        path = f"/x?holder={ID}&phone={PHONE}"
        query = f"holder={ID}&phone={PHONE}"
        uri = path
        version = (1, 1)
        headers = ()
        proc_name = "test"

    class Resp:
        status = "200 OK"
        sent = 10
        headers = ()
        response_length = 10

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": Req.path,
        "PATH_INFO": "/x",
        "QUERY_STRING": Req.query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(Resp(), Req(), environ, timedelta(seconds=0.1))
    line = " ".join(str(v) for v in atoms.values())
    assert ID not in line and PHONE not in line
    assert "1304**********291X" in atoms["r"]


def _text(body: bytes) -> str:
    """A response body as text (the catalog CSV is GB18030 for Excel on Windows)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def _decoded_payloads(text: str) -> str:
    """The JSON inside any SJC1 payloads in ``text`` (so a scan sees what they encode)."""
    out = []
    for token in re.findall(r"SJC1\.([A-Za-z0-9_-]+)", text):
        try:
            out.append(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        except (ValueError, UnicodeDecodeError):
            continue
    return "\n".join(out)


@pytest.mark.parametrize("username", ["admin", "supervisor", "dept-scjgj", "town-610727105"])
def test_scan_of_demo_lists_pages_exports_and_logs(
    hub: FlaskClient,
    hub_session: Session,
    username: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every list, masked JSON, page and export the demo data gives, and the log lines."""
    caplog.set_level(logging.INFO)
    case_no, _ = _approved_case(hub)
    headers = login(hub, username)
    outputs: list[str] = []
    for path in (
        "/api/v1/cases?per_page=200",
        f"/api/v1/cases/{case_no}",
        "/api/v1/supervision/overdue",
        "/api/v1/supervision/warnings?by=department",
        "/api/v1/complaints",
        "/api/v1/supervision/rectifications",
    ):
        response = hub.get(path, headers=headers)
        if response.status_code == 200:
            outputs.append(_text(response.get_data()))
    page = hub.application.test_client()
    form = page.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    page.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": "demo"}
    )
    for path in ("/cases", f"/cases/{case_no}", f"/cases/{case_no}/receipt"):
        response = page.get(path)
        if response.status_code == 200:
            outputs.append(response.get_data(as_text=True))
    # The log lines as written: through the formatter every handler of the tiers uses.
    written = MaskingFormatter("%(name)s %(message)s")
    outputs.extend(written.format(r) for r in caplog.records)
    for text in outputs:
        assert _leaks(text) == [], text[:500]
        assert _leaks(_decoded_payloads(text)) == []
    # The registry still holds the full number where the signature needs it.
    row = hub_session.query(CertificateRow).first()
    assert row is not None and ID_NUMBER.search(json.dumps(record(row)))
