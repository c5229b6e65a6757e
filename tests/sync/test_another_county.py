"""Another county, no code change: intake, routing, sync and certificates for 610726.

The county is the hub's COUNTY_CODE setting and nothing else: its towns and villages
(made up here, through the hub's own services) join, learn the county from the join
reply, and every rule that needs it — who may work at the hub, who decides a department's
case, who signs certificates, the key of the usage log — reads it from the tier. Nothing
of the demo county (610727) may appear anywhere along the way.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from county_hub.accounts.services import create_account
from county_hub.catalog.models import CertificateType
from county_hub.catalog.services import Reference, add_item, check_item_rules, parse_item_data
from county_hub.delegation.services import publish_batch, save_batch
from county_hub.feed import publish_everything
from county_hub.org.models import Department, Region, RegionLevel
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.authority import DelegationMode
from shared.clock import Clock
from shared.db import unit_of_work
from shared.errors import InvalidInput
from shared.ids import make_uscc
from shared.sync import state
from shared.sync.store import current_state
from tests.sync.inprocess import Running, Tiers, in_process

COUNTY = "610726"
TOWN = "610726100"  # 甲镇
STREET = "610726001"  # 乙街道
VILLAGE = "610726100201"  # 丙村, with a service room
DEPT = "scj"
USCC = make_uscc("1", "1", COUNTY, "MB000001")
CERT_TYPES = {"csxzf": "测试小作坊登记证", "csjyxk": "测试经营许可证"}
PASSWORD = "Secret-pass-2026"  # the password rule: ≥ 10 characters, three kinds
DEMO_COUNTY = "610727"

APPLICANT = {
    "name": "王五",
    "id_type": "111",
    "id_number": "13043419840726291X",
    "phone": "13812345678",
}


def _item(basic: str, name: str, certificate: str) -> dict[str, Any]:
    """A county-level licence of the test department whose result is a certificate."""
    return {
        "code": f"{USCC}4{basic}",
        "department": DEPT,
        "name": name,
        "basic_code": basic,
        "item_type": basic[2:4],
        "implementing_body": "测试县市场监督管理局",
        "implementing_body_uscc": USCC,
        "statutory_limit": 20,
        "promised_limit": 5,
        "case_kind": 2,
        "result_certificate_type": certificate,
        "materials": [{"name": "申请书", "necessity": 1}],
    }


DELEGATED = _item("000100100001", "测试县小作坊登记", "csxzf")  # batch 1: towns decide
KEPT = _item("000100100002", "测试县经营许可", "csjyxk")  # the department decides at the hub


def seed_county(session: Session, clock: Clock) -> None:
    """The county's master data, entered the way the hub enters it (its services)."""
    session.add(Region(code=COUNTY, name="测试县", level=RegionLevel.COUNTY, kind="县"))
    for code, name, kind in ((TOWN, "甲镇", "镇"), (STREET, "乙街道", "街道")):
        session.add(
            Region(code=code, name=name, level=RegionLevel.TOWN, kind=kind, parent_code=COUNTY)
        )
    session.flush()
    session.add(
        Region(
            code=VILLAGE,
            name="丙村",
            level=RegionLevel.VILLAGE,
            kind="村",
            parent_code=TOWN,
            service_room=True,
        )
    )
    for code, name, short, uscc in (
        (DEPT, "测试县市场监督管理局", "县市场监管局", USCC),
        # 审批局 runs the service centre; its key signs the certificate status list.
        ("spj", "测试县行政审批服务局", "县审批局", make_uscc("1", "1", COUNTY, "MB000002")),
    ):
        session.add(
            Department(
                code=code,
                name=name,
                short_name=short,
                kind="政府部门",
                uscc=uscc,
                uscc_is_demo=True,
                note="",
            )
        )
    session.flush()
    for number, (code, name) in enumerate(CERT_TYPES.items(), start=1):
        session.add(
            CertificateType(
                code=code,
                name=name,
                issuing_department_code=DEPT,
                type_code=f"{USCC}{number:03d}",
                holder_kind="111",
                validity_years=5,
            )
        )
    session.flush()
    ref = Reference(departments=frozenset({DEPT}), certificate_types=frozenset(CERT_TYPES))
    for record in (DELEGATED, KEPT):
        data = parse_item_data(record)
        assert check_item_rules(data, ref) == []
        add_item(session, data, by="setup", clock=clock, publish=True)
    session.flush()
    admin = Actor(username="setup", role=Role.ADMIN, region_code=COUNTY, department_code=None)
    save_batch(
        session,
        admin,
        {
            "number": 1,
            "title": "第一批镇(街道)承接事项",
            "doc_no": "测政办发〔2026〕1号",
            "doc_date": date(2026, 1, 5),
            "mode": DelegationMode.DEVOLVE,
            "towns": "all",
            "scope": ["受理", "审查", "决定"],
            "term_from": date(2026, 2, 1),
            "items": [DELEGATED["code"]],
        },
        clock=clock,
    )
    publish_batch(session, admin, 1, clock=clock)
    accounts = [
        # No region: county-wide roles work for the hub's county (COUNTY_CODE).
        {"username": "admin", "display_name": "县级管理员", "role": Role.ADMIN},
        {"username": f"dept-{DEPT}", "display_name": "审批", "role": Role.DEPT_REVIEWER},
        {"username": f"town-{TOWN}", "display_name": "甲镇窗口", "role": Role.TOWN_STAFF},
        {"username": f"agent-{VILLAGE}", "display_name": "丙村代办", "role": Role.VILLAGE_AGENT},
    ]
    places = {
        Role.DEPT_REVIEWER: {"department_code": DEPT},
        Role.TOWN_STAFF: {"region_code": TOWN},
        Role.VILLAGE_AGENT: {"region_code": VILLAGE},
    }
    for account in accounts:
        data = {**account, "password": PASSWORD, **places.get(account["role"], {})}
        create_account(session, admin, data, county=COUNTY, clock=clock)
    publish_everything(session, clock=clock)


def _file(village: Running, headers: dict[str, str], item: dict[str, Any]) -> dict[str, Any]:
    body = {
        "item_code": item["code"],
        "applicant": APPLICANT,
        "materials": [{"name": "申请书", "provided": True}],
        "consent": True,
    }
    response = village.client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    case: dict[str, Any] = response.get_json()
    return case


def _act(tier: Running, headers: dict[str, str], case_no: str, *bodies: dict[str, Any]) -> Any:
    for body in bodies:
        response = tier.client.post(f"/api/v1/cases/{case_no}/actions", json=body, headers=headers)
        assert response.status_code == 200, (tier.name, body, response.get_json())
    return response.get_json()


def _case(tier: Running, headers: dict[str, str], case_no: str) -> dict[str, Any]:
    response = tier.client.get(f"/api/v1/cases/{case_no}", headers=headers)
    assert response.status_code == 200, response.get_json()
    case: dict[str, Any] = response.get_json()
    return case


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with in_process(tmp_path, monkeypatch) as tiers:
        hub = tiers.hub(COUNTY_CODE=COUNTY, COUNTY_NAME="测试县")
        with unit_of_work(hub.tier.sessions) as session:
            seed_county(session, tiers.clock)
        yield tiers


def test_a_county_of_its_own_from_intake_to_certificate(county: Tiers) -> None:
    tiers = county
    hub = tiers.running["hub"]
    assert (hub.tier.node_code, hub.tier.county) == (COUNTY, COUNTY)
    assert hub.client.get("/api/v1/health").get_json()["node"] == COUNTY

    town = tiers.town(TOWN)
    tiers.join(town, hub)
    with town.tier.sessions() as session:
        assert state.get(session, "county") == COUNTY  # the hub said so in the join reply
    tiers.sync(town)
    village = tiers.village(VILLAGE)
    tiers.join(village, town)  # the town relays the county it was told
    with village.tier.sessions() as session:
        assert state.get(session, "county") == COUNTY
    tiers.sync(village)

    # Routing: the batch gives the towns the delegated item; the other stays with the department.
    authority = hub.client.get(
        "/api/v1/delegations/authority",
        query_string={"node": TOWN, "item": DELEGATED["code"], "on": "2026-11-27"},
    ).get_json()
    assert (authority["may_decide"], authority["handled_by"]) == (True, TOWN)

    agent = village.login(f"agent-{VILLAGE}", PASSWORD)
    at_town = _file(village, agent, DELEGATED)
    at_dept = _file(village, agent, KEPT)
    assert at_town["case_no"].startswith(VILLAGE) and at_town["handled_by"] == TOWN
    assert at_dept["handled_by"] == DEPT
    tiers.sync(village)
    tiers.settle()
    tiers.sync(town)
    tiers.settle()

    clerk = town.login(f"town-{TOWN}", PASSWORD)
    _act(
        town, clerk, at_town["case_no"], {"action": "accept"}, {"action": "decide", "approve": True}
    )
    reviewer = hub.login(f"dept-{DEPT}", PASSWORD)
    decided = _act(
        hub,
        reviewer,
        at_dept["case_no"],
        {"action": "accept"},
        {"action": "decide", "approve": True},
    )
    assert decided["status"] == "concluded"
    for _ in range(2):  # up: the town's decision; the hub signs it; down: both certificates
        tiers.sync(town)
        tiers.settle()
    tiers.sync(village)
    tiers.settle()

    for case_no in (at_town["case_no"], at_dept["case_no"]):
        case = _case(village, agent, case_no)
        assert (case["status"], case["outcome"]) == ("concluded", "approved"), case
        assert case["anomalies"] == [], case["anomalies"]
        assert len(case["certificates"]) == 1 and "payload" not in case["certificates"][0]
        # The masked case JSON carries no QR payload; the village holds the signed event.
        with village.tier.sessions() as session:
            held = current_state(session, case_no, county=COUNTY).certificates[0]["payload"]
        verdict = village.client.post(
            "/api/v1/certificates/verify",
            json={"payload": held, "case_no": case_no, "purpose": "核验"},
            headers=agent,
        ).get_json()
        assert verdict["ok"], verdict  # offline, with the keys and status list synced down
        assert DEMO_COUNTY not in json.dumps(case, ensure_ascii=False)

    # A look-up from the village, relayed by the town, answered by the county's registry;
    # each tier logs it with the county's key, so the hub finds every use by the holder.
    found = village.client.post(
        "/api/v1/certificates/lookup",
        json={
            "holder": APPLICANT["id_number"],
            "case_no": at_dept["case_no"],
            "purpose": "办理经营许可",
        },
        headers=agent,
    )
    assert found.status_code == 200, found.get_json()
    assert len(found.get_json()["items"]) == 2
    tiers.sync(village)
    tiers.sync(town)
    admin = hub.login("admin", PASSWORD)
    usage = hub.client.post(
        "/api/v1/certificates/usage",
        json={"holder_type": "111", "holder": APPLICANT["id_number"]},
        headers=admin,
    ).get_json()
    lookups = {entry["node"] for entry in usage["items"] if entry["action"] == "lookup"}
    assert lookups == {VILLAGE, COUNTY}, usage  # the clerk's own entry, and the hub's


def test_a_node_keeps_the_county_it_joined_under(county: Tiers) -> None:
    tiers = county
    town = tiers.town(TOWN)
    assert town.tier.county == COUNTY  # before the join: the first six digits of its code
    tiers.join(town, tiers.running["hub"])
    with unit_of_work(town.tier.sessions) as session:
        state.put(session, "county", "610799")  # what the join stored is what counts
    again = tiers.town(TOWN)
    assert again.tier.county == "610799"


def test_a_town_of_another_county_cannot_join(county: Tiers) -> None:
    tiers = county
    stranger = tiers.town(f"{DEMO_COUNTY}105")
    with pytest.raises(InvalidInput, match="不是本节点"):
        tiers.join(stranger, tiers.running["hub"])
