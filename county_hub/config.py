"""Settings of the county hub (environment prefix SANJI_HUB_, file SANJI_HUB_SETTINGS).

Common settings (DATA_DIR, DATABASE_URL, SECRET_KEY, NODE_CODE, TOKEN_MAX_AGE, LOG_LEVEL,
MAX_CONTENT_LENGTH) are listed in shared/config.py.
"""

from __future__ import annotations

from shared.config import Setting

PREFIX = "SANJI_HUB"

SETTINGS: tuple[Setting, ...] = (
    Setting("NODE_CODE", "610727", "str: the county's region code"),
    Setting("COUNTY_NAME", "略阳县", "str: shown on pages and printed documents"),
    Setting(
        "WARN_WORKING_DAYS",
        2,
        "int: an open case turns yellow (预警) when this many working days or fewer are left",
    ),
    Setting(
        "RECTIFY_WORKING_DAYS", 15, "int: working days to rectify a bad review (local: 5 to 15)"
    ),
    Setting("COMPLAINT_WORKING_DAYS", 5, "int: working days to answer a 办不成事反映 complaint"),
    Setting(
        "RECTIFY_WARN_WORKING_DAYS",
        3,
        "int: an open rectification task turns yellow at this many working days left or fewer",
    ),
    Setting(
        "COMPLAINT_WARN_WORKING_DAYS",
        1,
        "int: an unanswered complaint turns yellow at this many working days left or fewer",
    ),
    Setting("APPOINTMENT_CAPACITY", 3, "int: places per 30-minute 预约 slot (venues may differ)"),
    Setting(
        "EXCHANGE_DATABASE_URL",
        "",
        "str: SQLAlchemy URL of the provincial front-end exchange database (前置交换库); '' = off",
    ),
    Setting("EXCHANGE_BATCH", 5000, "int: case events the exchange job plans per pass"),
    Setting(
        "EXCHANGE_GRACE_SECONDS",
        2,
        "int: events younger than this wait one pass (a PostgreSQL writer may commit a lower seq)",
    ),
)
