"""A node's certificate usage log pushed to the hub: the chain is checked per node; a gap,
a rewritten entry or a fork is refused and raised as an alert, nothing of it is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.certs import UsageEntry, UsageFields, chain_entry
from shared.certwork.models import CertUsageRow, UsageAlert
from shared.clock import FixedClock
from tests.conftest import login
from tests.sync.test_protocol import TOWN, _enroll, _signed

VILLAGE = TOWN + "001"


def _log(node: str, count: int, clock: FixedClock) -> list[UsageEntry]:
    entries: list[UsageEntry] = []
    for i in range(count):
        fields = UsageFields(
            node=node,
            at=clock.now() + timedelta(minutes=i),
            actor=f"agent-{node}",
            action="lookup",
            case_no=f"{node}-20261127-{i + 1:04d}",
            purpose="办理残疾人两项补贴，免提交残疾人证",
            holder_ref="ab" * 32,
            holder_masked="6107**********0024",
        )
        entries.append(chain_entry(entries[-1] if entries else None, fields))
    return entries


def _push(hub: FlaskClient, key: object, entries: list[UsageEntry], clock: FixedClock) -> dict:
    clock.advance(seconds=1)  # a fresh nonce time
    response = _signed(
        hub,
        key,  # type: ignore[arg-type]
        TOWN,
        "POST",
        "/api/v1/sync/usage",
        body={"entries": [e.to_dict() for e in entries]},
        clock=clock,
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _kept(app: Flask, node: str) -> int:
    with app.extensions["sanji"].sessions() as session:
        return (
            session.scalar(
                select(func.count()).select_from(CertUsageRow).where(CertUsageRow.node == node)
            )
            or 0
        )


def _alerts(app: Flask) -> list[tuple[str, str]]:
    with app.extensions["sanji"].sessions() as session:
        return [(a.node, a.problem) for a in session.scalars(select(UsageAlert))]


def test_a_good_chain_is_kept_and_resending_is_harmless(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    log = _log(VILLAGE, 5, clock)
    assert _push(hub, key, log[:3], clock)["accepted"] == {VILLAGE: 3}
    assert _push(hub, key, log, clock)["accepted"] == {VILLAGE: 5}  # overlaps what it had
    assert _kept(hub_app, VILLAGE) == 5 and _alerts(hub_app) == []


def test_gap_rewrite_and_fork_are_refused_and_raised(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    log = _log(VILLAGE, 6, clock)
    assert _push(hub, key, log[:2], clock)["accepted"] == {VILLAGE: 2}

    gap = _push(hub, key, log[3:], clock)  # entry 3 never sent
    assert VILLAGE in gap["refused"] and "缺少" in gap["refused"][VILLAGE]

    rewritten = [log[2], replace(log[3], purpose="随便看看")]  # content changed, hash kept
    assert VILLAGE in _push(hub, key, rewritten, clock)["refused"]

    # A node that rewrote entry 2 and re-hashed everything after it: a fork at the anchor.
    forged = _log(VILLAGE, 1, clock)
    fork = chain_entry(forged[0], replace(_fields(log[1]), purpose="改写后的事由"))
    assert VILLAGE in _push(hub, key, [forged[0], fork], clock)["refused"]

    assert _kept(hub_app, VILLAGE) == 2  # nothing of the bad batches was kept
    assert [p for _, p in _alerts(hub_app)] == ["gap", "rewritten", "fork"]
    assert _push(hub, key, log[2:], clock)["accepted"] == {VILLAGE: 6}  # the true log still fits
    board = hub.get("/api/v1/sync/nodes", headers=login(hub, "admin")).get_json()
    [town] = [row for row in board if row["node"] == TOWN]
    assert town["state"] == "用证日志异常" and len(town["usage_alerts"]) == 3
    assert all(alert.startswith(VILLAGE) for alert in town["usage_alerts"])


def test_a_node_cannot_report_another_subtree(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    clock.advance(seconds=1)
    response = _signed(
        hub,
        key,
        TOWN,
        "POST",
        "/api/v1/sync/usage",
        body={"entries": [e.to_dict() for e in _log("610727001", 1, clock)]},
        clock=clock,
    )
    assert response.status_code == 403


def _fields(entry: UsageEntry) -> UsageFields:
    return UsageFields(
        node=entry.node,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        case_no=entry.case_no,
        purpose=entry.purpose,
        certificate=entry.certificate,
        holder_ref=entry.holder_ref,
        holder_masked=entry.holder_masked,
    )


def test_a_complaint_filed_below_is_registered_at_the_hub(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)

    def send(body: dict) -> object:
        clock.advance(seconds=1)
        return _signed(hub, key, TOWN, "POST", "/api/v1/sync/complaints", body=body, clock=clock)

    good = {
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "department_code": "mzj",
        "text": "高龄补贴申请三个月没有答复",
        "actor": f"agent-{VILLAGE}",
        "filed_node": VILLAGE,
    }
    no_phone = send({**good, "contact_phone": ""})
    assert no_phone.status_code == 422  # type: ignore[attr-defined]
    names = {p["name"] for p in no_phone.get_json()["invalid_params"]}  # type: ignore[attr-defined]
    assert names == {"contact_phone"}
    elsewhere = send({**good, "filed_node": "610727001001"})
    assert elsewhere.status_code == 422  # type: ignore[attr-defined]
    filed = send(good)
    assert filed.status_code == 201, filed.get_json()  # type: ignore[attr-defined]
    body = filed.get_json()  # type: ignore[attr-defined]
    assert body["filed_node"] == VILLAGE and body["department_code"] == "mzj" and body["deadline"]
    listed = hub.get("/api/v1/complaints", headers=login(hub, "dept-mzj")).get_json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
