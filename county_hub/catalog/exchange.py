"""Catalog import and export as CSV or XLSX.

Import is all or nothing: every row is checked first and the report lists each problem
with its sheet, row, column and reason; only a clean file is written, in the caller's
single transaction. A row whose code exists adds a new published version when its
content changed (published versions are never edited in place).

File layout (the same columns in both formats):

* items: ``code, department`` and every field of :data:`VERSION_FIELDS`;
* materials: ``item_code, position`` and the material fields. In CSV they are a second
  file beside the first (``catalog.csv`` → ``catalog.materials.csv``); in XLSX they are
  the sheets ``items`` and ``materials``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from county_hub.catalog.models import ItemVersion, ServiceItem
from county_hub.catalog.schemas import VERSION_FIELDS
from county_hub.catalog.services import (
    MATERIAL_FIELDS,
    Reference,
    add_item,
    announce,
    check_item_rules,
    diff_records,
    parse_item_data,
    version_record,
)
from county_hub.catalog.services import _fill_version as fill_version
from county_hub.catalog.services import _set_search_keys as set_search_keys
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.clock import Clock
from shared.errors import InvalidInput, InvalidParam

ITEM_COLUMNS: tuple[str, ...] = ("code", "department", *VERSION_FIELDS)
MATERIAL_COLUMNS: tuple[str, ...] = ("item_code", "position", *MATERIAL_FIELDS)
ITEMS_SHEET, MATERIALS_SHEET = "items", "materials"

Row = dict[str, Any]


@dataclass(frozen=True)
class RowProblem:
    """One reason a row was refused."""

    sheet: str
    row: int  # as the user sees it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet} 第 {self.row} 行 [{self.column}]：{self.reason}"


@dataclass
class ImportReport:
    """What an import found and (unless refused or a dry run) did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(InvalidInput):
    """The file has problems; nothing was written. ``report`` lists them all."""

    def __init__(self, report: ImportReport) -> None:
        shown = report.problems[:50]
        super().__init__(
            detail=f"导入被拒绝：发现 {len(report.problems)} 处问题，未写入任何数据",
            invalid_params=[
                InvalidParam(f"{p.sheet}[{p.row}].{p.column}", p.reason) for p in shown
            ],
        )
        self.report = report


# --------------------------------------------------------------------------- reading files


def _clean(row: Mapping[str, Any]) -> Row:
    """Drop blank cells so schema defaults apply; trim text; keep numbers as they are."""
    out: Row = {}
    for key, value in row.items():
        if not key:
            continue  # a column without a header
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # spreadsheets store 15 as 15.0
        out[str(key).strip()] = value
    return out


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [_clean(r) for r in csv.DictReader(handle)]


def materials_path_for(path: Path) -> Path:
    """``catalog.csv`` → ``catalog.materials.csv``."""
    return path.with_name(path.stem + ".materials" + path.suffix)


def read_xlsx(path: Path) -> tuple[list[Row], list[Row]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {name.lower(): book[name] for name in book.sheetnames}
        items_sheet = sheets.get(ITEMS_SHEET) or sheets.get("事项")
        if items_sheet is None:
            raise InvalidInput(
                detail="XLSX 文件缺少 items（事项）工作表",
                invalid_params=[InvalidParam("file", "缺少 items 工作表")],
            )
        materials_sheet = sheets.get(MATERIALS_SHEET) or sheets.get("材料")
        return _sheet_rows(items_sheet), _sheet_rows(materials_sheet) if materials_sheet else []
    finally:
        book.close()


def _sheet_rows(sheet: Any) -> list[Row]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    return [_clean(dict(zip(header, values, strict=False))) for values in rows]


def read_catalog_file(path: Path, materials: Path | None = None) -> tuple[list[Row], list[Row]]:
    """Item and material rows from a .csv (plus its materials file) or an .xlsx."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path)
    if path.suffix.lower() != ".csv":
        raise InvalidInput(
            detail="只支持 .csv 或 .xlsx 文件", invalid_params=[InvalidParam("file", path.name)]
        )
    materials = materials or materials_path_for(path)
    return read_csv(path), read_csv(materials) if materials.exists() else []


# --------------------------------------------------------------------------- import


def _attach_materials(
    items: list[Row], material_rows: list[Row], problems: list[RowProblem]
) -> dict[str, list[int]]:
    """Put each material row under its item; remember the sheet row of each material."""
    by_code: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    codes = {row.get("code") for row in items}
    for index, row in enumerate(material_rows, start=2):
        code = row.get("item_code")
        if code not in codes:
            problems.append(
                RowProblem(MATERIALS_SHEET, index, "item_code", f"事项 {code} 不在本文件中")
            )
            continue
        by_code[str(code)].append((index, row))
    rows_of: dict[str, list[int]] = {}
    for item in items:
        attached = sorted(
            by_code.get(str(item.get("code")), []), key=lambda p: int(p[1].get("position", 0))
        )
        item["materials"] = [
            {k: v for k, v in row.items() if k not in ("item_code", "position")}
            for _, row in attached
        ]
        rows_of[str(item.get("code"))] = [sheet_row for sheet_row, _ in attached]
    return rows_of


def _locate(param: InvalidParam, item_row: int, material_rows: list[int]) -> RowProblem:
    parts = param.name.split(".")
    if parts[0] == "materials" and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        row = material_rows[index] if index < len(material_rows) else item_row
        return RowProblem(MATERIALS_SHEET, row, ".".join(parts[2:]) or "name", param.reason)
    return RowProblem(ITEMS_SHEET, item_row, param.name, param.reason)


def check_rows(
    session: Session,
    item_rows: list[Row],
    material_rows: list[Row],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], ImportReport]:
    """Validate every row; returns the parsed records and a report of all problems."""
    report = ImportReport(rows=len(item_rows))
    # Rows may come from any reader (or a caller); blank cells mean "not given" everywhere.
    item_rows = [_clean(row) for row in item_rows]
    material_rows = [_clean(row) for row in material_rows]
    rows_of = _attach_materials(item_rows, material_rows, report.problems)
    ref = Reference.load(session)
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    for index, raw in enumerate(item_rows, start=2):
        code = str(raw.get("code", ""))
        if code and code in seen:
            report.problems.append(
                RowProblem(ITEMS_SHEET, index, "code", f"实施编码 {code} 与第 {seen[code]} 行重复")
            )
        seen.setdefault(code, index)
        try:
            data = parse_item_data(raw)
        except InvalidInput as err:
            report.problems.extend(
                _locate(p, index, rows_of.get(code, [])) for p in err.invalid_params
            )
        else:
            problems = check_item_rules(data, ref)
            report.problems.extend(_locate(p, index, rows_of.get(code, [])) for p in problems)
            parsed.append(data)
        if progress:
            progress(1)
    return parsed, report


def import_catalog(
    session: Session,
    actor: Actor,
    item_rows: list[Row],
    material_rows: list[Row],
    *,
    clock: Clock,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import rows as published items (new codes) or new published versions (changed ones).

    Raises ImportRefused (422) listing every problem when any row is wrong; nothing is
    written. With ``dry_run`` the checks run and the counts are reported, nothing written.
    The caller commits.
    """
    require_role(actor, Role.ADMIN, action="导入事项目录")
    parsed, report = check_rows(session, item_rows, material_rows, progress)
    report.dry_run = dry_run
    if report.problems:
        raise ImportRefused(report)
    existing = {
        item.code: item
        for item in session.scalars(
            select(ServiceItem)
            .where(ServiceItem.code.in_([d["code"] for d in parsed]))
            .options(selectinload(ServiceItem.versions).selectinload(ItemVersion.materials))
        )
    }
    for data in parsed:
        item = existing.get(data["code"])
        if item is None:
            report.created += 1
            if not dry_run:
                created = add_item(session, data, by=actor.username, clock=clock, publish=True)
                session.flush()
                announce(session, created, clock=clock)
            continue
        if item.department_code != data["department"]:
            report.problems.append(
                RowProblem(ITEMS_SHEET, 0, "department", f"事项 {item.code} 的主管部门不能修改")
            )
            continue
        current = version_record(item.versions[-1])
        if not diff_records(current, data):
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            _add_published_version(item, data, by=actor.username, clock=clock)
            session.flush()
            announce(session, item, clock=clock)
    if report.problems:
        raise ImportRefused(report)
    session.flush()
    return report


def _add_published_version(
    item: ServiceItem, data: Mapping[str, Any], *, by: str, clock: Clock
) -> None:
    now = clock.now()
    version = ItemVersion(
        version=item.latest_version + 1,
        created_at=now,
        created_by=by,
        published_at=now,
        published_by=by,
    )
    fill_version(version, data)
    item.versions.append(version)
    item.latest_version = item.current_version = version.version
    set_search_keys(item, data["name"])
    item.updated_at = now


# --------------------------------------------------------------------------- export


def catalog_rows(session: Session) -> Iterator[tuple[Row, list[Row]]]:
    """Each item's current (or, for drafts, latest) version as an item row and material rows."""
    items = session.scalars(
        select(ServiceItem)
        .order_by(ServiceItem.code)
        .options(selectinload(ServiceItem.versions).selectinload(ItemVersion.materials))
    )
    for item in items:
        wanted = item.current_version or item.latest_version
        version = next(v for v in item.versions if v.version == wanted)
        record = version_record(version)
        materials = [
            {"item_code": item.code, "position": pos, **m}
            for pos, m in enumerate(record.pop("materials"), start=1)
        ]
        yield record, materials


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return 1 if value else 0
    return "" if value is None else value


def write_csv(rows: Iterable[Row], columns: tuple[str, ...], handle: Any) -> None:
    writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})


def export_catalog(session: Session, fmt: str) -> tuple[bytes, str, str]:
    """The catalog as bytes: an XLSX with two sheets, or a ZIP of the two CSV files."""
    item_rows: list[Row] = []
    material_rows: list[Row] = []
    for record, materials in catalog_rows(session):
        item_rows.append(record)
        material_rows.extend(materials)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(buffer, item_rows, material_rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return buffer.getvalue(), mimetype, "catalog.xlsx"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, rows, columns in (
            ("catalog.csv", item_rows, ITEM_COLUMNS),
            ("catalog.materials.csv", material_rows, MATERIAL_COLUMNS),
        ):
            text = io.StringIO()
            write_csv(rows, columns, text)
            # BOM so Excel on a county office PC opens the Chinese text correctly.
            bundle.writestr(name, "\ufeff" + text.getvalue())
    return archive.getvalue(), "application/zip", "catalog-csv.zip"


def write_xlsx(target: Any, item_rows: list[Row], material_rows: list[Row]) -> None:
    book = openpyxl.Workbook(write_only=True)
    for title, rows, columns in (
        (ITEMS_SHEET, item_rows, ITEM_COLUMNS),
        (MATERIALS_SHEET, material_rows, MATERIAL_COLUMNS),
    ):
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])
    book.save(target)


def export_to_path(session: Session, path: Path) -> tuple[int, int]:
    """Write the catalog to ``path`` (.xlsx, or .csv plus its .materials.csv)."""
    item_rows: list[Row] = []
    material_rows: list[Row] = []
    for record, materials in catalog_rows(session):
        item_rows.append(record)
        material_rows.extend(materials)
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, item_rows, material_rows)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(item_rows, ITEM_COLUMNS, handle)
        with materials_path_for(path).open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(material_rows, MATERIAL_COLUMNS, handle)
    return len(item_rows), len(material_rows)
