"""Where a page may send the browser after login: same-origin paths only (no open redirect)."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a plain path on this site, else None (the caller's default).

    Browsers strip tabs and newlines from URLs and read ``\\`` as ``/``, so
    ``/\\t/evil.example`` or ``/\\evil.example`` would leave the site even though they
    start with a single ``/``: any control character, backslash, scheme or host refuses
    the target, as does a leading ``//`` (a host of its own).
    """
    if not target or len(target) > 2000:
        return None
    # Control, format and separator characters (tab, CR/LF, NUL, U+2028, spaces): browsers
    # drop some of them silently, and the path url_for builds never holds one unescaped.
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target
