"""Frozen DDL of the tables the hub schema and the node schema share, one module a revision.

Both Alembic histories call these, so a shared table's DDL is written once (ADR 0011).
"""
