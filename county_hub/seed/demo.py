"""``sanji hub seed --demo``: the real shape of 略阳县, built the same way every time.

What is real and what is demo data:

* regions: the 17 towns and 165 village-level units are NBS codes (real); which 149
  villages have a service room is demo data (every tenth unit in code order has none);
* departments: 28 real department names; their USCCs are generated valid codes (demo);
* catalog: exactly 1,921 published items reproducing the 2021 report's figures
  (1,774 online, 1,776 at most one visit, 1,395 in the hall of which 1,055 on the spot);
  the items in ``data/real_items.csv`` are real, hand-written items with their sources,
  the rest are generated plausible names (``is_demo``);
* delegation: batches 1–3 (155 items, all towns, 下放) and batch 4 (100 items entrusted to
  徐家坪镇): the counts are the report's, the lists and document numbers are demo data;
* packages (一件事一次办): 20 packages in two batches over the real items, listed in
  ``data/packages.csv`` (the names follow the national lists, the groupings are demo data);
* accounts: ``admin``, ``supervisor``, ``dept-<code>``, ``town-<9 digits>``,
  ``agent-<12 digits>``, all with the password ``demo``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from county_hub.accounts.models import Account
from county_hub.catalog.models import CertificateType, ServiceItem
from county_hub.catalog.services import Reference, add_item, check_item_rules, parse_item_data
from county_hub.certs.demo import seed_certificates
from county_hub.delegation.services import publish_batch, save_batch
from county_hub.feed import publish_everything
from county_hub.org.models import Department, Region, RegionLevel
from county_hub.packages.services import seed_packages
from county_hub.seed.names import TEMPLATES
from shared import refdata
from shared.accounts.models import Role
from shared.accounts.services import Actor, hash_password
from shared.authority import DelegationMode
from shared.clock import Clock
from shared.errors import InvalidInput
from shared.refdata import COUNTY_CODE, COUNTY_NAME, DEMO_PASSWORD
from shared.sync.models import MasterChange

XUJIAPING = "610727105"

#: The 2021 report's figures the demo catalog must reproduce exactly.
TARGET_ITEMS = 1921
TARGET_ONLINE = 1774
TARGET_ONE_VISIT = 1776
TARGET_IN_HALL = 1395
TARGET_ON_THE_SPOT = 1055  # of the in-hall items
BATCH_SIZES = {1: 50, 2: 55, 3: 50}  # 155 delegated to all towns
BATCH4_SIZE = 100  # entrusted to 徐家坪镇

#: Departments whose items towns typically take over (generated items for batches).
TOWN_DEPARTMENTS = (
    "mzj",
    "rsj",
    "ybj",
    "nyncj",
    "cl",
    "wjj",
    "tyjrj",
    "zrzyj",
    "lyj",
    "slj",
    "jtyj",
)


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("county_hub.seed").joinpath("data", name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def seed_regions(session: Session) -> None:
    session.add(Region(code=COUNTY_CODE, name=COUNTY_NAME, level=RegionLevel.COUNTY, kind="县"))
    for town in refdata.towns():
        session.add(
            Region(
                code=town.code,
                name=town.name,
                level=RegionLevel.TOWN,
                kind=town.kind,
                parent_code=COUNTY_CODE,
            )
        )
    session.flush()
    rooms = refdata.village_rooms()
    for village in refdata.villages():
        session.add(
            Region(
                code=village.code,
                name=village.name,
                level=RegionLevel.VILLAGE,
                kind=village.kind,
                parent_code=village.parent_code,
                service_room=village.code in rooms,
                is_demo=True,
            )
        )


def seed_departments(session: Session) -> dict[str, Department]:
    departments = {}
    for row in _data_rows("departments.csv"):
        dept = Department(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            kind=row["kind"],
            uscc=row["uscc"],
            uscc_is_demo=row["uscc_is_demo"] == "1",
            note=row["note"][:500],
        )
        session.add(dept)
        departments[dept.code] = dept
    session.flush()
    for number, row in enumerate(_data_rows("certificate_types.csv"), start=1):
        # GB/T 36904 type codes are the defining body's USCC + 3 digits; the real national
        # codes are not known to us, so the demo derives them from the issuing department.
        definer = departments[row["issuing_department"] or "wjj"]
        session.add(
            CertificateType(
                code=row["code"],
                name=row["name"],
                issuing_department_code=row["issuing_department"] or None,
                note=row.get("note", "")[:500],
                type_code=f"{definer.uscc}{number:03d}",
                holder_kind=row["holder_kind"],
                validity_years=int(row["validity_years"]) if row["validity_years"] else None,
            )
        )
    return departments


def seed_accounts(session: Session) -> int:
    """Demo accounts; one hash of 'demo' is shared so seeding stays fast."""
    digest = hash_password(DEMO_PASSWORD)
    accounts = [
        Account(
            username="admin", display_name="县级管理员", role=Role.ADMIN, region_code=COUNTY_CODE
        ),
        Account(
            username="supervisor",
            display_name="县政务服务督查",
            role=Role.SUPERVISOR,
            region_code=COUNTY_CODE,
        ),
    ]
    for dept in session.scalars(select(Department).order_by(Department.code)):
        accounts.append(
            Account(
                username=f"dept-{dept.code}",
                display_name=f"{dept.short_name}审批人员",
                role=Role.DEPT_REVIEWER,
                region_code=COUNTY_CODE,
                department_code=dept.code,
            )
        )
    for region in session.scalars(select(Region).order_by(Region.code)):
        if region.level is RegionLevel.TOWN:
            accounts.append(
                Account(
                    username=f"town-{region.code}",
                    display_name=f"{region.name}窗口人员",
                    role=Role.TOWN_STAFF,
                    region_code=region.code,
                )
            )
        elif region.level is RegionLevel.VILLAGE and region.service_room:
            accounts.append(
                Account(
                    username=f"agent-{region.code}",
                    display_name=f"{region.name}代办员",
                    role=Role.VILLAGE_AGENT,
                    region_code=region.code,
                )
            )
    for account in accounts:
        account.password_hash = digest
    session.add_all(accounts)
    return len(accounts)


# --------------------------------------------------------------------------- catalog


@dataclass
class Draft:
    """An item record being prepared, before codes and flags are final."""

    record: dict[str, Any]
    delegable: bool
    real: bool


_BOOL_FIELDS = (
    "fee",
    "online",
    "online_payment",
    "appointment",
    "express",
    "nearby",
    "in_hall",
    "tolerance_allowed",
    "promise_allowed",
)


def _real_drafts() -> list[Draft]:
    materials: dict[str, list[dict[str, Any]]] = {}
    for row in _data_rows("real_materials.csv"):
        materials.setdefault(row["item_name"], []).append(
            {
                "name": row["name"],
                "source": row["source"] or "申请人自备",
                "form": int(row["form"] or 1),
                "type": int(row["type"] or 3),
                "originals": int(row["originals"] or 0),
                "copies": int(row["copies"] or 0),
                "necessity": int(row["necessity"] or 1),
                "certificate_type": row["certificate_type"] or None,
                "note": row.get("note", "")[:500],
            }
        )
    drafts = []
    for row in _data_rows("real_items.csv"):
        record: dict[str, Any] = {
            k: v for k, v in row.items() if v != "" and k not in ("code", "basic_code", "delegable")
        }
        for key in _BOOL_FIELDS:
            record[key] = row.get(key) == "1"
        record["materials"] = materials.get(row["name"], [])
        drafts.append(Draft(record=record, delegable=row.get("delegable") == "1", real=True))
    return drafts


def _generated_drafts(
    count: int, departments: dict[str, Department], taken: set[str]
) -> list[Draft]:
    """``count`` plausible items, spread over departments round-robin."""
    queues: dict[str, Iterator[str]] = {
        code: (f"{obj}{act}" for obj in objects for act in actions)
        for code, (_t, objects, actions) in TEMPLATES.items()
    }
    drafts: list[Draft] = []
    while len(drafts) < count:
        progressed = False
        for code in sorted(queues):
            name = next(queues[code], None)
            if name is None or name in taken:
                continue
            progressed = True
            taken.add(name)
            dept = departments[code]
            item_type = TEMPLATES[code][0]
            drafts.append(
                Draft(
                    record={
                        "name": name,
                        "item_type": item_type,
                        "department": code,
                        "legal_basis": "（演示数据）",
                        "implementing_body": dept.name,
                        "body_nature": "法定机关",
                        "statutory_limit": 20,
                        "statutory_unit": "W",
                        "conditions": "（演示数据）符合法定条件的申请人",
                        "procedure": "申请→受理→审查→决定→送达",
                        "service_objects": "自然人、企业法人",
                        "handling_forms": "窗口办理、网上办理",
                        "note": "生成的演示事项，名称与时限为合理假设",
                        "materials": [
                            {"name": "申请表", "type": 2, "necessity": 1},
                            {
                                "name": "申请人身份证明",
                                "type": 1,
                                "necessity": 1,
                                "certificate_type": "sfz",
                            },
                            {"name": "其他相关证明材料", "type": 3, "necessity": 2},
                        ],
                    },
                    delegable=code in TOWN_DEPARTMENTS,
                    real=False,
                )
            )
            if len(drafts) == count:
                break
        if not progressed:
            raise RuntimeError("not enough name templates for the demo catalog")
    return drafts


def _assign_flag(
    drafts: list[Draft],
    key: str,
    target: int,
    rng: random.Random,
    value_of: Callable[[Draft], bool],
    setter: Callable[[Draft, bool], None],
) -> None:
    """Give generated items ``key`` so that exactly ``target`` items in total have it."""
    have = sum(1 for d in drafts if d.real and value_of(d))
    free = [d for d in drafts if not d.real]
    need = target - have
    if not 0 <= need <= len(free):
        raise RuntimeError(f"real items make {key}={target} impossible (real: {have})")
    chosen = set(map(id, rng.sample(free, need)))
    for draft in free:
        setter(draft, id(draft) in chosen)


def _set(key: str) -> Callable[[Draft, bool], None]:
    def setter(draft: Draft, value: bool) -> None:
        draft.record[key] = value

    return setter


def _finish_generated(draft: Draft, rng: random.Random) -> None:
    rec = draft.record
    on_the_spot = rec.pop("_on_the_spot", False)
    rec["case_kind"] = 1 if on_the_spot else 2
    rec["promised_limit"] = 0 if on_the_spot else rng.choice([1, 3, 5, 7, 10, 15])
    rec["promised_unit"] = "W"
    rec["online_depth"] = rng.choice([3, 4]) if rec["online"] else 0
    rec["visits"] = rec.pop("_visits")
    rec["nearby"] = draft.delegable
    rec["appointment"] = rng.random() < 0.6
    rec["express"] = rec["online"] and rng.random() < 0.5
    rec["fee"] = False
    rec["place"] = "略阳县政务服务中心" if rec["in_hall"] else "部门办公场所"
    rec["hours"] = "周一至周五 8:30-12:00，14:30-18:00（法定节假日除外）（演示数据）"


def _code_for(record: dict[str, Any], dept: Department, serial: int) -> tuple[str, str]:
    basic = f"61{record['item_type']}{serial:05d}000"
    return dept.uscc + "4" + basic, basic


def build_catalog(departments: dict[str, Department], rng: random.Random) -> list[Draft]:
    """Exactly TARGET_ITEMS records whose flags reproduce the report's figures."""
    real = _real_drafts()
    drafts = real + _generated_drafts(
        TARGET_ITEMS - len(real), departments, {d.record["name"] for d in real}
    )
    for draft in real:
        draft.record["_visits"] = int(draft.record.get("visits", 1))
    _assign_flag(
        drafts, "online", TARGET_ONLINE, rng, lambda d: bool(d.record["online"]), _set("online")
    )
    _assign_flag(
        drafts, "in_hall", TARGET_IN_HALL, rng, lambda d: bool(d.record["in_hall"]), _set("in_hall")
    )
    # 即办 only among in-hall items, so 即办率 = on-the-spot ÷ in-hall, as the report counts it.
    hall = [d for d in drafts if d.record["in_hall"]]
    _assign_flag(
        hall,
        "_on_the_spot",
        TARGET_ON_THE_SPOT,
        rng,
        lambda d: str(d.record.get("case_kind")) == "1",
        _set("_on_the_spot"),
    )
    _assign_flag(
        drafts,
        "_visits",
        TARGET_ONE_VISIT,
        rng,
        lambda d: int(d.record["_visits"]) <= 1,
        lambda d, v: d.record.__setitem__("_visits", rng.choice([0, 1]) if v else 2),
    )
    for draft in drafts:
        if draft.real:
            draft.record["visits"] = draft.record.pop("_visits")
        else:
            draft.record.setdefault("_on_the_spot", False)
            _finish_generated(draft, rng)
    serial: dict[str, int] = {}
    for draft in drafts:
        dept = departments[draft.record["department"]]
        serial[dept.code] = serial.get(dept.code, 0) + 1
        draft.record["code"], draft.record["basic_code"] = _code_for(
            draft.record, dept, serial[dept.code]
        )
        draft.record["implementing_body_uscc"] = dept.uscc
        draft.record.setdefault("implementing_body", dept.name)
    return drafts


def seed_catalog(session: Session, clock: Clock, rng: random.Random) -> list[Draft]:
    departments = {d.code: d for d in session.scalars(select(Department))}
    drafts = build_catalog(departments, rng)
    ref = Reference(
        departments=frozenset(departments),
        certificate_types=frozenset(session.scalars(select(CertificateType.code))),
    )
    for draft in drafts:
        data = parse_item_data(draft.record)
        problems = check_item_rules(data, ref)
        if problems:
            raise InvalidInput(
                detail=f"演示事项「{draft.record['name']}」有误", invalid_params=problems
            )
        add_item(session, data, by="seed", clock=clock, publish=True, is_demo=not draft.real)
    session.flush()
    return drafts


def seed_delegation(
    session: Session, drafts: list[Draft], clock: Clock, rng: random.Random
) -> None:
    """Batches 1–3 (155 items, all towns) and batch 4 (100 items entrusted to 徐家坪镇)."""
    delegable = [d.record["code"] for d in drafts if d.delegable and d.real]
    generated = [d.record["code"] for d in drafts if d.delegable and not d.real]
    rng.shuffle(generated)
    pool = delegable + generated
    needed = sum(BATCH_SIZES.values()) + BATCH4_SIZE
    if len(pool) < needed:
        raise RuntimeError("not enough delegable items for the demo batches")
    admin = Actor(username="seed", role=Role.ADMIN, region_code=COUNTY_CODE, department_code=None)
    batches = [
        (
            1,
            "第一批镇(街道)承接县级政务服务事项",
            "略政办发〔2019〕18号",
            date(2019, 6, 20),
            date(2019, 7, 1),
        ),
        (
            2,
            "第二批镇(街道)承接县级政务服务事项",
            "略政办发〔2020〕9号",
            date(2020, 4, 10),
            date(2020, 5, 1),
        ),
        (
            3,
            "第三批镇(街道)承接县级政务服务事项",
            "略政办发〔2021〕15号",
            date(2021, 5, 12),
            date(2021, 6, 1),
        ),
    ]
    start = 0
    for number, title, doc_no, doc_date, term_from in batches:
        items = pool[start : start + BATCH_SIZES[number]]
        start += BATCH_SIZES[number]
        save_batch(
            session,
            admin,
            {
                "number": number,
                "title": title + "（演示数据）",
                "doc_no": doc_no,
                "doc_date": doc_date,
                "mode": DelegationMode.DEVOLVE,
                "towns": "all",
                "scope": ["受理", "审查", "决定"],
                "term_from": term_from,
                "items": items,
            },
            clock=clock,
            is_demo=True,
        )
        publish_batch(session, admin, number, clock=clock)
    save_batch(
        session,
        admin,
        {
            "number": 4,
            "title": "县级部门委托徐家坪镇党群服务行政审批中心实施事项（演示数据）",
            "doc_no": "略政办发〔2021〕33号",
            "doc_date": date(2021, 8, 16),
            "mode": DelegationMode.ENTRUST,
            "towns": [XUJIAPING],
            "scope": ["受理", "审查", "决定"],
            "term_from": date(2021, 9, 1),
            "term_to": date(2027, 8, 31),
            "items": pool[start : start + BATCH4_SIZE],
        },
        clock=clock,
        is_demo=True,
    )
    publish_batch(session, admin, 4, clock=clock)


def is_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(ServiceItem)))


def seed_demo(session: Session, clock: Clock, *, seed: int = 610727) -> dict[str, int]:
    """Build the whole demo county in ``session`` (the caller commits). Deterministic."""
    if is_seeded(session):
        raise InvalidInput(detail="枢纽数据库中已有事项，演示数据只能写入空库")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    seed_regions(session)
    seed_departments(session)
    session.flush()
    accounts = seed_accounts(session)
    drafts = seed_catalog(session, clock, rng)
    seed_delegation(session, drafts, clock, rng)
    session.flush()
    certificates = seed_certificates(session, clock)
    packages = seed_packages(session)
    # Batches announced themselves when published; the feed starts over complete and in
    # dependency order so a new node can apply it front to back.
    session.execute(delete(MasterChange))
    changes = publish_everything(session, clock=clock)
    return {
        "items": len(drafts),
        "accounts": accounts,
        "real_items": sum(d.real for d in drafts),
        "changes": changes,
        "certificates": certificates,
        "packages": packages,
    }
