"""Masking of ID and mobile numbers for display and for every log line."""

from __future__ import annotations

import re

# ASCII classes on purpose: \d is Unicode-aware and \b sees no boundary between 号 and
# 1 in "身份证号1304…". Only digits bound a match, so a longer digit run is never cut
# into an ID or a mobile, while "sfz1304…" (letters glued on) is still caught.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# A +86 / 0086 / 86 prefix glued to the number would otherwise make it a longer digit
# run and let it through; only the 11 digits are rewritten.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])((?:\+|00)?86)?(1[3-9][0-9]{9})(?![0-9])")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def mask_id_number(value: str) -> str:
    """Keep the first and last 4 characters, star the rest; short values are all stars.

    ``6107**********123X`` for an 18-character number.
    """
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``138****5678`` for a mainland mobile; otherwise keep only the last 4 characters."""
    if _MOBILE.fullmatch(value):
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_text(text: str) -> str:
    """Mask every 18-character ID number and 11-digit mobile number inside free text."""
    # IDs first: a masked ID keeps no run of 11 digits for the mobile pattern to find.
    masked = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: (m.group(1) or "") + mask_phone(m.group(2)), masked)
