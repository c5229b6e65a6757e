"""Demo certificates: residents and businesses of the demo county hold a few, so look-ups,
免提交 at intake and offline verification show something in the demo (all ``is_demo``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from county_hub.catalog.models import CertificateType
from county_hub.certs.models import CertStatus
from county_hub.certs.services import change_status, issue, publish_status_list
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.clock import CHINA_TZ, Clock, FixedClock
from shared.ids import id_check_char, make_uscc


@dataclass(frozen=True)
class DemoHolder:
    name: str
    code: str
    code_type: str
    region: str


def demo_person(name: str, born: date, seq: int, region: str = "610727105001") -> DemoHolder:
    first17 = f"610727{born:%Y%m%d}{seq:03d}"
    return DemoHolder(name, first17 + id_check_char(first17), "111", region)


def demo_business(name: str, base8: str, region: str = "610727105") -> DemoHolder:
    return DemoHolder(name, make_uscc("9", "2", "610727", base8), "001", region)


#: The demo residents and businesses (valid, generated identifiers; not real people).
PEOPLE = (
    demo_person("王秀英", date(1968, 3, 12), 24),
    demo_person("李建国", date(1975, 8, 1), 35),
    demo_person("张桂兰", date(1952, 11, 30), 46),
    demo_person("刘志强", date(1990, 5, 20), 57),
)
BUSINESSES = (
    demo_business("略阳县徐家坪镇老王面馆", "MA6X2K1A"),
    demo_business("略阳县兴州街道惠民超市", "MA6X2K2B"),
)

#: (holder, certificate type, days before today it was issued)
ISSUES = (
    (PEOPLE[0], "cjrz", 400),
    (PEOPLE[1], "jhz", 3000),
    (PEOPLE[1], "sbk", 200),
    (PEOPLE[2], "cjrz", 900),
    (PEOPLE[3], "jkzm", 500),  # a one-year health certificate: expired
    (PEOPLE[3], "jkzm", 30),  # …and its renewal, which supersedes it
    (BUSINESSES[0], "yyzz", 800),
    (BUSINESSES[0], "xcyjyxkz", 700),
    (BUSINESSES[1], "yyzz", 600),
    (BUSINESSES[1], "spjyxkz", 580),
)

ADMIN = Actor(
    username="admin",
    role=Role.ADMIN,
    region_code=None,
    department_code=None,
    display_name="县级管理员",
)


def seed_certificates(session: Session, clock: Clock) -> int:
    """Issue the demo certificates (oldest first) and revoke one; returns the count."""
    today = clock.today()
    issued = []
    for holder, type_code, days_ago in sorted(ISSUES, key=lambda row: -row[2]):
        cert_type = session.get(CertificateType, type_code)
        if cert_type is None:
            continue
        day = today - timedelta(days=days_ago)
        then = FixedClock(datetime(day.year, day.month, day.day, 10, tzinfo=CHINA_TZ))
        row, _ = issue(
            session,
            cert_type=cert_type,
            holder_name=holder.name,
            holder_code=holder.code,
            holder_code_type=holder.code_type,
            region=holder.region,
            clock=then,
            is_demo=True,
        )
        issued.append(row)
    revoked = next(r for r in issued if r.certificate_type == "cjrz" and r.holder_name == "张桂兰")
    change_status(
        session,
        ADMIN,
        revoked.identifier,
        status=CertStatus.REVOKED,
        reason="持证人残疾等级复评后换发新证，原证注销（演示）",
        clock=clock,
    )
    publish_status_list(session, clock=clock)
    return len(issued)
