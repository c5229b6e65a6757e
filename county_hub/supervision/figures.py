"""The figure registry: each figure of DOMAIN §7 by unit for a period, with room for more.

The case figures (办结率, 按时办结率, 超期件) are computed by :mod:`.services`. Figures
whose data lives elsewhere are *hooks*: another domain registers a provider with
:func:`register_figure` (ratings: 好评率 and 差评整改率; certificates: 免提交率), and until
it does, every page, API answer and report shows "—" for them.
"""

from __future__ import annotations

import calendar as months
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from shared.errors import InvalidInput, InvalidParam

By = Literal["department", "town", "village"]
BY_LABELS: dict[str, str] = {"department": "部门", "town": "镇（街道）", "village": "村（社区）"}

NO_VALUE = "—"


@dataclass(frozen=True)
class Period:
    """One calendar month, and the day its snapshot figures (超期件) are taken on."""

    month: str  # YYYY-MM
    start: date
    end: date  # first day of the next month (exclusive)
    as_of: date  # the month's last day, or today for the running month

    @property
    def label(self) -> str:
        return f"{self.start.year} 年 {self.start.month} 月"


def parse_month(text: str | None, today: date, *, field: str = "month") -> Period:
    """``YYYY-MM`` as a :class:`Period`; the running month when ``text`` is empty.

    Raises InvalidInput (422) for a malformed month or one that has not begun.
    """
    if not text:
        text = f"{today.year:04d}-{today.month:02d}"
    try:
        year_text, month_text = text.split("-")
        if len(year_text) != 4 or len(month_text) != 2:
            raise ValueError(text)
        start = date(int(year_text), int(month_text), 1)
    except ValueError:
        raise InvalidInput(
            detail=f"月份格式有误：{text}",
            invalid_params=[InvalidParam(field, "应为 YYYY-MM 格式的月份，如 2026-11")],
        ) from None
    if start > today:
        raise InvalidInput(
            detail=f"{text} 尚未开始，没有统计数据",
            invalid_params=[InvalidParam(field, "不能晚于本月")],
        )
    end = start + timedelta(days=months.monthrange(start.year, start.month)[1])
    return Period(text, start, end, min(today, end - timedelta(days=1)))


def rate(count: int, of: int) -> dict[str, Any]:
    """A ratio as the API shows it; ``percent`` is "—" when there is nothing to divide by."""
    if not of:
        return {"count": count, "of": of, "rate": None, "percent": NO_VALUE}
    value = count / of
    return {"count": count, "of": of, "rate": round(value, 4), "percent": f"{value * 100:.2f}%"}


#: (session, period, by) → {unit code: (count, of)} for one hooked figure.
Provider = Callable[[Session, Period, str], Mapping[str, tuple[int, int]]]


@dataclass(frozen=True)
class Hook:
    """A figure this domain does not compute itself."""

    key: str
    label: str
    definition: str


HOOKS: tuple[Hook, ...] = (
    Hook("good_rating_rate", "好评率", "评价 1–3 级（好评）÷ 全部评价"),
    Hook("bad_review_fixed_rate", "差评整改率", "按期整改的差评 ÷ 全部差评"),
    Hook("waiver_rate", "免提交率", "以电子证照免于提交的材料 ÷ 应提交材料"),
)

_PROVIDERS: dict[str, Provider] = {}


def register_figure(key: str, provider: Provider) -> None:
    """Fill the hook ``key`` (one of :data:`HOOKS`) with ``provider``; replaces an earlier one.

    Raises KeyError for a key that is not a hook, so a typo cannot add a silent figure.
    """
    if key not in {h.key for h in HOOKS}:
        raise KeyError(f"no figure hook named {key!r}")
    _PROVIDERS[key] = provider


def unregister_figure(key: str) -> None:
    """Empty the hook again (tests)."""
    _PROVIDERS.pop(key, None)


def hooked_figures(session: Session, period: Period, by: str) -> dict[str, dict[str, Any]]:
    """{hook key: {unit code: rate}} for the hooks that have a provider; absent ones are "—"."""
    found: dict[str, dict[str, Any]] = {}
    for hook in HOOKS:
        provider = _PROVIDERS.get(hook.key)
        if provider is None:
            continue
        found[hook.key] = {
            unit: rate(count, of) for unit, (count, of) in provider(session, period, by).items()
        }
    return found
