"""Security tests: scoping, masking, lockout, sessions, headers, audit (等保 2.0 level 3)."""
