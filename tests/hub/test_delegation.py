"""Delegation batches and the authority function, through the hub API and directly."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from shared.authority import (
    Authority,
    BatchRule,
    BatchStatus,
    DelegationMode,
    Scope,
    decide_authority,
)

XUJIAPING, XINGZHOU = "610727105", "610727001"
VILLAGE_UNDER_XUJIAPING = "610727105200"


def _batches(hub: FlaskClient) -> dict[int, dict]:
    return {b["number"]: b for b in hub.get("/api/v1/delegations/batches").get_json()}


def _authority(hub: FlaskClient, node: str, item: str, on: str = "2026-11-27") -> dict:
    response = hub.get(
        "/api/v1/delegations/authority", query_string={"node": node, "item": item, "on": on}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_demo_batches_have_the_reported_counts(hub: FlaskClient) -> None:
    batches = _batches(hub)
    assert sorted(batches) == [1, 2, 3, 4]
    first_three = [batches[n] for n in (1, 2, 3)]
    assert sum(len(b["items"]) for b in first_three) == 155
    assert all(b["towns"] == "all" and b["mode"] == "下放" for b in first_three)
    assert len(set().union(*(b["items"] for b in first_three))) == 155
    assert batches[4]["mode"] == "委托" and batches[4]["towns"] == [XUJIAPING]
    assert len(batches[4]["items"]) == 100
    assert not set(batches[4]["items"]) & set().union(*(b["items"] for b in first_three))
    assert all(b["status"] == "in_force" for b in batches.values())


def test_batch_1_to_3_item_is_decided_at_any_town(hub: FlaskClient) -> None:
    item = _batches(hub)[2]["items"][0]
    for town in (XINGZHOU, XUJIAPING, "610727115"):
        answer = _authority(hub, town, item)
        assert answer == answer | {
            "may_decide": True,
            "handled_by": town,
            "batch": 2,
            "mode": "下放",
        }


def test_batch_4_item_is_decided_at_xujiaping_only(hub: FlaskClient) -> None:
    item = _batches(hub)[4]["items"][0]
    owner = hub.get(f"/api/v1/catalog/items/{item}").get_json()["department"]
    at_xujiaping = _authority(hub, XUJIAPING, item)
    assert (at_xujiaping["may_decide"], at_xujiaping["handled_by"], at_xujiaping["batch"]) == (
        True,
        XUJIAPING,
        4,
    )
    assert at_xujiaping["in_name_of"] == owner  # 委托: in the department's name
    elsewhere = _authority(hub, XINGZHOU, item)
    assert (elsewhere["may_decide"], elsewhere["handled_by"], elsewhere["batch"]) == (
        False,
        owner,
        None,
    )
    village = _authority(hub, VILLAGE_UNDER_XUJIAPING, item)
    assert (village["may_decide"], village["handled_by"]) == (False, XUJIAPING)


def test_item_in_no_batch_goes_to_its_department(hub: FlaskClient) -> None:
    batches = _batches(hub)
    delegated = set().union(*(b["items"] for b in batches.values()))
    items = hub.get("/api/v1/catalog/items", query_string={"per_page": 50}).get_json()["items"]
    item = next(i for i in items if i["code"] not in delegated)
    for node in (XUJIAPING, XINGZHOU):
        answer = _authority(hub, node, item["code"])
        assert (answer["may_decide"], answer["handled_by"], answer["batch"]) == (
            False,
            item["department"],
            None,
        )
    assert _authority(hub, item["department"], item["code"])["may_decide"] is True


def test_before_a_batch_took_effect_the_department_handles(hub: FlaskClient) -> None:
    item = _batches(hub)[3]["items"][0]
    assert _authority(hub, XINGZHOU, item, on="2021-05-31")["batch"] is None
    assert _authority(hub, XINGZHOU, item, on="2021-06-01")["batch"] == 3


def test_withdrawal_applies_from_its_effective_date(
    hub: FlaskClient, admin: dict[str, str]
) -> None:
    item = _batches(hub)[1]["items"][0]
    response = hub.post(
        "/api/v1/delegations/batches/1/withdraw",
        headers=admin,
        json={"effective_on": "2026-12-01", "reason": "事项调整（测试）"},
    )
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert _authority(hub, XINGZHOU, item, on="2026-11-30")["may_decide"] is True
    assert _authority(hub, XINGZHOU, item, on="2026-12-01")["may_decide"] is False
    again = hub.post(
        "/api/v1/delegations/batches/1/withdraw",
        headers=admin,
        json={"effective_on": "2026-12-01", "reason": "再次"},
    )
    assert again.status_code == 409


def test_admin_creates_and_publishes_a_batch(hub: FlaskClient, admin: dict[str, str]) -> None:
    items = hub.get(
        "/api/v1/catalog/items", query_string={"department": "lyj", "per_page": 3}
    ).get_json()["items"]
    body = {
        "number": 5,
        "title": "第五批（测试）",
        "doc_no": "略政办发〔2026〕1号",
        "doc_date": "2026-11-20",
        "mode": "委托",
        "towns": ["610727106"],
        "scope": ["受理"],
        "term_from": "2026-11-25",
        "items": [i["code"] for i in items],
    }
    created = hub.post("/api/v1/delegations/batches", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json()["status"] == "draft"
    code = items[0]["code"]
    assert _authority(hub, "610727106", code)["batch"] in (None, 1, 2, 3)  # draft: not in force
    assert hub.post("/api/v1/delegations/batches/5/publish", headers=admin).status_code == 200
    answer = _authority(hub, "610727106", code)
    if answer["batch"] == 5:  # scope 受理 only: the town accepts, the department decides
        assert answer["may_decide"] is False and answer["handled_by"] == "lyj"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"towns": ["610727999"]}, "towns.0"),
        ({"items": ["NOPE"]}, "items.0"),
        ({"scope": ["签发"]}, "scope.0"),
        ({"mode": "转让"}, "mode"),
        ({"towns": []}, "towns"),
    ],
)
def test_bad_batch_is_422(
    hub: FlaskClient, admin: dict[str, str], change: dict, field: str
) -> None:
    body = {
        "number": 6,
        "title": "坏批次",
        "doc_no": "X号",
        "doc_date": "2026-11-20",
        "mode": "下放",
        "towns": "all",
        "scope": ["决定"],
        "term_from": "2026-11-25",
        "items": [],
    }
    body["items"] = [hub.get("/api/v1/catalog/items").get_json()["items"][0]["code"]]
    response = hub.post("/api/v1/delegations/batches", json=body | change, headers=admin)
    assert response.status_code == 422
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]
    assert 6 not in _batches(hub)


def test_authority_unknown_item_or_node_is_404(hub: FlaskClient) -> None:
    item = hub.get("/api/v1/catalog/items").get_json()["items"][0]["code"]
    for query in ({"node": XINGZHOU, "item": "NOPE"}, {"node": "610727999", "item": item}):
        assert hub.get("/api/v1/delegations/authority", query_string=query).status_code == 404
    assert (
        hub.get("/api/v1/delegations/authority", query_string={"node": XINGZHOU}).status_code == 422
    )


def _rule(number: int, **kw: object) -> BatchRule:
    base = dict(  # noqa: C408 - keyword form mirrors BatchRule's fields
        number=number,
        mode=DelegationMode.DEVOLVE,
        towns=None,
        items=frozenset({"I1"}),
        scope=frozenset(Scope),
        status=BatchStatus.IN_FORCE,
        term_from=date(2020, 1, 1),
    )
    return BatchRule(**(base | kw))  # type: ignore[arg-type]


def _decide(rules: list[BatchRule], node: str) -> Authority:
    return decide_authority(
        rules, node=node, item_code="I1", item_department="mzj", on=date(2026, 1, 5)
    )


def test_authority_rules_directly() -> None:
    assert _decide([_rule(1)], XINGZHOU).handled_by == XINGZHOU
    assert _decide([_rule(1, status=BatchStatus.SUSPENDED)], XINGZHOU).handled_by == "mzj"
    assert _decide([_rule(1, term_to=date(2025, 12, 31))], XINGZHOU).handled_by == "mzj"
    named = _rule(1, towns=frozenset({XUJIAPING}), mode=DelegationMode.ENTRUST)
    assert _decide([named], XINGZHOU).handled_by == "mzj"
    there = _decide([named], XUJIAPING)
    assert (there.handled_by, there.in_name_of, there.may_decide) == (XUJIAPING, "mzj", True)
    at_county = _decide([_rule(1)], "610727")
    assert (at_county.handled_by, at_county.may_decide) == ("mzj", False)
    # Accepted in the county hall (not at a town): the owning department handles it.
    at_department = _decide([_rule(1)], "mzj")
    assert (at_department.handled_by, at_department.may_decide) == ("mzj", True)
    assert _decide([_rule(1, scope=frozenset({Scope.ACCEPT}))], XINGZHOU).handled_by == "mzj"
