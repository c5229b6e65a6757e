"""The node application: what town nodes and village portals both run.

``app`` registers it on a tier's Flask app, ``models`` is the node schema with its one
Alembic history in ``migrations/``, ``replica/`` is the node's copy of master data,
and ``jobs`` the node scheduler's jobs.
"""

from pathlib import Path

#: The node schema's Alembic history, applied by ``sanji town init`` and ``sanji village init``.
MIGRATIONS = Path(__file__).parent / "migrations"
