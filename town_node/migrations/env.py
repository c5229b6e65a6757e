"""Alembic environment of the town tier."""

from alembic import context

from shared.migrate import run_env
from town_node.models import METADATA

run_env(context, METADATA)
