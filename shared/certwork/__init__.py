"""Certificates as every tier uses them: offline verification, purpose-bound look-ups and
the hash-chained usage log, over the pure core in :mod:`shared.certs` (ARCHITECTURE §6)."""
