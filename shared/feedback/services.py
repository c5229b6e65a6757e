"""好差评 links and 办不成事反映 sent upstream: the parts of feedback with no web in them.

The rating link's token is an HMAC of the case number with the node's SECRET_KEY, so only
links this node printed open a form. Complaints filed at a town or village are sent to the
county signed with the node's key (a town relays its villages' the same way).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from shared.sync.relay import ask_upstream
from shared.tier import Tier

_TOKEN_HEX = 20  # 80 bits: short enough for a QR code and an SMS, too long to guess

COMPLAINT_PATH = "/api/v1/sync/complaints"
COMPLAINT_FIELDS = ("contact_name", "contact_phone", "item_code", "department_code", "text")


def rating_token(case_no: str, secret: str) -> str:
    """The link token of ``case_no``: HMAC-SHA256 with the node's secret, shortened."""
    mac = hmac.new(secret.encode(), f"sanji-rating:{case_no}".encode(), hashlib.sha256)
    return mac.hexdigest()[:_TOKEN_HEX]


def rating_path(case_no: str, secret: str) -> str:
    """The path of the applicant's rating page for ``case_no`` on this node."""
    return f"/r/{case_no}/{rating_token(case_no, secret)}"


def token_matches(case_no: str, token: str, secret: str) -> bool:
    """Whether ``token`` is this node's token for ``case_no`` (constant time)."""
    return hmac.compare_digest(rating_token(case_no, secret), token.lower())


def send_complaint(tier: Tier, body: dict[str, Any]) -> Any:
    """Send a complaint to the county; Unavailable (503) with a plain reason when offline."""
    return ask_upstream(
        tier,
        COMPLAINT_PATH,
        body,
        offline="县级平台暂不可达，反映尚未登记；填写的内容仍在下方，请稍后再提交",
    )
