"""Case projection rows for aggregate tests: written straight into ``cases``.

Figures are SQL over the projection, so tests state the projection they mean (traits as
keyword arguments) instead of walking each case through the API.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.sync.models import CaseRow

_numbers = itertools.count(1)


def case_row(
    session: Session,
    *,
    handled_by: str,
    status: str = "accepted",
    accepting_node: str = "610727",
    accepted_on: date | None = None,
    due_date: date | None = None,
    concluded_on: date | None = None,
    applicant_id: str = "130434********291X",
    **extra: Any,
) -> CaseRow:
    """One projected case; ``on_time`` follows from the dates like the fold's projection."""
    on_time = None
    if concluded_on is not None and due_date is not None:
        on_time = concluded_on <= due_date
    row = CaseRow(
        case_id=str(uuid.uuid4()),
        case_no=f"{accepting_node}-20200101-{next(_numbers):05d}",
        item_code="TEST",
        item_name="测试事项",
        status=status,
        outcome="approved" if concluded_on else None,
        accepting_node=accepting_node,
        accept_by=handled_by,
        handled_by=handled_by,
        applicant_name="张三",
        applicant_id_masked=applicant_id,
        due_date=due_date,
        accepted_on=accepted_on,
        concluded_on=concluded_on,
        on_time=on_time,
        anomalies=0,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        state={},
        **extra,
    )
    session.add(row)
    session.flush()
    return row
