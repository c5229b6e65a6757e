"""好差评, rectification of bad reviews, 办不成事反映 and their figures, at the hub."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.ratings import figures, services
from county_hub.ratings.models import Rating, RectificationTask
from shared.calendar_store import load_calendar
from shared.cases import Event, EventType, fold, new_event_id
from shared.cases.limits import warning_level
from shared.clock import FixedClock
from shared.feedback.services import rating_token
from shared.sync.models import CaseEventRow
from shared.sync.store import store_events
from tests.conftest import case_body, login

ITEM_Q = "食品经营许可(新办)"
TOWN = "610727105"
COUNTY = "610727"  # the demo hub's COUNTY_CODE


def _item(hub: FlaskClient) -> dict[str, Any]:
    return hub.get("/api/v1/catalog/items", query_string={"q": ITEM_Q}).get_json()["items"][0]


def _concluded(hub: FlaskClient) -> tuple[str, dict[str, str], str]:
    item = _item(hub)
    reviewer = login(hub, f"dept-{item['department']}")
    case = hub.post("/api/v1/cases", json=case_body(hub, item["code"]), headers=reviewer)
    assert case.status_code == 201, case.get_json()
    no = case.get_json()["case_no"]
    for body in ({"action": "accept"}, {"action": "decide", "approve": True}):
        response = hub.post(f"/api/v1/cases/{no}/actions", json=body, headers=reviewer)
        assert response.status_code == 200, response.get_json()
    return no, reviewer, item["department"]


def _rate(hub: FlaskClient, no: str, headers: dict[str, str], level: int = 5) -> Any:
    return hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "rate", "level": level, "channel": "tablet", "comment": "等太久"},
        headers=headers,
    )


def _rated_events(session: Session, no: str) -> int:
    stmt = select(func.count()).where(CaseEventRow.case_no == no, CaseEventRow.type == "rated")
    return session.scalar(stmt) or 0


def test_rating_before_conclusion_is_409_and_records_nothing(
    hub: FlaskClient, hub_session: Session
) -> None:
    item = _item(hub)
    reviewer = login(hub, f"dept-{item['department']}")
    no = hub.post("/api/v1/cases", json=case_body(hub, item["code"]), headers=reviewer).get_json()[
        "case_no"
    ]
    response = _rate(hub, no, reviewer)
    assert response.status_code == 409
    assert response.content_type.startswith("application/problem+json")
    assert response.get_json()["detail"] == "办件尚未办结，不能评价"
    assert _rated_events(hub_session, no) == 0


def test_one_rating_per_case(hub: FlaskClient, hub_session: Session) -> None:
    no, reviewer, _dept = _concluded(hub)
    missing = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "rate", "channel": "pc"}, headers=reviewer
    )
    assert missing.status_code == 422
    assert missing.get_json()["invalid_params"][0]["name"] == "level"
    first = _rate(hub, no, reviewer, level=2)
    assert first.status_code == 200, first.get_json()
    rating = first.get_json()["rating"]
    assert (rating["level"], rating["level_label"], rating["channel_label"]) == (
        2,
        "满意",
        "窗口平板",
    )
    second = _rate(hub, no, reviewer, level=5)
    assert second.status_code == 409 and second.get_json()["detail"] == "该办件已评价"
    assert _rated_events(hub_session, no) == 1
    assert hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()["rating"]["level"] == 2


def _town_events(clock: FixedClock) -> list[Event]:
    """A case filed, decided and rated at a town (handled there), as the town wrote it."""
    case_id, no = str(uuid.uuid4()), f"{TOWN}-20261127-0042"

    def event(lamport: int, kind: EventType, payload: dict[str, Any], origin: str = TOWN) -> Event:
        now = clock.now() + timedelta(minutes=lamport)
        return Event(
            id=new_event_id(now),
            case_id=case_id,
            case_no=no,
            origin=origin,
            lamport=lamport,
            type=kind,
            at=now,
            actor=f"town-{TOWN}",
            payload=payload,
        )

    submitted = {
        "item_code": "X",
        "item_version": 1,
        "item_name": "测试事项",
        "case_kind": 2,
        "promised_limit": 5,
        "promised_unit": "W",
        "applicant": {"name": "张三", "id_type": "111", "id_number": "13043419840726291X"},
        "agent": None,
        "consent": False,
        "materials": [],
        "missing": [],
        "tolerance": False,
        "tolerance_missing": [],
        "tolerance_deadline": None,
        "promise": False,
        "accepting_node": TOWN,
        "accept_by": TOWN,
        "handled_by": TOWN,
        "batch": 1,
        "in_name_of": TOWN,
    }
    rating = {"level": 4, "channel": "qrcode", "comment": "", "rater": "applicant"}
    return [
        event(1, EventType.SUBMITTED, submitted),
        event(2, EventType.ACCEPTED, {}),
        event(3, EventType.DECIDED, {"approve": True, "reason": ""}),
        event(4, EventType.RATED, rating),
        # A second rating given at the hub by someone who had not seen the first yet.
        event(4, EventType.RATED, {**rating, "level": 1, "rater": "admin"}, origin="610727"),
    ]


def test_rating_from_a_town_reaches_the_hub_and_opens_a_task(
    hub_app: Flask, hub_session: Session, clock: FixedClock
) -> None:
    events = _town_events(clock)
    # Any arrival order: the fold sorts (lamport, origin, id), so the hub's own "610727"
    # rating sorts first; the town's becomes the anomaly. Both tiers agree either way.
    state = fold(reversed(events), calendar=None, county=COUNTY)
    assert state.rating is not None and state.rating["origin"] == "610727"
    assert [a["code"] for a in state.anomalies] == ["already_rated"]
    store_events(
        hub_session, events[:4], received_from=TOWN, acked=True, clock=clock, county=COUNTY
    )
    assert services.record_ratings(hub_session, clock=clock, county=COUNTY) == 1
    task = hub_session.scalars(select(RectificationTask)).one()
    assert (task.unit, task.level, task.status.value) == (TOWN, 4, "open")
    # The late second rating is an anomaly on the case and never a second record.
    store_events(
        hub_session, events[4:], received_from=COUNTY, acked=True, clock=clock, county=COUNTY
    )
    assert services.record_ratings(hub_session, clock=clock, county=COUNTY) == 0
    assert hub_session.scalar(select(func.count()).select_from(Rating)) == 1


def test_bad_rating_deadline_counts_working_days_across_national_day(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    no, reviewer, dept = _concluded(hub)
    assert _rate(hub, no, reviewer, level=5).status_code == 200
    listed = hub.get("/api/v1/supervision/rectifications", headers=reviewer).get_json()
    [task] = [t for t in listed["items"] if t["case_no"] == no]
    # 15 working days from 2026-09-30: 10-01..07 off, 10-10 (Sat) a make-up working day.
    assert task["deadline"] == "2026-10-27"
    assert task["unit"] == dept and task["colour"] == "green"
    other = login(hub, "town-610727105")
    mine = hub.get("/api/v1/supervision/rectifications", headers=other).get_json()
    assert all(t["case_no"] != no for t in mine["items"])


def _task_for(hub: FlaskClient, no: str, headers: dict[str, str]) -> dict[str, Any]:
    items = hub.get("/api/v1/supervision/rectifications", headers=headers).get_json()["items"]
    return next(t for t in items if t["case_no"] == no)


def test_rectification_flow_escalation_and_figures(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    no, reviewer, dept = _concluded(hub)
    _rate(hub, no, reviewer, level=4)
    task = _task_for(hub, no, reviewer)
    url = f"/api/v1/supervision/rectifications/{task['id']}/actions"
    wrong = hub.post(url, json={"action": "close", "outcome": "x"}, headers=reviewer)
    assert wrong.status_code == 409
    assert hub.post(url, json={"action": "verify"}, headers=reviewer).status_code == 200
    no_note = hub.post(url, json={"action": "fix"}, headers=reviewer)
    assert no_note.status_code == 422
    assert (
        hub.post(url, json={"action": "fix", "note": "增设引导"}, headers=reviewer).status_code
        == 200
    )
    # Past the deadline: the job flags it and the list shows it red.
    clock.advance(days=40)
    assert services.escalate_overdue(hub_session, clock=clock) >= 1
    assert services.escalate_overdue(hub_session, clock=clock) == 0  # once
    late = _task_for(hub, no, reviewer)
    assert late["escalated"] and late["colour"] == "red"
    called = hub.post(
        url,
        json={"action": "call_back", "rater_said": "已满意", "called_by": "李四"},
        headers=reviewer,
    )
    assert called.get_json()["callback"]["said"] == "已满意"
    closed = hub.post(url, json={"action": "close", "outcome": "已整改"}, headers=reviewer)
    assert closed.get_json()["status"] == "closed"
    month = hub_session.scalar(select(Rating.rated_month).where(Rating.case_no == no))
    assert month is not None
    [row] = [
        r for r in figures.rectification_rate(hub_session, month, "handled_by") if r["unit"] == dept
    ]
    assert row["bad"] >= 1 and row["fixed_in_time"] == 0  # closed after the deadline
    [good] = [
        r for r in figures.good_rating_rate(hub_session, month, "handled_by") if r["unit"] == dept
    ]
    assert good["ratings"] >= 1 and good["bad"] >= 1


def test_figures_count_good_ratings_and_fixes_in_time(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    rated = []
    for level in (1, 3, 5):
        no, reviewer, dept = _concluded(hub)
        _rate(hub, no, reviewer, level=level)
        rated.append(no)
    task = _task_for(hub, rated[-1], reviewer)
    url = f"/api/v1/supervision/rectifications/{task['id']}/actions"
    for body in (
        {"action": "verify"},
        {"action": "log", "note": "两周内完成"},
        {"action": "call_back", "rater_said": "认可"},
        {"action": "close", "outcome": "已整改"},
    ):
        assert hub.post(url, json=body, headers=reviewer).status_code == 200
    [good] = figures.good_rating_rate(hub_session, "2026-12", "handled_by")
    assert (good["unit"], good["ratings"], good["good"], good["rate"]) == (dept, 3, 2, 0.6667)
    [fixed] = figures.rectification_rate(hub_session, "2026-12", "handled_by")
    assert (fixed["bad"], fixed["fixed_in_time"], fixed["rate"]) == (1, 1, 1.0)
    assert figures.good_rating_rate(hub_session, "2026-12", "village") == []
    [town] = figures.good_rating_rate(hub_session, "2026-12", "town")
    assert town["ratings"] == 3


def test_appeal_is_decided_by_a_supervisor(hub: FlaskClient, hub_session: Session) -> None:
    no, reviewer, _dept = _concluded(hub)
    _rate(hub, no, reviewer, level=5)
    task = _task_for(hub, no, reviewer)
    url = f"/api/v1/supervision/rectifications/{task['id']}/actions"
    appealed = hub.post(url, json={"action": "appeal", "note": "评价人误操作"}, headers=reviewer)
    assert appealed.get_json()["status"] == "appealed"
    self_judged = hub.post(url, json={"action": "uphold", "note": "同意"}, headers=reviewer)
    assert self_judged.status_code == 403
    supervisor = login(hub, "supervisor")
    upheld = hub.post(url, json={"action": "uphold", "note": "核实为误评"}, headers=supervisor)
    assert upheld.get_json()["status"] == "appeal_upheld"
    month = hub_session.scalar(select(Rating.rated_month).where(Rating.case_no == no))
    assert figures.good_rating_rate(hub_session, month, "handled_by") == []


def test_complaints_need_a_contact_route_by_item_escalate_and_are_answered(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    admin = login(hub, "admin")
    item = _item(hub)
    bare = hub.post(
        "/api/v1/complaints",
        json={"text": "跑了三趟没办成", "item_code": item["code"]},
        headers=admin,
    )
    assert bare.status_code == 422
    assert bare.content_type.startswith("application/problem+json")
    names = {p["name"]: p["reason"] for p in bare.get_json()["invalid_params"]}
    assert "contact_name" in names and "联系" in names["contact_phone"]
    assert hub_session.scalar(select(func.count()).select_from(_complaints())) == 0
    filed = hub.post(
        "/api/v1/complaints",
        json={
            "contact_name": "赵六",
            "contact_phone": "13912345678",
            "item_code": item["code"],
            "department_code": "xxx-not-used",
            "text": "跑了三趟没办成",
            "filed_node": "610727105",
        },
        headers=admin,
    )
    assert filed.status_code == 201, filed.get_json()
    complaint = filed.get_json()
    assert complaint["department_code"] == item["department"]
    assert complaint["deadline"] == "2026-12-04"  # 5 working days from Fri 2026-11-27
    listed = hub.get("/api/v1/complaints", headers=admin).get_json()["items"]
    assert listed[0]["contact_phone"] == "139****5678"
    clock.advance(days=10)
    assert services.escalate_overdue(hub_session, clock=clock) == 1
    other = login(hub, "dept-" + ("rsj" if item["department"] != "rsj" else "scjgj"))
    url = f"/api/v1/complaints/{complaint['id']}/answer"
    answer = {"reply": "已当场办结", "reply_method": "电话"}
    assert hub.post(url, json=answer, headers=other).status_code in (403, 404)
    responsible = login(hub, f"dept-{item['department']}")
    done = hub.post(url, json=answer, headers=responsible)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["reply_method"], body["replied_on"]) == (
        "answered",
        "电话",
        "2026-12-07",
    )
    assert hub.post(url, json=answer, headers=responsible).status_code == 409


def _complaints() -> Any:
    from county_hub.ratings.models import Complaint

    return Complaint


def test_kiosk_page_rates_with_a_good_token_and_404s_otherwise(
    hub_app: Flask, hub: FlaskClient, hub_session: Session
) -> None:
    no, _reviewer, _dept = _concluded(hub)
    kiosk = hub_app.test_client()
    assert kiosk.get(f"/r/{no}/{'0' * 20}").status_code == 404
    assert kiosk.post(f"/r/{no}/{'0' * 20}", data={"level": "5"}).status_code in (400, 404)
    assert _rated_events(hub_session, no) == 0
    token = rating_token(no, "test-secret")
    page = kiosk.get(f"/r/{no}/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "王*" in text and "13043419840726291X" not in text and "非常满意" in text
    csrf = text.split('name="csrf_token" value="')[1].split('"')[0]
    assert kiosk.post(f"/r/{no}/{token}", data={"level": "1"}).status_code == 400  # no CSRF
    done = kiosk.post(f"/r/{no}/{token}", data={"level": "1", "csrf_token": csrf})
    assert done.status_code == 200 and "感谢您的评价" in done.get_data(as_text=True)
    assert _rated_events(hub_session, no) == 1
    again = kiosk.post(f"/r/{no}/{token}", data={"level": "5", "csrf_token": csrf})
    assert again.status_code in (200, 409) and _rated_events(hub_session, no) == 1


def test_hub_pages_render_tasks_and_complaints(hub_app: Flask, hub: FlaskClient) -> None:
    no, reviewer, _dept = _concluded(hub)
    _rate(hub, no, reviewer, level=5)
    page = hub_app.test_client()
    token = page.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1]
    login_form = {"username": "admin", "password": "demo", "csrf_token": token.split('"')[0]}
    assert page.post("/login", data=login_form).status_code == 302
    listing = page.get("/rectifications")
    assert listing.status_code == 200 and no in listing.get_data(as_text=True)
    task = _task_for(hub, no, reviewer)
    detail = page.get(f"/rectifications/{task['id']}")
    assert detail.status_code == 200 and "核实" in detail.get_data(as_text=True)
    assert page.get("/complaints").status_code == 200
    form = page.get("/complaints/new").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    bad = page.post("/complaints/new", data={"text": "没办成", "csrf_token": csrf})
    assert bad.status_code == 422 and "联系电话" in bad.get_data(as_text=True)
    case_page = page.get(f"/cases/{no}").get_data(as_text=True)
    assert "非常不满意" in case_page


def test_an_id_too_large_for_the_database_is_a_plain_404(hub: FlaskClient) -> None:
    admin = login(hub, "admin")
    huge = 2**70
    task = hub.post(
        f"/api/v1/supervision/rectifications/{huge}/actions",
        json={"action": "verify", "note": "x"},
        headers=admin,
    )
    assert task.status_code == 404 and task.content_type == "application/problem+json"
    assert hub.get(f"/api/v1/complaints/{huge}", headers=admin).status_code == 404


def _page_client(hub_app: Flask) -> FlaskClient:
    page = hub_app.test_client()
    token = page.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1]
    login_form = {"username": "admin", "password": "demo", "csrf_token": token.split('"')[0]}
    assert page.post("/login", data=login_form).status_code == 302
    return page


def test_task_and_complaint_colours_count_working_days_alike_in_api_and_pages(
    hub_app: Flask, hub: FlaskClient, hub_session: Session
) -> None:
    no, reviewer, _dept = _concluded(hub)
    assert _rate(hub, no, reviewer, level=5).status_code == 200
    admin = login(hub, "admin")
    page = _page_client(hub_app)
    calendar = load_calendar(hub_session)
    today = date(2026, 11, 27)  # the test clock's Friday
    task = hub_session.get(RectificationTask, _task_for(hub, no, admin)["id"])
    assert task is not None
    # Fri to Wed Dec 2: 5 calendar days, but 3 working days (Nov 30, Dec 1, Dec 2) ≤ 3.
    for deadline, colour in ((date(2026, 12, 2), "yellow"), (date(2026, 12, 3), "green")):
        task.deadline = deadline
        hub_session.flush()
        assert warning_level(deadline, today, calendar, warn_days=3) == colour
        api = hub.get(f"/api/v1/supervision/rectifications/{task.id}", headers=admin).get_json()
        assert api["colour"] == colour and _task_for(hub, no, admin)["colour"] == colour
        listing = page.get("/rectifications").get_data(as_text=True)
        assert f'<td class="due {colour}">{deadline.isoformat()}</td>' in listing
        detail = page.get(f"/rectifications/{task.id}").get_data(as_text=True)
        assert f'<dd class="due {colour}">{deadline.isoformat()}' in detail
    filed = hub.post(
        "/api/v1/complaints",
        json={
            "contact_name": "赵六",
            "contact_phone": "13912345678",
            "text": "没办成",
            "department_code": "scjgj",
        },
        headers=admin,
    ).get_json()
    complaint = hub_session.get(_complaints(), filed["id"])
    # Fri to Mon Nov 30: 3 calendar days, 1 working day ≤ COMPLAINT_WARN_WORKING_DAYS (1).
    complaint.deadline = date(2026, 11, 30)
    hub_session.flush()
    for warn, colour in ((1, "yellow"), (0, "green")):
        hub_app.config["COMPLAINT_WARN_WORKING_DAYS"] = warn
        assert warning_level(complaint.deadline, today, calendar, warn_days=warn) == colour
        api = hub.get(f"/api/v1/complaints/{complaint.id}", headers=admin).get_json()
        assert api["colour"] == colour
        listed = hub.get("/api/v1/complaints", headers=admin).get_json()["items"]
        assert [c["colour"] for c in listed if c["id"] == complaint.id] == [colour]
        listing = page.get("/complaints").get_data(as_text=True)
        assert f'<td class="due {colour}">2026-11-30</td>' in listing
        detail = page.get(f"/complaints/{complaint.id}").get_data(as_text=True)
        assert f'<dd class="due {colour}">2026-11-30' in detail
