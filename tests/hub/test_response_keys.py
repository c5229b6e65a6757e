"""Declaring response schemas changed no JSON key: representative answers keep their shape,
and the OpenAPI document describes each of them.

A marshmallow response schema drops every key it does not declare. The expected key
paths in ``tests/fixtures/response_keys.json`` were captured from the code before the
schemas were declared; change that file only for an intended, announced API change.
A path is ``key``, ``key.sub`` or ``list[].key``; every element of a list counts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.certs.demo import BUSINESSES
from county_hub.certs.models import CertificateRow
from county_hub.certs.services import record
from shared.clock import FixedClock
from shared.ids.gb11643 import id_check_char
from shared.sync.store import store_events
from tests.conftest import case_body, login
from tests.hub.test_ratings import _town_events

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


@dataclass(frozen=True)
class Answer:
    """A JSON answer and what was asked (to find its schema in the OpenAPI document)."""

    body: Any
    method: str
    path: str
    status: int


def _ok(response: Any, status: int = 200) -> Answer:
    assert response.status_code == status, response.get_json()
    return Answer(response.get_json(), response.request.method, response.request.path, status)


def _registry_payload(hub: FlaskClient, issued: dict[str, Any]) -> str:
    """The signed QR payload of ``issued`` from the registry (masked case JSON omits it)."""
    with hub.application.extensions["sanji"].sessions() as session:
        row = session.get(CertificateRow, issued["identifier"])
        assert row is not None
        return str(record(row)["payload"])


def _id_number(seq: int) -> str:
    first17 = f"61072719900101{seq:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def answers(hub: FlaskClient, clock: FixedClock) -> dict[str, Answer]:
    """One answer of each kind, from one small story at the hub."""
    out: dict[str, Answer] = {}
    admin = login(hub, "admin")
    listing = _ok(hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}))
    out["catalog.list"] = listing
    code = listing.body["items"][0]["code"]
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
    no = filed.body["case_no"]
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
            json={"payload": _registry_payload(hub, decided.body["certificates"][0])},
            headers=reviewer,
        )
    )
    rating = {"action": "rate", "level": 5, "channel": "tablet", "comment": "等太久"}
    _ok(hub.post(f"/api/v1/cases/{no}/actions", json=rating, headers=reviewer))
    out["case"] = _ok(hub.get(f"/api/v1/cases/{no}", headers=reviewer))
    tasks = _ok(hub.get("/api/v1/supervision/rectifications", headers=admin))
    out["rectification"] = _ok(
        hub.get(f"/api/v1/supervision/rectifications/{tasks.body['items'][0]['id']}", headers=admin)
    )
    complaint = {
        "contact_name": "赵六",
        "contact_phone": "13912345678",
        "item_code": code,
        "text": "跑了三趟没办成",
        "filed_node": "610727105",
    }
    filed_complaint = _ok(hub.post("/api/v1/complaints", json=complaint, headers=admin), 201)
    out["complaint"] = _ok(
        hub.get(f"/api/v1/complaints/{filed_complaint.body['id']}", headers=admin)
    )
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
        "materials": [{"name": m["name"], "provided": True} for m in package.body["materials"]],
    }
    out["package.application"] = _ok(
        hub.post("/api/v1/packages/newborn/applications", json=application, headers=admin), 201
    )
    return out


def test_representative_answers_keep_their_keys(answers: dict[str, Answer]) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = {label: sorted(key_paths(answer.body)) for label, answer in answers.items()}
    assert set(got) == set(expected)
    for label, paths in expected.items():
        assert got[label] == paths, label


def _response_schema(doc: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            response = operations[method.lower()]["responses"][str(status)]
            schema: dict[str, Any] = response["content"]["application/json"]["schema"]
            return schema
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def test_the_openapi_document_describes_each_answer(
    hub: FlaskClient, answers: dict[str, Answer]
) -> None:
    doc = hub.get("/api/v1/openapi.json").get_json()
    for label, answer in answers.items():
        schema = _response_schema(doc, answer.method, answer.path, answer.status)
        validator = jsonschema_rs.validator_for(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                **schema,
                "components": doc["components"],
            }
        )
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(answer.body)]
        assert errors == [], label


def test_objects_another_node_wrote_come_back_as_written(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    """A newer (or sloppier) node's applicant and materials: odd values and extra keys pass
    through the case schema unchanged instead of being converted, dropped or failing."""
    [submitted] = _town_events(clock)[:1]
    odd = {"name": "身份证", "necessity": "1", "provided": "yes", "scan": {"pages": 2}}
    payload = {
        **submitted.payload,
        "applicant": {**submitted.payload["applicant"], "phone": 13812345678, "nation": "汉"},
        "materials": [odd],
    }
    store_events(
        hub_session,
        [replace(submitted, payload=payload)],
        received_from="610727105",
        acked=True,
        clock=clock,
        county="610727",
    )
    response = hub.get(f"/api/v1/cases/{submitted.case_no}", headers=login(hub, "admin"))
    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    assert case["materials"] == [odd]
    assert case["applicant"]["nation"] == "汉" and "phone" in case["applicant"]
