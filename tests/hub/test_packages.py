"""一件事一次办 at the hub: definitions, merged materials, fan-out, fan-in, pages."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from county_hub.catalog.models import ServiceItem
from county_hub.packages.models import PackageApplication, PackageChild
from county_hub.packages.services import merged_materials, package_status
from shared.items import ItemStatus
from tests.conftest import login
from tests.hub.test_pages import _csrf, _logged_in

VALID_ID = "13043419840726291X"
APPLICANT = {"name": "李四", "id_type": "111", "id_number": VALID_ID, "phone": "13812345678"}


def _body(package: dict[str, Any], **applicant: str) -> dict[str, Any]:
    return {
        "applicant": {**APPLICANT, **applicant},
        "materials": [{"name": m["name"], "provided": True} for m in package["materials"]],
    }


def _written(hub_session: Any) -> tuple[int, int]:
    applications = hub_session.scalar(select(func.count()).select_from(PackageApplication))
    children = hub_session.scalar(select(func.count()).select_from(PackageChild))
    return applications, children


def test_twenty_packages_in_two_batches(hub: FlaskClient) -> None:
    listing = hub.get("/api/v1/packages").get_json()
    assert listing["total"] == 20
    batches = [p["batch"] for p in listing["items"]]
    assert batches.count(1) == 10 and batches.count(2) == 10
    assert all(2 <= p["item_count"] <= 5 for p in listing["items"])
    assert hub.get("/api/v1/packages", query_string={"batch": 2}).get_json()["total"] == 10
    newborn = hub.get("/api/v1/packages/newborn").get_json()
    assert newborn["name"] == "新生儿出生一件事" and newborn["is_demo"]
    names = [i["name"] for i in newborn["items"]]
    assert names[:2] == ["出生医学证明首次签发", "出生登记(户口登记)"]
    assert "社会保障卡申领" in names
    assert hub.get("/api/v1/packages/nonsense").status_code == 404


def test_merged_materials_are_asked_once(hub: FlaskClient) -> None:
    package = hub.get("/api/v1/packages/rural-housing").get_json()
    names = [m["name"] for m in package["materials"]]
    assert len(names) == len(set(names))
    [form] = [m for m in package["materials"] if m["name"].startswith("《农村宅基地和建房")]
    assert form["shared"] and [i["name"] for i in form["items"]] == [
        "农村村民宅基地审批",
        "乡村建设规划许可证核发",
    ]
    # the strictest necessity wins when the items disagree
    merged = merged_materials(
        [
            {"code": "a", "name": "甲", "materials": [{"name": "身份证", "necessity": 2}]},
            {"code": "b", "name": "乙", "materials": [{"name": "身份证", "necessity": 1}]},
        ]
    )
    assert merged == [
        {
            "name": "身份证",
            "necessity": 1,
            "certificate_type": None,
            "items": [{"code": "a", "name": "甲"}, {"code": "b", "name": "乙"}],
            "shared": True,
        }
    ]


def test_fan_out_files_one_child_per_item(hub: FlaskClient, hub_session: Any) -> None:
    package = hub.get("/api/v1/packages/newborn").get_json()
    admin = login(hub, "admin")
    response = hub.post("/api/v1/packages/newborn/applications", json=_body(package), headers=admin)
    assert response.status_code == 201, response.get_json()
    application = response.get_json()
    assert application["status"] == "办理中" and application["applicant_id"] != VALID_ID
    assert application["counts"] == {"total": 5, "open": 5, "done": 0}
    children = application["children"]
    assert [c["item_code"] for c in children] == [i["code"] for i in package["items"]]
    for child, item in zip(children, package["items"], strict=True):
        assert child["handled_by"] == item["department"]
        assert child["item_version"] == item["version"]
        assert child["status"] == "submitted"
        case = hub.get(f"/api/v1/cases/{child['case_no']}", headers=admin).get_json()
        assert all(m["provided"] for m in case["materials"]) and case["missing"] == []
    # the shared 出生医学证明, given once, reached both items that list it
    [shared] = [m for m in package["materials"] if m["name"] == "出生医学证明"]
    assert len(shared["items"]) == 2
    again = hub.get(f"/api/v1/packages/applications/{application['id']}", headers=admin)
    assert again.get_json()["children"] == children
    listed = hub.get("/api/v1/packages/applications", headers=admin).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == application["id"]
    assert _written(hub_session) == (1, 5)


def test_bad_applicant_writes_nothing(hub: FlaskClient, hub_session: Any) -> None:
    package = hub.get("/api/v1/packages/newborn").get_json()
    admin = login(hub, "admin")
    response = hub.post(
        "/api/v1/packages/newborn/applications",
        json=_body(package, id_number="13043419840726291Y"),
        headers=admin,
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "applicant.id_number" in [p["name"] for p in response.get_json()["invalid_params"]]
    assert hub.get("/api/v1/cases", headers=admin).get_json()["total"] == 0
    assert _written(hub_session) == (0, 0)


def test_a_child_refusing_names_its_item_and_writes_nothing(
    hub: FlaskClient, hub_session: Any
) -> None:
    package = hub.get("/api/v1/packages/newborn").get_json()
    last = package["items"][-1]
    hub_session.get(ServiceItem, last["code"]).status = ItemStatus.SUSPENDED
    hub_session.flush()
    admin = login(hub, "admin")
    response = hub.post("/api/v1/packages/newborn/applications", json=_body(package), headers=admin)
    assert response.status_code == 409
    assert last["name"] in response.get_json()["detail"]
    assert hub.get("/api/v1/cases", headers=admin).get_json()["total"] == 0
    unknown = _body(package)
    unknown["materials"].append({"name": "不存在的材料", "provided": True})
    hub_session.get(ServiceItem, last["code"]).status = ItemStatus.PUBLISHED
    hub_session.flush()
    refused = hub.post("/api/v1/packages/newborn/applications", json=unknown, headers=admin)
    assert refused.status_code == 422
    assert refused.get_json()["invalid_params"][0]["name"] == (
        f"materials.{len(unknown['materials']) - 1}.name"
    )
    assert _written(hub_session) == (0, 0)


def test_same_idempotency_key_returns_the_first_application(
    hub: FlaskClient, hub_session: Any
) -> None:
    package = hub.get("/api/v1/packages/after-death").get_json()
    headers = {**login(hub, "admin"), "Idempotency-Key": "k-1"}
    first = hub.post(
        "/api/v1/packages/after-death/applications", json=_body(package), headers=headers
    )
    second = hub.post(
        "/api/v1/packages/after-death/applications", json=_body(package), headers=headers
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["children"] == first.get_json()["children"]
    assert _written(hub_session) == (1, 2)
    other = hub.post(
        "/api/v1/packages/newborn/applications",
        json=_body(hub.get("/api/v1/packages/newborn").get_json()),
        headers=headers,
    )
    assert other.status_code == 409


def test_fan_in_done_when_the_last_child_is_decided(hub: FlaskClient) -> None:
    package = hub.get("/api/v1/packages/after-death").get_json()
    admin = login(hub, "admin")
    application = hub.post(
        "/api/v1/packages/after-death/applications", json=_body(package), headers=admin
    ).get_json()
    url = f"/api/v1/packages/applications/{application['id']}"
    children = application["children"]
    for n, child in enumerate(children, 1):
        reviewer = login(hub, f"dept-{child['handled_by']}")
        for action in ({"action": "accept"}, {"action": "decide", "approve": True}):
            done = hub.post(
                f"/api/v1/cases/{child['case_no']}/actions", json=action, headers=reviewer
            )
            assert done.status_code == 200, done.get_json()
        now = hub.get(url, headers=admin).get_json()
        assert now["counts"]["done"] == n
        assert now["status"] == ("已办结" if n == len(children) else "办理中")
    assert package_status(["concluded", "delivered"]) == "已办结"
    assert package_status(["concluded", "accepted"]) == "办理中"
    assert package_status(["concluded", "withdrawn"]).startswith("已结束")


def test_package_pages(hub: FlaskClient) -> None:
    _logged_in(hub, "admin")
    listing = hub.get("/packages").get_data(as_text=True)
    assert "新生儿出生一件事" in listing and "第二批" in listing
    assert 'href="/packages"' in listing  # the nav link
    page = hub.get("/packages/newborn")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "出生登记(户口登记)" in text
    assert text.count('value="出生医学证明"') == 1  # the shared material is ticked once
    form_id = text.split('name="form_id" value="')[1].split('"')[0]
    package = hub.get("/api/v1/packages/newborn").get_json()
    form = {
        "csrf_token": _csrf(text),
        "form_id": form_id,
        "name": "李四",
        "id_type": "111",
        "id_number": "13043419840726291Y",
        "phone": "13812345678",
        "provided": [m["name"] for m in package["materials"]],
    }
    bad = hub.post("/packages/newborn", data=form)
    bad_text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="13043419840726291Y"' in bad_text
    assert 'value="李四"' in bad_text and "checked" in bad_text
    form["id_number"] = VALID_ID
    created = hub.post("/packages/newborn", data=form)
    assert created.status_code == 302
    twice = hub.post("/packages/newborn", data=form)  # a double click
    assert twice.headers["Location"] == created.headers["Location"]
    shown = hub.get(created.headers["Location"]).get_data(as_text=True)
    assert "办理中" in shown and shown.count('href="/cases/610727-') == 5
    admin = login(hub, "admin")
    assert hub.get("/api/v1/packages/applications", headers=admin).get_json()["total"] == 1
    assert hub.post("/packages/newborn", data={**form, "csrf_token": "x"}).status_code == 400
