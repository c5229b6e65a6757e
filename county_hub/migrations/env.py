"""Alembic environment of the county hub."""

from alembic import context

from county_hub.models import METADATA
from shared.migrate import run_env

run_env(context, METADATA)
