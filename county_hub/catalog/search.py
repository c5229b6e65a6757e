"""Search keys for Chinese item names: full pinyin and initials (spjyxk → 食品经营许可)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def _keep_alnum(chunk: str) -> str:
    # Latin letters and digits in a name (e.g. "B2B") stay searchable; punctuation goes.
    return "".join(c.lower() for c in chunk if c.isascii() and c.isalnum())


def pinyin_keys(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of ``name``, lowercase, without separators."""
    full = "".join(lazy_pinyin(name, style=Style.NORMAL, errors=_keep_alnum))
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=_keep_alnum))
    return full.lower(), initials.lower()


def normalise_query(q: str) -> str:
    """Trim, lowercase, and drop spaces a user types between syllables."""
    return "".join(q.split()).lower()
