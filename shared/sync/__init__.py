"""Sync protocol v1: master feed down, case events up and down, node identity (ARCHITECTURE §4)."""
