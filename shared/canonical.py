"""Canonical JSON: the one byte form that every signature and hash in sanji covers."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (``ensure_ascii=False``); NaN and infinities refused.

    Equal JSON data gives equal bytes on every node, so these are the bytes that
    signatures (sync changes, certificates, status lists) and hash chains cover.
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
