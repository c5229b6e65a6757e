"""Holiday schedules published by the county (master data for every node)."""
