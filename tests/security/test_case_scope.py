"""Finding 1 (IDOR): every case read is scoped by role and unit, on the API and the pages.

Four cases at the hub, filed at two villages, a town and the county hall, handled by a town
and by two departments. Every read route is walked with every role; the set of cases each
may open must be exactly the one in ``shared.casework.access``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared import refdata
from shared.cases import Event, EventType, new_event_id
from shared.clock import FixedClock
from shared.sync.store import store_events
from tests.conftest import login

V105 = refdata.demo_village("610727105").code
V001 = refdata.demo_village("610727001").code

#: case key -> (accepting node, accept_by, handled_by)
CASES = {
    "village105_town": (V105, "610727105", "610727105"),
    "village105_dept": (V105, "610727105", "scjgj"),
    "town001_town": ("610727001", "610727001", "610727001"),
    "hall_dept": ("610727", "mzj", "mzj"),
}
ALL = set(CASES)

#: username -> the cases it may read
ALLOWED = {
    "admin": ALL,
    "supervisor": ALL,
    "dept-scjgj": {"village105_dept"},
    "dept-mzj": {"hall_dept"},
    "town-610727105": {"village105_town", "village105_dept"},
    "town-610727001": {"town001_town"},
    f"agent-{V105}": {"village105_town", "village105_dept"},
    f"agent-{V001}": set(),
}


def _submit(app: Flask, clock: FixedClock) -> dict[str, str]:
    numbers: dict[str, str] = {}
    tier = app.extensions["sanji"]
    events = []
    for i, (key, (node, accept_by, handled_by)) in enumerate(sorted(CASES.items())):
        now = clock.now()
        case_no = f"{node}-20261127-{9000 + i:04d}"
        numbers[key] = case_no
        events.append(
            Event(
                id=new_event_id(now),
                case_id=str(uuid.uuid4()),
                case_no=case_no,
                origin=node,
                lamport=1,
                type=EventType.SUBMITTED,
                at=now,
                actor="test",
                payload={
                    "item_code": "TEST-ITEM",
                    "item_version": 1,
                    "item_name": "测试事项",
                    "case_kind": 2,
                    "promised_limit": 20,
                    "promised_unit": "W",
                    "applicant": {
                        "name": "王五",
                        "id_type": "111",
                        "id_number": "13043419840726291X",
                        "phone": "13812345678",
                    },
                    "materials": [{"name": "申请书", "provided": True, "necessity": "1"}],
                    "accepting_node": node,
                    "accept_by": accept_by,
                    "handled_by": handled_by,
                },
            )
        )
    with tier.sessions() as session:
        store_events(
            session, events, received_from="test", acked=True, clock=clock, county="610727"
        )
        session.commit()
    return numbers


@pytest.fixture
def numbers(hub_app: Flask, clock: FixedClock) -> dict[str, str]:
    return _submit(hub_app, clock)


def _page_login(client: FlaskClient, username: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    response = client.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": "demo"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_api_reads_are_scoped(hub: FlaskClient, numbers: dict[str, str], username: str) -> None:
    headers = login(hub, username)
    opened = {
        key
        for key, no in numbers.items()
        if hub.get(f"/api/v1/cases/{no}", headers=headers).status_code == 200
    }
    assert opened == ALLOWED[username]
    for key, no in numbers.items():
        if key not in ALLOWED[username]:
            denied = hub.get(f"/api/v1/cases/{no}", headers=headers)
            # The same answer as an unknown case: no probing of other units' numbers.
            assert denied.status_code == 404
            assert denied.get_json()["detail"] == f"本节点没有办件 {no}"
    listed = hub.get("/api/v1/cases?per_page=200", headers=headers).get_json()["items"]
    assert {r["case_no"] for r in listed} & set(numbers.values()) == {
        numbers[k] for k in ALLOWED[username]
    }
    # A filter cannot widen the scope: another town's cases stay out of reach.
    for town in ("610727105", "610727001"):
        under = hub.get(f"/api/v1/cases?filed_under={town}&per_page=200", headers=headers)
        found = {r["case_no"] for r in under.get_json()["items"]} & set(numbers.values())
        assert found <= {numbers[k] for k in ALLOWED[username]}


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_page_reads_are_scoped(hub_app: Flask, numbers: dict[str, str], username: str) -> None:
    client = hub_app.test_client()
    _page_login(client, username)
    for key, no in numbers.items():
        for path in (f"/cases/{no}", f"/cases/{no}/receipt", f"/cases/{no}/notice/receipt"):
            status = client.get(path).status_code
            expected = 200 if key in ALLOWED[username] else 404
            assert status == expected, (path, username, status)
    listing = client.get("/cases").get_data(as_text=True)
    shown = {k for k, no in numbers.items() if no in listing}
    assert shown == ALLOWED[username]


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_acting_on_a_case_one_may_not_read_is_forbidden(
    hub: FlaskClient, numbers: dict[str, str], username: str
) -> None:
    headers = login(hub, username)
    for key, no in numbers.items():
        if key in ALLOWED[username]:
            continue
        response = hub.post(
            f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=headers
        )
        assert response.status_code == 403, (username, key, response.get_json())


def test_a_town_deciding_a_department_case_is_told_it_is_not_its_own(
    hub_app: Flask, clock: FixedClock
) -> None:
    """Finding 9: authorization comes before state, and the message says it once."""
    from shared.calendar_store import load_calendar
    from shared.cases import fold
    from shared.sync.store import case_events, case_id_of

    numbers = _submit(hub_app, clock)
    tier = hub_app.extensions["sanji"]
    with tier.sessions() as session:
        no = numbers["village105_dept"]
        state = fold(
            case_events(session, case_id_of(session, no)),
            calendar=load_calendar(session),
            county="610727",
        )
    decide = Event(
        id=new_event_id(clock.now()),
        case_id=state.case_id,
        case_no=state.case_no,
        origin="610727105",
        lamport=state.lamport + 1,
        type=EventType.DECIDED,
        at=clock.now(),
        actor="town-610727105",
        payload={"approve": True},
    )
    from shared.cases import refusal

    refused = refusal(state, decide, county="610727")
    assert refused is not None
    assert refused.kind == "forbidden" and refused.code == "wrong_origin"
    assert refused.reason.count("办件当前状态") == 0


def _detail(response: Any) -> str:
    return str(response.get_json().get("detail", ""))


def test_conflict_messages_name_the_status_once(hub: FlaskClient, numbers: dict[str, str]) -> None:
    headers = login(hub, "dept-mzj")
    no = numbers["hall_dept"]
    response = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "decide", "approve": True}, headers=headers
    )
    assert response.status_code == 409
    assert _detail(response).count("已提交") == 1, _detail(response)
