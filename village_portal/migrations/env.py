"""Alembic environment of the village tier."""

from alembic import context

from shared.migrate import run_env
from village_portal.models import Base

run_env(context, Base.metadata)
