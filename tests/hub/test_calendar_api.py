"""GET /calendar/due-date across 2026's holidays, and publishing next year's schedule."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-02-13", 1, "2026-02-14"),  # Saturday make-up day before the Spring Festival
        ("2026-02-14", 1, "2026-02-24"),  # the whole Spring Festival break skipped
        ("2026-02-13", 7, "2026-03-02"),  # 2026-02-28 (Sat) works, 03-01 (Sun) does not
        ("2026-04-30", 5, "2026-05-11"),  # May Day, with make-up Saturday 05-09
        ("2026-09-18", 20, "2026-10-22"),  # National Day, make-ups 09-20 and 10-10
        ("2026-11-27", 0, "2026-11-27"),  # 即办件
    ],
)
def test_due_dates_on_the_official_2026_calendar(
    hub: FlaskClient, start: str, days: int, due: str
) -> None:
    response = hub.get("/api/v1/calendar/due-date", query_string={"start": start, "days": days})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["due_date"] == due


def test_unpublished_year_is_refused_not_guessed(hub: FlaskClient) -> None:
    response = hub.get(
        "/api/v1/calendar/due-date", query_string={"start": "2026-12-20", "days": 20}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"].endswith("calendar-year-unknown") and "2027" in body["detail"]


def test_admin_publishes_2027_and_due_dates_follow(hub: FlaskClient, admin: dict[str, str]) -> None:
    # A made-up 2027 schedule for the test (the real notice is not out yet).
    schedule = {
        "source": "测试用虚构通知",
        "holidays": ["2027-01-01"],
        "workdays": ["2027-01-02"],
        "names": {"2027-01-01": "元旦"},
    }
    assert hub.put("/api/v1/calendar/years/2027", json=schedule, headers=admin).status_code == 200
    response = hub.get("/api/v1/calendar/due-date", query_string={"start": "2026-12-31", "days": 1})
    assert response.get_json()["due_date"] == "2027-01-02"
    assert 2027 in hub.get("/api/v1/calendar/years").get_json()["years"]


def test_bad_schedule_and_bad_query(hub: FlaskClient, admin: dict[str, str]) -> None:
    wednesday = {"source": "x", "holidays": [], "workdays": ["2027-02-17"]}
    assert hub.put("/api/v1/calendar/years/2027", json=wednesday, headers=admin).status_code == 422
    town = hub.post(
        "/api/v1/auth/token", json={"username": "town-610727001", "password": "demo"}
    ).get_json()
    forbidden = hub.put(
        "/api/v1/calendar/years/2027",
        json={"source": "x", "holidays": [], "workdays": []},
        headers={"Authorization": f"Bearer {town['token']}"},
    )
    assert forbidden.status_code == 403
    for query in (
        {"start": "2026-13-01", "days": 1},
        {"start": "2026-01-05", "days": -1},
        {"days": 3},
    ):
        response = hub.get("/api/v1/calendar/due-date", query_string=query)
        assert response.status_code == 422
