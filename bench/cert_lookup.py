"""Certificate look-up at county scale: 1,000,000 certificates in PostgreSQL, p95 ≤ 20 ms.

Run ``.venv/bin/python bench/cert_lookup.py`` (or ``make bench-lookup``). It works in
the schema ``--schema`` (``bench_certs``) of the database ``--url`` names, creating the
database if it can; where the user may not create databases it falls back to that schema
of ``sanji_test`` (search_path; the public schema there is never touched). It migrates
the hub schema with the real Alembic history, seeds the demo county (departments,
certificate types, towns and villages), registers one signing key per issuing
department, and loads ``--count`` certificates with COPY: about 600,000 holders (valid ID
numbers, and USCCs for businesses) holding 1–3 certificates each, every row with a
valid GB/T 36904 identifier and a ``signed`` column that ``SignedCertificate.from_dict``
accepts (a really signed certificate per type as template, its fields replaced per row;
the signature is then not the row's own, which ``record()`` does not check). ANALYZE
afterwards. A schema already holding ``--count`` certificates is reused (``--rebuild``
to load again).

Then it times ``county_hub.certs.lookup.rows()`` end to end — session, SQL, building each
record with its QR payload — for ``--queries`` holders, ``--unknown`` of them holders
with no certificate, after ``--warmup`` untimed look-ups. It prints the EXPLAIN of the
query the service sends (it must use an index), p50/p95/p99/max in ms and the SQL alone
for scale, then the table of ``bench/benchkit.py``, and exits 1 when p95 is above 20 ms or
the plan scans the table (2 when the benchmark itself fails). ``--drop`` drops the schema
at the end; ``--smoke`` loads 1,000 certificates into ``bench_certs_smoke`` and drops it at
the end: seconds, to check that it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on sys.path and an installed sanji (an
# editable install may point at another checkout) would be found: measure this one.
sys.path.insert(0, str(ROOT))

from benchkit import (  # noqa: E402
    NO_TARGET,
    Row,
    add_smoke,
    apply_sizes,
    exit_status,
    print_table,
)
from sqlalchemy import Engine, create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402
from sqlalchemy.exc import OperationalError, ProgrammingError  # noqa: E402

from county_hub.catalog.models import CertificateType  # noqa: E402
from county_hub.certs.lookup import rows as lookup_rows  # noqa: E402
from county_hub.certs.models import CertificateRow  # noqa: E402
from county_hub.certs.services import find_by_holder, new_key, record, valid_to  # noqa: E402
from county_hub.org.models import Department, Region, RegionLevel  # noqa: E402
from county_hub.seed.demo import seed_demo  # noqa: E402
from shared.certs import Certificate, sign_certificate  # noqa: E402
from shared.clock import FixedClock  # noqa: E402
from shared.db import make_sessionmaker, unit_of_work  # noqa: E402
from shared.ids import id_check_char, make_certificate_identifier, make_uscc  # noqa: E402
from shared.ids.gb32100 import USCC_ALPHABET  # noqa: E402
from shared.migrate import upgrade  # noqa: E402
from shared.sync.crypto import NodeKey  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://sanji:sanji@127.0.0.1:5432/sanji_bench_certs"
FALLBACK_DB = "sanji_test"
TARGET_MS = 20.0
#: The rows of the table, in order (tests/bench checks that each one is printed).
METRICS = (
    "look-up rows()",
    "look-up plan",
    "session + find_by_holder()",
    "record() per certificate",
)
FULL = {"count": 1_000_000, "queries": 2_000, "warmup": 200, "schema": "bench_certs"}
SMOKE = {"count": 1_000, "queries": 200, "warmup": 20, "schema": "bench_certs_smoke"}
TODAY = date(2026, 11, 27)
FIRST_ISSUE = date(2016, 12, 1)
BATCH = 50_000
KEYS_FROM = date(2016, 1, 1)
#: Share of holders that are businesses (USCC, holder_code_type 001).
BUSINESS_SHARE = 0.15
#: How many certificates a holder has: 1, 2 or 3 (mean 1.67: 1M certificates ≈ 600k holders).
PER_HOLDER = ((1, 0.5), (2, 0.333), (3, 0.167))
#: Relative frequency of each certificate type among the holders of its kind.
TYPE_WEIGHTS = {
    "sfz": 40, "hkb": 25, "sbk": 30, "jhz": 12, "lhz": 2, "bdcqz": 10, "cjrz": 2,
    "jkzm": 5, "jycyz": 3, "jszgzs": 1, "yszyzs": 1, "lmcfxkz": 1, "xcjsghxkz": 2,
    "yyzz": 50, "spjyxkz": 15, "xcyjyxkz": 10, "ypjyxkz": 2, "ylxjyxkz": 1,
    "ggcswsxkz": 4, "yclsxkz": 8, "dlysjyxkz": 3, "qsxkz": 1, "jzgcsgxkz": 2, "whpjyxkz": 1,
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "秀英建国桂兰志强明华丽娟伟芳军敏静磊洋勇艳杰涛超霞平刚玉兰红梅海燕文斌"
SHOPS = ("面馆", "超市", "药店", "餐馆", "农资店", "运输有限公司", "建材部", "诊所", "茶庄")
COLUMNS = (
    "identifier",
    "certificate_type",
    "type_code",
    "name",
    "number",
    "version",
    "department_code",
    "issuer_code",
    "holder_code",
    "holder_code_type",
    "holder_name",
    "issue_date",
    "valid_from",
    "valid_to",
    "status",
    "status_reason",
    "status_since",
    "superseded_by",
    "case_no",
    "item_code",
    "kid",
    "signed",
    "is_demo",
    "created_at",
)


# --------------------------------------------------------------------------- database


def _url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _can_connect(url: URL) -> bool:
    engine = create_engine(_url_text(url))
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def choose_database(url: URL) -> tuple[URL, str]:
    """The database to work in: ``url``'s (created if missing and allowed) or sanji_test."""
    if _can_connect(url):
        return url, "existing database"
    name = url.database or ""
    for admin in ("postgres", FALLBACK_DB):
        engine = create_engine(_url_text(url.set(database=admin)), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            return url, f"database created (from {admin})"
        except ProgrammingError as err:  # InsufficientPrivilege: no CREATEDB
            reason = str(err.orig).splitlines()[0]
            return url.set(database=FALLBACK_DB), f"fallback: cannot create {name} ({reason})"
        except OperationalError:
            continue  # cannot reach this admin database: try the next
        finally:
            engine.dispose()
    return url.set(database=FALLBACK_DB), f"fallback: {name} unreachable"


def schema_engine(url: URL, schema: str) -> Engine:
    """The hub's engine settings (make_engine: pre-ping) inside the benchmark's schema."""
    return create_engine(
        _url_text(url), pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}"}
    )


def loaded_count(url: URL, schema: str) -> int | None:
    """Certificates already in the schema, or None when there is no table yet."""
    engine = create_engine(_url_text(url))
    try:
        with engine.connect() as conn:
            table = conn.scalar(text("SELECT to_regclass(:t)"), {"t": f'"{schema}".certificates'})
            if table is None:
                return None
            count = f'SELECT count(*) FROM "{schema}".certificates'  # noqa: S608 - our option
            return int(conn.scalar(text(count)) or 0)
    finally:
        engine.dispose()


def reset_schema(url: URL, schema: str, *, create: bool = True) -> None:
    """Drop ``schema`` and (unless ``create`` is false) create it empty."""
    engine = create_engine(_url_text(url))
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if create:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    type_code: str
    department: str
    issuer_code: str
    issuer_name: str
    holder_kind: str
    validity_years: int | None
    kid: str
    template: dict[str, Any]  # SignedCertificate.to_dict() of a really signed certificate


def seed(engine: Engine, data_dir: str) -> tuple[list[TypeSpec], list[str], list[str]]:
    """Demo county, a signing key per issuing department, one signed template per type."""
    clock = FixedClock()
    sessions = make_sessionmaker(engine, info={"signer": NodeKey.generate(), "data_dir": data_dir})
    specs: list[TypeSpec] = []
    with unit_of_work(sessions) as session:
        seed_demo(session, clock)
        keys: dict[str, Any] = {}
        for ctype in session.scalars(select(CertificateType).order_by(CertificateType.code)):
            if not ctype.issuing_department_code or not ctype.type_code:
                continue
            dept = session.get(Department, ctype.issuing_department_code)
            assert dept is not None
            if dept.code not in keys:
                keys[dept.code] = new_key(
                    session, dept, usage="certificate", on=KEYS_FROM, clock=clock
                )
            key_row, pair = keys[dept.code]
            issued = date(2020, 6, 1)
            cert = Certificate(
                name=ctype.name,
                type_code=ctype.type_code,
                number=f"{ctype.code.upper()}20200000001-1",
                identifier=make_certificate_identifier(
                    ctype.type_code, dept.uscc, "20200000001", 1
                ),
                issuer_name=dept.name,
                issuer_code=dept.uscc,
                issue_date=issued,
                holder_name="王秀英" if ctype.holder_kind == "111" else "略阳县老王面馆",
                holder_code=_person(0) if ctype.holder_kind == "111" else _business(0),
                holder_code_type="111" if ctype.holder_kind == "111" else "001",
                region="610727105001",
                valid_from=issued,
                valid_to=None,
                signer_kid=key_row.kid,
                item_code=None,
                previous=None,
                version=1,
            )
            specs.append(
                TypeSpec(
                    code=ctype.code,
                    name=ctype.name,
                    type_code=ctype.type_code,
                    department=dept.code,
                    issuer_code=dept.uscc,
                    issuer_name=dept.name,
                    holder_kind=ctype.holder_kind,
                    validity_years=ctype.validity_years,
                    kid=key_row.kid,
                    template=sign_certificate(cert, pair).to_dict(),
                )
            )
        towns = list(session.scalars(select(Region.code).where(Region.level == RegionLevel.TOWN)))
        villages = list(
            session.scalars(select(Region.code).where(Region.level == RegionLevel.VILLAGE))
        )
    return specs, towns, villages


def _person(i: int, region: str = "610727") -> str:
    """The i-th generated ID number (valid check digit, born 1940–2008; unique per i)."""
    born = date(1940, 1, 1) + timedelta(days=i % 25_000)
    first17 = f"{region}{born:%Y%m%d}{i // 25_000 % 1000:03d}"
    return first17 + id_check_char(first17)


def _business(i: int) -> str:
    """The i-th generated USCC (valid check characters; unique per i)."""
    base, digits = len(USCC_ALPHABET), []
    for _ in range(6):
        i, rest = divmod(i, base)
        digits.append(USCC_ALPHABET[rest])
    return make_uscc("9", "2", "610727", "MA" + "".join(reversed(digits)))


def certificates(
    n: int, specs: list[TypeSpec], towns: list[str], villages: list[str]
) -> Iterator[tuple[Any, ...]]:
    """``n`` rows for COPY, deterministic; holders hold 1–3 certificates of distinct types."""
    rng = random.Random(610727)  # noqa: S311 - synthetic data, not security
    kinds = {
        kind: ([s for s in specs if s.holder_kind == kind],
               [TYPE_WEIGHTS.get(s.code, 1) for s in specs if s.holder_kind == kind])
        for kind in ("111", "001")
    }  # fmt: skip
    counts = [count for count, _ in PER_HOLDER]
    weights = [weight for _, weight in PER_HOLDER]
    span = (TODAY - FIRST_ISSUE).days
    created = datetime(2026, 11, 27, 1, tzinfo=UTC)
    made = person = business = serial = 0
    while made < n:
        if rng.random() < BUSINESS_SHARE:
            kind, code = "001", _business(business)
            holder = f"略阳县{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(SHOPS)}"
            region = rng.choice(towns)
            business += 1
        else:
            kind, code = "111", _person(person)
            holder = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            region = rng.choice(villages)
            person += 1
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14])) if kind == "111" else None
        pool, pool_weights = kinds[kind]
        chosen: set[str] = set()
        for _ in range(min(rng.choices(counts, weights)[0], n - made)):
            spec = rng.choices(pool, pool_weights)[0]
            if spec.code in chosen:
                continue
            chosen.add(spec.code)
            issued = FIRST_ISSUE + timedelta(days=rng.randrange(span + 1))
            if born is not None and issued < born:
                issued = born
            expires = valid_to(issued, spec.validity_years)
            serial += 1
            number = f"{issued.year}{serial:07d}"
            identifier = make_certificate_identifier(spec.type_code, spec.issuer_code, number, 1)
            cert = {
                **spec.template["cert"],
                "number": f"{spec.code.upper()}{number}-1",
                "identifier": identifier,
                "issue_date": issued.isoformat(),
                "holder_name": holder,
                "holder_code": code,
                "holder_code_type": kind,
                "region": region,
                "valid_from": issued.isoformat(),
                "valid_to": expires.isoformat() if expires else None,
            }
            signed = {"cert": cert, "kid": spec.kid, "sig": spec.template["sig"]}
            revoked = rng.random() < 0.02
            since = issued + timedelta(days=rng.randrange(max(1, (TODAY - issued).days)))
            made += 1
            yield (
                identifier,
                spec.code,
                spec.type_code,
                spec.name,
                cert["number"],
                1,
                spec.department,
                spec.issuer_code,
                code,
                kind,
                holder,
                issued,
                issued,
                expires,
                "revoked" if revoked else "valid",
                "持证主体申请注销" if revoked else "",
                since if revoked else None,
                None,
                None,
                None,
                spec.kid,
                json.dumps(signed, ensure_ascii=False),
                False,
                created,
            )


def load(
    engine: Engine, n: int, specs: list[TypeSpec], towns: list[str], villages: list[str]
) -> dict[str, float]:
    """COPY ``n`` certificates in batches; secondary indexes are rebuilt afterwards."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Building indexes once after the load is much faster than maintaining them row
        # by row; they are rebuilt from their own definitions (the migrations' indexes).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = 'certificates' AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = 'certificates'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        rows = certificates(n, specs, towns, villages)
        done = 0
        while done < n:
            with cursor.copy(f"COPY certificates ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    done += 1
                    if done % BATCH == 0:
                        break
            if done % 200_000 == 0 or done == n:
                print(f"  {done:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
        timings["copy"] = time.perf_counter() - started
        mark = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        raw.commit()
        timings["indexes"] = time.perf_counter() - mark
    finally:
        raw.close()
    mark = time.perf_counter()
    # VACUUM too: a bulk load leaves hint bits and the visibility map unset (autovacuum
    # would set them on a running hub).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE certificates"))
    timings["analyze"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return timings


# --------------------------------------------------------------------------- timing


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``samples``."""
    return samples[max(0, min(len(samples), round(share * len(samples))) - 1)]


def timed(fn: Callable[[str], Any], holders: Sequence[str]) -> list[float]:
    samples = []
    for holder in holders:
        started = time.perf_counter()
        fn(holder)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples


def captured_sql(engine: Engine, call: Callable[[], Any]) -> tuple[str, Any]:
    """The SELECT on certificates that ``call`` sends, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM certificates" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status says whether the target was met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_LOOKUP_URL", DEFAULT_URL))
    parser.add_argument("--schema", help="its own schema (bench_certs)")
    parser.add_argument("--count", type=int, help="certificates (1,000,000)")
    parser.add_argument("--queries", type=int, help="timed look-ups (2,000)")
    parser.add_argument("--unknown", type=float, default=0.1, help="share of unknown holders")
    parser.add_argument("--warmup", type=int, help="untimed look-ups first (200)")
    parser.add_argument("--rebuild", action="store_true", help="load again even if loaded")
    parser.add_argument("--drop", action="store_true", help="drop the schema at the end")
    add_smoke(parser, SMOKE)
    args = apply_sizes(parser.parse_args(argv), FULL, SMOKE)
    url = make_url(args.url)
    if not url.drivername.startswith("postgresql"):
        parser.error("--url must be a PostgreSQL SQLAlchemy URL (postgresql+psycopg://…)")
    load_avg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, load {load_avg}, "
        f"Python {platform.python_version()}"
    )
    url, how = choose_database(url)
    print(f"database {url.database}, schema {args.schema} ({how})")
    try:
        return run(args, url)
    finally:
        if args.drop or args.smoke:
            reset_schema(url, args.schema, create=False)
            print(f"schema {args.schema} dropped")


def run(args: argparse.Namespace, url: URL) -> int:
    """Load (or reuse) the certificates in ``url``'s database and time the look-up."""
    have = loaded_count(url, args.schema)
    rebuild = args.rebuild or have != args.count
    if rebuild:
        reset_schema(url, args.schema)
    engine = schema_engine(url, args.schema)
    try:
        return measure(args, engine, have, rebuild=rebuild)
    finally:
        engine.dispose()


def measure(args: argparse.Namespace, engine: Engine, have: int | None, *, rebuild: bool) -> int:
    upgrade(ROOT / "county_hub" / "migrations", engine)  # applies new revisions on reuse too
    with engine.connect() as conn:
        print(
            f"PostgreSQL {conn.scalar(text('SHOW server_version'))}, "
            f"shared_buffers {conn.scalar(text('SHOW shared_buffers'))}, "
            f"work_mem {conn.scalar(text('SHOW work_mem'))}"
        )
    if rebuild:
        if have is not None:
            why = "--rebuild" if args.rebuild else f"{args.count:,} wanted"
            print(f"{have:,} certificates in the schema, {why}: loading again")
        with tempfile.TemporaryDirectory(prefix="sanji-bench-lookup-") as data_dir:
            started = time.perf_counter()
            specs, towns, villages = seed(engine, data_dir)
            seeded = time.perf_counter() - started
        with make_sessionmaker(engine)() as session:
            demo = session.scalar(select(func.count()).select_from(CertificateRow)) or 0
        wanted = args.count - demo
        print(
            f"migrated and seeded the demo county in {seeded:.1f} s ({demo} demo certificates, "
            f"{len(specs)} certificate types); loading {wanted:,} certificates with COPY …",
            flush=True,
        )
        timings = load(engine, wanted, specs, towns, villages)
        print(
            f"loaded in {timings['total']:.1f} s: COPY {timings['copy']:.1f} s "
            f"({wanted / timings['copy']:,.0f} rows/s), indexes {timings['indexes']:.1f} s, "
            f"VACUUM ANALYZE {timings['analyze']:.1f} s"
        )
    else:
        print(f"reusing {have:,} certificates already loaded (--rebuild to load again)")
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(CertificateRow)) or 0
        holders_n = conn.scalar(select(func.count(func.distinct(CertificateRow.holder_code))))
        size = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('certificates'))"))
        per = conn.execute(
            text(
                "SELECT n, count(*) FROM (SELECT count(*) AS n FROM certificates"
                " GROUP BY holder_code) c GROUP BY n ORDER BY n"
            )
        ).all()
        # Known holders: a sample of the table's pages (about 5 rows per look-up wanted).
        share = min(100.0, 500.0 * (args.queries + args.warmup) / max(total, 1))
        sample = list(
            conn.scalars(
                text(
                    "SELECT DISTINCT holder_code FROM certificates"  # noqa: S608 - a float
                    f" TABLESAMPLE SYSTEM ({share:.4f}) REPEATABLE (610727)"
                )
            )
        )
    spread = ", ".join(f"{n}: {c:,}" for n, c in per)
    print(
        f"certificates: {total:,} rows, {holders_n:,} holders (certificates each → holders: "
        f"{spread}), {size} with indexes"
    )

    rng = random.Random(20261127)  # noqa: S311 - synthetic data, not security
    need = args.queries + args.warmup
    unknown = round(need * args.unknown)
    known = rng.sample(sample, min(len(sample), need - unknown))
    # Valid ID numbers of a neighbouring county: nobody here holds a certificate.
    strangers = [_person(rng.randrange(10_000_000), region="610728") for _ in range(unknown)]
    holders = known + strangers
    rng.shuffle(holders)
    warmup, holders = holders[: args.warmup], holders[args.warmup :]

    sessions = make_sessionmaker(engine)
    found: list[int] = []

    def lookup(holder: str) -> Any:
        with sessions() as session:
            result = lookup_rows(session, {"holder": holder, "certificate_type": None}, on=TODAY)
        found.append(len(result))
        return result

    def sql_only(holder: str) -> Any:
        with sessions() as session:
            return find_by_holder(session, holder)

    # The plan of exactly what the service sends, for a holder with certificates.
    probe = known[0]
    sql, params = captured_sql(engine, lambda: lookup(probe))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [line for (line,) in cursor.fetchall()]
        conn.rollback()
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the look-up ({found[-1]} certificates):")
    print("  " + " ".join(sql.split()).replace(" FROM", "\n    FROM", 1))
    for line in plan:
        print(f"  {line}")
    example = lookup(probe)[0]

    # The same with the certificate type a clerk may add (filtered after the index).
    def typed() -> Any:
        with sessions() as session:
            wanted = {"holder": probe, "certificate_type": example["certificate_type"]}
            return lookup_rows(session, wanted, on=TODAY)

    typed_sql, typed_params = captured_sql(engine, typed)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("EXPLAIN " + typed_sql, typed_params)
        typed_plan = [line for (line,) in cursor.fetchall()]
        conn.rollback()
    print(f"  with certificate_type = {example['certificate_type']!r}:")
    for line in typed_plan:
        if "Scan" in line or "Cond" in line or "Filter" in line:
            print(f"  {line}")
    plans = "\n".join(plan + typed_plan)
    uses_index = "Index" in plans and "Seq Scan" not in plans
    print(
        f"  first record: {example['identifier']} {example['name']} {example['status']}, "
        f"payload {len(example['payload'])} characters, usable {example['usable']}"
    )

    for holder in warmup:
        lookup(holder)
    found.clear()
    samples = timed(lookup, holders)
    sql_samples = timed(sql_only, holders)
    hits = sum(1 for n in found if n)
    print(
        f"\n{len(holders):,} look-ups after {len(warmup)} untimed ones: {hits:,} holders with "
        f"certificates ({sum(found):,} records), {len(holders) - hits:,} unknown"
    )
    # What building one record costs (SignedCertificate.from_dict checks every field,
    # then the payload is encoded), on rows already loaded.
    with sessions() as session:
        loaded = [c for h in known[:500] for c in find_by_holder(session, h)]
        started = time.perf_counter()
        for _ in range(5):
            for cert in loaded:
                record(cert)
        each = (time.perf_counter() - started) / (5 * len(loaded)) * 1e6

    def percentiles(values: Sequence[float]) -> str:
        return (
            f"p50 {percentile(values, 0.5):.2f}, p99 {percentile(values, 0.99):.2f}, "
            f"max {values[-1]:.2f} ms"
        )

    p95 = percentile(samples, 0.95)
    scan = r"(?:Parallel )?(?:Seq|Index Only|Index|Bitmap Heap|Bitmap Index) Scan(?: using \w+)?"
    scans = sorted(set(re.findall(scan, plans)))
    rows = [
        Row(METRICS[0], f"{p95:.2f} ms", f"p95 ≤ {TARGET_MS:.0f} ms", p95 <= TARGET_MS,
            f"{percentiles(samples)}; session + SQL + records; {len(holders):,} look-ups, "
            f"{len(holders) - hits:,} unknown; {total:,} certificates"),
        Row(METRICS[1], "index" if uses_index else "scans the table", "an index, no Seq Scan",
            uses_index, ", ".join(scans)),
        Row(METRICS[2], f"{percentile(sql_samples, 0.95):.2f} ms", NO_TARGET, None,
            f"p95; {percentiles(sql_samples)}; the same holders; for information"),
        Row(METRICS[3], f"{each:.0f} µs", NO_TARGET, None,
            f"{len(loaded):,} rows, 5 rounds; for information"),
    ]  # fmt: skip
    print_table(rows)
    return exit_status(rows)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(2)
    except Exception:
        traceback.print_exc()
        sys.exit(2)
