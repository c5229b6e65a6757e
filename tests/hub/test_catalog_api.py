"""The hub's catalog API: search, detail, stats, editing and publishing versions."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import login

FOOD = "食品经营许可(新办)"


def _first(hub: FlaskClient, q: str) -> dict[str, Any]:
    body = hub.get("/api/v1/catalog/items", query_string={"q": q}).get_json()
    assert body["items"], f"nothing found for {q!r}"
    return body["items"][0]


def test_stats_reproduce_the_report(hub: FlaskClient) -> None:
    stats = hub.get("/api/v1/catalog/stats").get_json()
    assert stats["items_total"] == 1921
    assert (stats["online"]["count"], stats["online"]["percent"]) == (1774, "92.35%")
    assert (stats["at_most_one_visit"]["count"], stats["at_most_one_visit"]["percent"]) == (
        1776,
        "92.45%",
    )
    assert (stats["in_hall"], stats["on_the_spot"]["count"]) == (1395, 1055)
    assert stats["on_the_spot"]["percent"] == "75.63%"
    assert len(stats["by_department"]) == 28
    assert sum(d["items"] for d in stats["by_department"]) == 1921


@pytest.mark.parametrize(
    "q", ["spjyxk", "shipinjingying", "食品经营", "SPJYXK", "shi pin jing ying"]
)
def test_search_by_chinese_full_pinyin_and_initials(hub: FlaskClient, q: str) -> None:
    assert _first(hub, q)["name"] == FOOD


def test_search_filters_by_department_and_pages(hub: FlaskClient) -> None:
    body = hub.get(
        "/api/v1/catalog/items", query_string={"department": "mzj", "per_page": 5, "page": 2}
    ).get_json()
    assert body["page"] == 2 and body["per_page"] == 5 and len(body["items"]) == 5
    assert body["total"] > 10 and all(i["department"] == "mzj" for i in body["items"])
    assert {"code", "name"} <= set(body["items"][0])


def test_item_detail_has_materials_limits_and_flags(hub: FlaskClient) -> None:
    code = _first(hub, FOOD)["code"]
    item = hub.get(f"/api/v1/catalog/items/{code}").get_json()
    assert item["code"] == code and item["name"] == FOOD
    assert len(code) == 31 and code.startswith(item["implementing_body_uscc"])
    assert item["materials"] and {"name", "necessity"} <= set(item["materials"][0])
    assert item["limits"]["promised"]["value"] <= item["limits"]["statutory"]["value"]
    assert item["flags"]["in_hall"] in (True, False)
    assert item["status"] == "published" and item["version"] == 1


def test_unknown_item_is_404_problem(hub: FlaskClient) -> None:
    response = hub.get("/api/v1/catalog/items/NOPE")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["instance"].startswith("urn:uuid:")
    assert {"type", "title", "detail"} <= set(body)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"per_page": 0}, "per_page"), ({"page": "x"}, "page"), ({"status": "bogus"}, "status")],
)
def test_bad_query_is_422_naming_the_field(
    hub: FlaskClient, query: dict[str, Any], field: str
) -> None:
    response = hub.get("/api/v1/catalog/items", query_string=query)
    assert response.status_code == 422
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]


def _new_item(hub: FlaskClient, admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    base = hub.get(f"/api/v1/catalog/items/{_first(hub, FOOD)['code']}").get_json()
    record = {
        k: base[k]
        for k in base
        if k
        not in {
            "status",
            "status_label",
            "version",
            "current_version",
            "latest_version",
            "published",
            "published_at",
            "department_name",
            "item_type_label",
            "case_kind_label",
            "limits",
            "flags",
            "is_demo",
        }
    }
    for material in record["materials"]:
        material.pop("necessity_label", None)
    record["basic_code"] = record["basic_code"][:4] + "99999001"
    record["code"] = record["implementing_body_uscc"] + "4" + record["basic_code"]
    record["name"] = "测试用食品经营许可(变更)"
    record.update(changes)
    return record


def test_admin_creates_edits_publishes_and_diffs(hub: FlaskClient, admin: dict[str, str]) -> None:
    record = _new_item(hub, admin)
    created = hub.post("/api/v1/catalog/items", json=record, headers=admin)
    assert created.status_code == 201, created.get_json()
    code = record["code"]
    assert created.get_json()["status"] == "draft"
    # a draft is not visible to the public
    assert hub.get(f"/api/v1/catalog/items/{code}").status_code == 404
    assert hub.post(f"/api/v1/catalog/items/{code}/publish", headers=admin).status_code == 200
    assert hub.post(f"/api/v1/catalog/items/{code}/publish", headers=admin).status_code == 409

    new_limit = record["promised_limit"] - 1
    edited = {**record, "promised_limit": new_limit, "name": "测试用食品经营许可(变更登记)"}
    draft = hub.put(f"/api/v1/catalog/items/{code}/draft", json=edited, headers=admin)
    assert draft.status_code == 200 and draft.get_json()["version"] == 2
    # version 1 stays what was published until version 2 is published
    assert (
        hub.get(f"/api/v1/catalog/items/{code}").get_json()["promised_limit"]
        == record["promised_limit"]
    )
    hub.post(f"/api/v1/catalog/items/{code}/publish", headers=admin)
    assert hub.get(f"/api/v1/catalog/items/{code}").get_json()["promised_limit"] == new_limit
    assert (
        hub.get(f"/api/v1/catalog/items/{code}", query_string={"version": 1}).get_json()[
            "promised_limit"
        ]
        == record["promised_limit"]
    )

    diff = hub.get(
        f"/api/v1/catalog/items/{code}/diff", query_string={"from": 1, "to": 2}
    ).get_json()
    changed = {c["field"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changed == {
        "name": (record["name"], edited["name"]),
        "promised_limit": (record["promised_limit"], new_limit),
    }
    versions = hub.get(f"/api/v1/catalog/items/{code}/versions").get_json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    assert _first(hub, "测试用食品")["code"] == code


def test_promised_beyond_statutory_is_refused(hub: FlaskClient, admin: dict[str, str]) -> None:
    record = _new_item(hub, admin, statutory_limit=10, promised_limit=15, case_kind=2)
    response = hub.post("/api/v1/catalog/items", json=record, headers=admin)
    assert response.status_code == 422
    assert "promised_limit" in [p["name"] for p in response.get_json()["invalid_params"]]
    assert hub.get(f"/api/v1/catalog/items/{record['code']}", headers=admin).status_code == 404


def test_duplicate_code_is_409(hub: FlaskClient, admin: dict[str, str]) -> None:
    existing = hub.get(f"/api/v1/catalog/items/{_first(hub, FOOD)['code']}").get_json()
    record = _new_item(hub, admin)
    record.update(code=existing["code"], basic_code=existing["basic_code"])
    assert hub.post("/api/v1/catalog/items", json=record, headers=admin).status_code == 409


def test_missing_field_is_422_with_dotted_names(hub: FlaskClient, admin: dict[str, str]) -> None:
    record = _new_item(hub, admin)
    del record["name"]
    record["materials"][0]["necessity"] = 7
    response = hub.post("/api/v1/catalog/items", json=record, headers=admin)
    assert response.status_code == 422
    names = {p["name"] for p in response.get_json()["invalid_params"]}
    assert {"name", "materials.0.necessity"} <= names


def test_wrong_role_is_403_and_no_token_401(hub: FlaskClient, admin: dict[str, str]) -> None:
    record = _new_item(hub, admin)
    town = login(hub, "town-610727105")
    response = hub.post("/api/v1/catalog/items", json=record, headers=town)
    assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert hub.post("/api/v1/catalog/items", json=record).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert hub.post("/api/v1/catalog/items", json=record, headers=bad).status_code == 401


def test_suspend_resume_retire(hub: FlaskClient, admin: dict[str, str]) -> None:
    code = _first(hub, "结婚登记")["code"]
    assert hub.post(f"/api/v1/catalog/items/{code}/resume", headers=admin).status_code == 409
    assert (
        hub.post(f"/api/v1/catalog/items/{code}/suspend", headers=admin).get_json()["status"]
        == "suspended"
    )
    assert hub.get("/api/v1/catalog/stats").get_json()["items_total"] == 1920
    assert (
        hub.post(f"/api/v1/catalog/items/{code}/resume", headers=admin).get_json()["status"]
        == "published"
    )
    assert (
        hub.post(f"/api/v1/catalog/items/{code}/retire", headers=admin).get_json()["status"]
        == "retired"
    )
    assert hub.put(f"/api/v1/catalog/items/{code}/draft", json={}, headers=admin).status_code in (
        409,
        422,
    )


def test_editing_an_open_draft_again_replaces_its_materials(
    hub: FlaskClient, admin: dict[str, str]
) -> None:
    record = _new_item(hub, admin)
    code = record["code"]
    assert hub.post("/api/v1/catalog/items", json=record, headers=admin).status_code == 201
    again = {**record, "name": "测试用食品经营许可(再次修改)"}
    edited = hub.put(f"/api/v1/catalog/items/{code}/draft", json=again, headers=admin)
    assert edited.status_code == 200, edited.get_json()
    assert [m["name"] for m in edited.get_json()["materials"]] == [
        m["name"] for m in record["materials"]
    ]
