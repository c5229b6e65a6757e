"""Hub case pages: county-wide search with the API's filters, printable notices, and the
note that tells a clerk who receives, accepts and decides a case."""

from __future__ import annotations

from flask.testing import FlaskClient

from shared.cases import CaseState
from shared.casework.pages import route_note
from tests.conftest import case_body, login
from tests.hub.test_pages import _csrf, _logged_in


def _file(hub: FlaskClient, headers: dict[str, str], q: str) -> str:
    code = hub.get("/api/v1/catalog/items", query_string={"q": q}).get_json()["items"][0]["code"]
    response = hub.post("/api/v1/cases", json=case_body(hub, code), headers=headers)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_no"])


def test_county_case_search_filters_like_the_api(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    kept = _file(hub, reviewer, "spjyxk")
    refused = _file(hub, reviewer, "spjyxk")
    hub.post(
        f"/api/v1/cases/{refused}/actions",
        json={"action": "not_accept", "reason": "重复申请"},
        headers=reviewer,
    )
    _logged_in(hub, "admin")
    page = hub.get("/cases", query_string={"status": "not_accepted"}).get_data(as_text=True)
    assert refused in page and kept not in page
    by_unit = hub.get("/cases", query_string={"handled_by": "scjgj"}).get_data(as_text=True)
    assert refused in by_unit and kept in by_unit and "市场监督管理局" in by_unit
    elsewhere = hub.get("/cases", query_string={"filed_under": "610727105"}).get_data(as_text=True)
    assert kept not in elsewhere  # filed in the county hall, not at 徐家坪镇
    api = hub.get("/api/v1/cases", query_string={"status": "not_accepted"}, headers=reviewer)
    assert [c["case_no"] for c in api.get_json()["items"]] == [refused]
    overdue = hub.get("/cases", query_string={"overdue": "1"}).get_data(as_text=True)
    assert kept not in overdue and refused not in overdue


def test_bad_filters_get_chinese_messages_and_keep_what_was_typed(hub: FlaskClient) -> None:
    _logged_in(hub, "admin")
    bad = hub.get("/cases", query_string={"filed_under": "61072", "q": "张三"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "应为 6、9 或 12 位行政区划代码" in text
    assert 'value="61072"' in text and 'value="张三"' in text
    api = hub.get("/api/v1/cases", query_string={"status": "nonsense"}, headers=login(hub, "admin"))
    assert api.status_code == 422 and api.get_json()["invalid_params"][0]["name"] == "status"


def test_notices_follow_the_case(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    case_no = _file(hub, reviewer, "spjyxk")
    _logged_in(hub, "dept-scjgj")
    receipt = hub.get(f"/cases/{case_no}/receipt").get_data(as_text=True)
    assert "收件回执" in receipt and "受理通知书" not in receipt
    assert hub.get(f"/cases/{case_no}/notice/acceptance").status_code == 404  # not yet
    hub.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}, headers=reviewer)
    state = hub.get(f"/api/v1/cases/{case_no}", headers=reviewer).get_json()
    notice = hub.get(f"/cases/{case_no}/notice/acceptance").get_data(as_text=True)
    assert "受理通知书" in notice and f"承诺办结日期</th><td>{state['due_date']}" in notice
    assert "略阳县市场监督管理局" in notice and "1304**********291X" in notice
    assert hub.get(f"/cases/{case_no}/receipt").get_data(as_text=True).count("<h1>受理通知书") == 1

    refused = _file(hub, reviewer, "spjyxk")
    hub.post(
        f"/api/v1/cases/{refused}/actions",
        json={"action": "not_accept", "reason": "不属于本机关职权范围"},
        headers=reviewer,
    )
    letter = hub.get(f"/cases/{refused}/notice/refusal").get_data(as_text=True)
    assert "不予受理通知书" in letter and "不属于本机关职权范围" in letter and "行政复议" in letter
    assert hub.get(f"/cases/{refused}/notice/bogus").status_code == 404


def test_case_page_names_units_and_says_who_decides(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    case_no = _file(hub, reviewer, "spjyxk")
    _logged_in(hub, "dept-scjgj")
    page = hub.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "本单位负责办理此件" in page and "略阳县市场监督管理局" in page
    assert _csrf(page)


def _state(**fields: str) -> CaseState:
    state = CaseState(case_id="c1", case_no="x")
    for key, value in fields.items():
        setattr(state, key, value)
    return state


NAMES = {
    "610727105": "徐家坪镇",
    "610727105001": "徐家坪社区",
    "scjgj": "县市场监管局",
    "610727": "略阳县",
}


def test_route_note_for_each_seat() -> None:
    forwarded = _state(accepting_node="610727105001", accept_by="scjgj", handled_by="scjgj")
    assert route_note(forwarded, here="610727105001", unit="610727105001", names=NAMES) == (
        "此件在徐家坪社区收件，转报县市场监管局办理；办理进展和结果会自动同步回本节点。"
    )
    assert route_note(forwarded, here="610727105", unit="610727105", names=NAMES) == (
        "此件在徐家坪社区收件，由县市场监管局办理。"
    )
    assert route_note(forwarded, here="610727", unit="scjgj", names=NAMES).startswith(
        "本单位负责办理此件（徐家坪社区收件后报来）"
    )
    at_town = _state(accepting_node="610727105", accept_by="610727105", handled_by="scjgj")
    assert route_note(at_town, here="610727105", unit="610727105", names=NAMES) == (
        "此件在徐家坪镇收件，由徐家坪镇受理，转报县市场监管局办理；办理进展和结果会自动同步回本节点。"
    )
    local = _state(accepting_node="610727105001", accept_by="610727105", handled_by="610727105")
    assert route_note(local, here="610727105", unit="610727105", names=NAMES).startswith(
        "本单位负责办理此件"
    )


def test_one_time_supplement_notice_from_the_case_page(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    case_no = _file(hub, reviewer, "spjyxk")
    _logged_in(hub, "dept-scjgj")
    page = hub.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "一次性告知补正" in page
    materials = hub.get(f"/api/v1/cases/{case_no}", headers=reviewer).get_json()["materials"]
    wanted = [m["name"] for m in materials[:2]]
    none = hub.post(
        f"/cases/{case_no}/act",
        data={
            "csrf_token": _csrf(page),
            "action": "request_supplement",
            "expected_status": "submitted",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "一次性告知须列出全部需补正的材料" in none
    assert hub.get(f"/api/v1/cases/{case_no}", headers=reviewer).get_json()["status"] == "submitted"
    done = hub.post(
        f"/cases/{case_no}/act",
        data={
            "csrf_token": _csrf(page),
            "action": "request_supplement",
            "expected_status": "submitted",
            "missing": wanted,
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "办件现为「待补正」" in done
    notice = hub.get(f"/cases/{case_no}/receipt").get_data(as_text=True)
    assert "一次性告知书" in notice and all(name in notice for name in wanted)
