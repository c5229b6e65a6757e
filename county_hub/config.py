"""Settings of the county hub (environment prefix SANJI_HUB_, file SANJI_HUB_SETTINGS).

Common settings (DATA_DIR, DATABASE_URL, SECRET_KEY, NODE_CODE, TOKEN_MAX_AGE, LOG_LEVEL,
MAX_CONTENT_LENGTH) are listed in shared/config.py.

COUNTY_CODE is the one place that names the county: the hub is the county's node (its
NODE_CODE is the same code), and every node learns the county from the hub when it joins
(``shared.node.config``). The default is the demo's county, 略阳县.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.config import Setting
from shared.ids import RegionLevel, is_valid_region_code, region_level

PREFIX = "SANJI_HUB"

SETTINGS: tuple[Setting, ...] = (
    Setting("COUNTY_CODE", "610727", "str: the county's 6-digit region code (demo: 略阳县)"),
    Setting("NODE_CODE", "", "str: leave empty: the hub's node code is COUNTY_CODE"),
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


def identity(config: Mapping[str, Any], _sessions: object) -> tuple[str, str]:
    """The hub's node code and county: both COUNTY_CODE.

    Raises ValueError, so the hub does not start, when COUNTY_CODE is not a county code or
    NODE_CODE names another node (it predates COUNTY_CODE and may be left set to the same).
    """
    county = str(config["COUNTY_CODE"])
    if not (is_valid_region_code(county) and region_level(county) is RegionLevel.COUNTY):
        raise ValueError(f"{PREFIX}_COUNTY_CODE 应为 6 位县级行政区划代码，实际为 {county!r}")
    node = str(config["NODE_CODE"]) or county
    if node != county:
        raise ValueError(
            f"{PREFIX}_NODE_CODE（{node}）与 {PREFIX}_COUNTY_CODE（{county}）不一致："
            f"枢纽的节点代码就是县级代码，请删去 NODE_CODE 或设置 COUNTY_CODE={node}"
        )
    return node, county
