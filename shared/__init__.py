"""Code shared by the three tiers: database base, errors, ids, calendar, web plumbing."""
