"""Alembic environment of the village tier."""

from alembic import context

from shared.migrate import run_env
from village_portal.models import METADATA

run_env(context, METADATA)
