"""Importing a county's master data from spreadsheets: regions, departments, accounts, certificates.

Certificate types are the kinds of 电子证照 a catalog material may name
(``certificate_type``); they are imported after departments and before the catalog.

``sanji hub template KIND FILE.xlsx`` writes the empty sheet with each column explained;
``sanji hub import KIND FILE`` reads it back. The family rule is the catalog's
(``county_hub.catalog.exchange``): every row is checked first, the report names the
sheet, row, column and reason of each problem, and only a clean file is written, in the
caller's one transaction — a file with one bad row writes nothing.

Accounts are created with a one-time password each (strong by ``password_problems``),
returned once to the caller to hand out and never stored in clear; the spreadsheet never
carries passwords.
"""

from __future__ import annotations

import csv
import re
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy.orm import Session

from county_hub.accounts.models import Account
from county_hub.accounts.services import USERNAME, _check_place
from county_hub.accounts.services import announce as announce_account
from county_hub.catalog.exchange import ImportRefused, ImportReport, RowProblem
from county_hub.catalog.models import CertificateType
from county_hub.feed import certificate_type_data, department_data, region_data
from county_hub.org.models import Department, Region, RegionLevel
from shared.accounts.models import Role
from shared.accounts.passwords import password_problems
from shared.accounts.services import Actor, hash_password, require_role
from shared.clock import Clock
from shared.errors import InvalidInput
from shared.ids import region as region_ids
from shared.ids.gb32100 import is_valid_uscc, validate_uscc
from shared.sync.feed import record_change

Row = dict[str, Any]
Progress = Callable[[int], Any]

#: Each kind's columns, in sheet order, with what to write in them (the template's 说明).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "regions": (
        ("code", "区划代码：县 6 位、镇(街道) 9 位、村(社区) 12 位"),
        ("name", "名称"),
        ("parent_code", "上级区划代码（可空：取代码前 6 或 9 位）；上级须已存在或在本表前面"),
        ("service_room", "村(社区)是否已开通便民服务室：1 或 0"),
    ),
    "departments": (
        ("code", "部门代码：小写字母、数字和 -，2–32 位（账号 dept-<代码>）"),
        ("name", "全称"),
        ("short_name", "简称（可空：同全称）"),
        ("kind", "政府部门 / 事业单位 / 垂直管理 / 公共企事业（可空：政府部门）"),
        ("uscc", "统一社会信用代码（18 位，GB 32100 校验）"),
    ),
    "accounts": (
        ("username", "用户名：小写字母、数字和 _ . -，2–64 位"),
        ("display_name", "姓名或岗位名"),
        ("role", "角色：" + "、".join(f"{r.value}（{r.label}）" for r in Role)),
        ("region_code", "镇(街道)窗口人员填镇代码，代办员填村代码；县级角色可空"),
        ("department_code", "部门审批人员填部门代码"),
    ),
    "certificate_types": (
        ("code", "证照类型代码（事项材料的 certificate_type 列引用它）：小写字母、数字和 -"),
        ("name", "证照名称"),
        ("issuing_department_code", "签发部门代码（须已导入）"),
        ("type_code", "GB/T 36904 类型代码：定义机构统一社会信用代码 + 3 位数字（可空）"),
        ("holder_kind", "持证主体：111 个人（身份证号）或 001 单位（统一社会信用代码）；可空：111"),
        ("validity_years", "有效期（年）；可空：长期有效"),
    ),
}
KINDS = (*COLUMNS, "catalog")
DEPARTMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
DEPARTMENT_KINDS = ("政府部门", "事业单位", "垂直管理", "公共企事业")


@dataclass
class AccountsCreated:
    """The one-time passwords of the accounts an import created (shown once)."""

    passwords: dict[str, str] = field(default_factory=dict)


def write_template(kind: str, path: Path) -> None:
    """An .xlsx with the kind's sheet (header row only) and a 说明 sheet of the columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = kind
    sheet.append([name for name, _ in COLUMNS[kind]])
    notes = book.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for name, meaning in COLUMNS[kind]:
        notes.append([name, meaning])
    book.save(path)


def read_rows(path: Path, kind: str) -> list[Row]:
    """Rows of the kind's sheet (or the first sheet) of an .xlsx, or of a UTF-8 .csv."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [_clean(r) for r in csv.DictReader(handle)]
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[kind] if kind in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        return [
            _clean(dict(zip(header, values, strict=False)))
            for values in rows
            if any(v is not None and str(v).strip() for v in values)
        ]
    finally:
        book.close()


def _clean(row: Mapping[str, Any]) -> Row:
    out: Row = {}
    for key, value in row.items():
        if not key or value is None:
            continue
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if text.strip():
            out[key.strip()] = text.strip()
    return out


def import_rows(
    session: Session,
    actor: Actor,
    kind: str,
    rows: list[Row],
    *,
    county: str,
    clock: Clock,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> tuple[ImportReport, AccountsCreated]:
    """Check every row of ``kind``, then write them all (unless ``dry_run``) or none.

    Raises ImportRefused listing each problem; PermissionDenied unless the county admin.
    """
    require_role(actor, Role.ADMIN, action=f"导入{_LABELS[kind]}")
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    created = AccountsCreated()
    check = {
        "regions": _regions,
        "departments": _departments,
        "accounts": _accounts,
        "certificate_types": _certificate_types,
    }[kind]
    check(
        session, rows, report, created, county=county, clock=clock, write=False, progress=progress
    )
    if report.problems:
        raise ImportRefused(report)
    if not dry_run:
        check(session, rows, report, created, county=county, clock=clock, write=True, progress=None)
        session.flush()
    return report, created


_LABELS = {
    "regions": "行政区划",
    "departments": "部门",
    "accounts": "账号",
    "certificate_types": "证照类型",
}


def _problem(report: ImportReport, kind: str, index: int, column: str, reason: str) -> None:
    report.problems.append(RowProblem(kind, index + 2, column, reason))  # row 1 is the header


def _regions(
    session: Session,
    rows: list[Row],
    report: ImportReport,
    created: AccountsCreated,
    *,
    county: str,
    clock: Clock,
    write: bool,
    progress: Progress | None,
) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        code, name = row.get("code", ""), row.get("name", "")
        problems_before = len(report.problems)
        try:
            level = region_ids.region_level(code, field="code")
        except InvalidInput as err:
            _problem(report, "regions", index, "code", err.invalid_params[0].reason)
            level = None
        if not name:
            _problem(report, "regions", index, "name", "名称不能为空")
        if code in seen:
            _problem(report, "regions", index, "code", f"区划代码 {code} 在本表中重复")
        parent = row.get("parent_code") or (region_ids.parent_code(code) if level else None)
        if level is region_ids.RegionLevel.COUNTY and code != county:
            _problem(report, "regions", index, "code", f"本枢纽是 {county}，不能导入其他县 {code}")
        if level is not None and level is not region_ids.RegionLevel.COUNTY:
            if parent != code[:-3]:
                _problem(report, "regions", index, "parent_code", f"上级应为 {code[:-3]}")
            elif parent not in seen and session.get(Region, parent) is None:
                _problem(
                    report, "regions", index, "parent_code", f"上级区划 {parent} 不存在（须先导入）"
                )
        room = row.get("service_room", "0")
        if room not in ("0", "1"):
            _problem(report, "regions", index, "service_room", "只能填 1 或 0")
        seen.add(code)
        if progress:
            progress(1)
        if not write or len(report.problems) > problems_before or level is None:
            continue
        kind: str = "县"
        if level is region_ids.RegionLevel.TOWN:
            kind = region_ids.town_kind(code)
        elif level is region_ids.RegionLevel.VILLAGE:
            kind = region_ids.village_kind(code)
        values = {
            "name": name,
            "level": RegionLevel(level.value),
            "kind": kind,
            "parent_code": parent if level is not region_ids.RegionLevel.COUNTY else None,
            "service_room": room == "1" and level is region_ids.RegionLevel.VILLAGE,
            "is_demo": False,
        }
        region = session.get(Region, code)
        if region is None:
            region = Region(code=code, **values)
            session.add(region)
            report.created += 1
        elif all(getattr(region, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        else:
            for key, value in values.items():
                setattr(region, key, value)
            report.updated += 1
        session.flush()
        record_change(session, "region", code, region_data(region), clock=clock)


def _departments(
    session: Session,
    rows: list[Row],
    report: ImportReport,
    created: AccountsCreated,
    *,
    county: str,
    clock: Clock,
    write: bool,
    progress: Progress | None,
) -> None:
    seen: dict[str, set[str]] = {"code": set(), "name": set(), "uscc": set()}
    for index, row in enumerate(rows):
        code, name = row.get("code", ""), row.get("name", "")
        uscc, kind = row.get("uscc", ""), row.get("kind", "政府部门")
        before = len(report.problems)
        if not DEPARTMENT_CODE.match(code):
            _problem(
                report, "departments", index, "code", "部门代码只能包含小写字母、数字和 -，2–32 位"
            )
        if not name:
            _problem(report, "departments", index, "name", "全称不能为空")
        if kind not in DEPARTMENT_KINDS:
            _problem(report, "departments", index, "kind", "只能是 " + " / ".join(DEPARTMENT_KINDS))
        try:
            validate_uscc(uscc, field="uscc")
        except InvalidInput as err:
            _problem(report, "departments", index, "uscc", err.invalid_params[0].reason)
        for column, value in (("code", code), ("name", name), ("uscc", uscc)):
            if value and value in seen[column]:
                _problem(report, "departments", index, column, f"{value} 在本表中重复")
            seen[column].add(value)
        if progress:
            progress(1)
        if not write or len(report.problems) > before:
            continue
        values = {
            "name": name,
            "short_name": row.get("short_name") or name,
            "kind": kind,
            "uscc": uscc,
            "uscc_is_demo": False,
        }
        dept = session.get(Department, code)
        if dept is None:
            dept = Department(code=code, note="", **values)
            session.add(dept)
            report.created += 1
        elif all(getattr(dept, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        else:
            for key, value in values.items():
                setattr(dept, key, value)
            report.updated += 1
        session.flush()
        record_change(session, "department", code, department_data(dept), clock=clock)


def one_time_password() -> str:
    """A random password that passes the rule (handed out once, to be changed at login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12)) + "-"
        if not password_problems(candidate, username=""):
            return candidate


def _accounts(
    session: Session,
    rows: list[Row],
    report: ImportReport,
    created: AccountsCreated,
    *,
    county: str,
    clock: Clock,
    write: bool,
    progress: Progress | None,
) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        username, display = row.get("username", ""), row.get("display_name", "")
        before = len(report.problems)
        if not USERNAME.match(username):
            _problem(
                report,
                "accounts",
                index,
                "username",
                "用户名只能包含小写字母、数字和 _ . -，2–64 位",
            )
        elif username in seen:
            _problem(report, "accounts", index, "username", f"用户名 {username} 在本表中重复")
        elif session.get(Account, username) is not None:
            _problem(report, "accounts", index, "username", f"用户名 {username} 已存在")
        seen.add(username)
        if not display:
            _problem(report, "accounts", index, "display_name", "姓名或岗位名不能为空")
        try:
            role = Role(row.get("role", ""))
        except ValueError:
            _problem(
                report,
                "accounts",
                index,
                "role",
                f"未知角色“{row.get('role', '')}”；可选 " + "、".join(r.value for r in Role),
            )
            role = None
        if role is not None:
            for param in _check_place(session, role, row):
                _problem(report, "accounts", index, param.name, param.reason)
        if progress:
            progress(1)
        if not write or len(report.problems) > before or role is None:
            continue
        password = one_time_password()
        account = Account(
            username=username,
            display_name=display,
            role=role,
            region_code=row.get("region_code")
            or (county if role in (Role.ADMIN, Role.SUPERVISOR, Role.DEPT_REVIEWER) else None),
            department_code=row.get("department_code") if role is Role.DEPT_REVIEWER else None,
            password_hash=hash_password(password),
            active=True,
        )
        session.add(account)
        session.flush()
        announce_account(session, account, clock=clock)
        created.passwords[username] = password
        report.created += 1


def _certificate_types(
    session: Session,
    rows: list[Row],
    report: ImportReport,
    created: AccountsCreated,
    *,
    county: str,
    clock: Clock,
    write: bool,
    progress: Progress | None,
) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        code, name = row.get("code", ""), row.get("name", "")
        issuer, type_code = row.get("issuing_department_code", ""), row.get("type_code", "")
        holder, years = row.get("holder_kind", "111"), row.get("validity_years", "")
        before = len(report.problems)
        if not DEPARTMENT_CODE.match(code):
            _problem(
                report, "certificate_types", index, "code", "只能包含小写字母、数字和 -，2–32 位"
            )
        elif code in seen:
            _problem(report, "certificate_types", index, "code", f"{code} 在本表中重复")
        seen.add(code)
        if not name:
            _problem(report, "certificate_types", index, "name", "证照名称不能为空")
        if not issuer or session.get(Department, issuer) is None:
            _problem(
                report,
                "certificate_types",
                index,
                "issuing_department_code",
                f"签发部门 {issuer or '（空）'} 不存在（须先导入部门）",
            )
        if type_code and not (
            len(type_code) == 21 and type_code[18:].isdigit() and is_valid_uscc(type_code[:18])
        ):
            _problem(
                report,
                "certificate_types",
                index,
                "type_code",
                "应为 21 位：定义机构的统一社会信用代码 + 3 位数字",
            )
        if holder not in ("111", "001"):
            _problem(report, "certificate_types", index, "holder_kind", "只能是 111 或 001")
        if years and not (years.isdigit() and 1 <= int(years) <= 100):
            _problem(
                report, "certificate_types", index, "validity_years", "应为 1–100 的整数或留空"
            )
        if progress:
            progress(1)
        if not write or len(report.problems) > before:
            continue
        values = {
            "name": name,
            "issuing_department_code": issuer,
            "type_code": type_code or None,
            "holder_kind": holder,
            "validity_years": int(years) if years else None,
        }
        cert = session.get(CertificateType, code)
        if cert is None:
            cert = CertificateType(code=code, note="", **values)
            session.add(cert)
            report.created += 1
        elif all(getattr(cert, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        else:
            for key, value in values.items():
                setattr(cert, key, value)
            report.updated += 1
        session.flush()
        record_change(session, "certificate_type", code, certificate_type_data(cert), clock=clock)
