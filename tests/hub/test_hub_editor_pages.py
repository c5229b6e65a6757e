"""Hub editor pages: a county admin edits catalog drafts and delegation batches in forms."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.catalog import services as catalog
from county_hub.catalog.models import ItemVersion, ServiceItem
from county_hub.delegation import services as delegation
from county_hub.delegation.models import DelegationBatch
from shared.clock import FixedClock

XINGZHOU, XUJIAPING = "610727001", "610727105"


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
    assert hub.get("/delegations/new").status_code == 403
    assert _versions(hub_session, code) == before


def test_pages_need_a_login(hub: FlaskClient) -> None:
    for path in ("/catalog/new", f"/catalog/{_food_item(hub)}/edit", "/delegations"):
        response = hub.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --------------------------------------------------------------------------- delegation


def _undelegated(hub_session: Session) -> dict[str, Any]:
    """A published item in no batch (its department decides it everywhere)."""
    taken = {i.item_code for b in delegation.list_batches(hub_session) for i in b.items}
    page = catalog.search_items(hub_session, per_page=200)
    return next(i for i in page["items"] if i["code"] not in taken)


def _undelegated_item(hub_session: Session) -> str:
    return str(_undelegated(hub_session)["code"])


def _batch_form(hub: FlaskClient, **change: Any) -> dict[str, Any]:
    data = _form_fields(hub.get("/delegations/new").get_data(as_text=True))
    data.update(
        title="第五批（页面测试）",
        doc_no="略政办发〔2026〕9号",
        mode="下放",
        scope=["受理", "审查", "决定"],
        op="save",
    )
    data.pop("all_towns", None)
    data.update(change)
    return data


def test_batch_created_published_and_withdrawn_from_the_pages(
    hub: FlaskClient, hub_session: Session, clock: FixedClock
) -> None:
    found_item = _undelegated(hub_session)
    item = found_item["code"]
    today = clock.today()
    assert not delegation.authority(hub_session, node=XINGZHOU, item_code=item, on=today).may_decide
    _logged_in(hub, "admin")
    nav = hub.get("/catalog").get_data(as_text=True)
    assert 'href="/delegations"' in nav and "下放批次" in nav
    listing = hub.get("/delegations").get_data(as_text=True)
    assert (
        "全部乡镇" in listing and "委托" in listing and "生效" in listing and "第 4 批" in listing
    )
    form = hub.get("/delegations/new").get_data(as_text=True)
    assert form.count('name="towns"') == 17 and "全部乡镇" in form
    data = _batch_form(hub, items="", q=found_item["name"], towns=[XINGZHOU], op="search")
    found = hub.post("/delegations/new", data=data)
    assert found.status_code == 200 and f'name="pick" value="{item}"' in found.get_data(
        as_text=True
    )
    assert 'value="第五批（页面测试）"' in found.get_data(as_text=True)  # typed text kept
    data |= {"pick": [item], "op": "save"}
    saved = hub.post("/delegations/new", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    number = int(data["number"])
    assert delegation.batch_record(delegation.get_batch(hub_session, number))["items"] == [item]
    listing = hub.get("/delegations").get_data(as_text=True)
    assert "已保存第" in listing and "兴州街道" in listing and "草稿" in listing
    token = _csrf(listing)
    published = hub.post(
        f"/delegations/{number}/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert f"已发布第 {number} 批" in published.get_data(as_text=True)
    hub_session.expire_all()
    answer = delegation.authority(hub_session, node=XINGZHOU, item_code=item, on=today)
    assert (answer.may_decide, answer.handled_by, answer.batch) == (True, XINGZHOU, number)
    assert not delegation.authority(
        hub_session, node=XUJIAPING, item_code=item, on=today
    ).may_decide

    withdraw_page = hub.get(f"/delegations/{number}/withdraw").get_data(as_text=True)
    later = today + timedelta(days=3)
    early = hub.post(
        f"/delegations/{number}/withdraw",
        data={"csrf_token": _csrf(withdraw_page), "effective_on": "2020-01-01", "reason": "调整"},
    )
    assert early.status_code == 422 and f"应不早于 {today}" in early.get_data(as_text=True)
    assert 'value="调整"' in early.get_data(as_text=True)
    done = hub.post(
        f"/delegations/{number}/withdraw",
        data={"csrf_token": token, "effective_on": later.isoformat(), "reason": "事项调整"},
        follow_redirects=True,
    )
    assert f"已收回第 {number} 批" in done.get_data(as_text=True)
    assert "已收回" in done.get_data(as_text=True)
    hub_session.expire_all()
    assert delegation.authority(hub_session, node=XINGZHOU, item_code=item, on=today).may_decide
    after = delegation.authority(hub_session, node=XINGZHOU, item_code=item, on=later)
    assert not after.may_decide and after.handled_by != XINGZHOU


def _batch_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(DelegationBatch)) or 0)


@pytest.mark.parametrize(
    ("change", "reason", "kept"),
    [
        ({"items": "NO-SUCH-ITEM"}, "事项 NO-SUCH-ITEM 不存在", "NO-SUCH-ITEM</textarea>"),
        (
            {"term_from": "2026-12-01", "term_to": "2026-11-01"},
            "期限截止日不能早于起始日",
            'value="2026-11-01"',
        ),
        ({"towns": [], "all_towns": []}, "请选择承接的镇(街道)", 'value="第五批（页面测试）"'),
        ({"doc_date": "2026-13-45"}, "应为日期", 'value="2026-13-45"'),
        ({"number": "1"}, "第 1 批已存在", 'value="第五批（页面测试）"'),
    ],
)
def test_bad_batch_is_422_with_the_reason_and_nothing_saved(
    hub: FlaskClient, hub_session: Session, change: dict[str, Any], reason: str, kept: str
) -> None:
    item = _undelegated_item(hub_session)
    count = _batch_count(hub_session)
    _logged_in(hub, "admin")
    data = _batch_form(hub, items=item, towns=[XINGZHOU]) | change
    response = hub.post("/delegations/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in html and kept in html and "未写入任何数据" in html
    assert _batch_count(hub_session) == count
    first = delegation.get_batch(hub_session, 1)
    assert first.title != "第五批（页面测试）"  # an existing batch is never overwritten


def test_draft_batch_is_edited_and_a_published_one_is_not(
    hub: FlaskClient, hub_session: Session
) -> None:
    item = _undelegated_item(hub_session)
    _logged_in(hub, "admin")
    data = _batch_form(hub, items=item, towns=[XINGZHOU, XUJIAPING])
    assert hub.post("/delegations/new", data=data).status_code == 302
    number = int(data["number"])
    form = hub.get(f"/delegations/{number}/edit").get_data(as_text=True)
    edit = _form_fields(form)
    assert edit["towns"] == [XINGZHOU, XUJIAPING] and edit["items"].strip() == item
    bad = hub.post(f"/delegations/{number}/edit", data=edit | {"term_to": "2000-01-01"})
    assert bad.status_code == 422 and "期限截止日不能早于起始日" in bad.get_data(as_text=True)
    assert delegation.get_batch(hub_session, number).term_to is None
    ok = hub.post(f"/delegations/{number}/edit", data=edit | {"towns": [XUJIAPING], "op": "save"})
    assert ok.status_code == 302
    hub_session.expire_all()
    record = delegation.batch_record(delegation.get_batch(hub_session, number))
    assert record["towns"] == [XUJIAPING] and record["status"].value == "draft"
    published = hub.get("/delegations/1/edit", follow_redirects=True).get_data(as_text=True)
    assert "已经发布，不能修改" in published
    assert hub.get("/delegations/9999/edit").status_code == 404
    assert date.fromisoformat(str(record["term_from"]))


def test_a_new_material_row_with_a_note_but_no_name_is_not_dropped(
    hub: FlaskClient, hub_session: Session
) -> None:
    code = _food_item(hub)
    before = _versions(hub_session, code)
    _logged_in(hub, "admin")
    data = _form_fields(hub.get(f"/catalog/{code}/edit").get_data(as_text=True))
    blank = int(data["material_rows"]) - 1
    data[f"m{blank}_note"] = "原件核对后退还"
    response = hub.post(f"/catalog/{code}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "原件核对后退还" in html
    assert "长度应在 1 到 300 之间" in html
    assert _versions(hub_session, code) == before
