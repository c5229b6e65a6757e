"""The monthly notice to departments (按月通报) as an XLSX workbook with native charts.

One summary sheet (every department and every town, the county total, a bar chart of
办结率 and 按时办结率), then one sheet per department: its figures, a chart of its counts
and its overdue cases with applicant ID numbers masked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from county_hub.org.models import Department
from county_hub.supervision.figures import HOOKS, Period
from county_hub.supervision.services import figure_table, overdue_at, unit_names
from shared.calendar import WorkCalendar
from shared.cases.limits import days_left
from shared.ids.masking import mask_id_number

SUMMARY = "汇总"
FIGURE_HEADERS = (
    ("accepted", "受理件数"),
    ("concluded", "办结件数"),
    ("on_time", "按时办结件数"),
    ("overdue", "超期件"),
    ("completion_rate", "办结率"),
    ("on_time_rate", "按时办结率"),
    *((h.key, h.label) for h in HOOKS),
)
OVERDUE_HEADERS = (
    "办件编号",
    "事项名称",
    "申请人",
    "证件号码（已打码）",
    "收件地",
    "受理日期",
    "办结期限",
    "超期工作日",
    "状态",
)
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_RED = Font(color="B71C1C", bold=True)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def build_monthly_report(
    session: Session,
    period: Period,
    *,
    calendar: WorkCalendar | None,
    county_name: str = "略阳县",
) -> Workbook:
    """The notice for ``period`` (no permission check: operators run it on the server)."""
    by_department = figure_table(session, period, "department")
    by_town = figure_table(session, period, "town")
    names = unit_names(session)
    overdue: dict[str, list[Any]] = defaultdict(list)
    for row in overdue_at(session, period.as_of):
        overdue[row.handled_by].append(row)

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SUMMARY
    title = f"{county_name}政务服务办件情况通报（{period.label}）"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_note(period)])
    sheet.append([])
    first = _figure_table(sheet, "办理部门", by_department)
    sheet.append([])
    _figure_table(sheet, "办理镇（街道）", by_town)
    _rate_chart(sheet, first, len(by_department["units"]), anchor=f"{get_column_letter(13)}4")
    _widths(sheet, [26] + [12] * 11)

    short = dict(session.execute(select(Department.code, Department.short_name)).all())
    used: set[str] = {SUMMARY}
    for unit in by_department["units"]:
        code = unit["unit"]
        ws = book.create_sheet(_sheet_title(short.get(code) or unit["unit_name"], used))
        _department_sheet(ws, unit, overdue.get(code, []), period, calendar, names, title)
    return book


def _note(period: Period) -> str:
    return (
        f"统计期间 {period.start} 至 {period.end.fromordinal(period.end.toordinal() - 1)}；"
        f"超期件统计日 {period.as_of}。办结率 = 本月办结 ÷ 本月受理；"
        "按时办结率 = 按期办结 ÷ 本月办结（特别程序时间不计）；“—”表示无数据或尚未接入。"
    )


def _value(unit: dict[str, Any], key: str) -> Any:
    value = unit[key]
    if isinstance(value, dict):
        return value["rate"] if value["rate"] is not None else "—"
    return value


def _figure_table(sheet: Worksheet, heading: str, table: dict[str, Any]) -> int:
    """Write a header and one row per unit plus the total; returns the header's row."""
    sheet.append([heading, *(label for _key, label in FIGURE_HEADERS)])
    header: int = sheet.max_row
    for cell in sheet[header]:
        cell.font, cell.fill = _BOLD, _HEAD
    for unit in [*table["units"], table["total"]]:
        sheet.append([unit["unit_name"], *(_value(unit, key) for key, _ in FIGURE_HEADERS)])
        for column in range(6, 6 + 2 + len(HOOKS)):
            cell = sheet.cell(row=sheet.max_row, column=column)
            if isinstance(cell.value, float):
                cell.number_format = "0.00%"
            else:
                cell.alignment = Alignment(horizontal="right")
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    return header


def _rate_chart(sheet: Worksheet, header: int, rows: int, *, anchor: str) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = "各部门办结率与按时办结率"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.height, chart.width = 7.5 + rows * 0.45, 18
    data = Reference(sheet, min_col=6, max_col=7, min_row=header, max_row=header + rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=header + rows))
    sheet.add_chart(chart, anchor)


def _department_sheet(
    ws: Worksheet,
    unit: dict[str, Any],
    cases: list[Any],
    period: Period,
    calendar: WorkCalendar | None,
    names: dict[str, str],
    title: str,
) -> None:
    ws.append([f"{unit['unit_name']}：{title}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(["指标", "数值"])
    for cell in ws[3]:
        cell.font, cell.fill = _BOLD, _HEAD
    for key, label in FIGURE_HEADERS:
        ws.append([label, _value(unit, key)])
        cell = ws.cell(row=ws.max_row, column=2)
        if isinstance(cell.value, float):
            cell.number_format = "0.00%"
    counts = BarChart()
    counts.title = "本月办件情况（件）"
    counts.add_data(Reference(ws, min_col=2, min_row=4, max_row=7), titles_from_data=False)
    counts.set_categories(Reference(ws, min_col=1, min_row=4, max_row=7))
    counts.legend = None
    counts.height, counts.width = 6.5, 12
    ws.add_chart(counts, "D3")

    ws.append([])
    ws.append([f"超期办件（截至 {period.as_of}）：{len(cases)} 件"])
    ws.cell(row=ws.max_row, column=1).font = _BOLD if not cases else _RED
    ws.append(list(OVERDUE_HEADERS))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = _BOLD, _HEAD
    for row in cases:
        late = days_left(row.due_date, period.as_of, calendar)
        ws.append(
            [
                row.case_no,
                row.item_name,
                row.applicant_name,
                mask_id_number(row.applicant_id_masked),
                names.get(row.accepting_node, row.accepting_node),
                row.accepted_on,
                row.due_date,
                -late if late is not None else "—",
                "在办" if row.status == "accepted" else f"已办结（{row.concluded_on}）",
            ]
        )
        for column in (6, 7):
            ws.cell(row=ws.max_row, column=column).number_format = "yyyy-mm-dd"
    _widths(ws, [28, 30, 10, 22, 18, 12, 12, 11, 22])


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:28] or "部门"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:26]}_{n}"
    used.add(title)
    return title


def month_of(today: date) -> str:
    """Last month as YYYY-MM: the month a notice is usually made for."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"
