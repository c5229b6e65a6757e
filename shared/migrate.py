"""Alembic, driven from code: one migration history per app, applied by ``sanji <tier> init``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData


def alembic_config(script_location: Path, engine: Engine) -> Config:
    """A Config whose env.py receives the engine (no alembic.ini to keep in sync)."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(script_location: Path, engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``."""
    command.upgrade(alembic_config(script_location, engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def run_env(context: Any, metadata: MetaData | list[MetaData]) -> None:
    """Body of every app's migrations/env.py (online mode only: we always have an engine)."""
    engine = context.config.attributes.get("engine")
    if engine is None:
        from shared.db import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
