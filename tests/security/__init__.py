"""Security tests: lockout, address limits, sessions, redirects, headers (等保 2.0 level 3)."""
