"""Catalog import and export: all or nothing, a report with row, column and reason."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.catalog.exchange import (
    ITEM_COLUMNS,
    MATERIAL_COLUMNS,
    ImportRefused,
    import_catalog,
    read_catalog_file,
    write_csv,
)
from county_hub.catalog.models import ServiceItem
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.clock import FixedClock

ADMIN = Actor(username="admin", role=Role.ADMIN, region_code="610727", department_code=None)


def _export(
    hub: FlaskClient, headers: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    response = hub.get("/api/v1/catalog/export", query_string={"format": "csv"}, headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        items = list(csv.DictReader(io.StringIO(bundle.read("catalog.csv").decode("utf-8-sig"))))
        materials = list(
            csv.DictReader(io.StringIO(bundle.read("catalog.materials.csv").decode("utf-8-sig")))
        )
    return items, materials


def _rows(
    hub: FlaskClient, admin: dict[str, str], n: int = 3
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``n`` exported items turned into new ones (fresh codes), with their materials."""
    items, materials = _export(hub, admin)
    picked = [row for row in items if row["department"] == "scjgj"][:n]
    new_items, new_materials = [], []
    for index, row in enumerate(picked):
        basic = row["basic_code"][:4] + f"{90000 + index:05d}" + "000"
        code = row["implementing_body_uscc"] + row["exercise_level"] + basic
        new_items.append({**row, "code": code, "basic_code": basic, "name": f"导入测试事项{index}"})
        new_materials += [
            {**m, "item_code": code} for m in materials if m["item_code"] == row["code"]
        ]
    return new_items, new_materials


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceItem)) or 0


def test_export_has_every_item_and_material(hub: FlaskClient, admin: dict[str, str]) -> None:
    items, materials = _export(hub, admin)
    assert len(items) == 1921 and list(items[0]) == list(ITEM_COLUMNS)
    assert list(materials[0]) == list(MATERIAL_COLUMNS)
    assert {m["item_code"] for m in materials} <= {i["code"] for i in items}


def test_clean_import_creates_published_items(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    items, materials = _rows(hub, admin)
    before = _count(hub_session)
    report = import_catalog(hub_session, ADMIN, items, materials, clock=FixedClock())
    assert (report.created, report.updated, report.problems) == (3, 0, [])
    assert _count(hub_session) == before + 3
    detail = hub.get(f"/api/v1/catalog/items/{items[0]['code']}").get_json()
    assert detail["status"] == "published" and len(detail["materials"]) == sum(
        1 for m in materials if m["item_code"] == items[0]["code"]
    )


def test_reimport_of_a_changed_row_adds_a_version(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    items, materials = _export(hub, admin)
    row = next(r for r in items if r["name"] == "食品经营许可(新办)")
    mine = [m for m in materials if m["item_code"] == row["code"]]
    changed = {**row, "phone": "0916-0000000"}
    report = import_catalog(
        hub_session,
        ADMIN,
        [changed, items[1]],
        mine + [m for m in materials if m["item_code"] == items[1]["code"]],
        clock=FixedClock(),
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    versions = hub.get(f"/api/v1/catalog/items/{row['code']}/versions").get_json()
    assert [v["version"] for v in versions] == [1, 2] and versions[-1]["current"]


@pytest.mark.parametrize(
    ("change", "sheet", "column"),
    [
        ({"code": "12345"}, "items", "code"),
        ({"department": "nosuch"}, "items", "department"),
        (
            {"statutory_limit": "5", "promised_limit": "10", "case_kind": "2"},
            "items",
            "promised_limit",
        ),
        ({"item_type": "99"}, "items", "item_type"),
        ({"implementing_body_uscc": "91370406L24894136X"}, "items", "implementing_body_uscc"),
        ({"name": ""}, "items", "name"),
        ({"online": "也许"}, "items", "online"),
    ],
)
def test_a_bad_row_refuses_the_whole_import(
    hub: FlaskClient,
    admin: dict[str, str],
    hub_session: Session,
    change: dict[str, str],
    sheet: str,
    column: str,
) -> None:
    items, materials = _rows(hub, admin)
    items[1] = {**items[1], **change}
    before = _count(hub_session)
    with pytest.raises(ImportRefused) as refused:
        import_catalog(hub_session, ADMIN, items, materials, clock=FixedClock())
    problems = refused.value.report.problems
    assert any(p.sheet == sheet and p.row == 3 and p.column == column for p in problems), problems
    assert _count(hub_session) == before


def test_duplicate_codes_and_bad_materials_are_each_reported(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    items, materials = _rows(hub, admin)
    items.append(dict(items[0]))
    materials[0] = {**materials[0], "necessity": "9"}
    materials.append({**materials[1], "item_code": "NOT-IN-FILE"})
    with pytest.raises(ImportRefused) as refused:
        import_catalog(hub_session, ADMIN, items, materials, clock=FixedClock())
    found = {(p.sheet, p.row, p.column) for p in refused.value.report.problems}
    assert ("items", 5, "code") in found  # the duplicate, row 5 (header is row 1)
    assert ("materials", 2, "necessity") in found
    assert ("materials", len(materials) + 1, "item_code") in found


def test_dry_run_writes_nothing(
    hub: FlaskClient, admin: dict[str, str], hub_session: Session
) -> None:
    items, materials = _rows(hub, admin)
    before = _count(hub_session)
    report = import_catalog(hub_session, ADMIN, items, materials, clock=FixedClock(), dry_run=True)
    assert report.created == 3 and report.dry_run
    assert _count(hub_session) == before


def test_only_admins_import(hub: FlaskClient, admin: dict[str, str], hub_session: Session) -> None:
    from shared.errors import PermissionDenied

    items, materials = _rows(hub, admin)
    clerk = Actor(
        username="town-610727001",
        role=Role.TOWN_STAFF,
        region_code="610727001",
        department_code=None,
    )
    with pytest.raises(PermissionDenied):
        import_catalog(hub_session, clerk, items, materials, clock=FixedClock())


def test_xlsx_and_csv_files_read_back(
    tmp_path: Path, hub: FlaskClient, admin: dict[str, str]
) -> None:
    items, materials = _rows(hub, admin)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "items"
    sheet.append(list(ITEM_COLUMNS))
    for row in items:
        sheet.append([row[c] for c in ITEM_COLUMNS])
    msheet = book.create_sheet("materials")
    msheet.append(list(MATERIAL_COLUMNS))
    for row in materials:
        msheet.append([row[c] for c in MATERIAL_COLUMNS])
    book.save(tmp_path / "c.xlsx")
    got_items, got_materials = read_catalog_file(tmp_path / "c.xlsx")
    assert [r["code"] for r in got_items] == [r["code"] for r in items]
    assert len(got_materials) == len(materials)

    with (tmp_path / "c.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        write_csv(items, ITEM_COLUMNS, handle)
    with (tmp_path / "c.materials.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        write_csv(materials, MATERIAL_COLUMNS, handle)
    csv_items, csv_materials = read_catalog_file(tmp_path / "c.csv")
    assert [r["code"] for r in csv_items] == [r["code"] for r in items]
    assert len(csv_materials) == len(materials)


def test_cli_import_dry_run_and_refusal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hub_app: Flask,
    hub: FlaskClient,
    admin: dict[str, str],
) -> None:
    """The CLI on its own SQLite hub: a bad file is refused with reasons, a good one imported."""
    from county_hub.cli import hub as hub_cli

    items, materials = _rows(hub, admin)
    monkeypatch.setenv("SANJI_HUB_DATA_DIR", str(tmp_path / "hub"))
    runner = CliRunner()
    assert runner.invoke(hub_cli, ["init", "--demo"]).exit_code == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    for path, rows in ((good, items), (bad, [items[0], {**items[1], "department": "nosuch"}])):
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(rows, ITEM_COLUMNS, handle)
        with path.with_name(path.stem + ".materials.csv").open(
            "w", encoding="utf-8-sig", newline=""
        ) as handle:
            write_csv(materials, MATERIAL_COLUMNS, handle)
    refused = runner.invoke(hub_cli, ["catalog", "import", str(bad)])
    assert refused.exit_code != 0
    assert "items 第 3 行 [department]" in refused.output and "未写入任何数据" in refused.output
    dry = runner.invoke(hub_cli, ["catalog", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "新增 3" in dry.output and "未写入" in dry.output
    done = runner.invoke(hub_cli, ["catalog", "import", str(good)])
    assert done.exit_code == 0 and "新增 3" in done.output
    again = runner.invoke(hub_cli, ["catalog", "import", str(good)])
    assert "无变化 3" in again.output
    out = tmp_path / "out.xlsx"
    exported = runner.invoke(hub_cli, ["catalog", "export", str(out)])
    assert exported.exit_code == 0 and "1924" in exported.output
