"""Declaring response schemas changed no JSON key: representative answers keep their shape.

A marshmallow response schema drops every key it does not declare. The expected key
paths in ``tests/fixtures/response_keys.json`` were captured from the code before the
schemas were declared; change that file only for an intended, announced API change.
A path is ``key``, ``key.sub`` or ``list[].key``; every element of a list counts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from county_hub.certs.demo import BUSINESSES
from shared.clock import FixedClock
from shared.ids.gb11643 import id_check_char
from tests.conftest import case_body, login

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "response_keys.json"


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}{key}"
            paths.add(path)
            paths |= key_paths(inner, path + ".")
    elif isinstance(value, list):
        for inner in value:
            paths |= key_paths(inner, prefix.removesuffix(".") + "[].")
    return paths


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _id_number(seq: int) -> str:
    first17 = f"61072719900101{seq:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def answers(hub: FlaskClient, clock: FixedClock) -> dict[str, Any]:
    """One answer of each kind, from one small story at the hub."""
    out: dict[str, Any] = {}
    admin = login(hub, "admin")
    listing = _ok(hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}))
    out["catalog.list"] = listing
    code = listing["items"][0]["code"]
    out["catalog.item"] = _ok(hub.get(f"/api/v1/catalog/items/{code}"))
    reviewer = login(hub, "dept-scjgj")
    body = case_body(hub, code)
    holder = BUSINESSES[1]
    body["applicant"] = {
        "name": holder.name,
        "id_type": "001",
        "id_number": holder.code,
        "phone": "13812345678",
    }
    filed = _ok(hub.post("/api/v1/cases", json=body, headers=reviewer), 201)
    out["case.filed"] = filed
    no = filed["case_no"]
    _ok(hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer))
    out["case.list"] = _ok(hub.get("/api/v1/cases", headers=reviewer))
    decided = _ok(
        hub.post(
            f"/api/v1/cases/{no}/actions",
            json={"action": "decide", "approve": True},
            headers=reviewer,
        )
    )
    out["certificate.verify"] = _ok(
        hub.post(
            "/api/v1/certificates/verify",
            json={"payload": decided["certificates"][0]["payload"]},
            headers=reviewer,
        )
    )
    rating = {"action": "rate", "level": 5, "channel": "tablet", "comment": "等太久"}
    _ok(hub.post(f"/api/v1/cases/{no}/actions", json=rating, headers=reviewer))
    out["case"] = _ok(hub.get(f"/api/v1/cases/{no}", headers=reviewer))
    tasks = _ok(hub.get("/api/v1/supervision/rectifications", headers=admin))
    out["rectification"] = _ok(
        hub.get(f"/api/v1/supervision/rectifications/{tasks['items'][0]['id']}", headers=admin)
    )
    complaint = {
        "contact_name": "赵六",
        "contact_phone": "13912345678",
        "item_code": code,
        "text": "跑了三趟没办成",
        "filed_node": "610727105",
    }
    filed_complaint = _ok(hub.post("/api/v1/complaints", json=complaint, headers=admin), 201)
    out["complaint"] = _ok(hub.get(f"/api/v1/complaints/{filed_complaint['id']}", headers=admin))
    day = {"venue": "scjgj", "date": "2026-11-30"}
    out["appointment.slots"] = _ok(
        hub.get("/api/v1/appointments/slots", query_string=day, headers=admin)
    )
    booking = {
        **day,
        "start": "09:00",
        "name": "王五",
        "id_number": _id_number(11),
        "phone": "13812345678",
    }
    out["appointment"] = _ok(hub.post("/api/v1/appointments", json=booking, headers=admin), 201)
    package = _ok(hub.get("/api/v1/packages/newborn"))
    out["package"] = package
    application = {
        "applicant": {
            "name": "李四",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "materials": [{"name": m["name"], "provided": True} for m in package["materials"]],
    }
    out["package.application"] = _ok(
        hub.post("/api/v1/packages/newborn/applications", json=application, headers=admin), 201
    )
    return out


def test_representative_answers_keep_their_keys(answers: dict[str, Any]) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = {label: sorted(key_paths(body)) for label, body in answers.items()}
    assert set(got) == set(expected)
    for label, paths in expected.items():
        assert got[label] == paths, label
