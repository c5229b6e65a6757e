"""Flask plumbing shared by the three tiers: app building, errors, auth, API docs."""
