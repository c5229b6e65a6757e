"""Matching Chinese names by text, full pinyin or pinyin initials — hub and nodes alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_


def _keep_alnum(chunk: str) -> str:
    # Latin letters and digits in a name (e.g. "B2B") stay searchable; punctuation goes.
    return "".join(c.lower() for c in chunk if c.isascii() and c.isalnum())


#: Set by long-lived web processes (see shared.web.app): compute pinyin in a short-lived
#: child process instead, so that pypinyin's phrase dictionaries (~85 MB) never stay in a
#: web worker. Seeding and imports (CLI) compute in process.
PINYIN_IN_CHILD = False


def pinyin_keys(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of ``name``, lowercase, without separators."""
    if PINYIN_IN_CHILD:
        return _keys_in_child(name)
    return _keys(name)


def _keys(name: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(name, style=Style.NORMAL, errors=_keep_alnum))
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=_keep_alnum))
    return full.lower(), initials.lower()


def _keys_in_child(name: str) -> tuple[str, str]:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "shared.search"],
        input=json.dumps(name),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    full, initials = json.loads(done.stdout)
    return str(full), str(initials)


def normalise_query(q: str) -> str:
    """Trim, lowercase, and drop spaces a user types between syllables."""
    return "".join(q.split()).lower()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class NameMatch:
    """The WHERE condition and the ORDER BY of a name search (best matches first)."""

    where: ColumnElement[bool]
    order: list[Any]


def name_match(q: str, *, name: Any, pinyin: Any, initials: Any) -> NameMatch | None:
    """``q`` against a name column and its pinyin columns; None when ``q`` is empty.

    A village agent types ``spjyxk`` for 食品经营许可: ASCII queries also match full
    pinyin and initials, and names starting with the query come first, shorter first.
    """
    text = normalise_query(q)
    if not text:
        return None
    conditions = [name.like(_like(q.strip()), escape="\\")]
    if text.isascii():
        conditions += [
            pinyin.like(_like(text), escape="\\"),
            initials.like(_like(text), escape="\\"),
        ]
        first = case(
            (initials.startswith(text, autoescape=True), 0),
            (pinyin.startswith(text, autoescape=True), 0),
            else_=1,
        )
    else:
        first = case((name.startswith(q.strip(), autoescape=True), 0), else_=1)
    return NameMatch(where=or_(*conditions), order=[first, func.length(name)])


if __name__ == "__main__":  # the child process of _keys_in_child
    import json
    import sys

    print(json.dumps(_keys(json.loads(sys.stdin.read()))))
