"""Supervision at the hub: warning levels at their boundaries, the overdue list, the
monthly figures (checked against counts made here from the rows the test wrote), and
bad input. The hub's clock stands at Fri 2026-11-27."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.org.models import Department
from county_hub.supervision.figures import parse_month, register_figure, unregister_figure
from county_hub.supervision.report import build_monthly_report
from shared.calendar import WorkCalendar
from shared.sync.models import CaseRow
from tests.conftest import login
from tests.hub.factories import case_row
from tests.hub.test_pages import _logged_in

DEPT = "scjgj"  # 略阳县市场监督管理局
TOWN = "610727105"  # 徐家坪镇
VILLAGE = "610727105201"


def test_warning_levels_at_the_boundaries(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    for due in (
        date(2026, 11, 26),  # yesterday: red
        date(2026, 11, 27),  # due today: yellow
        date(2026, 12, 1),  # Mon 30, Tue 1: exactly 2 working days left: yellow
        date(2026, 12, 2),  # 3 left: green
        date(2026, 12, 20),  # green
    ):
        case_row(hub_session, handled_by=DEPT, due_date=due, accepted_on=date(2026, 11, 2))
    case_row(hub_session, handled_by=DEPT, status="suspended", accepted_on=date(2026, 11, 2))
    case_row(hub_session, handled_by=DEPT, status="concluded", due_date=date(2026, 11, 1))
    hub_session.commit()
    body = hub.get("/api/v1/supervision/warnings", headers=admin).get_json()
    assert body["warn_working_days"] == 2 and body["as_of"] == "2026-11-27"
    [row] = [u for u in body["units"] if u["unit"] == DEPT]
    assert row["unit_name"] == "略阳县市场监督管理局"
    assert (row["running"], row["red"], row["yellow"], row["green"], row["stopped"]) == (
        6,
        1,
        2,
        2,
        1,
    )
    assert body["units"][0]["unit"] == DEPT  # most red first


def test_warnings_by_town_and_village(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    case_row(hub_session, handled_by=TOWN, accepting_node=VILLAGE, due_date=date(2026, 11, 20))
    case_row(hub_session, handled_by=DEPT, accepting_node=VILLAGE, due_date=date(2026, 12, 30))
    hub_session.commit()
    towns = hub.get("/api/v1/supervision/warnings?by=town", headers=admin).get_json()["units"]
    assert {u["unit"] for u in towns} >= {TOWN, "610727001"}  # every town, even without cases
    assert [u["red"] for u in towns if u["unit"] == TOWN] == [1]
    assert all(len(u["unit"]) == 9 for u in towns)
    villages = hub.get("/api/v1/supervision/warnings?by=village", headers=admin).get_json()
    [village] = villages["units"]
    assert (village["unit"], village["red"], village["green"]) == (VILLAGE, 1, 1)


def test_overdue_list_longest_first_with_days_and_unit(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    late = case_row(hub_session, handled_by=DEPT, due_date=date(2026, 11, 20))
    later = case_row(hub_session, handled_by=TOWN, due_date=date(2026, 11, 2))
    case_row(hub_session, handled_by=DEPT, due_date=date(2026, 11, 27))  # due today: not yet
    case_row(hub_session, handled_by=DEPT, status="concluded", due_date=date(2026, 11, 1))
    hub_session.commit()
    body = hub.get("/api/v1/supervision/overdue", headers=admin).get_json()
    assert body["total"] == 2
    first, second = body["items"]
    assert (first["case_no"], second["case_no"]) == (later.case_no, late.case_no)
    # Nov 20 (Fri) → Nov 27 (Fri): 23, 24, 25, 26, 27.
    assert (second["overdue_working_days"], second["overdue_days"]) == (5, 7)
    assert second["unit_name"] == "略阳县市场监督管理局" and "*" in second["applicant_id"]
    assert first["unit_name"] == "徐家坪镇"
    only = hub.get(
        "/api/v1/supervision/overdue", query_string={"department": DEPT}, headers=admin
    ).get_json()
    assert [i["case_no"] for i in only["items"]] == [late.case_no]
    paged = hub.get(
        "/api/v1/supervision/overdue", query_string={"per_page": 1, "page": 2}, headers=admin
    ).get_json()
    assert [i["case_no"] for i in paged["items"]] == [late.case_no] and paged["total"] == 2


MONTH = (date(2026, 10, 1), date(2026, 11, 1))
AS_OF = date(2026, 10, 31)


def _expected(rows: list[CaseRow], unit: str) -> dict[str, int]:
    """The figures counted by hand from the rows, independent of the service's SQL."""
    start, end = MONTH
    mine = [r for r in rows if r.handled_by == unit]

    def within(d: date | None) -> bool:
        return d is not None and start <= d < end

    overdue = 0
    for r in mine:
        if r.due_date is None or r.due_date >= AS_OF:
            continue
        still_open = r.status == "accepted"
        decided_later = r.concluded_on is not None and r.concluded_on > AS_OF
        if (still_open or decided_later) and r.accepted_on and r.accepted_on <= AS_OF:
            overdue += 1
    return {
        "accepted": sum(within(r.accepted_on) for r in mine),
        "concluded": sum(within(r.concluded_on) for r in mine),
        "on_time": sum(within(r.concluded_on) and bool(r.on_time) for r in mine),
        "overdue": overdue,
    }


@pytest.fixture
def october(hub_session: Session) -> list[CaseRow]:
    """A spread of cases around October 2026 for the department and a town."""
    rows = []
    plan: list[dict[str, Any]] = [
        # accepted in October, decided in time in October
        {
            "accepted_on": date(2026, 10, 9),
            "due_date": date(2026, 10, 20),
            "concluded_on": date(2026, 10, 19),
            "status": "concluded",
        },
        # accepted in September, decided late in October
        {
            "accepted_on": date(2026, 9, 1),
            "due_date": date(2026, 9, 30),
            "concluded_on": date(2026, 10, 12),
            "status": "delivered",
        },
        # accepted in October, still running and overdue at the end of October
        {"accepted_on": date(2026, 10, 10), "due_date": date(2026, 10, 28)},
        # accepted in October, overdue at the month's end, decided only in November
        {
            "accepted_on": date(2026, 10, 8),
            "due_date": date(2026, 10, 22),
            "concluded_on": date(2026, 11, 3),
            "status": "concluded",
        },
        # accepted in October, running, not yet due at the month's end
        {"accepted_on": date(2026, 10, 26), "due_date": date(2026, 11, 20)},
        # accepted in November: not in October's figures at all
        {"accepted_on": date(2026, 11, 2), "due_date": date(2026, 11, 10)},
        # decided in October exactly on its due day (in time)
        {
            "accepted_on": date(2026, 10, 9),
            "due_date": date(2026, 10, 23),
            "concluded_on": date(2026, 10, 23),
            "status": "concluded",
        },
    ]
    for unit in (DEPT, TOWN):
        for spec in plan:
            rows.append(case_row(hub_session, handled_by=unit, accepting_node=VILLAGE, **spec))
    hub_session.commit()
    return rows


def test_monthly_figures_match_counts_made_by_hand(
    hub: FlaskClient, admin: dict[str, str], october: list[CaseRow]
) -> None:
    body = hub.get(
        "/api/v1/reports/figures", query_string={"month": "2026-10"}, headers=admin
    ).get_json()
    assert (body["month"], body["as_of"], body["by"]) == ("2026-10", "2026-10-31", "department")
    [row] = [u for u in body["units"] if u["unit"] == DEPT]
    expected = _expected(october, DEPT)
    assert (
        {k: row[k] for k in expected}
        == expected
        == {
            "accepted": 5,
            "concluded": 3,
            "on_time": 2,
            "overdue": 2,
        }
    )
    assert row["completion_rate"]["percent"] == "60.00%"
    assert row["on_time_rate"] == {"count": 2, "of": 3, "rate": 0.6667, "percent": "66.67%"}
    assert all(len(u["unit"]) != 9 for u in body["units"])  # towns are not departments
    empty = [u for u in body["units"] if u["accepted"] == 0 and u["concluded"] == 0]
    assert empty and empty[0]["completion_rate"]["percent"] == "—"
    # Hooks for other domains: "—" until a provider is registered.
    assert row["good_rating_rate"]["percent"] == "—"
    # Every hooked figure has its provider: ratings and the certificate registry.
    assert [h["available"] for h in body["hooks"]] == [True, True, True]
    assert body["total"]["accepted"] == sum(u["accepted"] for u in body["units"])

    towns = hub.get(
        "/api/v1/reports/figures", query_string={"month": "2026-10", "by": "town"}, headers=admin
    ).get_json()
    [town] = [u for u in towns["units"] if u["unit"] == TOWN]
    assert {k: town[k] for k in expected} == _expected(october, TOWN)
    villages = hub.get(
        "/api/v1/reports/figures", query_string={"month": "2026-10", "by": "village"}, headers=admin
    ).get_json()
    [village] = villages["units"]
    assert village["accepted"] == 10 and village["overdue"] == 4


@pytest.fixture
def rating_provider() -> Iterator[None]:
    register_figure("good_rating_rate", lambda _s, _p, _by: {DEPT: (9, 10)})
    yield
    unregister_figure("good_rating_rate")


def test_a_registered_provider_fills_its_hook(
    hub: FlaskClient, admin: dict[str, str], rating_provider: None
) -> None:
    body = hub.get("/api/v1/reports/figures?month=2026-10", headers=admin).get_json()
    [row] = [u for u in body["units"] if u["unit"] == DEPT]
    assert row["good_rating_rate"]["percent"] == "90.00%"
    assert body["total"]["good_rating_rate"]["percent"] == "90.00%"
    assert body["hooks"][0]["available"] is True
    with pytest.raises(KeyError):
        register_figure("typo_rate", lambda _s, _p, _by: {})


@pytest.mark.parametrize(
    ("path", "query", "name", "reason"),
    [
        ("/api/v1/reports/figures", {"month": "2026-13"}, "month", "YYYY-MM"),
        ("/api/v1/reports/figures", {"month": "26-1"}, "month", "YYYY-MM"),
        ("/api/v1/reports/figures", {"month": "2027-01"}, "month", "不能晚于本月"),
        ("/api/v1/reports/figures", {"by": "county"}, "by", "统计口径"),
        ("/api/v1/supervision/warnings", {"by": "street"}, "by", "统计口径"),
        ("/api/v1/supervision/overdue", {"per_page": 0}, "per_page", ""),
    ],
)
def test_bad_input_is_a_chinese_problem(
    hub: FlaskClient,
    admin: dict[str, str],
    path: str,
    query: dict[str, Any],
    name: str,
    reason: str,
) -> None:
    response = hub.get(path, query_string=query, headers=admin)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    [param] = [p for p in body["invalid_params"] if p["name"] == name]
    assert reason in param["reason"]


def test_only_county_supervisors_see_the_figures(hub: FlaskClient) -> None:
    reviewer = login(hub, f"dept-{DEPT}")
    for path in (
        "/api/v1/supervision/warnings",
        "/api/v1/supervision/overdue",
        "/api/v1/reports/figures",
    ):
        assert hub.get(path, headers=reviewer).status_code == 403
    assert hub.get("/api/v1/reports/figures").status_code == 401
    supervisor = login(hub, "supervisor")
    assert hub.get("/api/v1/reports/figures", headers=supervisor).status_code == 200


def test_supervision_page_and_dashboard_figures(
    hub: FlaskClient, hub_session: Session, october: list[CaseRow]
) -> None:
    overdue = case_row(hub_session, handled_by=DEPT, due_date=date(2026, 11, 20))
    hub_session.commit()
    _logged_in(hub, "supervisor")
    page = hub.get("/supervision").get_data(as_text=True)
    assert "时限预警与超期办件" in page and f"/cases/{overdue.case_no}" in page
    assert "略阳县市场监督管理局" in page and "5 个工作日" in page
    towns = hub.get("/supervision?by=town").get_data(as_text=True)
    assert "徐家坪镇" in towns
    board = hub.get("/dashboard?month=2026-10").get_data(as_text=True)
    assert "办件统计：2026 年 10 月" in board and "按时办结率" in board
    assert "尚未接入数据" not in board and "好评率" in board and "figures-chart" in board
    bad = hub.get("/dashboard?month=2026-13").get_data(as_text=True)
    assert "月份格式有误" in bad and "2026 年 11 月" in bad


def test_supervision_page_is_for_county_staff(hub: FlaskClient) -> None:
    _logged_in(hub, f"dept-{DEPT}")
    assert hub.get("/supervision").status_code == 403
    assert "办件统计" not in hub.get("/dashboard").get_data(as_text=True)


def test_monthly_report_workbook_matches_the_rows(
    hub_session: Session, october: list[CaseRow], tmp_path: Path
) -> None:
    period = parse_month("2026-10", date(2026, 11, 27))
    book = build_monthly_report(hub_session, period, calendar=WorkCalendar())
    path = tmp_path / "通报.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    loaded = openpyxl.load_workbook(path)
    short = hub_session.get(Department, DEPT)
    assert short is not None
    assert loaded.sheetnames[0] == "汇总" and short.short_name in loaded.sheetnames
    assert len(charts) == len(loaded.sheetnames)  # one native chart per sheet
    summary = loaded["汇总"]
    assert summary["A1"].value == "略阳县政务服务办件情况通报（2026 年 10 月）"
    header = [c.value for c in summary[4]]
    assert header[:7] == [
        "办理部门",
        "受理件数",
        "办结件数",
        "按时办结件数",
        "超期件",
        "办结率",
        "按时办结率",
    ]
    rows = {r[0]: r for r in summary.iter_rows(min_row=5, values_only=True) if r[0]}
    expected = _expected(october, DEPT)
    mine = rows["略阳县市场监督管理局"]
    assert mine[1:5] == (
        expected["accepted"],
        expected["concluded"],
        expected["on_time"],
        expected["overdue"],
    )
    assert mine[5] == pytest.approx(expected["concluded"] / expected["accepted"], abs=1e-4)
    assert mine[7:10] == ("—", "—", "—")  # hooks not filled
    town = rows["徐家坪镇"]
    assert town[1] == _expected(october, TOWN)["accepted"]

    sheet = loaded[short.short_name]
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=4, max_row=13, values_only=True)}
    assert values["受理件数"] == expected["accepted"] and values["超期件"] == expected["overdue"]
    cases = [r for r in sheet.iter_rows(values_only=True) if r[0] and str(r[0]).startswith(VILLAGE)]
    assert len(cases) == expected["overdue"]
    assert all("*" in r[3] and r[3].startswith("1304") for r in cases)
    assert {r[8] for r in cases} == {"在办", "已办结（2026-11-03）"}


def test_report_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from county_hub.cli import hub as hub_cli

    monkeypatch.setenv("SANJI_HUB_DATA_DIR", str(tmp_path / "hub"))
    runner = CliRunner()
    bad = runner.invoke(hub_cli, ["report", "monthly", "--month", "2026-13"])
    assert bad.exit_code == 2 and "月份格式有误" in bad.output
    assert runner.invoke(hub_cli, ["init"]).exit_code == 0
    out = tmp_path / "r.xlsx"
    done = runner.invoke(hub_cli, ["report", "monthly", "--month", "2025-01", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "2025 年 1 月" in done.output and openpyxl.load_workbook(out).sheetnames == ["汇总"]
