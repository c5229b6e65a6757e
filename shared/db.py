"""SQLAlchemy 2 plumbing shared by every tier: naming convention, column types, engines."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

#: Constraint names are deterministic so Alembic migrations can drop and alter them on
#: both SQLite and PostgreSQL.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the project's naming convention (each app has its own)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps stored in UTC on every backend.

    SQLite has no time zone type and hands back naive values; this type refuses naive
    input and always returns aware datetimes, so comparisons never mix the two kinds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use shared.clock for aware timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Column aliases used across models (Warehouse style).
str8 = Annotated[str, mapped_column(String(8))]
str12 = Annotated[str, mapped_column(String(12))]
str32 = Annotated[str, mapped_column(String(32))]
str50 = Annotated[str, mapped_column(String(50))]
str200 = Annotated[str, mapped_column(String(200))]
aware_datetime = Annotated[datetime, mapped_column(UTCDateTime())]

TYPE_ANNOTATION_MAP: dict[Any, Any] = {
    datetime: UTCDateTime(),
    dict[str, Any]: JSON(),
    list[Any]: JSON(),
}


class CommonBase(DeclarativeBase):
    """Tables every tier has (accounts, calendar, case events, sync bookkeeping).

    Each tier's Alembic history covers this metadata plus the tier's own ``Base``.
    """

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class ReplicaBase(DeclarativeBase):
    """The nodes' copy of the hub's master data (towns and villages, not the hub)."""

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


def enum_column(enum_cls: type[enum.Enum]) -> Any:
    """Store a StrEnum by value in a VARCHAR (no native enum types to migrate)."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and real transactions on pysqlite.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the events
    below are SQLAlchemy's documented recipe so that a whole catalog import really is one
    transaction and nested savepoints work in tests.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock up front. A deferred transaction that read first
        # fails at once with "database is locked" when another process (web worker vs.
        # scheduler) wrote in between; an immediate one waits (busy_timeout) instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_sessionmaker(bind: Any, **kw: Any) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after commit)."""
    return sessionmaker(bind=bind, expire_on_commit=False, **kw)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def utcnow() -> datetime:
    """Aware now in UTC (for defaults only; services take the injected clock)."""
    return datetime.now(UTC)
