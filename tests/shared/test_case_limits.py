"""The time-limit trace and warning levels (shared.cases.limits), counted by hand.

2026 calendar (State Council notice): Mid-Autumn Sep 25–27 and National Day Oct 1–7 off,
Sun Sep 20 and Sat Oct 10 worked; Spring Festival Feb 15–23 off, Sat Feb 14 and 28 worked.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.calendar import WorkCalendar, YearSchedule, builtin_schedule
from shared.cases import EventType
from shared.cases.limits import (
    days_left,
    deadline_level,
    on_time,
    time_limit,
    warning_level,
)
from tests.shared.test_case_fold import CAL, Story, at

T = EventType


def national_day_case() -> Story:
    """Accepted Mon Sep 21, 10 working days, a 特别程序 Sep 24–29, extended by 5."""
    s = Story()
    s.submit(at(9, 18), limit=10)
    s.add(T.ACCEPTED, at(9, 21))
    s.add(T.SUSPENDED, at(9, 24), reason="送检", kind="检测")
    s.add(T.RESUMED, at(9, 29), note="报告已出")
    s.add(T.EXTENDED, at(9, 30), reason="情况复杂", days=5)
    return s


def test_trace_across_national_day_with_a_stop_and_an_extension() -> None:
    state = national_day_case().state()
    # By hand, without stop or extension: Sep 22–24, 28–30, Oct 8, 9, Sat Oct 10 (make-up),
    # Mon Oct 12.
    assert CAL.add_working_days(date(2026, 9, 21), 10) == date(2026, 10, 12)
    # The stop (Sep 24, Sep 29] costs Sep 28, 29 (25 is Mid-Autumn); 2 + 5 more: Oct 13–21.
    assert state.stopped_working_days == 2
    assert state.due_date == date(2026, 10, 21)
    limit = time_limit(state, CAL, date(2026, 10, 16))
    assert limit.trace == [
        "受理日期：2026-09-21（星期一）（当日不计入）",
        "承诺时限：10 个工作日（周末、法定节假日不计，调休上班日计入）",
        "特别程序 1：2026-09-24（星期四） 至 2026-09-29（星期二），2 个工作日不计入时限",
        "延长期限：5 个工作日（经负责人批准）",
        "办结期限：受理日期后第 17 个工作日（10 + 2（特别程序） + 5（延长））"
        "＝ 2026-10-21（星期三）",
        "截至 2026-10-16（星期五）：剩余 3 个工作日",
    ]
    assert (limit.level, limit.working_days_left) == ("green", 3)
    assert limit.to_dict()["level_label"] == "正常"


@pytest.mark.parametrize(
    ("today", "level", "left", "last"),
    [
        (date(2026, 10, 16), "green", 3, "剩余 3 个工作日"),  # Oct 19, 20, 21
        (date(2026, 10, 17), "green", 3, "剩余 3 个工作日"),  # a Saturday counts no less
        (date(2026, 10, 19), "yellow", 2, "剩余 2 个工作日"),  # exactly 2 left
        (date(2026, 10, 20), "yellow", 1, "剩余 1 个工作日"),
        (date(2026, 10, 21), "yellow", 0, "今日到期"),
        (date(2026, 10, 22), "red", -1, "已超期 1 个工作日"),
        (date(2026, 10, 26), "red", -3, "已超期 3 个工作日"),  # Oct 22, 23, 26
    ],
)
def test_warning_levels_at_the_boundaries(today: date, level: str, left: int, last: str) -> None:
    state = national_day_case().state()
    assert warning_level(state.due_date, today, CAL) == level
    limit = time_limit(state, CAL, today)
    assert (limit.level, limit.working_days_left) == (level, left)
    assert limit.trace[-1].endswith(last)


def test_warn_days_is_configurable_and_a_day_past_is_red_even_on_a_weekend() -> None:
    due = date(2026, 10, 21)
    assert warning_level(due, date(2026, 10, 16), CAL, warn_days=3) == "yellow"
    assert warning_level(due, date(2026, 10, 16), CAL, warn_days=0) == "green"
    assert warning_level(due, date(2026, 10, 21), CAL, warn_days=0) == "yellow"
    friday = date(2026, 10, 23)
    assert warning_level(friday, date(2026, 10, 24), CAL) == "red"
    assert days_left(friday, date(2026, 10, 24), CAL) == 0  # no working day passed yet
    assert warning_level(None, friday, CAL) == ""


def test_a_deadline_is_coloured_by_the_same_rule_in_working_days() -> None:
    # Fri Oct 16 to Wed Oct 21: 5 calendar days but 3 working days (Oct 19, 20, 21).
    friday, wednesday = date(2026, 10, 16), date(2026, 10, 21)
    assert deadline_level(wednesday, friday, CAL, warn_days=3) == "yellow"
    assert deadline_level(wednesday, friday, CAL, warn_days=2) == "green"
    # Over National Day: Sep 30 to Oct 8 is 9 calendar days and 1 working day.
    assert deadline_level(date(2026, 10, 8), date(2026, 9, 30), CAL, warn_days=1) == "yellow"
    for today in (date(2026, 10, 14), friday, date(2026, 10, 20), wednesday, date(2026, 10, 22)):
        assert deadline_level(wednesday, today, CAL, warn_days=2) == warning_level(
            wednesday, today, CAL, warn_days=2
        )


def test_a_deadline_done_escalated_or_not_fixed() -> None:
    due, today = date(2026, 10, 21), date(2026, 10, 16)
    assert deadline_level(due, today, CAL, warn_days=3, done=True) == ""
    assert deadline_level(date(2026, 10, 1), today, CAL, warn_days=3, done=True) == ""
    assert deadline_level(due, today, CAL, warn_days=0, escalated=True) == "red"
    assert deadline_level(date(2026, 10, 15), today, CAL, warn_days=0) == "red"
    # No deadline could be fixed (an unpublished year): still open work, green.
    assert deadline_level(None, today, CAL, warn_days=3) == "green"


def test_unknown_year_is_green_not_a_guess() -> None:
    # Due in 2027, which the built-in data does not know: cannot count, so not "due soon".
    assert days_left(date(2027, 1, 20), date(2026, 12, 30), CAL) is None
    assert warning_level(date(2027, 1, 20), date(2026, 12, 30), CAL) == "green"


def test_make_up_day_counts_and_holidays_do_not_in_the_trace() -> None:
    s = Story()
    s.submit(at(2, 12), limit=3)
    s.add(T.ACCEPTED, at(2, 12))
    state = s.state()
    # By hand: Fri Feb 13, Sat Feb 14 (make-up), then Feb 15–23 off, Tue Feb 24.
    assert state.due_date == date(2026, 2, 24)
    limit = time_limit(state, CAL, date(2026, 2, 14))
    assert limit.trace[-2] == "办结期限：受理日期后第 3 个工作日（3）＝ 2026-02-24（星期二）"
    # Saturday Feb 14 is a working day, the holiday is not: only Feb 24 is left.
    assert (limit.level, limit.working_days_left) == ("yellow", 1)


def test_natural_day_limit_and_instant_case() -> None:
    s = Story()
    s.submit(at(9, 1), limit=30, unit="N")
    s.add(T.ACCEPTED, at(9, 1))
    trace = time_limit(s.state(), CAL, date(2026, 9, 2)).trace
    assert trace[1] == "承诺时限：30 个自然日，自然日期满 2026-10-01（星期四）"
    assert trace[2] == "办结期限：2026-10-01（星期四）"

    instant = Story()
    instant.submit(at(9, 1), case_kind=1, limit=0)
    instant.add(T.ACCEPTED, at(9, 1))
    limit = time_limit(instant.state(), CAL, date(2026, 9, 1))
    assert limit.trace[1] == "承诺时限：即办件，受理当日办结"
    assert limit.trace[-1].endswith("今日到期") and limit.level == "yellow"


def test_running_stop_unaccepted_and_concluded_cases() -> None:
    s = Story()
    s.submit(at(9, 18), limit=10)
    assert time_limit(s.state(), CAL, date(2026, 9, 18)).trace == ["尚未计时：尚未受理"]
    s.add(T.ACCEPTED, at(9, 21))
    s.add(T.SUSPENDED, at(9, 24), reason="听证", kind="听证")
    limit = time_limit(s.state(), CAL, date(2026, 9, 28))
    assert "特别程序 1：2026-09-24（星期四） 起，尚未结束，计时中止" in limit.trace
    assert limit.trace[-1] == "办结期限：暂无（特别程序中，计时中止）"
    assert (limit.level, limit.working_days_left) == ("", None)

    done = Story()
    done.submit(at(9, 18), limit=10)
    done.add(T.ACCEPTED, at(9, 21))
    done.add(T.DECIDED, at(10, 13, 10), approve=True)
    state = done.state()
    assert on_time(state) is False  # due Mon Oct 12, decided Tue Oct 13
    limit = time_limit(state, CAL, date(2026, 11, 1))
    assert limit.trace[-1] == "已于 2026-10-13（星期二） 作出决定：超期办结"
    assert limit.level == ""


def test_a_published_holiday_moves_the_due_date_in_the_trace() -> None:
    s = national_day_case()
    base = builtin_schedule(2026)
    extra = YearSchedule(
        year=2026,
        source="测试：增加一天假期",
        holidays=frozenset({*base.holidays, date(2026, 10, 12)}),
        workdays=base.workdays,
        names=dict(base.names),
    )
    state = s.state(WorkCalendar(published=[extra]))
    assert state.due_date == date(2026, 10, 22)  # Oct 12 off: one more day
    assert (
        time_limit(state, WorkCalendar(published=[extra]), date(2026, 10, 16))
        .trace[-2]
        .endswith("＝ 2026-10-22（星期四）")
    )
