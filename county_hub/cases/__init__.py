"""Cases at the hub: county hall windows and department reviewers (the logic is shared)."""
