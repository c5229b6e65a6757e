"""Certificate pages at the hub: verify with a Chinese verdict, look up for a case with
messages next to the fields, and the printable certificate with its QR code."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.certs.demo import BUSINESSES
from county_hub.certs.models import CertStatus
from tests.conftest import case_body, login
from tests.hub.test_certificates import _payload
from tests.hub.test_pages import _csrf, _logged_in


def test_verify_page_gives_a_plain_verdict_and_keeps_what_was_typed(
    hub: FlaskClient, hub_session: Session
) -> None:
    _logged_in(hub, "town-610727105")
    page = hub.get("/certificates/verify").get_data(as_text=True)
    token = _csrf(page)
    payload = _payload(hub_session, BUSINESSES[0].code, "yyzz", CertStatus.VALID)
    good = hub.post("/certificates/verify", data={"csrf_token": token, "payload": payload})
    text = good.get_data(as_text=True)
    assert good.status_code == 200 and "证照有效" in text and "营业执照" in text
    assert BUSINESSES[0].code not in text  # the holder code is masked on the page
    empty = hub.post("/certificates/verify", data={"csrf_token": token, "payload": ""})
    assert empty.status_code == 422 and "请粘贴或扫描证照二维码内容" in empty.get_data(as_text=True)
    bad = hub.post(
        "/certificates/verify",
        data={"csrf_token": token, "payload": payload[:-3] + "xyz", "purpose": "现场核验"},
    )
    assert bad.status_code == 200 and "verdict bad" in bad.get_data(as_text=True)
    assert 'value="现场核验"' in bad.get_data(as_text=True)


def test_lookup_page_needs_a_case_and_prints_the_issued_certificate(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    shop = BUSINESSES[1]
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    body = case_body(hub, code)
    body["applicant"] = {
        "name": shop.name,
        "id_type": "001",
        "id_number": shop.code,
        "phone": "13812345678",
    }
    case_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    _logged_in(hub, "dept-scjgj")
    form = hub.get(f"/certificates/lookup?case_no={case_no}").get_data(as_text=True)
    token = _csrf(form)
    assert f'value="{case_no}"' in form
    missing = hub.post(
        "/certificates/lookup", data={"csrf_token": token, "case_no": case_no, "holder": shop.code}
    )
    assert missing.status_code == 422 and "请写明用证事由" in missing.get_data(as_text=True)
    found = hub.post(
        "/certificates/lookup",
        data={
            "csrf_token": token,
            "case_no": case_no,
            "holder": shop.code,
            "purpose": "免提交营业执照",
        },
    ).get_data(as_text=True)
    results = found.split("查询结果", 1)[1]
    assert "食品经营许可证" in results and "营业执照" in results
    assert shop.code not in results  # typed in the form, masked in the results

    hub.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}, headers=reviewer)
    hub.post(
        f"/api/v1/cases/{case_no}/actions",
        json={"action": "decide", "approve": True},
        headers=reviewer,
    )
    case_page = hub.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "电子证照" in case_page and f"/cases/{case_no}/certificates/0" in case_page
    printed = hub.get(f"/cases/{case_no}/certificates/0").get_data(as_text=True)
    assert "<svg" in printed and "食品经营许可证" in printed and "证照有效" in printed
    assert hub.get(f"/cases/{case_no}/certificates/5").status_code == 404
