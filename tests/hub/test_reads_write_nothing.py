"""A GET at the hub writes nothing: no INSERT, UPDATE or DELETE reaches the database.

The rectification list used to record ratings that had arrived by sync while answering;
now the rating POST records its own (the hub's after-change hook) and the scheduler's
``supervision.record_ratings`` job those that came by sync.

Reads that write on purpose, and are therefore not listed here: ``GET /cases`` folds
pushed events into the projection first (ADR 0008), ``GET /certificates/lookup`` logs
the purpose-bound look-up in the usage log (ARCHITECTURE §6), and the sync peers' GETs
spend the request's nonce (replay protection).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from county_hub.ratings import services
from county_hub.ratings.models import Rating, RectificationTask
from shared.clock import FixedClock
from shared.feedback.services import rating_token
from shared.sync.store import store_events
from tests.conftest import login
from tests.hub.test_ratings import TOWN, _concluded, _page_client, _town_events

WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
AUDIT_WRITE = re.compile(r"\s*(INSERT INTO|UPDATE) audit_(log|heads)\b", re.IGNORECASE)


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """The writing SQL statements executed while the block runs."""
    seen: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if WRITE.match(statement):
            seen.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def _tasks(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RectificationTask)) or 0


def test_the_rectification_list_does_not_record_ratings_that_came_by_sync(
    hub_engine: Engine, hub: FlaskClient, hub_app: Flask, hub_session: Session, clock: FixedClock
) -> None:
    events = _town_events(clock)[:4]
    store_events(hub_session, events, received_from=TOWN, acked=True, clock=clock, county="610727")
    before = _tasks(hub_session)
    admin = login(hub, "admin")
    page = _page_client(hub_app)
    with writes(hub_engine) as written:
        listed = hub.get("/api/v1/supervision/rectifications", headers=admin)
        shown = page.get("/rectifications")
    assert listed.status_code == 200 and shown.status_code == 200
    assert written == []
    assert _tasks(hub_session) == before
    # The scheduler's job records it (and the spy sees those writes); then the list shows it.
    with writes(hub_engine) as written:
        assert services.record_ratings(hub_session, clock=clock, county="610727") == 1
    assert any(w.startswith("INSERT INTO ratings") for w in written)
    items = hub.get("/api/v1/supervision/rectifications", headers=admin).get_json()["items"]
    assert events[0].case_no in {t["case_no"] for t in items}


def test_a_rating_at_the_hub_opens_its_task_in_the_same_request(
    hub_app: Flask, hub: FlaskClient, hub_session: Session
) -> None:
    no, reviewer, _dept = _concluded(hub)
    rated = hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "rate", "level": 5, "channel": "tablet"},
        headers=reviewer,
    )
    assert rated.status_code == 200, rated.get_json()
    assert hub_session.scalar(select(RectificationTask).where(RectificationTask.case_no == no))
    kiosk_no, _reviewer, _dept = _concluded(hub)
    kiosk = hub_app.test_client()
    token = rating_token(kiosk_no, "test-secret")
    form = kiosk.get(f"/r/{kiosk_no}/{token}").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    done = kiosk.post(f"/r/{kiosk_no}/{token}", data={"level": "2", "csrf_token": csrf})
    assert done.status_code == 200
    assert hub_session.scalar(select(Rating).where(Rating.case_no == kiosk_no)) is not None


@pytest.fixture
def story(hub: FlaskClient) -> dict[str, Any]:
    """Something to read: a rated case with its task, a complaint, a package application."""
    no, reviewer, _dept = _concluded(hub)
    hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "rate", "level": 5, "channel": "tablet"},
        headers=reviewer,
    )
    admin = login(hub, "admin")
    task = hub.get("/api/v1/supervision/rectifications", headers=admin).get_json()["items"][0]
    complaint = hub.post(
        "/api/v1/complaints",
        json={
            "contact_name": "赵六",
            "contact_phone": "13912345678",
            "text": "没办成",
            "department_code": "scjgj",
        },
        headers=admin,
    ).get_json()
    package = hub.get("/api/v1/packages/newborn").get_json()
    application = hub.post(
        "/api/v1/packages/newborn/applications",
        json={
            "applicant": {
                "name": "李四",
                "id_type": "111",
                "id_number": "13043419840726291X",
                "phone": "13812345678",
            },
            "materials": [{"name": m["name"], "provided": True} for m in package["materials"]],
        },
        headers=admin,
    ).get_json()
    return {
        "case_no": no,
        "task": task["id"],
        "complaint": complaint["id"],
        "application": application["id"],
        "admin": admin,
    }


API_READS = [
    "/api/v1/supervision/rectifications",
    "/api/v1/supervision/rectifications/{task}",
    "/api/v1/complaints",
    "/api/v1/complaints/{complaint}",
    "/api/v1/supervision/warnings",
    "/api/v1/supervision/overdue",
    "/api/v1/reports/figures",
    "/api/v1/cases/{case_no}",
    "/api/v1/appointments/slots?venue=scjgj&date=2026-11-30",
    "/api/v1/appointments?venue=scjgj&date=2026-11-30",
    "/api/v1/inspections",
    "/api/v1/inspections/summary?month=2026-11",
    "/api/v1/packages",
    "/api/v1/packages/newborn",
    "/api/v1/packages/applications",
    "/api/v1/packages/applications/{application}",
    "/api/v1/certificates/usage/alerts",
    "/api/v1/certificates/waiver-rates",
    "/api/v1/sync/status",
    "/api/v1/sync/nodes",
    "/api/v1/sync/quarantine",
    "/api/v1/catalog/items?q=spjyxk",
    "/api/v1/catalog/stats",
    "/api/v1/delegations/batches",
]
PAGE_READS = ["/rectifications", "/rectifications/{task}", "/complaints", "/complaints/{complaint}"]


def test_reads_at_the_hub_write_nothing(
    hub_engine: Engine, hub_app: Flask, hub: FlaskClient, story: dict[str, Any]
) -> None:
    page = _page_client(hub_app)
    for url in API_READS + PAGE_READS:
        target = url.format(**story)
        client, headers = (hub, story["admin"]) if url.startswith("/api/") else (page, {})
        with writes(hub_engine) as written:
            response = client.get(target, headers=headers)
        assert response.status_code == 200, (target, response.get_data(as_text=True)[:300])
        # Opening a case, a certificate or the audit log is itself audited (等保: every
        # view of personal data): those rows are the one write a read may make.
        assert [w for w in written if not AUDIT_WRITE.match(w)] == [], target
