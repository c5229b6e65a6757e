"""Alembic environment of the town tier."""

from alembic import context

from shared.migrate import run_env
from town_node.models import Base

run_env(context, Base.metadata)
