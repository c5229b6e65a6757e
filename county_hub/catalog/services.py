"""Catalog rules: validate, create, edit drafts, publish immutable versions, search, diff, stats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session, object_session, selectinload

from county_hub.catalog.models import CertificateType, ItemMaterial, ItemVersion, ServiceItem
from county_hub.catalog.schemas import (
    CASE_KINDS,
    ITEM_TYPES,
    VERSION_FIELDS,
    ItemDataSchema,
)
from county_hub.org.models import Department
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.casework.catalog import (
    ItemColumns,
    ItemSummary,
    SearchPage,
    item_summary,
    search_catalog,
)
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound, flatten_messages
from shared.ids import is_valid_uscc
from shared.items import ItemStatus
from shared.search import pinyin_keys
from shared.sync.feed import record_change

MATERIAL_FIELDS = (
    "name",
    "source",
    "form",
    "type",
    "originals",
    "copies",
    "necessity",
    "certificate_type",
    "note",
)

FIELD_LABELS: dict[str, str] = {
    "name": "事项名称",
    "basic_code": "基本编码",
    "item_type": "事项类型",
    "legal_basis": "设定依据",
    "exercise_level": "行使层级",
    "power_source": "权力来源",
    "implementing_body": "实施主体",
    "implementing_body_uscc": "实施主体统一社会信用代码",
    "body_nature": "实施主体性质",
    "statutory_limit": "法定办结时限",
    "statutory_unit": "法定时限单位",
    "promised_limit": "承诺办结时限",
    "promised_unit": "承诺时限单位",
    "case_kind": "办件类型",
    "conditions": "受理条件",
    "procedure": "办理流程",
    "joint_departments": "联办机构",
    "fee": "是否收费",
    "fee_basis": "收费依据",
    "service_objects": "服务对象",
    "handling_forms": "办理形式",
    "online": "网上办理",
    "online_depth": "网办深度",
    "online_payment": "网上支付",
    "appointment": "预约办理",
    "express": "物流快递",
    "nearby": "就近办理",
    "in_hall": "进驻大厅",
    "visits": "到办事现场次数",
    "place": "办理地点",
    "hours": "办理时间",
    "phone": "咨询电话",
    "faq": "常见问题",
    "result_name": "审批结果名称",
    "result_certificate_type": "结果证照类型",
    "tolerance_allowed": "容缺受理",
    "promise_allowed": "告知承诺制",
    "source": "资料来源",
    "note": "备注",
    "materials": "申请材料",
}


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Reference:
    """What validation checks names against (loaded once for a whole import)."""

    departments: frozenset[str]
    certificate_types: frozenset[str]

    @classmethod
    def load(cls, session: Session) -> Reference:
        return cls(
            departments=frozenset(session.scalars(select(Department.code))),
            certificate_types=frozenset(session.scalars(select(CertificateType.code))),
        )


def parse_item_data(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Schema-level check of one item record; InvalidInput names each bad field."""
    try:
        data: dict[str, Any] = ItemDataSchema().load(raw)
    except ma.ValidationError as err:
        raise InvalidInput(
            detail="事项数据有误", invalid_params=flatten_messages(err.messages)
        ) from err
    return data


def check_item_rules(data: Mapping[str, Any], ref: Reference) -> list[InvalidParam]:
    """Rules that go beyond field types (DOMAIN.md §1). Returns every problem at once."""
    problems: list[InvalidParam] = []
    add = problems.append
    code, basic = data["code"], data["basic_code"]
    if data["department"] not in ref.departments:
        add(InvalidParam("department", f"部门代码 {data['department']} 不存在"))
    if not is_valid_uscc(data["implementing_body_uscc"]):
        add(
            InvalidParam(
                "implementing_body_uscc", "统一社会信用代码校验位错误或格式不符（GB 32100）"
            )
        )
    if not (len(basic) == 12 and basic.isdigit()):
        add(InvalidParam("basic_code", "基本编码应为12位数字"))
    elif basic[2:4] != data["item_type"]:
        add(InvalidParam("basic_code", f"基本编码第3-4位应为事项类型 {data['item_type']}"))
    problems.extend(_check_code(code, data))
    problems.extend(_check_limits(data))
    if data["case_kind"] not in CASE_KINDS:
        add(InvalidParam("case_kind", "办件类型应为 1（即办件）或 2（承诺件）"))
    cert = data.get("result_certificate_type")
    if cert and cert not in ref.certificate_types:
        add(InvalidParam("result_certificate_type", f"证照类型 {cert} 不存在"))
    problems.extend(_check_materials(data, ref))
    return problems


def _check_code(code: str, data: Mapping[str, Any]) -> list[InvalidParam]:
    """Implementation code = body USCC (18) + level digit (1) + basic code (12)."""
    if len(code) != 31 or not code.isalnum() or code != code.upper():
        return [
            InvalidParam(
                "code", "实施编码应为31位：实施主体统一社会信用代码18位+行使层级1位+基本编码12位"
            )
        ]
    problems = []
    if code[:18] != data["implementing_body_uscc"]:
        problems.append(InvalidParam("code", "实施编码前18位应为实施主体的统一社会信用代码"))
    if code[18] != str(data["exercise_level"]):
        problems.append(
            InvalidParam("code", f"实施编码第19位应为行使层级 {data['exercise_level']}")
        )
    if code[19:] != data["basic_code"]:
        problems.append(InvalidParam("code", "实施编码后12位应与基本编码一致"))
    return problems


def _in_natural_days(limit: int, unit: str) -> float:
    # A working day spans at least 7/5 natural days on average; comparing in natural days
    # keeps "promised ≤ statutory" meaningful when the two use different units.
    return limit * 7 / 5 if unit == "W" else float(limit)


def _check_limits(data: Mapping[str, Any]) -> list[InvalidParam]:
    problems = []
    promised, statutory = data["promised_limit"], data["statutory_limit"]
    if data["promised_unit"] == data["statutory_unit"]:
        too_long = promised > statutory
    else:
        too_long = _in_natural_days(promised, data["promised_unit"]) > _in_natural_days(
            statutory, data["statutory_unit"]
        )
    if too_long:
        problems.append(
            InvalidParam("promised_limit", f"承诺时限 {promised} 不得超过法定时限 {statutory}")
        )
    if data["case_kind"] == 1 and promised != 0:
        problems.append(InvalidParam("promised_limit", "即办件的承诺时限应为 0"))
    if data["case_kind"] == 2 and promised == 0:
        problems.append(InvalidParam("case_kind", "承诺时限为 0 的事项应为即办件（1）"))
    return problems


def _check_materials(data: Mapping[str, Any], ref: Reference) -> list[InvalidParam]:
    problems = []
    seen: set[str] = set()
    for index, material in enumerate(data.get("materials") or []):
        where = f"materials.{index}"
        if material["name"] in seen:
            problems.append(InvalidParam(f"{where}.name", f"材料「{material['name']}」重复"))
        seen.add(material["name"])
        cert = material.get("certificate_type")
        if cert and cert not in ref.certificate_types:
            problems.append(InvalidParam(f"{where}.certificate_type", f"证照类型 {cert} 不存在"))
        if material["necessity"] == 3 and not data["tolerance_allowed"]:
            problems.append(
                InvalidParam(f"{where}.necessity", "事项不支持容缺受理，材料不能标为容缺后补（3）")
            )
    return problems


def validated(
    session: Session, raw: Mapping[str, Any], ref: Reference | None = None
) -> dict[str, Any]:
    """Schema and rule checks together; raises InvalidInput listing every problem."""
    data = parse_item_data(raw)
    problems = check_item_rules(data, ref or Reference.load(session))
    if problems:
        raise InvalidInput(detail="事项数据未通过校验", invalid_params=problems)
    return data


# --------------------------------------------------------------------------- writing


def _fill_version(version: ItemVersion, data: Mapping[str, Any]) -> None:
    for field in VERSION_FIELDS:
        setattr(version, field, data[field])
    stored = object_session(version) if version.id is not None else None
    if version.materials and stored is not None:
        # An open draft edited again: its old rows must go before the new ones come in,
        # (version_id, position) is unique and a flush inserts before it deletes.
        version.materials.clear()
        stored.flush()
    version.materials.clear()
    for position, material in enumerate(data.get("materials") or [], start=1):
        version.materials.append(
            ItemMaterial(position=position, **{f: material.get(f) for f in MATERIAL_FIELDS})
        )


def _set_search_keys(item: ServiceItem, name: str) -> None:
    item.name = name
    item.name_pinyin, item.name_initials = pinyin_keys(name)


def add_item(
    session: Session,
    data: Mapping[str, Any],
    *,
    by: str | None,
    clock: Clock,
    publish: bool = False,
    is_demo: bool = False,
) -> ServiceItem:
    """Insert a validated item as version 1 (a draft, or published at once for imports)."""
    now = clock.now()
    item = ServiceItem(
        code=data["code"],
        department_code=data["department"],
        status=ItemStatus.PUBLISHED if publish else ItemStatus.DRAFT,
        current_version=1 if publish else None,
        latest_version=1,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    _set_search_keys(item, data["name"])
    version = ItemVersion(version=1, created_at=now, created_by=by)
    _fill_version(version, data)
    if publish:
        version.published_at, version.published_by = now, by
    item.versions.append(version)
    session.add(item)
    return item


def create_item(
    session: Session, actor: Actor, raw: Mapping[str, Any], *, clock: Clock
) -> ServiceItem:
    """A county admin creates a new item as a draft (version 1).

    Raises PermissionDenied for other roles, InvalidInput for bad data, Conflict if the
    code exists.
    """
    require_role(actor, Role.ADMIN, action="新建事项")
    data = validated(session, raw)
    if session.get(ServiceItem, data["code"]) is not None:
        raise Conflict(detail=f"实施编码 {data['code']} 已存在")
    item = add_item(session, data, by=actor.username, clock=clock)
    session.flush()
    return item


def save_draft(
    session: Session, actor: Actor, code: str, raw: Mapping[str, Any], *, clock: Clock
) -> ItemVersion:
    """Edit an item: the open draft is replaced, or a new draft version is started.

    Published versions are never changed. The code and owning department cannot change
    (a different code is a different item). Raises NotFound, InvalidInput, Conflict.
    """
    require_role(actor, Role.ADMIN, action="编辑事项")
    item = get_item(session, code)
    if item.status is ItemStatus.RETIRED:
        raise Conflict(detail="事项已废止，不能再编辑")
    data = validated(session, {**raw, "code": code})
    if data["department"] != item.department_code:
        raise InvalidInput(
            detail="事项的主管部门不能修改；如确需调整，请废止后以新编码新建",
            invalid_params=[InvalidParam("department", "不能修改主管部门")],
        )
    latest = item.versions[-1]
    if latest.is_published:
        latest = ItemVersion(
            version=item.latest_version + 1, created_by=actor.username, created_at=clock.now()
        )
        item.versions.append(latest)
        item.latest_version = latest.version
    _fill_version(latest, data)
    item.updated_at = clock.now()
    if item.current_version is None:
        _set_search_keys(item, data["name"])
    session.flush()
    return latest


def feed_data(item: ServiceItem) -> dict[str, Any] | None:
    """The item as the master feed carries it: its current published version, or None."""
    if item.current_version is None:
        return None
    version = next(v for v in item.versions if v.version == item.current_version)
    return {
        "code": item.code,
        "department": item.department_code,
        "status": item.status,
        "version": item.current_version,
        "name": item.name,
        "name_pinyin": item.name_pinyin,
        "name_initials": item.name_initials,
        "record": version_record(version),
    }


def announce(session: Session, item: ServiceItem, *, clock: Clock) -> None:
    """Tell every node (master feed) about the item's published state."""
    data = feed_data(item)
    if data is not None:
        record_change(session, "item", item.code, data, clock=clock)


def publish_item(session: Session, actor: Actor, code: str, *, clock: Clock) -> ServiceItem:
    """Publish the open draft; it becomes the version new cases are accepted under.

    Raises Conflict when there is no draft or the item is retired.
    """
    require_role(actor, Role.ADMIN, action="发布事项")
    item = get_item(session, code)
    latest = item.versions[-1]
    if item.status is ItemStatus.RETIRED:
        raise Conflict(detail="事项已废止，不能发布")
    if latest.is_published:
        raise Conflict(detail=f"没有待发布的草稿：第 {latest.version} 版已经发布")
    latest.published_at, latest.published_by = clock.now(), actor.username
    item.current_version = latest.version
    if item.status is ItemStatus.DRAFT:
        item.status = ItemStatus.PUBLISHED
    _set_search_keys(item, latest.name)
    item.updated_at = clock.now()
    session.flush()
    announce(session, item, clock=clock)
    return item


_TRANSITIONS: dict[str, tuple[set[ItemStatus], ItemStatus, str]] = {
    "suspend": ({ItemStatus.PUBLISHED}, ItemStatus.SUSPENDED, "暂停事项"),
    "resume": ({ItemStatus.SUSPENDED}, ItemStatus.PUBLISHED, "恢复事项"),
    "retire": ({ItemStatus.PUBLISHED, ItemStatus.SUSPENDED}, ItemStatus.RETIRED, "废止事项"),
}


def change_status(
    session: Session, actor: Actor, code: str, action: str, *, clock: Clock
) -> ServiceItem:
    """Suspend, resume or retire a published item. Raises Conflict from a wrong status."""
    allowed_from, target, label = _TRANSITIONS[action]
    require_role(actor, Role.ADMIN, action=label)
    item = get_item(session, code)
    if item.status not in allowed_from:
        raise Conflict(detail=f"事项当前状态为「{item.status.label}」，不能{label}")
    item.status = target
    item.updated_at = clock.now()
    session.flush()
    announce(session, item, clock=clock)
    return item


# --------------------------------------------------------------------------- reading


def get_item(session: Session, code: str) -> ServiceItem:
    """The item with this code, or NotFound."""
    item = session.get(ServiceItem, code, options=[selectinload(ServiceItem.versions)])
    if item is None:
        raise NotFound(detail=f"事项 {code} 不存在")
    return item


def get_version(session: Session, code: str, version: int | None = None) -> ItemVersion:
    """A version of an item: the given one, else the current published one, else the draft."""
    item = get_item(session, code)
    wanted = version or item.current_version or item.latest_version
    for candidate in item.versions:
        if candidate.version == wanted:
            return candidate
    raise NotFound(detail=f"事项 {code} 没有第 {wanted} 版")


def version_record(version: ItemVersion) -> dict[str, Any]:
    """A version as an item record (the import/export and API form)."""
    record: dict[str, Any] = {"code": version.item_code, "department": version.item.department_code}
    record.update({field: getattr(version, field) for field in VERSION_FIELDS})
    record["materials"] = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in version.materials]
    return record


def item_detail(session: Session, code: str, version: int | None = None) -> dict[str, Any]:
    """Everything a clerk reads about an item, with Chinese labels."""
    ver = get_version(session, code, version)
    item = ver.item
    department = session.get(Department, item.department_code)
    record = version_record(ver)
    record.update(
        status=item.status,
        status_label=item.status.label,
        version=ver.version,
        current_version=item.current_version,
        latest_version=item.latest_version,
        published=ver.is_published,
        published_at=ver.published_at,
        department_name=department.name if department else "",
        item_type_label=ITEM_TYPES.get(ver.item_type, ""),
        case_kind_label=CASE_KINDS.get(ver.case_kind, ""),
        is_demo=item.is_demo,
        limits={
            "statutory": {"value": ver.statutory_limit, "unit": ver.statutory_unit},
            "promised": {"value": ver.promised_limit, "unit": ver.promised_unit},
        },
        flags={
            "online": ver.online,
            "online_payment": ver.online_payment,
            "appointment": ver.appointment,
            "express": ver.express,
            "nearby": ver.nearby,
            "in_hall": ver.in_hall,
            "fee": ver.fee,
            "tolerance_allowed": ver.tolerance_allowed,
            "promise_allowed": ver.promise_allowed,
            "at_most_one_visit": ver.visits <= 1,
        },
    )
    return record


#: Where the hub's tables keep what the catalog search filters and ranks on.
_COLUMNS = ItemColumns(
    code=ServiceItem.code,
    name=ServiceItem.name,
    pinyin=ServiceItem.name_pinyin,
    initials=ServiceItem.name_initials,
    department=ServiceItem.department_code,
    status=ServiceItem.status,
    nearby=ItemVersion.nearby,
)


def _summary(row: Row[*tuple[Any, ...]]) -> ItemSummary:
    item, ver, dept_name = row
    return item_summary(
        code=item.code,
        name=ver.name,
        department=item.department_code,
        department_name=dept_name,
        status=item.status,
        version=item.current_version,
        item_type=ver.item_type,
        case_kind=ver.case_kind,
        promised_limit=ver.promised_limit,
        promised_unit=ver.promised_unit,
        online=ver.online,
        visits=ver.visits,
        nearby=ver.nearby,
    )


def search_items(
    session: Session,
    *,
    q: str = "",
    department: str | None = None,
    status: ItemStatus | None = ItemStatus.PUBLISHED,
    nearby: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Items matching ``q`` in Chinese, full pinyin or initials, best matches first.

    The search every tier runs (:func:`shared.casework.catalog.search_catalog`), over the
    version new cases are accepted under (the draft for an item never published).
    """
    stmt = (
        select(ServiceItem, ItemVersion, Department.name)
        .join(
            ItemVersion,
            (ItemVersion.item_code == ServiceItem.code)
            & (
                ItemVersion.version
                == func.coalesce(ServiceItem.current_version, ServiceItem.latest_version)
            ),
        )
        .join(Department, Department.code == ServiceItem.department_code)
    )
    return search_catalog(
        session,
        stmt,
        _COLUMNS,
        _summary,
        q=q,
        department=department,
        status=status,
        nearby=nearby,
        page=page,
        per_page=per_page,
    )


def list_versions(session: Session, code: str) -> list[dict[str, Any]]:
    """Every version of an item, oldest first."""
    item = get_item(session, code)
    return [
        {
            "version": v.version,
            "name": v.name,
            "published": v.is_published,
            "published_at": v.published_at,
            "published_by": v.published_by,
            "created_at": v.created_at,
            "created_by": v.created_by,
            "current": v.version == item.current_version,
        }
        for v in item.versions
    ]


def diff_records(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes between two item records; materials compared by name."""
    changes = [
        {
            "field": f,
            "label": FIELD_LABELS.get(f, f),
            "before": before.get(f),
            "after": after.get(f),
        }
        for f in VERSION_FIELDS
        if before.get(f) != after.get(f)
    ]
    old = {m["name"]: m for m in before.get("materials") or []}
    new = {m["name"]: m for m in after.get("materials") or []}
    for name in [*old, *(n for n in new if n not in old)]:
        if old.get(name) != new.get(name):
            changes.append(
                {
                    "field": f"materials.{name}",
                    "label": f"申请材料「{name}」",
                    "before": old.get(name),
                    "after": new.get(name),
                }
            )
    return changes


def version_diff(
    session: Session, code: str, from_version: int, to_version: int
) -> list[dict[str, Any]]:
    """What changed from one version of an item to another."""
    before = version_record(get_version(session, code, from_version))
    after = version_record(get_version(session, code, to_version))
    return diff_records(before, after)


def _rate(count: int, of: int) -> dict[str, Any]:
    rate = count / of if of else 0.0
    return {"count": count, "of": of, "rate": round(rate, 4), "percent": f"{rate * 100:.2f}%"}


def catalog_stats(session: Session) -> dict[str, Any]:
    """The catalog figures of DOMAIN.md §7 over published items (current versions)."""
    v = ItemVersion
    live = (v.item_code == ServiceItem.code) & (v.version == ServiceItem.current_version)
    counts = (
        func.count(),
        func.sum(case((v.online.is_(True), 1), else_=0)),
        func.sum(case((v.visits <= 1, 1), else_=0)),
        func.sum(case((v.in_hall.is_(True), 1), else_=0)),
        func.sum(case((v.in_hall.is_(True) & (v.case_kind == 1), 1), else_=0)),
    )
    base = select(ServiceItem.department_code, *counts).join(v, live)
    base = base.where(ServiceItem.status == ItemStatus.PUBLISHED)
    rows = session.execute(base.group_by(ServiceItem.department_code)).all()
    names = dict(session.execute(select(Department.code, Department.name)).all())
    totals = [0, 0, 0, 0, 0]
    by_department = []
    for dept, *values in sorted(rows, key=lambda r: -int(r[1])):
        numbers = [int(x or 0) for x in values]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        total, online, one_visit, hall, spot = numbers
        by_department.append(
            {
                "department": dept,
                "department_name": names.get(dept, ""),
                "items": total,
                "online_rate": _rate(online, total)["rate"],
                "at_most_one_visit_rate": _rate(one_visit, total)["rate"],
                "in_hall": hall,
                "on_the_spot": spot,
            }
        )
    total, online, one_visit, hall, spot = totals
    return {
        "items_total": total,
        "online": _rate(online, total),
        "at_most_one_visit": _rate(one_visit, total),
        "in_hall": hall,
        "on_the_spot": _rate(spot, hall),
        "by_department": by_department,
        "labels": {
            "online": "网办率",
            "at_most_one_visit": "最多跑一次比例",
            "on_the_spot": "即办率（进驻大厅事项）",
        },
    }


def certificate_types(session: Session) -> Iterable[CertificateType]:
    return session.scalars(select(CertificateType).order_by(CertificateType.code)).all()
