"""巡查 at the hub: who may record, findings, closing them, the monthly summary."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.appointments.models import Inspection
from tests.conftest import login

VENUE = "scjgj"
TOWN = "610727105"


def _body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "venue": VENUE,
        "inspected_on": "2026-11-20",
        "findings": [
            {
                "category": "纪律作风",
                "description": "窗口人员离岗未挂牌",
                "severity": "一般",
                "rectify_by": "2026-11-25",
            },
            {
                "category": "环境秩序",
                "description": "叫号机故障",
                "severity": "严重",
                "rectify_by": "2026-11-30",
            },
        ],
    }
    body.update(extra)
    return body


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Inspection)) or 0


def test_only_supervisors_and_admin_record(hub: FlaskClient, hub_session: Session) -> None:
    window = login(hub, "dept-scjgj")
    denied = hub.post("/api/v1/inspections", json=_body(), headers=window)
    assert denied.status_code == 403
    assert denied.content_type.startswith("application/problem+json")
    supervisor = login(hub, "supervisor")
    made = hub.post("/api/v1/inspections", json=_body(), headers=supervisor)
    assert made.status_code == 201, made.get_json()
    data = made.get_json()
    assert data["status"] == "open" and [f["n"] for f in data["findings"]] == [1, 2]
    assert data["inspector"] == "supervisor" and data["month"] == "2026-11"
    clean = hub.post(
        "/api/v1/inspections", json=_body(venue=TOWN, findings=[]), headers=login(hub, "admin")
    )
    assert clean.status_code == 201 and clean.get_json()["status"] == "closed"
    assert _count(hub_session) == 2


def test_bad_findings_are_422_in_chinese(hub: FlaskClient, hub_session: Session) -> None:
    supervisor = login(hub, "supervisor")
    bad = hub.post(
        "/api/v1/inspections",
        json=_body(
            venue="nowhere",
            inspected_on="2026-12-01",
            findings=[
                {"category": "迟到", "description": "", "severity": "很严重"},
                {"category": "其他", "description": "x", "rectify_by": "2026-11-01"},
            ],
        ),
        headers=supervisor,
    )
    assert bad.status_code == 422
    reasons = {p["name"]: p["reason"] for p in bad.get_json()["invalid_params"]}
    assert reasons["venue"].startswith("没有窗口")
    assert reasons["inspected_on"] == "巡查日期不能晚于今天"
    assert "纪律作风" in reasons["findings.0.category"]
    assert reasons["findings.0.description"] == "请填写发现的问题"
    assert reasons["findings.0.severity"] == "应为 一般 或 严重"
    assert reasons["findings.0.rectify_by"] == "请填写整改期限"
    assert reasons["findings.1.rectify_by"] == "整改期限不能早于巡查日期"
    assert _count(hub_session) == 0


def test_close_findings_and_the_inspection_closes(hub: FlaskClient) -> None:
    supervisor = login(hub, "supervisor")
    inspection = hub.post("/api/v1/inspections", json=_body(), headers=supervisor).get_json()
    base = f"/api/v1/inspections/{inspection['id']}/findings"
    town = login(hub, f"town-{TOWN}")
    assert hub.post(f"{base}/1/close", json={"note": "x"}, headers=town).status_code == 403
    window = login(hub, "dept-scjgj")
    no_note = hub.post(f"{base}/1/close", json={}, headers=window)
    assert no_note.status_code == 422
    assert no_note.get_json()["invalid_params"][0]["reason"] == "请填写整改情况"
    late = hub.post(
        f"{base}/1/close", json={"note": "已约谈", "closed_on": "2026-11-26"}, headers=window
    )
    assert late.status_code == 200 and late.get_json()["status"] == "open"
    first = late.get_json()["findings"][0]
    assert first["closed_on"] == "2026-11-26" and first["in_time"] is False
    twice = hub.post(f"{base}/1/close", json={"note": "again"}, headers=window)
    assert twice.status_code == 409
    done = hub.post(f"{base}/2/close", json={"note": "已修复"}, headers=window)
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    assert hub.post(f"{base}/9/close", json={"note": "x"}, headers=window).status_code == 404


def test_list_and_summary_per_venue_and_month(hub: FlaskClient) -> None:
    supervisor = login(hub, "supervisor")
    first = hub.post("/api/v1/inspections", json=_body(), headers=supervisor).get_json()
    hub.post("/api/v1/inspections", json=_body(venue=TOWN, findings=[]), headers=supervisor)
    hub.post("/api/v1/inspections", json=_body(inspected_on="2026-10-15"), headers=supervisor)
    window = login(hub, "dept-scjgj")
    hub.post(
        f"/api/v1/inspections/{first['id']}/findings/2/close",
        json={"note": "已修复", "closed_on": "2026-11-27"},
        headers=window,
    )
    own = hub.get("/api/v1/inspections", query_string={"month": "2026-11"}, headers=window)
    assert own.status_code == 200 and own.get_json()["total"] == 1
    assert (
        hub.get("/api/v1/inspections", query_string={"venue": TOWN}, headers=window).status_code
        == 403
    )
    everything = hub.get(
        "/api/v1/inspections", query_string={"month": "2026-11"}, headers=supervisor
    )
    assert everything.get_json()["total"] == 2
    bad_month = hub.get(
        "/api/v1/inspections", query_string={"month": "2026-13"}, headers=supervisor
    )
    assert bad_month.status_code == 422
    summary = hub.get(
        "/api/v1/inspections/summary", query_string={"month": "2026-11"}, headers=supervisor
    ).get_json()["items"]
    line = next(s for s in summary if s["venue"] == VENUE)
    assert line == {
        "venue": VENUE,
        "venue_name": line["venue_name"],
        "inspections": 1,
        "findings": 2,
        "serious": 1,
        "closed": 1,
        "closed_in_time": 1,
        "overdue_open": 1,  # finding 1 was due 2026-11-25
    }
    assert next(s for s in summary if s["venue"] == TOWN)["findings"] == 0


def test_inspection_page_keeps_typed_rows(hub_app: Flask) -> None:
    page = hub_app.test_client()
    token = page.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1]
    form = {"username": "supervisor", "password": "demo", "csrf_token": token.split('"')[0]}
    assert page.post("/login", data=form).status_code == 302
    shown = page.get("/inspections")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "登记巡查" in text
    csrf = text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = page.post(
        "/inspections",
        data={
            "venue": VENUE,
            "inspected_on": "2026-11-20",
            "findings.0.category": "服务态度",
            "findings.0.description": "态度生硬",
            "csrf_token": csrf,
        },
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "请填写整改期限" in body and 'value="态度生硬"' in body
    good = page.post(
        "/inspections",
        data={
            "venue": VENUE,
            "inspected_on": "2026-11-20",
            "findings.0.category": "服务态度",
            "findings.0.description": "态度生硬",
            "findings.0.severity": "一般",
            "findings.0.rectify_by": "2026-11-30",
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 302
    listed = page.get("/inspections?month=2026-11").get_data(as_text=True)
    assert "态度生硬" in listed and "销号" in listed
