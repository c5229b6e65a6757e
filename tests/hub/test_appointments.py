"""预约 at the hub: slots on working days only, capacity, cancelling, masking, bad input."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.appointments.models import Appointment
from shared.ids.gb11643 import id_check_char
from tests.conftest import login

VENUE = "scjgj"
TOWN = "610727105"
MONDAY = "2026-11-30"  # the clock stands at Friday 2026-11-27 09:00 China time


def _id(seq: int) -> str:
    first17 = f"61072719900101{seq:03d}"
    return first17 + id_check_char(first17)


def _body(**extra: Any) -> dict[str, Any]:
    body = {
        "venue": VENUE,
        "date": MONDAY,
        "start": "09:00",
        "name": "王五",
        "id_number": _id(11),
        "phone": "13812345678",
    }
    body.update(extra)
    return body


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Appointment)) or 0


def _slot(hub: FlaskClient, headers: dict[str, str], day: str, start: str) -> dict[str, Any]:
    slots = hub.get(
        "/api/v1/appointments/slots", query_string={"venue": VENUE, "date": day}, headers=headers
    ).get_json()["slots"]
    return next(s for s in slots if s["start"] == start)


def test_slots_only_on_working_days(hub: FlaskClient) -> None:
    staff = login(hub, f"town-{TOWN}")
    monday = hub.get(
        "/api/v1/appointments/slots", query_string={"venue": TOWN, "date": MONDAY}, headers=staff
    ).get_json()
    assert monday["working_day"] and len(monday["slots"]) == 14  # 7 in the morning, 7 after
    assert monday["slots"][0] == {
        "start": "08:30",
        "end": "09:00",
        "capacity": 3,
        "booked": 0,
        "free": 3,
        "past": False,
    }
    assert [s["start"] for s in monday["slots"]][6:8] == ["11:30", "14:30"]
    national_day = hub.get(
        "/api/v1/appointments/slots",
        query_string={"venue": TOWN, "date": "2026-10-01"},
        headers=staff,
    ).get_json()
    assert national_day["slots"] == [] and "国庆" in national_day["note"]
    sunday = hub.get(
        "/api/v1/appointments/slots",
        query_string={"venue": TOWN, "date": "2026-11-29"},
        headers=staff,
    ).get_json()
    assert sunday["slots"] == [] and "休息日" in sunday["note"]
    # 2026-10-10 is a Saturday declared a working day (调休) in the official schedule
    makeup = hub.get(
        "/api/v1/appointments/slots",
        query_string={"venue": TOWN, "date": "2026-10-10"},
        headers=staff,
    ).get_json()
    assert makeup["working_day"] and len(makeup["slots"]) == 14
    assert all(s["past"] for s in makeup["slots"])
    unknown = hub.get(
        "/api/v1/appointments/slots",
        query_string={"venue": "nope", "date": MONDAY},
        headers=staff,
    )
    assert unknown.status_code == 422
    assert unknown.content_type.startswith("application/problem+json")


def test_book_until_full_then_409_and_cancel_frees_a_place(
    hub: FlaskClient, hub_session: Session
) -> None:
    agent = login(hub, f"town-{TOWN}")
    ids = []
    for seq in range(3):
        made = hub.post("/api/v1/appointments", json=_body(id_number=_id(seq)), headers=agent)
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    assert made.get_json()["id_number"].startswith("6107") and "*" in made.get_json()["id_number"]
    assert _slot(hub, agent, MONDAY, "09:00")["free"] == 0
    full = hub.post("/api/v1/appointments", json=_body(id_number=_id(9)), headers=agent)
    assert full.status_code == 409 and full.get_json()["detail"] == "该时段已约满"
    assert _count(hub_session) == 3
    missing = hub.post(f"/api/v1/appointments/{ids[0]}/cancel", json={}, headers=agent)
    assert missing.status_code == 422
    cancelled = hub.post(
        f"/api/v1/appointments/{ids[0]}/cancel", json={"reason": "群众改期"}, headers=agent
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = hub.post(
        f"/api/v1/appointments/{ids[0]}/cancel", json={"reason": "再取消"}, headers=agent
    )
    assert again.status_code == 409
    assert _slot(hub, agent, MONDAY, "09:00")["free"] == 1
    ok = hub.post("/api/v1/appointments", json=_body(id_number=_id(9)), headers=agent)
    assert ok.status_code == 201


def test_past_slot_and_day_off_are_422(hub: FlaskClient, hub_session: Session) -> None:
    agent = login(hub, "dept-scjgj")
    past = hub.post(
        "/api/v1/appointments", json=_body(date="2026-11-27", start="08:30"), headers=agent
    )
    assert past.status_code == 422
    assert past.content_type.startswith("application/problem+json")
    reasons = {p["name"]: p["reason"] for p in past.get_json()["invalid_params"]}
    assert reasons["start"] == "该时段已开始或已过，不能预约"
    later_today = hub.post(
        "/api/v1/appointments", json=_body(date="2026-11-27", start="09:30"), headers=agent
    )
    assert later_today.status_code == 201
    holiday = hub.post("/api/v1/appointments", json=_body(date="2026-11-29"), headers=agent)
    assert holiday.status_code == 422
    assert "休息日" in holiday.get_json()["invalid_params"][0]["reason"]
    assert _count(hub_session) == 1


def test_bad_input_is_422_in_chinese_and_records_nothing(
    hub: FlaskClient, hub_session: Session
) -> None:
    agent = login(hub, "dept-scjgj")
    bad = hub.post(
        "/api/v1/appointments",
        json=_body(venue="nowhere", name="", phone="", id_number="123", start="09:10"),
        headers=agent,
    )
    assert bad.status_code == 422
    reasons = {p["name"]: p["reason"] for p in bad.get_json()["invalid_params"]}
    assert reasons["venue"].startswith("没有窗口")
    assert reasons["name"] == "请填写预约人姓名"
    assert reasons["phone"] == "请填写联系电话"
    assert "18 位" in reasons["id_number"]
    wrong_slot = hub.post("/api/v1/appointments", json=_body(start="09:10"), headers=agent)
    assert wrong_slot.status_code == 422
    assert "09:10" in wrong_slot.get_json()["invalid_params"][0]["reason"]
    assert _count(hub_session) == 0


def test_one_booking_per_person_venue_and_day(hub: FlaskClient, hub_session: Session) -> None:
    agent = login(hub, "dept-scjgj")
    assert hub.post("/api/v1/appointments", json=_body(), headers=agent).status_code == 201
    twice = hub.post("/api/v1/appointments", json=_body(start="15:00"), headers=agent)
    assert twice.status_code == 409 and "只能预约一次" in twice.get_json()["detail"]
    elsewhere = hub.post("/api/v1/appointments", json=_body(venue=TOWN), headers=agent)
    assert elsewhere.status_code == 201
    assert _count(hub_session) == 2


def test_staff_list_is_masked_and_limited_to_the_venue(hub: FlaskClient) -> None:
    window = login(hub, "dept-scjgj")
    hub.post("/api/v1/appointments", json=_body(), headers=window)
    listing = hub.get(
        "/api/v1/appointments", query_string={"venue": VENUE, "date": MONDAY}, headers=window
    )
    assert listing.status_code == 200
    row = listing.get_json()["items"][0]
    assert row["phone"] == "138****5678"
    assert row["id_number"] == _id(11)[:4] + "*" * 10 + _id(11)[-4:]
    assert _id(11) not in listing.get_data(as_text=True)
    assert "13812345678" not in listing.get_data(as_text=True)
    town = login(hub, f"town-{TOWN}")
    other = hub.get("/api/v1/appointments", query_string={"venue": VENUE}, headers=town)
    assert other.status_code == 403
    supervisor = login(hub, "supervisor")
    assert (
        hub.get(
            "/api/v1/appointments", query_string={"date": MONDAY}, headers=supervisor
        ).get_json()["total"]
        == 1
    )


def test_attend_only_by_the_window_and_not_before_the_day(hub: FlaskClient) -> None:
    window = login(hub, "dept-scjgj")
    future = hub.post("/api/v1/appointments", json=_body(), headers=window).get_json()["id"]
    early = hub.post(
        f"/api/v1/appointments/{future}/attend", json={"outcome": "attended"}, headers=window
    )
    assert early.status_code == 409
    today = hub.post(
        "/api/v1/appointments", json=_body(date="2026-11-27", start="10:00"), headers=window
    ).get_json()["id"]
    town = login(hub, f"town-{TOWN}")
    foreign = hub.post(
        f"/api/v1/appointments/{today}/attend", json={"outcome": "attended"}, headers=town
    )
    assert foreign.status_code == 403
    came = hub.post(
        f"/api/v1/appointments/{today}/attend", json={"outcome": "attended"}, headers=window
    )
    assert came.status_code == 200 and came.get_json()["status"] == "attended"


def test_page_books_and_keeps_what_was_typed(hub_app: Flask) -> None:
    page = hub_app.test_client()
    token = page.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1]
    form = {"username": "dept-scjgj", "password": "demo", "csrf_token": token.split('"')[0]}
    assert page.post("/login", data=form).status_code == 302
    shown = page.get(f"/appointments?venue={VENUE}&date={MONDAY}")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "09:00–09:30" in text
    csrf = text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = page.post(
        "/appointments",
        data={"venue": VENUE, "date": MONDAY, "start": "09:00", "name": "李四", "csrf_token": csrf},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "请填写联系电话" in body and 'value="李四"' in body
    good = page.post(
        "/appointments",
        data={**_body(name="李四"), "csrf_token": csrf},
    )
    assert good.status_code == 302
    listed = page.get(f"/appointments?venue={VENUE}&date={MONDAY}").get_data(as_text=True)
    assert "李四" in listed and "138****5678" in listed and "13812345678" not in listed
