"""`sanji hub template KIND` and `sanji hub import KIND`: a real county's master data.

Run on a hub made by `sanji hub init --admin` (no demo data): the template is filled the
way a county clerk would, and one bad row refuses the whole file with every reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from county_hub import create_app
from county_hub.catalog.models import CertificateType
from county_hub.cli import hub
from county_hub.org.models import Department, Region
from shared.accounts.models import Account
from shared.sync.models import MasterChange

ADMIN_PASSWORD = "Lueyang-2026"
USCC_A, USCC_B = "11610727MB0000019J", "11610727MB0000027D"
REGIONS = [
    ["610727", "略阳县", "", ""],
    ["610727001", "兴州街道", "", ""],
    ["610727105", "徐家坪镇", "610727", ""],
    ["610727105201", "徐家坪村", "", "1"],
]
DEPARTMENTS = [
    ["mzj", "略阳县民政局", "民政局", "政府部门", USCC_A],
    ["rsj", "略阳县人力资源和社会保障局", "人社局", "", USCC_B],
]
ACCOUNTS = [
    ["dept-mzj", "民政局审批人员", "dept_reviewer", "", "mzj"],
    ["town-610727105", "徐家坪镇窗口人员", "town_staff", "610727105", ""],
    ["agent-610727105201", "徐家坪村代办员", "village_agent", "610727105201", ""],
]


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SANJI_HUB_DATABASE_URL", "SANJI_HUB_SETTINGS", "SANJI_HUB_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SANJI_HUB_DATA_DIR", str(tmp_path / "hub"))
    result = CliRunner().invoke(
        hub, ["init", "--admin", "chief", "--password-stdin"], input=ADMIN_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    return tmp_path


def _filled(tmp_path: Path, kind: str, rows: list[list[Any]]) -> Path:
    path = tmp_path / f"{kind}.xlsx"
    result = CliRunner().invoke(hub, ["template", kind, str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    sheet = book[kind]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _import(kind: str, path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(hub, ["import", kind, str(path), *extra])
    return result.exit_code, result.output


def _count(model: Any) -> int:
    app = create_app({"TESTING": True})
    with app.extensions["sanji"].sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_template_explains_each_column(county: Path) -> None:
    path = _filled(county, "accounts", [])
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["accounts"][1]] == [
        "username",
        "display_name",
        "role",
        "region_code",
        "department_code",
    ]
    notes = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert "village_agent" in notes["role"]


def test_regions_departments_and_accounts_import_in_order(county: Path) -> None:
    code, output = _import("regions", _filled(county, "regions", REGIONS), "--dry-run")
    assert code == 0 and "检查通过（未写入）" in output, output
    assert _count(Region) == 0
    code, output = _import("regions", _filled(county, "regions", REGIONS))
    assert code == 0 and "新增 4" in output, output
    code, output = _import("departments", _filled(county, "departments", DEPARTMENTS))
    assert code == 0 and "新增 2" in output, output
    code, output = _import("accounts", _filled(county, "accounts", ACCOUNTS))
    assert code == 0 and "新增 3" in output and "一次性密码" in output, output
    password = next(
        line.split("\t")[1] for line in output.splitlines() if line.startswith("  town-610727105")
    )
    client = create_app({"TESTING": True}).test_client()
    response = client.post(
        "/api/v1/auth/token", json={"username": "town-610727105", "password": password}
    )
    assert response.status_code == 200
    assert _count(Region) == 4 and _count(Department) == 2 and _count(Account) == 4
    app = create_app({"TESTING": True})
    with app.extensions["sanji"].sessions() as session:
        village = session.get(Region, "610727105201")
        assert village is not None and village.service_room and village.kind == "村"
        entities = set(session.scalars(select(MasterChange.entity)))
    assert {"region", "department", "account"} <= entities  # the nodes receive them
    # Importing the same regions again changes nothing.
    code, output = _import("regions", _filled(county, "regions", REGIONS))
    assert code == 0 and "无变化 4" in output, output


@pytest.mark.parametrize(
    ("kind", "rows", "reasons"),
    [
        (
            "regions",
            [["610727", "略阳县", "", ""], ["61072700", "错误代码", "", ""]],
            ["regions 第 3 行 [code]", "12 位"],
        ),
        (
            "regions",
            [["610727", "略阳县", "", ""], ["610727105201", "无上级村", "", "1"]],
            ["第 3 行 [parent_code]", "610727105 不存在"],
        ),
        ("departments", [["mzj", "民政局", "", "", "11610727MB0000019X"]], ["[uscc]"]),
    ],
)
def test_bad_rows_refuse_the_whole_file(
    county: Path, kind: str, rows: list[list[Any]], reasons: list[str]
) -> None:
    code, output = _import(kind, _filled(county, kind, rows))
    assert code != 0 and "导入被拒绝" in output and "未写入任何数据" in output
    for reason in reasons:
        assert reason in output, output
    assert _count(Region) == 0 and _count(Department) == 0


def test_bad_accounts_name_each_reason_and_write_nothing(county: Path) -> None:
    assert _import("regions", _filled(county, "regions", REGIONS))[0] == 0
    rows = [
        ["town-610727105", "窗口一", "town_staff", "610727105", ""],
        ["town-610727105", "窗口二", "town_staff", "610727105", ""],
        ["chief", "重名", "supervisor", "", ""],
        ["boss", "未知角色", "king", "", ""],
        ["reviewer", "无部门", "dept_reviewer", "", "nope"],
    ]
    code, output = _import("accounts", _filled(county, "accounts", rows))
    assert code != 0
    assert "第 3 行 [username]：用户名 town-610727105 在本表中重复" in output
    assert "第 4 行 [username]：用户名 chief 已存在" in output
    assert "第 5 行 [role]：未知角色“king”" in output
    assert "第 6 行 [department_code]" in output
    assert _count(Account) == 1


def test_certificate_types_let_the_catalog_name_them(county: Path) -> None:
    assert _import("departments", _filled(county, "departments", DEPARTMENTS))[0] == 0
    rows = [
        ["hkb", "户口簿", "mzj", f"{USCC_A}001", "111", ""],
        ["bad", "无部门", "nope", "", "111", "x"],
    ]
    code, output = _import("certificate_types", _filled(county, "certificate_types", rows))
    assert code != 0
    assert "第 3 行 [issuing_department_code]" in output
    assert "第 3 行 [validity_years]" in output
    code, output = _import("certificate_types", _filled(county, "certificate_types", rows[:1]))
    assert code == 0 and "新增 1" in output, output
    app = create_app({"TESTING": True})
    with app.extensions["sanji"].sessions() as session:
        assert session.get(CertificateType, "hkb") is not None
        assert "certificate_type" in set(session.scalars(select(MasterChange.entity)))
