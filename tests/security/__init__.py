"""Security tests: one module per finding of the 等保 2.0 review."""
