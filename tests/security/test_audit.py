"""The audit log at the hub: what is recorded, masked, chained, who may read it, retention."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from county_hub import create_app
from shared import refdata
from shared.audit.models import AuditRow, AuditSegment
from shared.audit.retention import prune, seal
from shared.audit.services import record, subject_ref, verify
from shared.clock import FixedClock
from shared.errors import InvalidInput
from tests.conftest import login
from tests.hub.test_pages import _logged_in

VALID_ID = "13043419840726291X"
PHONE = "13812345678"
_ID_OR_PHONE = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")


def _rows(app: Flask, **where: Any) -> list[AuditRow]:
    with app.extensions["sanji"].sessions() as session:
        query = select(AuditRow).order_by(AuditRow.node, AuditRow.seq)
        for name, value in where.items():
            query = query.where(getattr(AuditRow, name) == value)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _file_case(hub: FlaskClient) -> tuple[str, dict[str, str]]:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "食品经营许可(新办)"}).get_json()
    item = hub.get(f"/api/v1/catalog/items/{code['items'][0]['code']}").get_json()
    reviewer = login(hub, f"dept-{item['department']}")
    body = {
        "item_code": item["code"],
        "applicant": {"name": "张三", "id_type": "111", "id_number": VALID_ID, "phone": PHONE},
        "materials": [{"name": m["name"], "provided": True} for m in item["materials"]],
    }
    created = hub.post("/api/v1/cases", json=body, headers=reviewer)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["case_no"], reviewer


def _agent() -> str:
    return f"agent-{sorted(refdata.village_rooms())[0]}"


def test_logins_are_recorded_whether_they_succeed_or_fail(hub_app: Flask, hub: FlaskClient) -> None:
    bad = hub.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong"})
    assert bad.status_code == 401
    login(hub, "admin")
    _logged_in(hub, "supervisor")
    rows = _rows(hub_app, action="login")
    assert [(r.actor, r.outcome) for r in rows] == [
        ("admin", "failed"),
        ("admin", "ok"),
        ("supervisor", "ok"),
    ]
    assert rows[0].role == "" and rows[1].role == "admin" and "页面" in rows[2].detail


def test_case_work_is_recorded_masked_and_views_name_the_person_by_hash(
    hub_app: Flask, hub: FlaskClient
) -> None:
    no, reviewer = _file_case(hub)
    assert hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    assert hub.get(f"/api/v1/cases/{no}", headers=reviewer).status_code == 200
    assert (
        hub.get("/api/v1/cases", query_string={"q": VALID_ID}, headers=reviewer).status_code == 200
    )
    rows = _rows(hub_app)
    actions = [r.action for r in rows if r.action.startswith("case.")]
    # A list of masked rows is no view of personal data: opening the case is.
    assert actions == ["case.file", "case.act", "case.view"]
    view = next(r for r in rows if r.action == "case.view")
    assert view.target == no and view.subject_ref == subject_ref("111", VALID_ID, county="610727")
    for row in rows:
        for value in (row.actor, row.target, row.detail, row.role):
            assert not _ID_OR_PHONE.search(value), (row.action, value)
    assert verify_api(hub)["intact"] is True


def verify_api(hub: FlaskClient) -> dict[str, Any]:
    response = hub.get("/api/v1/audit/verify", headers=login(hub, "supervisor"))
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_the_api_filters_and_pages(hub: FlaskClient) -> None:
    _file_case(hub)
    admin = login(hub, "admin")
    found = hub.get("/api/v1/audit", query_string={"action": "login"}, headers=admin).get_json()
    assert found["total"] >= 2 and {i["action"] for i in found["items"]} == {"login"}
    assert {"at", "actor", "action", "target"} <= set(found["items"][0])
    mine = hub.get(
        "/api/v1/audit", query_string={"actor": "admin", "since": "2026-11-27"}, headers=admin
    ).get_json()
    assert mine["items"] and all(i["actor"] == "admin" for i in mine["items"])
    later = hub.get("/api/v1/audit", query_string={"since": "2027-01-01"}, headers=admin)
    assert later.get_json()["items"] == []
    paged = hub.get("/api/v1/audit", query_string={"per_page": 1, "page": 2}, headers=admin)
    assert len(paged.get_json()["items"]) == 1
    bad = hub.get("/api/v1/audit", query_string={"since": "昨天"}, headers=admin)
    assert bad.status_code == 422 and bad.content_type.startswith("application/problem+json")


def test_a_deleted_row_is_found(hub_app: Flask, hub: FlaskClient, hub_session: Session) -> None:
    _file_case(hub)
    rows = _rows(hub_app)
    middle = rows[len(rows) // 2]
    hub_session.execute(
        delete(AuditRow).where(AuditRow.node == middle.node, AuditRow.seq == middle.seq)
    )
    hub_session.commit()
    report = verify_api(hub)
    assert report["intact"] is False and report["first_bad"] == middle.seq


def test_an_edited_row_is_found(hub_app: Flask, hub: FlaskClient, hub_session: Session) -> None:
    _file_case(hub)
    first = _rows(hub_app)[0]
    hub_session.execute(
        update(AuditRow)
        .where(AuditRow.node == first.node, AuditRow.seq == first.seq)
        .values(actor="someone-else")
    )
    hub_session.commit()
    report = verify_api(hub)
    assert report["intact"] is False and report["first_bad"] == first.seq
    [node] = [n for n in report["nodes"] if not n["intact"]]
    assert node["problem"] == "rewritten"


def test_a_truncated_log_is_found(hub_app: Flask, hub: FlaskClient, hub_session: Session) -> None:
    _file_case(hub)
    last = _rows(hub_app)[-1]
    hub_session.execute(delete(AuditRow).where(AuditRow.seq == last.seq))
    hub_session.commit()
    assert verify_api(hub)["intact"] is False


def test_who_may_read(hub: FlaskClient) -> None:
    for username in ("admin", "supervisor"):
        assert hub.get("/api/v1/audit", headers=login(hub, username)).status_code == 200
    for username in (_agent(), "town-610727105", "dept-scjgj"):
        headers = login(hub, username)
        for path in ("/api/v1/audit", "/api/v1/audit/verify"):
            denied = hub.get(path, headers=headers)
            assert denied.status_code == 403, (username, path)
            assert "审计" in denied.get_json()["detail"]
        refused = hub.post("/api/v1/audit/who-looked", json={"holder": VALID_ID}, headers=headers)
        assert refused.status_code == 403
    assert hub.get("/api/v1/audit").status_code == 401
    # No endpoint edits or deletes entries, for anyone (separation of duties).
    admin = login(hub, "admin")
    for method in ("put", "patch", "delete"):
        assert getattr(hub, method)("/api/v1/audit", headers=admin).status_code == 405


def test_account_changes_are_audited(hub_app: Flask, hub: FlaskClient) -> None:
    body = {
        "username": "agent-li",
        "display_name": "李代办",
        "role": "village_agent",
        "region_code": refdata.demo_village().code,
        "password": "secret-123",
    }
    assert hub.post("/api/v1/accounts", json=body, headers=login(hub, "admin")).status_code == 201
    [row] = _rows(hub_app, action="account.change")
    assert row.actor == "admin" and "POST /api/v1/accounts" in row.detail


def test_who_looked_joins_case_views_and_certificate_uses(hub: FlaskClient) -> None:
    no, reviewer = _file_case(hub)
    hub.get(f"/api/v1/cases/{no}", headers=reviewer)
    answer = hub.post(
        "/api/v1/audit/who-looked", json={"holder": VALID_ID}, headers=login(hub, "supervisor")
    )
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert data["holder"] == "1304**********291X"
    views = [i for i in data["items"] if i["action"] == "case.view"]
    assert views and views[0]["case_no"] == no and views[0]["actor"] == reviewer_name(hub, no)
    assert VALID_ID not in answer.get_data(as_text=True)


def reviewer_name(hub: FlaskClient, no: str) -> str:
    case = hub.get(f"/api/v1/cases/{no}", headers=login(hub, "admin")).get_json()
    return f"dept-{case['handled_by']}"


def test_the_page_filters_for_readers_only(hub: FlaskClient) -> None:
    _logged_in(hub, "supervisor")
    page = hub.get("/audit", query_string={"action": "login"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "安全审计日志" in text and "登录" in text
    hub.post("/logout", data={})
    _logged_in(hub, _agent())
    assert hub.get("/audit").status_code == 403


def test_retention_prunes_whole_sealed_months_and_verify_stays_intact(
    hub_session: Session,
) -> None:
    clock = FixedClock(datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    node = "610727"
    for _ in range(0, 78, 3):  # 10 January to 26 March
        record(
            hub_session, node=node, clock=clock, actor="a", role="admin", action="login", acked=True
        )
        clock.advance(days=3)
    hub_session.flush()
    with pytest.raises(InvalidInput):
        prune(hub_session, clock=clock, retention_days=179)
    clock.current = datetime(2026, 9, 1, tzinfo=UTC)
    assert seal(hub_session, clock=clock) == 3  # January, February, March
    assert seal(hub_session, clock=clock) == 0  # idempotent
    before = len(hub_session.scalars(select(AuditRow)).all())
    deleted = prune(hub_session, clock=clock, retention_days=180)
    # Only January and February are over 180 days old as whole months.
    pruned = hub_session.scalars(select(AuditSegment).where(AuditSegment.pruned)).all()
    assert [s.period for s in pruned] == ["2026-01", "2026-02"] and deleted > 0
    assert len(hub_session.scalars(select(AuditRow)).all()) == before - deleted
    record(hub_session, node=node, clock=clock, actor="a", role="admin", action="login", acked=True)
    report = verify(hub_session)
    assert report["intact"] is True, report
    # A seal altered after the fact is found.
    hub_session.execute(
        update(AuditSegment).where(AuditSegment.seq == 1).values(last_seq=pruned[0].last_seq + 1)
    )
    assert verify(hub_session)["intact"] is False


def test_a_retention_below_six_months_is_refused(tmp_path: Any) -> None:
    with pytest.raises(InvalidInput, match="180"):
        create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SECRET_KEY": "x",
                "AUDIT_RETENTION_DAYS": 90,
            }
        )


def test_switched_off_for_the_benchmark_nothing_is_written(
    hub_app: Flask, hub: FlaskClient
) -> None:
    hub_app.config["AUDIT_ENABLED"] = False
    _file_case(hub)
    assert _rows(hub_app) == []
