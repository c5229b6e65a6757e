"""Structured logging: static snake_case event names, key=value data, personal data masked.

Usage::

    log = get_logger(__name__)
    log.info("case_accepted", case_no=case.case_no, node=node)

Every rendered line passes through :func:`shared.ids.masking.mask_text`, so an ID number
or phone number that slips into a value (or an exception message) is masked anyway.
See docs/logging.md for the contract.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from shared.ids.masking import mask_text


class MaskingFormatter(logging.Formatter):
    """Formats ``event key=value ...`` and masks ID and phone numbers in the whole line."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        parts = [record.getMessage()]
        parts.extend(f"{k}={_render(v)}" for k, v in fields.items())
        record.msg, record.args = " ".join(parts), None
        return mask_text(super().format(record))


def _render(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


class EventLogger:
    """A thin wrapper so call sites pass data as keywords, never pre-formatted strings."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def _log(self, level: int, name: str, exc_info: bool, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, name, extra={"fields": fields}, exc_info=exc_info)

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, False, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, False, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, False, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, False, fields)

    def exception(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, True, fields)


def get_logger(name: str) -> EventLogger:
    """The project logger for module ``name``."""
    return EventLogger(logging.getLogger(name))


def configure_logging(level: str = "INFO") -> None:
    """Send sanji's logs to stderr with masking; idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler.formatter, MaskingFormatter):
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every step at INFO; `sanji <tier> init` prints its own summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" is how coalescing is meant to work.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
