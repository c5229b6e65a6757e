"""Settings every node has, town or village (their tiers add their environment prefix).

Common settings (DATA_DIR, DATABASE_URL, SECRET_KEY, NODE_CODE, TOKEN_MAX_AGE, LOG_LEVEL,
MAX_CONTENT_LENGTH) are listed in shared/config.py.
"""

from __future__ import annotations

from shared.config import Setting

NODE_SETTINGS: tuple[Setting, ...] = (
    Setting("SYNC_INTERVAL", 10, "int: seconds between sync cycles while the upstream answers"),
    Setting("SYNC_BATCH", 1000, "int: events per push (one round trip each; the hub takes ≤ 5000)"),
    Setting(
        "UPSTREAM_CA_BUNDLE",
        "",
        "str: PEM file of the county's private CA that the upstream's TLS certificate must "
        "chain to (passed to requests as verify=); '' = the system's CAs / REQUESTS_CA_BUNDLE",
    ),
    Setting(
        "COUNTY_CODE", "610727", "str: region code of the county hub (whose key signs master data)"
    ),
)
