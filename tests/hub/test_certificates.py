"""Certificates at the hub: issuance on approval, offline verification verdicts,
revocation through a new signed status list, key rotation, purpose-bound look-ups,
the usage log and "who used my certificates"."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.certs.demo import BUSINESSES, PEOPLE
from county_hub.certs.models import CertificateRow, CertStatus
from county_hub.certs.services import after_case_change, issue_due, issue_for_case, record
from shared.cases import CaseStatus, Outcome
from shared.certs import check_chain
from shared.certwork.models import CertUsageRow
from shared.certwork.services import to_entry
from shared.clock import FixedClock
from shared.errors import Conflict
from shared.sync import store
from shared.sync.models import CaseEventRow
from shared.sync.store import current_state
from tests.conftest import case_body, login


def _payload(session: Session, holder: str, type_code: str, status: CertStatus) -> str:
    cert = session.scalar(
        select(CertificateRow).where(
            CertificateRow.holder_code == holder,
            CertificateRow.certificate_type == type_code,
            CertificateRow.status == status,
        )
    )
    assert cert is not None, (holder, type_code, status)
    return str(record(cert)["payload"])


def _verify(hub: FlaskClient, headers: dict[str, str], payload: str, **extra: str) -> Any:
    response = hub.post(
        "/api/v1/certificates/verify", json={"payload": payload, **extra}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_demo_certificates_verify_with_plain_chinese_verdicts(
    hub: FlaskClient, hub_session: Session
) -> None:
    clerk = login(hub, "town-610727105")
    shop = BUSINESSES[0].code
    good = _verify(hub, clerk, _payload(hub_session, shop, "yyzz", CertStatus.VALID))
    assert good["ok"] and good["code"] == "valid" and "证照有效" in good["message"]
    assert good["certificate"]["holder_code"] != shop and "*" in good["certificate"]["holder_code"]
    revoked = _verify(hub, clerk, _payload(hub_session, PEOPLE[2].code, "cjrz", CertStatus.REVOKED))
    assert (revoked["ok"], revoked["code"]) == (False, "revoked") and "复评" in revoked["message"]
    old = _verify(hub, clerk, _payload(hub_session, PEOPLE[3].code, "jkzm", CertStatus.SUPERSEDED))
    assert old["code"] == "superseded"
    garbage = _verify(hub, clerk, "SJC1.bm90IGEgY2VydGlmaWNhdGU")
    assert garbage["code"] == "malformed" and not garbage["ok"]


def test_a_tampered_payload_never_verifies(hub: FlaskClient, hub_session: Session) -> None:
    clerk = login(hub, "town-610727105")
    payload = _payload(hub_session, BUSINESSES[1].code, "spjyxkz", CertStatus.VALID)
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    verdict = _verify(hub, clerk, flipped)
    assert not verdict["ok"] and verdict["code"] in {"malformed", "bad_signature", "bad_identifier"}


def test_approval_issues_and_revocation_reaches_the_status_list(
    hub: FlaskClient, hub_session: Session
) -> None:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    reviewer = login(hub, "dept-scjgj")
    case_no = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer).get_json()[
        "case_no"
    ]
    hub.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}, headers=reviewer)
    decided = hub.post(
        f"/api/v1/cases/{case_no}/actions",
        json={"action": "decide", "approve": True},
        headers=reviewer,
    ).get_json()
    [issued] = decided["certificates"]
    assert "payload" not in issued  # the case JSON is masked: the QR payload holds the ID
    identifier = issued["identifier"]
    row = hub_session.get(CertificateRow, identifier)
    assert row is not None
    issued = {**issued, "payload": str(record(row)["payload"])}
    assert _verify(hub, reviewer, issued["payload"])["ok"]

    other = login(hub, "dept-mzj")
    denied = hub.post(
        f"/api/v1/certificates/registry/{identifier}/revoke", json={"reason": "x"}, headers=other
    )
    assert denied.status_code in (403, 422)
    no_reason = hub.post(
        f"/api/v1/certificates/registry/{identifier}/revoke", json={}, headers=reviewer
    )
    assert no_reason.status_code == 422 and no_reason.get_json()["invalid_params"]
    revoked = hub.post(
        f"/api/v1/certificates/registry/{identifier}/revoke",
        json={"reason": "以欺骗手段取得许可"},
        headers=reviewer,
    )
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    again = hub.post(
        f"/api/v1/certificates/registry/{identifier}/revoke",
        json={"reason": "再次吊销"},
        headers=reviewer,
    )
    assert again.status_code == 409
    verdict = _verify(hub, reviewer, issued["payload"])
    assert verdict["code"] == "revoked" and "以欺骗手段取得许可" in verdict["message"]


def test_key_rotation_keeps_old_certificates_verifiable(
    hub: FlaskClient, hub_session: Session
) -> None:
    admin = login(hub, "admin")
    old = _payload(hub_session, BUSINESSES[0].code, "yyzz", CertStatus.VALID)
    assert (
        hub.post(
            "/api/v1/certificates/keys/rotate",
            json={"department": "scjgj"},
            headers=login(hub, "town-610727105"),
        ).status_code
        == 403
    )
    rotated = hub.post(
        "/api/v1/certificates/keys/rotate", json={"department": "scjgj"}, headers=admin
    )
    assert rotated.status_code == 201
    assert _verify(hub, admin, old)["ok"]
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    reviewer = login(hub, "dept-scjgj")
    case_no = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer).get_json()[
        "case_no"
    ]
    hub.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}, headers=reviewer)
    hub.post(
        f"/api/v1/cases/{case_no}/actions",
        json={"action": "decide", "approve": True},
        headers=reviewer,
    )
    new = hub_session.scalar(select(CertificateRow).where(CertificateRow.case_no == case_no))
    assert new is not None and new.kid == rotated.get_json()["kid"]


def test_lookups_are_bound_to_a_case_here_and_its_applicant(
    hub: FlaskClient, hub_session: Session
) -> None:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    reviewer = login(hub, "dept-scjgj")
    body = case_body(hub, code)
    holder = BUSINESSES[1]
    body["applicant"] = {
        "name": holder.name,
        "id_type": "001",
        "id_number": holder.code,
        "phone": "13812345678",
    }
    case_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    args = {
        "holder": holder.code,
        "case_no": case_no,
        "purpose": "办理食品经营许可，免提交营业执照",
    }

    missing = hub.post(
        "/api/v1/certificates/lookup", json={"holder": holder.code}, headers=reviewer
    )
    assert missing.status_code == 422
    assert {p["name"] for p in missing.get_json()["invalid_params"]} >= {"case_no", "purpose"}
    nowhere = hub.post(
        "/api/v1/certificates/lookup",
        json={**args, "case_no": "610727105-20261127-9999"},
        headers=reviewer,
    )
    assert nowhere.status_code == 404
    other_dept = hub.post("/api/v1/certificates/lookup", json=args, headers=login(hub, "dept-mzj"))
    assert other_dept.status_code == 403
    someone_else = hub.post(
        "/api/v1/certificates/lookup",
        json={**args, "holder": BUSINESSES[0].code},
        headers=reviewer,
    )
    assert (
        someone_else.status_code == 422
        and "不是该办件的申请人" in someone_else.get_json()["detail"]
    )

    before = len(
        hub_session.scalars(select(CertUsageRow).where(CertUsageRow.node == "610727")).all()
    )
    found = hub.post("/api/v1/certificates/lookup", json=args, headers=reviewer)
    assert found.status_code == 200
    items = found.get_json()["items"]
    assert {i["name"] for i in items} == {"营业执照", "食品经营许可证"}
    assert all(i["usable"] and holder.code not in str(i) for i in items)  # masked
    log = hub_session.scalars(
        select(CertUsageRow).where(CertUsageRow.node == "610727").order_by(CertUsageRow.seq)
    ).all()
    assert len(log) == before + 1 and log[-1].case_no == case_no and log[-1].action == "lookup"
    assert check_chain([to_entry(r) for r in log]).ok  # the hub's own chain holds

    usage = hub.post(
        "/api/v1/certificates/usage",
        json={"holder": holder.code, "holder_type": "001"},
        headers=login(hub, "admin"),
    ).get_json()
    assert any(u["case_no"] == case_no and u["action"] == "lookup" for u in usage["items"])
    assert (
        hub.post(
            "/api/v1/certificates/usage", json={"holder": holder.code}, headers=reviewer
        ).status_code
        == 403
    )


def test_lookups_are_rate_limited_per_account(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    statuses = [
        hub.post(
            "/api/v1/certificates/lookup",
            json={"holder": PEOPLE[0].code, "case_no": "none", "purpose": "测试频率"},
            headers=reviewer,
        ).status_code
        for _ in range(22)
    ]
    assert statuses[0] == 404 and statuses[-1] == 429


def _intake(hub: FlaskClient, headers: dict[str, str], holder: Any, certificates: list[str]) -> Any:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    body = case_body(hub, code)
    body["applicant"] = {
        "name": holder.name,
        "id_type": holder.code_type,
        "id_number": holder.code,
        "phone": "13812345678",
    }
    licence = "营业执照或其他主体资格证明文件"
    body["materials"] = [m for m in body["materials"] if m["name"] != licence]
    body["certificates"] = certificates
    return hub.post("/api/v1/cases", json=body, headers=headers)


def test_a_valid_certificate_waives_its_material_at_intake(
    hub: FlaskClient, hub_session: Session
) -> None:
    reviewer = login(hub, "dept-scjgj")
    shop = BUSINESSES[1]
    payload = _payload(hub_session, shop.code, "yyzz", CertStatus.VALID)
    filed = _intake(hub, reviewer, shop, [payload])
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert case["status"] == "submitted" and not case["missing"]
    [waived] = [m for m in case["materials"] if m["waived"]]
    assert waived["certificate_type"] == "yyzz" and waived["certificate"].startswith(
        "1.2.156.3005.2."
    )
    uses = hub_session.scalars(
        select(CertUsageRow).where(CertUsageRow.case_no == case["case_no"])
    ).all()
    assert [u.purpose for u in uses] == ["免提交：营业执照或其他主体资格证明文件"]

    without = _intake(hub, reviewer, shop, [])
    assert without.get_json()["missing"] == ["营业执照或其他主体资格证明文件"]

    rates = hub.get(
        "/api/v1/certificates/waiver-rates", query_string={"by": "department"}, headers=reviewer
    ).get_json()
    [scjgj] = [r for r in rates if r["key"] == "scjgj"]
    assert scjgj["waived"] == 1 and scjgj["required"] >= 2 and 0 < scjgj["rate"] < 1
    bad_month = hub.get(
        "/api/v1/certificates/waiver-rates", query_string={"month": "2026-13"}, headers=reviewer
    )
    assert bad_month.status_code == 422


def test_a_certificate_that_cannot_be_used_refuses_the_filing(
    hub: FlaskClient, hub_session: Session
) -> None:
    reviewer = login(hub, "dept-scjgj")
    shop = BUSINESSES[1]
    before = hub.get("/api/v1/cases", headers=reviewer).get_json()["total"]
    revoked = _payload(hub_session, PEOPLE[2].code, "cjrz", CertStatus.REVOKED)
    others = _payload(hub_session, BUSINESSES[0].code, "yyzz", CertStatus.VALID)
    for payloads, reason in (([revoked], "吊销"), ([others], "不是本申请人"), (["SJC1.xx"], "")):
        refused = _intake(hub, reviewer, shop, payloads)
        assert refused.status_code == 422, refused.get_json()
        [problem] = refused.get_json()["invalid_params"]
        assert problem["name"] == "certificates.0" and reason in problem["reason"]
    assert hub.get("/api/v1/cases", headers=reviewer).get_json()["total"] == before


def _approved_without_certificate(
    hub_app: Flask, hub: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, str]]:
    """An approved case whose result certificate was not issued (the hook switched off,
    as for a case approved at a town before the scheduler's job ran)."""
    monkeypatch.setitem(
        hub_app.extensions, "sanji.after_case_change", lambda _session, state, **_: state
    )
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    reviewer = login(hub, "dept-scjgj")
    no = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer).get_json()[
        "case_no"
    ]
    for body in ({"action": "accept"}, {"action": "decide", "approve": True}):
        response = hub.post(f"/api/v1/cases/{no}/actions", json=body, headers=reviewer)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["certificates"] == []
    monkeypatch.undo()
    return no, reviewer


def _certificate_events(session: Session, case_no: str) -> int:
    stmt = select(func.count()).where(
        CaseEventRow.case_no == case_no, CaseEventRow.type == "certificate_issued"
    )
    return session.scalar(stmt) or 0


def test_an_issuance_the_fold_would_refuse_is_refused_and_registers_nothing(
    hub_app: Flask,
    hub: FlaskClient,
    hub_session: Session,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no, _reviewer = _approved_without_certificate(hub_app, hub, monkeypatch)
    # Voiding it (with the hook on again) signs nothing and is not refused.
    voided = hub.post(
        f"/api/v1/cases/{no}/actions",
        json={"action": "void", "reason": "录入错误"},
        headers=login(hub, "admin"),
    )
    assert voided.status_code == 200, voided.get_json()
    assert voided.get_json()["certificates"] == []
    state = current_state(hub_session, no, county="610727")
    # Still "approved", so the registry would sign; the fold refuses a certificate on a
    # voided case, and so does the write path, before anything is kept.
    assert state.outcome is Outcome.APPROVED and state.status is CaseStatus.VOIDED
    with pytest.raises(Conflict, match="已作废"):
        issue_for_case(hub_session, state, clock=clock, county="610727")
    assert (
        hub_session.scalars(select(CertificateRow).where(CertificateRow.case_no == no)).all() == []
    )
    assert _certificate_events(hub_session, no) == 0
    assert issue_due(hub_session, clock=clock, county="610727") == 0


def test_issuing_writes_one_event_and_folds_the_case_once(
    hub_app: Flask,
    hub: FlaskClient,
    hub_session: Session,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no, reviewer = _approved_without_certificate(hub_app, hub, monkeypatch)
    folds: list[str] = []
    projected: list[str] = []
    real_fold, real_project = store.fold, store._project

    def counting_fold(events: Any, **kwargs: Any) -> Any:
        state = real_fold(events, **kwargs)
        folds.append(state.case_no)
        return state

    def counting_project(session: Session, row: Any, state: Any, now: Any) -> None:
        projected.append(state.case_no)
        real_project(session, row, state, now)

    monkeypatch.setattr(store, "fold", counting_fold)
    monkeypatch.setattr(store, "_project", counting_project)
    approved = current_state(hub_session, no, county="610727")
    folds.clear()
    after = after_case_change(hub_session, approved, clock=clock, county="610727")
    assert (folds, projected) == ([no], [no])
    assert _certificate_events(hub_session, no) == 1
    [issued] = after.certificates
    assert after.to_dict() == current_state(hub_session, no, county="610727").to_dict()
    assert hub_session.get(CertificateRow, issued["identifier"]) is not None

    # A whole approval through the API: one fold to read the case, one per event written
    # (decided, certificate_issued), each event projected once.
    code = approved.item_code
    other = hub.post("/api/v1/cases", json=case_body(hub, code), headers=reviewer).get_json()
    other_no = other["case_no"]
    hub.post(f"/api/v1/cases/{other_no}/actions", json={"action": "accept"}, headers=reviewer)
    folds.clear()
    projected.clear()
    decided = hub.post(
        f"/api/v1/cases/{other_no}/actions",
        json={"action": "decide", "approve": True},
        headers=reviewer,
    )
    assert decided.status_code == 200 and len(decided.get_json()["certificates"]) == 1
    assert folds == [other_no] * 3 and projected == [other_no] * 2
