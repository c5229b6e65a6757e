"""一件事一次办 at the hub: package guides, and one application fanned out to child cases.

An application is one form and one set of materials for a package of related items
(DOMAIN §3). Filing it files one ordinary case per item with :func:`file_case` at the
hub, so each child keeps its own item version, limit, handler and result; a material
with the same name in several items is asked once and applied to every child that lists
it. The application's status is never stored: it is read from the children's case
projections. Pages and the API call these same functions; the caller commits, and
rolls back when one raises (no child is then written).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from county_hub.catalog.models import ItemVersion, ServiceItem
from county_hub.packages.models import Package, PackageApplication, PackageChild, PackageItem
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.cases import CaseStatus
from shared.casework.catalog import CatalogView
from shared.casework.services import OPEN_STATUSES, file_case
from shared.clock import Clock
from shared.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from shared.ids.masking import mask_id_number
from shared.log import get_logger
from shared.sync.store import current_state

log = get_logger(__name__)

#: Children in these statuses have their result: the package is done when all are.
DONE_STATUSES = (CaseStatus.CONCLUDED.value, CaseStatus.DELIVERED.value)

IN_PROGRESS = "办理中"
DONE = "已办结"
#: No child is open, but one ended without a result (不予受理, 撤回, 终止, 作废).
ENDED = "已结束（部分事项未办结）"


# --------------------------------------------------------------------------- definitions


def seed_packages(session: Session) -> int:
    """The demo packages of ``seed/data/packages.csv`` over the real items (by name).

    Raises RuntimeError when the file names an item the catalog does not have.
    """
    text = (
        resources.files("county_hub.seed")
        .joinpath("data", "packages.csv")
        .read_text(encoding="utf-8-sig")
    )
    real = (
        select(ItemVersion.name, ItemVersion.item_code)
        .join(ServiceItem, ServiceItem.code == ItemVersion.item_code)
        .where(ServiceItem.is_demo.is_(False))
    )
    codes: dict[str, str] = {row.name: row.item_code for row in session.execute(real)}
    count = 0
    for row in csv.DictReader(text.splitlines()):
        names = [n.strip() for n in row["items"].split(";") if n.strip()]
        unknown = [n for n in names if n not in codes]
        if unknown:
            raise RuntimeError(f"package {row['code']}: no real item named {unknown}")
        package = Package(
            code=row["code"],
            name=row["name"],
            batch=int(row["batch"]),
            description=row["description"],
            is_demo=row["is_demo"] == "1",
        )
        package.items = [
            PackageItem(position=i, item_code=codes[name]) for i, name in enumerate(names, 1)
        ]
        session.add(package)
        count += 1
    session.flush()
    return count


def _package(session: Session, code: str) -> Package:
    package = session.get(Package, code)
    if package is None:
        raise NotFound(detail=f"没有「一件事」{code}")
    return package


def list_packages(session: Session, *, batch: int | None = None) -> dict[str, Any]:
    """Packages by batch and code, with their item counts."""
    stmt = select(Package).order_by(Package.batch, Package.name)
    if batch is not None:
        stmt = stmt.where(Package.batch == batch)
    packages = list(session.scalars(stmt))
    return {
        "items": [
            {
                "code": p.code,
                "name": p.name,
                "batch": p.batch,
                "description": p.description,
                "is_demo": p.is_demo,
                "item_count": len(p.items),
            }
            for p in packages
        ],
        "total": len(packages),
    }


def merged_materials(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every material of the items once, by name, in the order first met.

    ``items`` are item records (``code``, ``name``, ``materials``); each material says
    which items need it and the strictest necessity among them (1 必要 before 3 容缺后补
    before 2 非必要).
    """
    rank = {1: 0, 3: 1, 2: 2}
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for m in item["materials"]:
            entry = merged.setdefault(
                m["name"],
                {
                    "name": m["name"],
                    "necessity": m["necessity"],
                    "certificate_type": m.get("certificate_type"),
                    "items": [],
                },
            )
            if rank.get(m["necessity"], 3) < rank.get(entry["necessity"], 3):
                entry["necessity"] = m["necessity"]
            entry["items"].append({"code": item["code"], "name": item["name"]})
    for entry in merged.values():
        entry["shared"] = len(entry["items"]) > 1
    return list(merged.values())


def package_detail(session: Session, code: str, *, catalog: CatalogView) -> dict[str, Any]:
    """The package's guide: its items (current published versions) and merged materials."""
    package = _package(session, code)
    units = catalog.unit_names()
    items = []
    for link in package.items:
        info = catalog.item(link.item_code)
        items.append(
            {
                "code": info.code,
                "version": info.version,
                "status": info.status,
                "name": info.record["name"],
                "department": info.department,
                "department_name": units.get(info.department, info.department),
                "case_kind": info.record["case_kind"],
                "promised_limit": info.record["promised_limit"],
                "promised_unit": info.record["promised_unit"],
                "materials": info.record["materials"],
            }
        )
    return {
        "code": package.code,
        "name": package.name,
        "batch": package.batch,
        "description": package.description,
        "is_demo": package.is_demo,
        "items": [{k: v for k, v in i.items() if k != "materials"} for i in items],
        "materials": merged_materials(items),
    }


# --------------------------------------------------------------------------- applications


def _named(err: DomainError, item_name: str) -> DomainError:
    """The child's error, saying which item refused (applicant errors concern them all)."""
    if err.invalid_params and all(p.name.startswith("applicant.") for p in err.invalid_params):
        return err
    err.detail = f"事项「{item_name}」：{err.detail or err.title}"
    err.invalid_params = [
        InvalidParam(p.name, f"{item_name}：{p.reason}") for p in err.invalid_params
    ]
    return err


def apply_for_package(
    session: Session,
    actor: Actor,
    code: str,
    data: Mapping[str, Any],
    *,
    node: str,
    county: str,
    catalog: CatalogView,
    clock: Clock,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """File one application: a child case per item, the shared materials given once.

    Returns the application and whether it was created now (False: ``idempotency_key``
    was already used by this account for this package, and that application is
    returned). Raises NotFound (package), Conflict (the key was used for another package,
    or an item does not accept applications), InvalidInput (applicant, a material no item
    lists) or PermissionDenied — naming the item when one child refused; the caller then
    rolls back so no child is written.
    """
    package = _package(session, code)
    if idempotency_key:
        earlier = session.scalar(
            select(PackageApplication).where(
                PackageApplication.actor == actor.username,
                PackageApplication.idempotency_key == idempotency_key,
            )
        )
        if earlier is not None:
            if earlier.package_code != code:
                raise Conflict(detail="该 Idempotency-Key 已用于另一项「一件事」申请")
            return application_detail(session, earlier.id, county=county), False
    records = [catalog.item(link.item_code) for link in package.items]
    given = list(data.get("materials") or [])
    listed = {m["name"] for info in records for m in info.record["materials"]}
    unknown = [
        InvalidParam(f"materials.{i}.name", f"本「一件事」的事项都没有材料「{m['name']}」")
        for i, m in enumerate(given)
        if m["name"] not in listed
    ]
    if unknown:
        raise InvalidInput(detail="材料清单与「一件事」不符", invalid_params=unknown)
    children = []
    for info in records:
        own = {m["name"] for m in info.record["materials"]}
        child = {
            "item_code": info.code,
            "applicant": data["applicant"],
            "materials": [m for m in given if m["name"] in own],
            "tolerance": False,
            "promise": False,
            "consent": bool(data.get("consent")),
            "certificates": [],
        }
        try:
            state = file_case(
                session,
                actor,
                child,
                node=node,
                catalog=catalog,
                clock=clock,
                acked=True,
                county=county,
            )
        except DomainError as err:
            raise _named(err, str(info.record["name"])) from err
        children.append(state)
    first = children[0]
    application = PackageApplication(
        package_code=code,
        applicant_name=str(first.applicant["name"]),
        applicant_id_masked=mask_id_number(str(first.applicant["id_number"])),
        node=node,
        actor=actor.username,
        created_at=clock.now(),
        idempotency_key=idempotency_key or None,
    )
    application.children = [
        PackageChild(position=i, case_no=state.case_no) for i, state in enumerate(children, 1)
    ]
    session.add(application)
    try:
        session.flush()
    except IntegrityError as err:  # the same key submitted twice at the same moment
        raise Conflict(detail="同一申请正在提交，请刷新后查看") from err
    log.info(
        "package_applied",
        application=application.id,
        package=code,
        node=node,
        children=len(children),
    )
    return application_detail(session, application.id, county=county), True


def _child(session: Session, case_no: str, *, county: str) -> dict[str, Any]:
    from shared.sync.models import CaseRow

    row = session.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
    if row is not None:
        status, item_code, item_name = row.status, row.item_code, row.item_name
        handled_by, due_date, outcome = row.handled_by, row.due_date, row.outcome
        version = row.state.get("item_version")
    else:  # not projected yet (arrived by sync a moment ago): fold it from the log
        state = current_state(session, case_no, county=county)
        status = state.status.value if state.status else CaseStatus.SUBMITTED.value
        item_code, item_name = state.item_code, state.item_name
        handled_by, due_date, outcome = state.handled_by, state.due_date, state.outcome
        version = state.item_version
    return {
        "case_no": case_no,
        "item_code": item_code,
        "item_name": item_name,
        "item_version": version,
        "status": status,
        "status_label": CaseStatus(status).label,
        "outcome": outcome,
        "handled_by": handled_by,
        "due_date": due_date,
    }


def package_status(statuses: list[str]) -> str:
    """办理中 while any child is open; 已办结 when every child has its result."""
    if any(s in OPEN_STATUSES for s in statuses):
        return IN_PROGRESS
    if all(s in DONE_STATUSES for s in statuses):
        return DONE
    return ENDED


def application_detail(session: Session, application_id: int, *, county: str) -> dict[str, Any]:
    """The application with its children's current status and the package status."""
    application = session.get(PackageApplication, application_id)
    if application is None:
        raise NotFound(detail=f"没有「一件事」申请 {application_id}")
    package = _package(session, application.package_code)
    children = [_child(session, c.case_no, county=county) for c in application.children]
    statuses = [c["status"] for c in children]
    return {
        "id": application.id,
        "package_code": package.code,
        "package_name": package.name,
        "applicant_name": application.applicant_name,
        "applicant_id": application.applicant_id_masked,
        "node": application.node,
        "actor": application.actor,
        "created_at": application.created_at,
        "status": package_status(statuses),
        "counts": {
            "total": len(children),
            "open": sum(s in OPEN_STATUSES for s in statuses),
            "done": sum(s in DONE_STATUSES for s in statuses),
        },
        "children": children,
    }


def _may_read(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.DEPT_REVIEWER, Role.SUPERVISOR):
        raise PermissionDenied(detail="只有县级枢纽的工作人员可以查看「一件事」申请")


def get_application(
    session: Session, actor: Actor, application_id: int, *, county: str
) -> dict[str, Any]:
    """One application (hub staff only). Raises PermissionDenied, NotFound."""
    _may_read(actor)
    return application_detail(session, application_id, county=county)


def list_applications(
    session: Session, actor: Actor, *, county: str, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """Applications, newest first, each with its derived status (hub staff only)."""
    _may_read(actor)
    total = session.scalar(select(func.count()).select_from(PackageApplication)) or 0
    ids = session.scalars(
        select(PackageApplication.id)
        .order_by(PackageApplication.created_at.desc(), PackageApplication.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return {
        "items": [application_detail(session, i, county=county) for i in ids],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
