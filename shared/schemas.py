"""Pieces of the response schemas every tier's API declares (marshmallow, no Flask).

A response schema drops every key it does not declare, so an API answer is exactly its
schema. Two kinds of value need care to keep answers as they were:

- objects copied from case events another node wrote (an applicant, a material): their
  declared fields document them (:func:`as_written`: values as written), and keys a
  newer node added pass through unchanged (:class:`OpenSchema`);
- dates and times handed to Flask as ``date``/``datetime`` objects, which Flask's JSON
  writes as HTTP dates (``Fri, 27 Nov 2026 01:00:00 GMT``), unlike the ISO strings the
  services usually give: :func:`http_date` documents them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

#: OpenAPI ``format`` of ISO 8601 strings (the services write them with ``isoformat()``).
DATE = {"format": "date"}
DATE_TIME = {"format": "date-time"}


def _said(description: str) -> dict[str, str]:
    return {"description": description} if description else {}


class OpenSchema(ma.Schema):
    """An object whose declared fields are documented and whose other keys pass through."""

    class Meta:
        unknown = ma.INCLUDE  # documented as additionalProperties: true

    @ma.post_dump(pass_original=True)
    def _keep_undeclared(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        if isinstance(original, Mapping):
            for key, value in original.items():
                data.setdefault(key, value)
        return data


def as_written(json_type: str, description: str = "", *, nullable: bool = False) -> ma.fields.Raw:
    """A field of an object another node wrote, passed on exactly as written and documented
    as ``json_type``: a typed field could change such a value, or fail on an odd one."""
    return ma.fields.Raw(allow_none=nullable, metadata={"type": json_type, **_said(description)})


def iso_date(description: str = "", **kwargs: Any) -> ma.fields.String:
    """A date the service already wrote as ``YYYY-MM-DD`` (kept as the string it is)."""
    return ma.fields.String(metadata={**DATE, **_said(description)}, **kwargs)


def iso_time(description: str = "", **kwargs: Any) -> ma.fields.String:
    """A moment the service already wrote in ISO 8601 with its offset."""
    return ma.fields.String(metadata={**DATE_TIME, **_said(description)}, **kwargs)


def http_date(description: str = "", **kwargs: Any) -> ma.fields.Raw:
    """A date or moment Flask writes as an HTTP date (RFC 9110), e.g. ``Fri, 27 Nov 2026
    01:00:00 GMT``; passed to Flask untouched so the answer stays as it was."""
    text = "HTTP 日期格式（RFC 9110），如 Fri, 27 Nov 2026 01:00:00 GMT"
    return ma.fields.Raw(
        metadata={
            "type": "string",
            "description": f"{description}（{text}）" if description else text,
        },
        **kwargs,
    )


class PageSchema(ma.Schema):
    """The paging keys of a list (ADR 0004); subclasses add ``items``."""

    total = ma.fields.Integer(metadata={"description": "符合条件的总数"})
    page = ma.fields.Integer(metadata={"description": "页码，从 1 开始"})
    per_page = ma.fields.Integer(metadata={"description": "每页条数"})
