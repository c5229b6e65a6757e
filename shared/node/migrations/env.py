"""Alembic environment of the node schema (town nodes and village portals)."""

from alembic import context

from shared.migrate import run_env
from shared.node.models import METADATA

run_env(context, METADATA)
