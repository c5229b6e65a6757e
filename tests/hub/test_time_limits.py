"""Time limits at the hub: the trace in the API and on the case page, and due dates that
follow a newly published calendar year."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.calendar import builtin_schedule
from shared.sync.models import CaseRow
from tests.conftest import case_body, login
from tests.hub.test_pages import _logged_in


def _accepted_case(hub: FlaskClient, q: str = "spjyxk") -> tuple[str, dict[str, str]]:
    reviewer = login(hub, "dept-scjgj")
    code = hub.get("/api/v1/catalog/items", query_string={"q": q}).get_json()["items"][0]["code"]
    created = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer)
    assert created.status_code == 201, created.get_json()
    no = created.get_json()["case_no"]
    accepted = hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    assert accepted.status_code == 200, accepted.get_json()
    return no, reviewer


def _schedule_2026(*extra_holidays: str) -> dict[str, object]:
    base = builtin_schedule(2026)
    return {
        "source": "测试：县里增加的放假日",
        "holidays": sorted({*(d.isoformat() for d in base.holidays), *extra_holidays}),
        "workdays": sorted(d.isoformat() for d in base.workdays),
    }


def test_case_answer_and_page_explain_the_due_date(hub: FlaskClient) -> None:
    no, reviewer = _accepted_case(hub)
    case = hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()
    limit = case["time_limit"]
    assert limit["trace"][0] == "受理日期：2026-11-27（星期五）（当日不计入）"
    weekday = "一二三四五六日"[date.fromisoformat(case["due_date"]).weekday()]
    assert limit["trace"][-2].endswith(f"＝ {case['due_date']}（星期{weekday}）")
    assert limit["level"] in ("green", "yellow") and limit["working_days_left"] >= 0
    _logged_in(hub, "dept-scjgj")
    page = hub.get(f"/cases/{no}").get_data(as_text=True)
    assert "时限计算" in page and "受理日期：2026-11-27" in page


def test_publishing_a_year_moves_due_dates_of_running_cases(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    no, reviewer = _accepted_case(hub)
    before = date.fromisoformat(
        hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()["due_date"]
    )
    assert date(2026, 11, 27) < before <= date(2026, 12, 31)
    # A holiday on the first working day after acceptance pushes the due date one working day.
    published = hub.put(
        "/api/v1/calendar/years/2026", json=_schedule_2026("2026-11-30"), headers=admin
    )
    assert published.status_code == 200, published.get_json()
    recheck = published.get_json()["recheck"]
    moved = {m["case_no"]: m for m in recheck["moved_cases"]}
    assert recheck["moved"] == len(moved) >= 1 and recheck["cases"] >= recheck["moved"]
    assert moved[no]["due_before"] == before.isoformat()
    after = date.fromisoformat(
        hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()["due_date"]
    )
    assert after > before and moved[no]["due_after"] == after.isoformat()
    row = hub_session.scalars(select(CaseRow).where(CaseRow.case_no == no)).one()
    assert row.due_date == after  # the projection moved too
    # Publishing the same schedule again moves nothing.
    again = hub.put("/api/v1/calendar/years/2026", json=_schedule_2026("2026-11-30"), headers=admin)
    assert again.get_json()["recheck"]["moved"] == 0
