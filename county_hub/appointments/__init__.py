"""预约 at county windows and town centers, and 巡查 of the halls (county hub)."""
