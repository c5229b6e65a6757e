"""Hub editor pages: a county admin edits catalog drafts and delegation batches in forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from county_hub.catalog import services as catalog
from county_hub.catalog.models import ItemVersion, ServiceItem


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def _logged_in(hub: FlaskClient, username: str) -> None:
    token = _csrf(hub.get("/login").get_data(as_text=True))
    response = hub.post(
        "/login", data={"username": username, "password": "demo", "csrf_token": token}
    )
    assert response.status_code == 302


def _form_fields(html: str) -> dict[str, Any]:
    """What a browser would submit for the form as rendered (inputs, selects, boxes)."""
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) in ("checkbox", "radio"):
            if " checked" in tag and " disabled" not in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        data[name.group(1)] = _unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = _unescape(body)
    return data


def _unescape(text: str) -> str:
    for escaped, plain in (("&#34;", '"'), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">")):
        text = text.replace(escaped, plain)
    return text.replace("&amp;", "&")


def _food_item(hub: FlaskClient) -> str:
    items = hub.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()["items"]
    return str(items[0]["code"])


def _versions(session: Session, code: str) -> list[tuple[int, str, str]]:
    session.expire_all()
    rows = session.execute(
        select(ItemVersion.version, ItemVersion.name, ItemVersion.phone)
        .where(ItemVersion.item_code == code)
        .order_by(ItemVersion.version)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _material_row(html: str, name: str) -> int:
    match = re.search(rf'name="m(\d+)_name" value="{re.escape(name)}"', html)
    assert match, f"no material row {name}"
    return int(match.group(1))


# --------------------------------------------------------------------------- catalog


def test_admin_edits_a_draft_in_the_form_and_sees_the_diff(
    hub: FlaskClient, hub_session: Session
) -> None:
    code = _food_item(hub)
    before = _versions(hub_session, code)
    _logged_in(hub, "admin")
    item_page = hub.get(f"/catalog/{code}").get_data(as_text=True)
    assert f"/catalog/{code}/edit" in item_page and "编辑草稿" in item_page
    form_page = hub.get(f"/catalog/{code}/edit")
    html = form_page.get_data(as_text=True)
    assert form_page.status_code == 200 and "申请材料" in html and "承诺办结时限" in html
    data = _form_fields(html)
    first_material = data["m0_name"]
    data.update(phone="0916-7654321")  # the blank rows left empty are ignored
    blank = int(data["material_rows"]) - 1
    data[f"m{blank}_name"] = "授权委托书（委托他人办理的）"
    data[f"m{blank}_necessity"] = "2"
    saved = hub.post(f"/catalog/{code}/edit", data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/catalog/{code}")
    page = hub.get(saved.headers["Location"]).get_data(as_text=True)
    assert "已保存草稿" in page and "相对现行版本的变化" in page
    assert "咨询电话" in page and "0916-7654321" in page
    assert "申请材料「授权委托书（委托他人办理的）」" in page and "发布草稿" in page
    after = _versions(hub_session, code)
    assert after[: len(before)] == before  # the published version is untouched
    assert after[-1][0] == before[-1][0] + 1 and after[-1][2] == "0916-7654321"
    draft = catalog.item_detail(hub_session, code, after[-1][0])
    assert draft["materials"][0]["name"] == first_material
    assert draft["materials"][-1]["necessity"] == 2


@pytest.mark.parametrize(
    ("change", "field", "reason", "kept"),
    [
        (
            {"statutory_limit": "5", "promised_limit": "15"},
            "promised_limit",
            "承诺时限 15 不得超过法定时限 5",
            'name="promised_limit" value="15"',
        ),
        (
            {"department": "no-such-dept"},
            "department",
            "部门代码 no-such-dept 不存在",
            'value="no-such-dept"',
        ),
        ({"m1_name": ""}, "materials.1.name", "长度应在 1 到 300 之间", 'name="m1_name" value=""'),
    ],
)
def test_bad_value_comes_back_in_chinese_with_what_was_typed(
    hub: FlaskClient,
    hub_session: Session,
    change: dict[str, str],
    field: str,
    reason: str,
    kept: str,
) -> None:
    code = _food_item(hub)
    before = _versions(hub_session, code)
    _logged_in(hub, "admin")
    data = _form_fields(hub.get(f"/catalog/{code}/edit").get_data(as_text=True))
    data |= {"phone": "0916-1111111", **change}
    response = hub.post(f"/catalog/{code}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in html and kept in html and 'value="0916-1111111"' in html
    if field.startswith("materials."):  # the reason sits in the row it is about
        row = html.split('name="m1_name"', 1)[1].split("</tr>", 1)[0]
        assert reason in row
    assert "未写入任何数据" in html
    assert _versions(hub_session, code) == before


def test_new_item_from_the_form(hub: FlaskClient, hub_session: Session) -> None:
    source = catalog.item_detail(hub_session, _food_item(hub))
    _logged_in(hub, "admin")
    listing = hub.get("/catalog").get_data(as_text=True)
    assert "/catalog/new" in listing and "新建事项" in listing
    data = _form_fields(hub.get("/catalog/new").get_data(as_text=True))
    # the same body as the food licence but a new basic code and code
    basic = source["basic_code"][:9] + "999"
    new_code = source["code"][:19] + basic
    data |= {
        k: str(source[k])
        for k in ("department", "implementing_body", "implementing_body_uscc", "item_type")
    }
    data |= {
        "code": new_code,
        "basic_code": basic,
        "name": "食品经营许可(测试新建)",
        "exercise_level": str(source["exercise_level"]),
        "statutory_limit": "20",
        "promised_limit": "5",
        "case_kind": "2",
        "m0_name": "营业执照",
    }
    bad = hub.post("/catalog/new", data=data | {"code": "SHORT"})
    assert bad.status_code == 422 and "实施编码应为31位" in bad.get_data(as_text=True)
    assert hub_session.get(ServiceItem, "SHORT") is None
    created = hub.post("/catalog/new", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)
    hub_session.expire_all()
    item = hub_session.get(ServiceItem, new_code)
    assert item is not None and item.status.value == "draft" and item.name.endswith("(测试新建)")
    again = hub.post("/catalog/new", data=data)  # the code exists now: said in the form
    assert again.status_code == 422 and f"实施编码 {new_code} 已存在" in again.get_data(
        as_text=True
    )


@pytest.mark.parametrize("username", ["supervisor", "dept-scjgj", "town-610727001"])
def test_only_the_county_admin_edits(hub: FlaskClient, hub_session: Session, username: str) -> None:
    code = _food_item(hub)
    before = _versions(hub_session, code)
    _logged_in(hub, "admin")
    data = _form_fields(hub.get(f"/catalog/{code}/edit").get_data(as_text=True))
    _logged_in(hub, username)
    assert hub.get(f"/catalog/{code}/edit").status_code == 403
    assert hub.get("/catalog/new").status_code == 403
    data["csrf_token"] = _csrf(hub.get("/cases").get_data(as_text=True))  # this user's token
    assert hub.post(f"/catalog/{code}/edit", data=data | {"phone": "1"}).status_code == 403
    assert _versions(hub_session, code) == before


def test_pages_need_a_login(hub: FlaskClient) -> None:
    for path in ("/catalog/new", f"/catalog/{_food_item(hub)}/edit"):
        response = hub.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
