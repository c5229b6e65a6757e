"""Staff accounts of the whole county, managed at the hub."""
