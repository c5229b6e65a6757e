"""Cases (办件) as an append-only event log and the pure fold every tier runs over it."""

from shared.cases.events import (
    CaseStatus,
    Event,
    EventType,
    InvalidEvent,
    Outcome,
    canonical_json,
    new_event_id,
    parse_event_type,
)
from shared.cases.fold import (
    COUNTY,
    DEFAULT_EXTENSION_DAYS,
    TERMINAL,
    CaseState,
    Refusal,
    accept_node,
    accepting_town,
    allowed_origins,
    check,
    fold,
    handler_node,
    refusal,
)

__all__ = [
    "COUNTY",
    "DEFAULT_EXTENSION_DAYS",
    "TERMINAL",
    "CaseState",
    "CaseStatus",
    "Event",
    "EventType",
    "InvalidEvent",
    "Outcome",
    "Refusal",
    "accept_node",
    "accepting_town",
    "allowed_origins",
    "canonical_json",
    "check",
    "fold",
    "handler_node",
    "new_event_id",
    "parse_event_type",
    "refusal",
]
