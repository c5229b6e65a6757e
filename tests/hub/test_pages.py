"""Staff pages at the hub: login with CSRF and rate limit, case list and case page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import case_body, login


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def test_login_page_is_chinese_and_has_a_token(hub: FlaskClient) -> None:
    page = hub.get("/login")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '<meta charset="utf-8">' in text and "登录" in text
    assert _csrf(text)
    cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused(hub: FlaskClient) -> None:
    response = hub.post("/login", data={"username": "admin", "password": "demo"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True) or "请求有误" in response.get_data(
        as_text=True
    )


def test_login_list_case_and_logout(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    body = case_body(hub, code)
    case_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]

    assert hub.get("/cases").status_code == 302  # not logged in → login page
    token = _csrf(hub.get("/login").get_data(as_text=True))
    wrong = hub.post(
        "/login", data={"username": "dept-scjgj", "password": "x", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    assert 'value="dept-scjgj"' in wrong.get_data(as_text=True)  # what was typed is kept
    ok = hub.post(
        "/login?next=/cases",
        data={"username": "dept-scjgj", "password": "demo", "csrf_token": token},
    )
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/cases")
    listing = hub.get("/cases").get_data(as_text=True)
    assert (
        case_no in listing
        and "13043419840726291X" not in listing
        and "1304**********291X" in listing
    )
    detail = hub.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "食品经营许可" in detail and "申请" in detail
    assert hub.get("/cases/610727-20990101-0001").status_code == 404
    logout_token = _csrf(listing)
    assert hub.post("/logout", data={"csrf_token": logout_token}).status_code == 302
    assert hub.get("/cases").status_code == 302


def test_no_open_redirect_after_login(hub: FlaskClient) -> None:
    token = _csrf(hub.get("/login").get_data(as_text=True))
    response = hub.post(
        "/login?next=//evil.example/",
        data={"username": "admin", "password": "demo", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/cases")


def test_login_attempts_are_rate_limited(hub: FlaskClient) -> None:
    token = _csrf(hub.get("/login").get_data(as_text=True))
    # A different username each time: the per-address limit, not the account lockout
    # (tests/security/test_lockout.py), is what answers 429 here.
    statuses = [
        hub.post(
            "/login", data={"username": f"nobody{i}", "password": "wrong", "csrf_token": token}
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429


def _logged_in(hub: FlaskClient, username: str) -> None:
    token = _csrf(hub.get("/login").get_data(as_text=True))
    assert (
        hub.post(
            "/login", data={"username": username, "password": "demo", "csrf_token": token}
        ).status_code
        == 302
    )


def test_file_a_case_from_the_pages(hub: FlaskClient) -> None:
    _logged_in(hub, "dept-scjgj")
    found = hub.get("/cases/new", query_string={"q": "spjyxk"}).get_data(as_text=True)
    assert "食品经营许可(新办)" in found
    link = re.search(r'href="(/cases/new/[0-9A-Z]+)"', found)
    assert link
    form = hub.get(link.group(1)).get_data(as_text=True)
    assert "申请材料" in form and "承诺时限" in form
    materials = re.findall(r'name="provided" value="([^"]+)"', form)
    data = {
        "csrf_token": _csrf(form),
        "form_id": re.search(r'name="form_id" value="([^"]+)"', form).group(1),  # type: ignore[union-attr]
        "name": "孙七",
        "id_type": "111",
        "id_number": "13043419840726291Y",
        "phone": "13812345678",
        "provided": materials,
    }
    bad = hub.post(link.group(1), data=data)
    text = bad.get_data(as_text=True)
    assert (
        bad.status_code == 422 and "校验" in text and 'value="孙七"' in text
    )  # message next to the field, input kept
    data["id_number"] = "13043419840726291X"
    first = hub.post(link.group(1), data=data)
    assert first.status_code == 302 and "/receipt" in first.headers["Location"]
    again = hub.post(link.group(1), data=data)  # a double click: the same form id
    assert again.headers["Location"] == first.headers["Location"]
    receipt = hub.get(first.headers["Location"]).get_data(as_text=True)
    assert "收件回执" in receipt and "1304**********291X" in receipt
    listing = hub.get("/cases").get_data(as_text=True)
    assert listing.count("孙七") == 1


def test_act_from_the_case_page_and_a_stale_page(hub: FlaskClient) -> None:
    _logged_in(hub, "dept-scjgj")
    reviewer = login(hub, "dept-scjgj")
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    body = case_body(hub, code)
    case_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    page = hub.get(f"/cases/{case_no}").get_data(as_text=True)
    token = _csrf(page)
    accept = {"csrf_token": token, "action": "accept", "expected_status": "submitted"}
    done = hub.post(f"/cases/{case_no}/act", data=accept, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已受理，办件现为「已受理」" in done
    stale = hub.post(f"/cases/{case_no}/act", data=accept, follow_redirects=True).get_data(
        as_text=True
    )
    assert "请刷新后再操作" in stale
    assert hub.get(f"/api/v1/cases/{case_no}", headers=reviewer).get_json()["status"] == "accepted"
    decided = hub.post(
        f"/cases/{case_no}/act",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "action": "decide",
            "approve": "1",
            "expected_status": "accepted",
        },
    )
    assert "办件现为「已办结」" in decided.get_data(as_text=True)


def test_dashboard_draws_the_catalog_rates_from_vendored_echarts(hub: FlaskClient) -> None:
    assert hub.get("/dashboard").status_code == 302
    _logged_in(hub, "admin")
    page = hub.get("/dashboard").get_data(as_text=True)
    assert "92.35%" in page and "92.45%" in page and "75.63%" in page
    assert "/_sanji/static/echarts/echarts.min.js" in page and "https://" not in page
    with hub.get("/_sanji/static/echarts/echarts.min.js") as script:
        assert script.status_code == 200 and len(script.data) > 500_000
    _logged_in(hub, "town-610727001")
    assert hub.get("/dashboard").status_code == 403


def test_work_queue_shows_open_cases_of_my_department(hub: FlaskClient) -> None:
    reviewer = login(hub, "dept-scjgj")
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    body = case_body(hub, code)
    open_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    done_no = hub.post("/api/v1/cases", json=body, headers=reviewer).get_json()["case_no"]
    hub.post(
        f"/api/v1/cases/{done_no}/actions",
        json={"action": "not_accept", "reason": "重复申请"},
        headers=reviewer,
    )
    _logged_in(hub, "dept-scjgj")
    queue = hub.get("/cases", query_string={"mine": "1"}).get_data(as_text=True)
    assert "待我办理" in queue and open_no in queue and done_no not in queue
    _logged_in(hub, "dept-mzj")
    assert open_no not in hub.get("/cases", query_string={"mine": "1"}).get_data(as_text=True)


def test_county_admin_publishes_a_draft_from_the_catalog_pages(
    hub: FlaskClient, admin: dict[str, str]
) -> None:
    code = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"][0][
        "code"
    ]
    record = hub.get(f"/api/v1/catalog/items/{code}").get_json()
    keep = {
        k: v
        for k, v in record.items()
        if k
        not in {
            "status",
            "status_label",
            "version",
            "current_version",
            "latest_version",
            "published",
            "published_at",
            "department_name",
            "item_type_label",
            "case_kind_label",
            "limits",
            "flags",
            "is_demo",
        }
    }
    for material in keep["materials"]:
        material.pop("necessity_label", None)
    keep["phone"] = "0916-1234567"
    assert (
        hub.put(f"/api/v1/catalog/items/{code}/draft", json=keep, headers=admin).status_code == 200
    )
    _logged_in(hub, "admin")
    listing = hub.get("/catalog", query_string={"q": "spjyxk"}).get_data(as_text=True)
    assert f"/catalog/{code}" in listing
    page = hub.get(f"/catalog/{code}").get_data(as_text=True)
    assert "咨询电话" in page and "0916-1234567" in page and "发布草稿" in page
    done = hub.post(
        f"/catalog/{code}/publish", data={"csrf_token": _csrf(page)}, follow_redirects=True
    )
    assert "已发布事项" in done.get_data(as_text=True)
    assert hub.get(f"/api/v1/catalog/items/{code}").get_json()["phone"] == "0916-1234567"
    _logged_in(hub, "town-610727001")
    assert hub.get("/catalog").status_code == 403
