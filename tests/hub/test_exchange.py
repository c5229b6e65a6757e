"""Provincial exchange at the hub: cases, ratings and 整改 out; the item library in.

The exchange database is a SQLite file per test, or — with the hub on PostgreSQL and
``SANJI_TEST_EXCHANGE_URL`` set — that PostgreSQL database (tables dropped per test).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from county_hub.catalog.models import ServiceItem
from county_hub.exchange import catalog_in, mapping, services
from county_hub.exchange.jobs import exchange_cycle
from county_hub.exchange.models import (
    EXCHANGE_METADATA,
    UP_EVALUATION,
    UP_EVALUATION_RECTIFY,
    UP_PRO_ACCEPT,
    UP_PRO_MATERIAL,
    UP_PRO_PROCESS,
    UP_PRO_RESULT,
    UP_PRO_SPECIAL_PROCEDURE,
    UP_TASK_GENERAL_BASIC,
    UP_TASK_GENERAL_EXTEND,
    UP_TASK_GENERAL_MATERIAL,
    ExchangeRow,
    RowStatus,
)
from county_hub.ratings import services as ratings
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.cases import Event, EventType, new_event_id
from shared.clock import FixedClock
from shared.db import make_engine
from shared.items import ItemStatus
from shared.sync.models import MasterChange
from shared.sync.store import store_events
from tests.conftest import case_body, login

ROOT = Path(__file__).resolve().parents[2]
EXCHANGE_PG = os.environ.get("SANJI_TEST_EXCHANGE_URL", "")
ITEM_Q = "食品经营许可(新办)"
ADMIN = Actor(username="admin", role=Role.ADMIN, region_code="610727", department_code=None)
TOWN = "610727105"


@pytest.fixture
def xengine(hub_app: Flask, hub_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """The exchange database, switched on in the hub's settings."""
    if hub_engine.dialect.name == "postgresql" and EXCHANGE_PG:
        url = EXCHANGE_PG
        cleaner = make_engine(url)
        with cleaner.begin() as conn:
            EXCHANGE_METADATA.drop_all(conn)
        cleaner.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'exchange.sqlite3'}"
    hub_app.config["EXCHANGE_DATABASE_URL"] = url
    engine = services.exchange_engine(url)
    services.ensure_exchange_schema(engine)
    yield engine
    services._ENGINES.pop(url, None)
    engine.dispose()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _cycle(hub_app: Flask, engine: Engine) -> services.CycleReport:
    tier = hub_app.extensions["sanji"]
    return services.run_cycle(tier.sessions, engine, clock=tier.clock)


def _rows(engine: Engine, table: Any, case_no: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        key = table.c.projid
        return [
            dict(r._mapping)
            for r in conn.execute(select(table).where(key == case_no).order_by(table.c.unid))
        ]


def _item(hub: FlaskClient) -> dict[str, Any]:
    return hub.get("/api/v1/catalog/items", query_string={"q": ITEM_Q}).get_json()["items"][0]


def _case(hub: FlaskClient, *steps: dict[str, Any]) -> tuple[str, dict[str, str]]:
    item = _item(hub)
    reviewer = login(hub, f"dept-{item['department']}")
    filed = hub.post("/api/v1/cases", json=case_body(hub, item["code"]), headers=reviewer)
    assert filed.status_code == 201, filed.get_json()
    no = filed.get_json()["case_no"]
    for body in steps:
        response = hub.post(f"/api/v1/cases/{no}/actions", json=body, headers=reviewer)
        assert response.status_code == 200, response.get_json()
    return no, reviewer


FULL = (
    {"action": "accept"},
    {"action": "suspend", "reason": "送检", "kind": "检测"},
    {"action": "resume", "reason": "检测合格"},
    {"action": "decide", "approve": True},
    {"action": "deliver", "method": "邮寄"},
    {"action": "rate", "level": 2, "channel": "tablet", "comment": "很快"},
)


def test_a_case_reaches_the_exchange_tables_once_per_event_in_order(
    hub_app: Flask, hub: FlaskClient, xengine: Engine
) -> None:
    no, _ = _case(hub, *FULL)
    report = _cycle(hub_app, xengine)
    assert report.written >= 8
    [accept] = _rows(xengine, UP_PRO_ACCEPT, no)
    assert accept["accept_result"] == "1" and accept["sync_status"] == "0"
    assert accept["apply_cardnumber"] == "13043419840726291X"  # the layout requires it
    assert accept["contact_phone"] == "138****5678"  # masked: the layout allows it
    assert accept["is_agent"] == "0" and accept["area_code"] == "610727000000"
    assert accept["catalog_code"] and len(accept["dept_code"]) == 18
    materials = _rows(xengine, UP_PRO_MATERIAL, no)
    assert sorted(m["order_num"] for m in materials) == list(range(1, len(materials) + 1))
    process = sorted(_rows(xengine, UP_PRO_PROCESS, no), key=lambda r: r["sn"])
    assert [p["node_name"] for p in process] == ["受理", "审查决定", "送达"]
    assert process[-1]["delivery_method"] == "邮寄"
    special = sorted(_rows(xengine, UP_PRO_SPECIAL_PROCEDURE, no), key=lambda r: r["sn"])
    assert [(s["stage"], s["special_type"], s["special_name"]) for s in special] == [
        ("1", "4", "检测"),
        ("2", "4", "检测"),
    ]
    assert process[0]["sn"] < special[0]["sn"] < special[1]["sn"] < process[1]["sn"]
    [result] = _rows(xengine, UP_PRO_RESULT, no)
    assert result["result_code"] == "1"
    [rating] = _rows(xengine, UP_EVALUATION, no)
    assert (rating["evaluate_level"], rating["evaluate_channel"]) == ("2", "4")
    # A second cycle writes nothing new: exactly once per (event, table).
    again = _cycle(hub_app, xengine)
    assert again.planned == 0 and again.written == 0
    assert len(_rows(xengine, UP_PRO_ACCEPT, no)) == 1
    assert len(_rows(xengine, UP_PRO_PROCESS, no)) == 3


def test_steps_before_acceptance_follow_the_accept_record(
    hub_app: Flask, hub: FlaskClient, hub_session: Session, xengine: Engine
) -> None:
    no, _ = _case(
        hub,
        {"action": "request_supplement", "missing": ["营业执照"], "reason": "缺照"},
        {"action": "supply", "materials": ["营业执照"]},
    )
    _cycle(hub_app, xengine)
    # The province's record opens with 受理: nothing yet, the steps wait for it.
    assert _rows(xengine, UP_PRO_PROCESS, no) == []
    item = _item(hub)
    reviewer = login(hub, f"dept-{item['department']}")
    response = hub.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=reviewer)
    assert response.status_code == 200, response.get_json()
    _cycle(hub_app, xengine)
    records = list(
        hub_session.scalars(
            select(ExchangeRow).where(ExchangeRow.case_no == no).order_by(ExchangeRow.sn)
        )
    )
    assert [(r.target, r.event_type) for r in records][:2] == [
        ("up_pro_accept", "accepted"),
        ("up_pro_material", "accepted"),
    ]
    process = sorted(_rows(xengine, UP_PRO_PROCESS, no), key=lambda r: r["sn"])
    assert [p["node_name"] for p in process] == ["补正告知", "补齐补正", "受理"]
    assert "营业执照" in process[0]["handle_opinion"]


def _village_events(clock: FixedClock) -> list[Event]:
    """A case filed at a village by its agent and decided at its town (both origins)."""
    village = "610727105201"
    case_id, no = str(uuid.uuid4()), f"{village}-20261127-0001"

    def event(lamport: int, kind: EventType, payload: dict[str, Any], origin: str) -> Event:
        at = clock.now() + timedelta(minutes=lamport)
        return Event(
            id=new_event_id(at),
            case_id=case_id,
            case_no=no,
            origin=origin,
            lamport=lamport,
            type=kind,
            at=at,
            actor="agent-x" if origin == village else f"town-{TOWN}",
            payload=payload,
        )

    submitted = {
        "item_code": "X",
        "item_version": 1,
        "item_name": "测试事项",
        "case_kind": 2,
        "promised_limit": 5,
        "promised_unit": "W",
        "applicant": {
            "name": "张三",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "agent": {"username": "agent-x", "name": "李代办"},
        "consent": True,
        "materials": [{"name": "申请书", "necessity": 1, "provided": True, "waived": False}],
        "missing": [],
        "tolerance": False,
        "tolerance_missing": [],
        "tolerance_deadline": None,
        "promise": False,
        "accepting_node": village,
        "accept_by": TOWN,
        "handled_by": TOWN,
        "batch": 1,
        "in_name_of": "略阳县市场监督管理局",
    }
    return [
        event(1, EventType.SUBMITTED, submitted, village),
        event(2, EventType.ACCEPTED, {}, TOWN),
        event(3, EventType.DECIDED, {"approve": False, "reason": "条件不符"}, TOWN),
    ]


def test_a_village_case_decided_at_its_town_in_any_arrival_order(
    hub_app: Flask, hub_session: Session, xengine: Engine, clock: FixedClock
) -> None:
    events = _village_events(clock)
    no = events[0].case_no
    # The decision reaches the hub before the filing (a relay was late): nothing is
    # reported until the case stands, and nothing is lost once it does.
    store_events(
        hub_session, events[2:], received_from=TOWN, acked=True, clock=clock, county="610727"
    )
    _cycle(hub_app, xengine)
    assert _rows(xengine, UP_PRO_ACCEPT, no) == []
    store_events(
        hub_session, events[:2], received_from=TOWN, acked=True, clock=clock, county="610727"
    )
    _cycle(hub_app, xengine)
    [accept] = _rows(xengine, UP_PRO_ACCEPT, no)
    assert accept["area_code"] == "610727105201" and accept["is_agent"] == "1"
    assert accept["handle_org_code"] == TOWN and accept["dept_name"] == "略阳县市场监督管理局"
    assert "李代办" not in str(accept)  # the agent's name is not the province's business
    [result] = _rows(xengine, UP_PRO_RESULT, no)
    assert (result["result_code"], result["result_opinion"]) == ("2", "条件不符")
    assert {p["handle_org_code"] for p in _rows(xengine, UP_PRO_PROCESS, no)} == {TOWN}


def test_exchange_down_keeps_records_pending_and_sends_them_later(
    hub_app: Flask, hub: FlaskClient, hub_session: Session, xengine: Engine, tmp_path: Path
) -> None:
    no, _ = _case(hub, {"action": "accept"}, {"action": "decide", "approve": True})
    away = make_engine(f"sqlite:///{tmp_path / 'missing' / 'exchange.sqlite3'}")
    with pytest.raises(services.ExchangeDown):
        _cycle(hub_app, away)
    away.dispose()
    pending = list(hub_session.scalars(select(ExchangeRow).where(ExchangeRow.case_no == no)))
    assert pending and {r.status for r in pending} == {RowStatus.PENDING}
    status = hub.get("/api/v1/exchange/status", headers=login(hub, "admin")).get_json()
    assert status["counts"]["pending"] >= len(pending) and status["enabled"] is True
    report = _cycle(hub_app, xengine)
    assert report.resent == len(pending)
    hub_session.expire_all()
    assert {r.status for r in hub_session.scalars(select(ExchangeRow))} == {RowStatus.SENT}
    assert len(_rows(xengine, UP_PRO_ACCEPT, no)) == 1


def test_the_job_backs_off_while_the_exchange_is_away(
    hub_app: Flask, hub: FlaskClient, tmp_path: Path, clock: FixedClock
) -> None:
    _case(hub, {"action": "accept"})
    hub_app.config["EXCHANGE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'no' / 'x.sqlite3'}"
    assert exchange_cycle(hub_app) is None
    tier = hub_app.extensions["sanji"]
    with tier.sessions() as session:
        info = services.status(session, clock=clock, enabled=True)
    assert info["failures"] == 1 and "前置交换库" in info["last_error"]
    assert info["next_attempt"] is not None
    assert exchange_cycle(hub_app) is None  # still backing off: not even tried
    with tier.sessions() as session:
        assert services.status(session, clock=clock, enabled=True)["failures"] == 1
    # The hub keeps working meanwhile.
    assert hub.get("/api/v1/health").status_code == 200


def test_a_refused_record_is_shown_with_its_reason_and_resent_without_duplicate(
    hub_app: Flask, hub: FlaskClient, hub_session: Session, xengine: Engine
) -> None:
    no, _ = _case(hub, {"action": "accept"})
    _cycle(hub_app, xengine)
    with xengine.begin() as conn:  # the province refuses the accept record
        conn.execute(
            update(UP_PRO_ACCEPT)
            .where(UP_PRO_ACCEPT.c.projid == no)
            .values(sync_status="2", sync_error="申请人证件号码与姓名不一致")
        )
        conn.execute(
            update(UP_PRO_PROCESS).where(UP_PRO_PROCESS.c.projid == no).values(sync_status="1")
        )
    report = _cycle(hub_app, xengine)
    assert report.refused == 1 and report.accepted >= 1
    admin = login(hub, "admin")
    listed = hub.get(
        "/api/v1/exchange/rows", query_string={"status": "refused"}, headers=admin
    ).get_json()
    [row] = [r for r in listed["items"] if r["case_no"] == no]
    assert row["reason"] == "申请人证件号码与姓名不一致" and row["status_label"] == "省级已拒收"
    page = hub.get("/exchange", query_string={"status": "refused"})
    assert page.status_code == 302  # pages need a login
    assert hub.post(f"/api/v1/exchange/rows/{row['id']}/resend", headers=admin).status_code == 200
    again = hub.post(f"/api/v1/exchange/rows/{row['id']}/resend", headers=admin)
    assert again.status_code == 409
    assert again.content_type.startswith("application/problem+json")
    assert "只有省级拒收的记录" in again.get_json()["detail"]
    _cycle(hub_app, xengine)
    [accept] = _rows(xengine, UP_PRO_ACCEPT, no)
    assert accept["sync_status"] == "0" and accept["sync_error"] is None  # read again
    hub_session.expire_all()
    record = hub_session.get(ExchangeRow, row["id"])
    assert record is not None and record.status is RowStatus.SENT and record.attempts == 2


def test_a_crash_after_the_exchange_commit_leaves_no_gap_and_no_duplicate(
    hub_app: Flask,
    hub: FlaskClient,
    hub_session: Session,
    xengine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nos = [_case(hub, *FULL[:4])[0] for _ in range(3)]

    def crash(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(services, "record", crash)
        with pytest.raises(RuntimeError):
            _cycle(hub_app, xengine)
    assert hub_session.scalar(select(func.count()).select_from(ExchangeRow)) == 0
    written = {n: len(_rows(xengine, UP_PRO_PROCESS, n)) for n in nos}
    assert all(written.values())  # the exchange had committed before the "crash"
    _cycle(hub_app, xengine)
    for table in (UP_PRO_ACCEPT, UP_PRO_PROCESS, UP_PRO_SPECIAL_PROCEDURE, UP_PRO_RESULT):
        for no in nos:
            keys = [r["unid"] for r in _rows(xengine, table, no)]
            assert len(keys) == len(set(keys)) and keys
    assert {n: len(_rows(xengine, UP_PRO_PROCESS, n)) for n in nos} == written
    tracked = hub_session.scalar(select(func.count()).select_from(ExchangeRow))
    assert tracked == sum(
        1 for _ in hub_session.scalars(select(ExchangeRow.id).where(ExchangeRow.case_no.in_(nos)))
    )


def test_a_closed_rectification_is_reported_once(
    hub_app: Flask, hub: FlaskClient, hub_session: Session, xengine: Engine, clock: FixedClock
) -> None:
    no, reviewer = _case(
        hub,
        {"action": "accept"},
        {"action": "decide", "approve": True},
        {"action": "rate", "level": 5, "channel": "qrcode", "comment": "等太久"},
    )
    ratings.record_ratings(hub_session, clock=clock, county="610727")
    items = hub.get("/api/v1/supervision/rectifications", headers=reviewer).get_json()["items"]
    task = next(t for t in items if t["case_no"] == no)
    url = f"/api/v1/supervision/rectifications/{task['id']}/actions"
    for body in (
        {"action": "verify"},
        {"action": "fix", "note": "增设引导员"},
        {"action": "call_back", "rater_said": "满意"},
        {"action": "close", "outcome": "已增设引导员，缩短等候"},
    ):
        assert hub.post(url, json=body, headers=reviewer).status_code == 200
    _cycle(hub_app, xengine)
    _cycle(hub_app, xengine)
    [rectify] = _rows(xengine, UP_EVALUATION_RECTIFY, no)
    [rating] = _rows(xengine, UP_EVALUATION, no)
    assert rectify["rectify_status"] == "1" and rectify["evaluate_unid"] == rating["unid"]
    assert rectify["rectify_result"] == "已增设引导员，缩短等候"
    assert rectify["callback_content"] == "满意"


# --------------------------------------------------------------------------- catalog in


def _county_rows(session: Session, codes: list[str]) -> catalog_in.TaskRows:
    everything = catalog_in.county_task_rows(session)
    keep = set(codes)
    return catalog_in.TaskRows(
        basic=[r for r in everything.basic if r["task_code"] in keep],
        extend=[r for r in everything.extend if r["task_code"] in keep],
        material=[r for r in everything.material if r["task_code"] in keep],
    )


def _bump(rows: catalog_in.TaskRows, code: str, **changes: Any) -> None:
    for part in (rows.basic, rows.extend, rows.material):
        for row in part:
            if row["task_code"] == code:
                row["task_version"] = 2
                row["rowguid"] = f"{row['rowguid']}-v2"
    for row in rows.basic:
        if row["task_code"] == code:
            row.update({k: v for k, v in changes.items() if k in row})
    for row in rows.extend:
        if row["task_code"] == code:
            row.update({k: v for k, v in changes.items() if k in row})


def _province(engine: Engine, rows: catalog_in.TaskRows) -> None:
    with engine.begin() as conn:
        for table, part in (
            (UP_TASK_GENERAL_BASIC, rows.basic),
            (UP_TASK_GENERAL_EXTEND, rows.extend),
            (UP_TASK_GENERAL_MATERIAL, rows.material),
        ):
            conn.execute(table.delete())
            if part:
                conn.execute(table.insert(), part)


def _codes(session: Session, n: int) -> list[str]:
    return list(
        session.scalars(
            select(ServiceItem.code)
            .where(ServiceItem.status == ItemStatus.PUBLISHED, ServiceItem.is_demo.is_(False))
            .order_by(ServiceItem.code)
            .limit(n)
        )
    )


def test_catalog_pull_drafts_changes_refuses_bad_rows_and_publishes_on_confirm(
    hub: FlaskClient, hub_session: Session, xengine: Engine
) -> None:
    changed, retired, unknown, missing, bad_code, same = _codes(hub_session, 6)
    rows = _county_rows(hub_session, [changed, retired, unknown, missing, bad_code, same])
    before = hub.get(f"/api/v1/catalog/items/{changed}").get_json()
    _bump(rows, changed, task_name=before["name"] + "（省级修订）", accept_condition="新的受理条件")
    _bump(rows, retired, task_state="3")
    _bump(rows, unknown, task_type="99")
    _bump(rows, missing, task_name="")
    _bump(rows, bad_code)
    for row in (*rows.basic, *rows.extend, *rows.material):
        if row["task_code"] == bad_code:
            row["task_code"] = bad_code[:-1] + ("0" if bad_code[-1] != "0" else "1")
    _province(xengine, rows)
    feed_before = hub_session.scalar(select(func.count()).select_from(MasterChange))
    admin = login(hub, "admin")
    response = hub.post("/api/v1/exchange/catalog/pull", headers=admin)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["drafted"], report["suspended"], report["refused"], report["unchanged"]) == (
        1,
        1,
        3,
        1,
    )
    by_code = {c["task_code"]: c for c in report["changes"]}
    assert "事项类型代码 '99' 不在 GB/T 39046 代码表中" in by_code[unknown]["problems"][0]["reason"]
    assert by_code[missing]["problems"][0]["reason"] == "缺少必填要素：事项名称（task_name）"
    refused_codes = {c["task_code"] for c in report["changes"] if c["status"] == "refused"}
    assert unknown in refused_codes and missing in refused_codes and len(refused_codes) == 3
    diff = {d["field"]: d for d in by_code[changed]["diff"]}
    assert diff["name"]["after"].endswith("（省级修订）") and diff["conditions"]["after"] == (
        "新的受理条件"
    )
    assert "place" not in diff and "nearby" not in diff  # local extras kept
    # Nothing is published before a county admin confirms.
    assert hub.get(f"/api/v1/catalog/items/{changed}").get_json()["name"] == before["name"]
    assert hub_session.scalar(select(func.count()).select_from(MasterChange)) == feed_before
    with xengine.connect() as conn:
        refused_back = conn.execute(
            select(UP_TASK_GENERAL_BASIC.c.task_code, UP_TASK_GENERAL_BASIC.c.sync_error).where(
                UP_TASK_GENERAL_BASIC.c.sync_status == "2"
            )
        ).all()
    assert {c for c, _ in refused_back} == refused_codes and all(r for _, r in refused_back)
    # Pulling again changes nothing that is pending; refused versions are tried again.
    second = hub.post("/api/v1/exchange/catalog/pull", headers=admin).get_json()
    assert (second["drafted"], second["refused"]) == (0, 3)
    confirmed = hub.post("/api/v1/exchange/catalog/confirm", headers=admin).get_json()
    assert confirmed["confirmed"] == 2
    after = hub.get(f"/api/v1/catalog/items/{changed}").get_json()
    assert after["name"].endswith("（省级修订）") and after["conditions"] == "新的受理条件"
    assert after["place"] == before["place"] and after["nearby"] == before["nearby"]
    assert after["version"] == before["version"] + 1
    assert hub.get(f"/api/v1/catalog/items/{retired}", headers=admin).get_json()["status"] == (
        "suspended"
    )
    assert hub_session.get(ServiceItem, retired) is not None  # suspended, never deleted
    assert hub_session.scalar(select(func.count()).select_from(MasterChange)) == feed_before + 2
    with xengine.connect() as conn:
        taken = set(
            conn.scalars(
                select(UP_TASK_GENERAL_BASIC.c.task_code).where(
                    UP_TASK_GENERAL_BASIC.c.sync_status == "1"
                )
            )
        )
    assert {changed, retired, same} <= taken


def test_a_county_draft_in_the_way_is_refused_into_the_review_list(
    hub: FlaskClient, hub_session: Session, xengine: Engine, clock: FixedClock
) -> None:
    [code] = _codes(hub_session, 1)
    admin = login(hub, "admin")
    record = hub.get(f"/api/v1/catalog/items/{code}").get_json()
    body = {k: v for k, v in record.items() if k in catalog_in.ItemDataSchema().fields}
    body["note"] = "县级正在修改"
    body["materials"] = [
        {k: v for k, v in m.items() if k != "necessity_label"} for m in body["materials"]
    ]
    assert hub.put(f"/api/v1/catalog/items/{code}/draft", json=body, headers=admin).status_code == (
        200
    )
    rows = _county_rows(hub_session, [code])
    _bump(rows, code, promise_time_limit=2)
    report = catalog_in.pull(hub_session, ADMIN, rows, source="test.xlsx", clock=clock)
    [change] = report.changes
    assert change.status.value == "refused" and "未发布的草稿" in change.problems[0]["reason"]


def test_catalog_export_files_round_trip(hub_session: Session, tmp_path: Path) -> None:
    codes = _codes(hub_session, 3)
    rows = _county_rows(hub_session, codes)
    for target in (tmp_path / "library.xlsx", tmp_path / "library"):
        catalog_in.write_file(target, rows)
        read = catalog_in.read_file(target)
        assert {r["task_code"] for r in read.basic} == set(codes)
        report = catalog_in.pull(hub_session, ADMIN, read, source=target.name, clock=FixedClock())
        assert {c.status.value for c in report.changes} == {"unchanged"}
        hub_session.rollback()
    with pytest.raises(catalog_in.InvalidInput):
        catalog_in.read_file(tmp_path / "library.csv")


def test_map_task_lists_every_problem_at_once() -> None:
    task = mapping.map_task(
        {"task_code": "X", "task_version": 1, "task_type": "77", "handle_type": "1,5"},
        {"is_charge": "Y"},
        [{"order_num": 1, "material_name": "", "necessity": "4"}],
    )
    names = {p.name for p in task.problems}
    assert {"task_name", "task_type", "handle_type", "extend.is_charge"} <= names
    assert {"materials.0.material_name", "materials.0.necessity"} <= names


def test_api_errors_are_problem_json_in_chinese(hub_app: Flask, hub: FlaskClient) -> None:
    admin = login(hub, "admin")
    hub_app.config["EXCHANGE_DATABASE_URL"] = ""
    off = hub.post("/api/v1/exchange/catalog/pull", headers=admin)
    assert off.status_code == 409 and "EXCHANGE_DATABASE_URL" in off.get_json()["detail"]
    assert off.content_type.startswith("application/problem+json")
    town = login(hub, f"town-{TOWN}")
    assert hub.get("/api/v1/exchange/status", headers=town).status_code == 403
    bad = hub.get("/api/v1/exchange/rows", query_string={"target": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["invalid_params"][0]["name"] == "target"
    assert hub.post(
        "/api/v1/exchange/catalog/changes/99999/confirm", headers=admin
    ).status_code == (404)


def test_pages_show_the_exchange_in_chinese(
    hub_app: Flask, hub: FlaskClient, xengine: Engine
) -> None:
    _case(hub, {"action": "accept"})
    _cycle(hub_app, xengine)
    token = _csrf(hub.get("/login").get_data(as_text=True))
    hub.post("/login", data={"username": "admin", "password": "demo", "csrf_token": token})
    page = hub.get("/exchange")
    assert page.status_code == 200, page.data[:300]
    text = page.get_data(as_text=True)
    assert "省级数据交换" in text and "up_pro_accept" in text and "已发送" in text
    catalog_page = hub.get("/exchange/catalog").get_data(as_text=True)
    assert "从前置交换库拉取" in catalog_page
    dashboard = hub.get("/dashboard").get_data(as_text=True)
    assert "省级数据交换" in dashboard and "查看交换记录" in dashboard
    pulled = hub.post(
        "/exchange/catalog/pull",
        data={"csrf_token": _csrf(catalog_page)},
        follow_redirects=True,
    )
    assert pulled.status_code == 200 and "已拉取 0 个版本" in pulled.get_data(as_text=True)


def test_docs_list_every_column_of_every_exchange_table() -> None:
    for name, table in mapping.tables().items():
        assert set(mapping.FIELDS[name]) == {c.name for c in table.columns}, name
        for spec in mapping.FIELDS[name].values():
            assert not spec.codes or spec.codes in mapping.CODE_LISTS
    doc = (ROOT / "docs" / "exchange.md").read_text(encoding="utf-8")
    assert mapping.field_list_markdown() in doc, "run: python -m county_hub.exchange.mapping"


def test_a_later_province_version_supersedes_an_unconfirmed_one(
    hub_session: Session, clock: FixedClock
) -> None:
    [code] = _codes(hub_session, 1)
    base = _county_rows(hub_session, [code])
    v2 = _county_rows(hub_session, [code])
    _bump(v2, code, accept_condition="第二版条件")
    first = catalog_in.pull(hub_session, ADMIN, v2, source="t", clock=clock)
    assert [c.status.value for c in first.changes] == ["pending"]
    v3 = _county_rows(hub_session, [code])
    _bump(v3, code, accept_condition="第三版条件")
    for row in (*v3.basic, *v3.extend, *v3.material):
        row["task_version"] = 3
    both = catalog_in.TaskRows(
        basic=v2.basic + v3.basic, extend=v2.extend + v3.extend, material=v2.material + v3.material
    )
    second = catalog_in.pull(hub_session, ADMIN, both, source="t", clock=clock)
    [latest] = second.changes
    assert latest.task_version == 3 and latest.status.value == "pending"
    assert first.changes[0].status.value == "superseded"
    [done] = catalog_in.confirm_all(hub_session, ADMIN, clock=clock)
    assert done.task_version == 3
    # The province withdraws version 3: version 2 is its latest again and is looked at anew.
    again = catalog_in.pull(hub_session, ADMIN, v2, source="t", clock=clock)
    assert [c.task_version for c in again.changes] == [2]
    assert base.basic  # the county's own rows were never touched
