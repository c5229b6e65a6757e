"""Cases at the hub (county hall windows and department reviewers), through the API."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import login

VALID_ID = "13043419840726291X"


def _item(hub: FlaskClient, q: str) -> dict[str, Any]:
    code = hub.get("/api/v1/catalog/items", query_string={"q": q}).get_json()["items"][0]["code"]
    return hub.get(f"/api/v1/catalog/items/{code}").get_json()


def _body(item: dict[str, Any], *, provide: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "item_code": item["code"],
        "applicant": {
            "name": "张三",
            "id_type": "111",
            "id_number": VALID_ID,
            "phone": "13812345678",
        },
        "materials": [{"name": m["name"], "provided": provide} for m in item["materials"]],
        **extra,
    }


def test_file_accept_decide_deliver_at_the_hub(hub: FlaskClient) -> None:
    item = _item(hub, "食品经营许可(新办)")
    reviewer = login(hub, f"dept-{item['department']}")
    created = hub.post("/api/v1/cases", json=_body(item), headers=reviewer)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["case_no"].startswith("610727-20261127-")
    assert (case["status"], case["handled_by"], case["outcome"]) == (
        "submitted",
        item["department"],
        None,
    )
    assert case["applicant"]["id_number"] != VALID_ID  # masked in answers
    no = case["case_no"]
    accepted = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer
    ).get_json()
    assert accepted["status"] == "accepted" and accepted["due_date"]
    decided = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "decide", "approve": True}, headers=reviewer
    ).get_json()
    assert (decided["status"], decided["outcome"]) == ("concluded", "approved")
    [licence] = decided["certificates"]  # the approval issued the 食品经营许可证 at once
    assert licence["name"] == "食品经营许可证" and licence["identifier"].startswith(
        "1.2.156.3005.2."
    )
    assert "payload" not in licence  # masked: the signed QR payload encodes the holder's code
    again = hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    assert again.status_code == 409 and "已办结" in again.get_json()["detail"]
    delivered = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "deliver"}, headers=reviewer
    )
    assert delivered.get_json()["status"] == "delivered"
    history = hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()["history"]
    assert [h["type"] for h in history] == [
        "submitted",
        "accepted",
        "decided",
        "certificate_issued",
        "delivered",
    ]
    listed = hub.get("/api/v1/cases", headers=reviewer).get_json()
    assert listed["items"][0]["case_no"] == no and "*" in listed["items"][0]["applicant_id"]


def test_missing_materials_record_a_supplement_request(hub: FlaskClient) -> None:
    item = _item(hub, "食品经营许可(新办)")
    reviewer = login(hub, f"dept-{item['department']}")
    case = hub.post("/api/v1/cases", json=_body(item, provide=False), headers=reviewer).get_json()
    assert case["status"] == "supplement_requested"
    # necessity 3 (容缺后补) is still required when 容缺 is not asked for
    required = [m["name"] for m in item["materials"] if m["necessity"] in (1, 3)]
    assert case["missing"] == required
    no = case["case_no"]
    assert (
        hub.post(
            f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer
        ).status_code
        == 409
    )
    supplied = hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "supply", "materials": required},
        headers=reviewer,
    ).get_json()
    assert supplied["status"] == "submitted" and supplied["missing"] == []


def test_another_department_may_not_decide(hub: FlaskClient) -> None:
    item = _item(hub, "食品经营许可(新办)")
    owner = login(hub, f"dept-{item['department']}")
    no = hub.post("/api/v1/cases", json=_body(item), headers=owner).get_json()["case_no"]
    other = login(hub, "dept-mzj")
    response = hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=other)
    assert response.status_code == 403 and response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "13043419840726291Y"}, "applicant.id_number"),
        ({"id_number": "13043420990726291X"}, "applicant.id_number"),
        ({"phone": "12345"}, "applicant.phone"),
        ({"id_type": "999"}, "applicant.id_type"),
    ],
)
def test_bad_applicant_is_422_naming_the_field(
    hub: FlaskClient, change: dict[str, str], field: str
) -> None:
    item = _item(hub, "食品经营许可(新办)")
    reviewer = login(hub, f"dept-{item['department']}")
    body = _body(item)
    body["applicant"].update(change)
    response = hub.post("/api/v1/cases", json=body, headers=reviewer)
    assert response.status_code == 422
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]
    assert hub.get("/api/v1/cases", headers=reviewer).get_json()["total"] == 0


def test_uscc_applicant_and_unknown_material(hub: FlaskClient) -> None:
    item = _item(hub, "食品经营许可(新办)")
    reviewer = login(hub, f"dept-{item['department']}")
    body = _body(item)
    body["applicant"].update(id_type="001", id_number="91370406L24894136J")
    assert hub.post("/api/v1/cases", json=body, headers=reviewer).status_code == 201
    body["materials"].append({"name": "不存在的材料", "provided": True})
    response = hub.post("/api/v1/cases", json=body, headers=reviewer)
    assert response.status_code == 422
    assert (
        response.get_json()["invalid_params"][0]["name"]
        == f"materials.{len(body['materials']) - 1}.name"
    )


def test_stale_page_is_refused(hub: FlaskClient) -> None:
    item = _item(hub, "食品经营许可(新办)")
    reviewer = login(hub, f"dept-{item['department']}")
    no = hub.post("/api/v1/cases", json=_body(item), headers=reviewer).get_json()["case_no"]
    hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    stale = hub.post(
        f"/api/v1/cases/{no}/actions",
        headers=reviewer,
        json={"action": "not_accept", "reason": "材料不全", "expected_status": "submitted"},
    )
    assert stale.status_code == 409 and "已受理" in stale.get_json()["detail"]


def test_unknown_case_and_no_token(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-mzj")
    assert hub.get("/api/v1/cases/610727-20261127-9999", headers=reviewer).status_code == 404
    assert hub.get("/api/v1/cases").status_code == 401
