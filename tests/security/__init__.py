"""Security: audit log, access rules."""
