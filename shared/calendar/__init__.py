"""Official Chinese working-day calendar: published schedules, then bundled data, never a guess."""

from shared.calendar.builtin import builtin_schedule, builtin_years
from shared.calendar.schedule import YearSchedule, from_json, to_json
from shared.calendar.workdays import WorkCalendar

__all__ = [
    "WorkCalendar",
    "YearSchedule",
    "builtin_schedule",
    "builtin_years",
    "from_json",
    "to_json",
]
