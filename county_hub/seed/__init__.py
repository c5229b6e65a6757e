"""Deterministic demo data for 略阳县: regions, departments, accounts, catalog, delegation."""
