"""容缺受理 at the hub: accepted without secondary materials, no approval until they come,
terminated by the scheduler's job once the promised date has passed."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from county_hub.catalog.models import ItemMaterial, ItemVersion, ServiceItem
from shared.casework.jobs import terminate_overdue
from shared.clock import FixedClock
from tests.conftest import case_body, login


def _tolerant_item(hub_session: Any) -> ServiceItem:
    stmt = (
        select(ServiceItem)
        .join(
            ItemVersion,
            (ItemVersion.item_code == ServiceItem.code)
            & (ItemVersion.version == ServiceItem.current_version),
        )
        .join(ItemMaterial, ItemMaterial.version_id == ItemVersion.id)
        .where(
            ItemVersion.tolerance_allowed.is_(True),
            ItemMaterial.necessity == 3,
            ItemVersion.case_kind == 2,
        )
        .order_by(ServiceItem.code)
    )
    item = hub_session.scalars(stmt).first()
    assert item is not None, "the demo catalog has 容缺 items"
    return item


def test_tolerance_case_is_terminated_when_the_promise_is_not_kept(
    hub_app: Flask, hub: FlaskClient, hub_session: Any, clock: FixedClock
) -> None:
    item = _tolerant_item(hub_session)
    detail = hub.get(f"/api/v1/catalog/items/{item.code}").get_json()
    owed = [m["name"] for m in detail["materials"] if m["necessity"] == 3]
    body = case_body(hub, item.code, provided=lambda m: m["necessity"] != 3, tolerance=True)
    reviewer = login(hub, f"dept-{item.department_code}")
    case = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()
    assert case["status"] == "submitted" and case["tolerance_outstanding"] == owed
    assert case["tolerance_deadline"]
    no = case["case_no"]
    hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    refused = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "decide", "approve": True}, headers=reviewer
    )
    assert refused.status_code == 409 and "容缺" in refused.get_json()["detail"]

    assert terminate_overdue(hub_app) == 0  # not overdue yet
    clock.advance(days=40)
    assert terminate_overdue(hub_app) == 1
    ended = hub.get(f"/api/v1/cases/{no}", headers=reviewer).get_json()
    assert ended["status"] == "terminated"
    assert "容缺" in ended["history"][-1]["payload"]["reason"]
    assert terminate_overdue(hub_app) == 0  # idempotent


def test_supplied_in_time_then_approved(hub: FlaskClient, hub_session: Any) -> None:
    item = _tolerant_item(hub_session)
    detail = hub.get(f"/api/v1/catalog/items/{item.code}").get_json()
    owed = [m["name"] for m in detail["materials"] if m["necessity"] == 3]
    body = case_body(hub, item.code, provided=lambda m: m["necessity"] != 3, tolerance=True)
    reviewer = login(hub, f"dept-{item.department_code}")
    no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    supplied = hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "supply", "materials": owed},
        headers=reviewer,
    )
    assert supplied.get_json()["tolerance_outstanding"] == []
    approved = hub.post(
        f"/api/v1/cases/{no}/actions", json={"action": "decide", "approve": True}, headers=reviewer
    )
    assert approved.status_code == 200 and approved.get_json()["outcome"] == "approved"
