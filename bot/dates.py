"""Dates typed the Russian way: `25.12 10:00`, `25.12.2026 10:00`, in the bot's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

_DATE_TIME = re.compile(
    r"^\s*(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./](?P<year>\d{4}|\d{2}))?"
    r"(?:\s*,\s*|\s+)(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*$"
)
_DATE = re.compile(r"^\s*(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4}|\d{2})\s*$")

# A date typed without a year that is this far in the past means next year
# (typing 10.01 in December); anything closer is a mistake and refused as past.
ROLL_OVER = timedelta(days=60)
# Years a date of the union's life can have (typing 01.01.0001 is a slip, not a date).
FIRST_YEAR, LAST_YEAR = 1900, 2100


class DateProblem(StrEnum):
    FORMAT = "format"  # not shaped like a date and time
    INVALID = "invalid"  # 31.02, 25:00
    PAST = "past"


class DateInputError(ValueError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _year(text: str | None, default: int) -> int:
    if text is None:
        return default
    return 2000 + int(text) if len(text) == 2 else int(text)


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, allow_past: bool = False) -> datetime:
    """A moment typed by a person, as an aware UTC datetime; DateInputError says what is wrong."""
    match = _DATE_TIME.match(text)
    if match is None:
        raise DateInputError(DateProblem.FORMAT)
    local_now = now.astimezone(tz)
    year = _year(match["year"], local_now.year)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateInputError(DateProblem.INVALID)
    try:
        day = date(year, int(match["month"]), int(match["day"]))
        clock = time(int(match["hour"]), int(match["minute"]))
    except ValueError:
        raise DateInputError(DateProblem.INVALID) from None
    moment = datetime.combine(day, clock, tzinfo=tz)
    if match["year"] is None and moment < local_now - ROLL_OVER:
        try:
            moment = moment.replace(year=year + 1)
        except ValueError:  # 29.02 of a leap year
            raise DateInputError(DateProblem.INVALID) from None
    if moment <= local_now and not allow_past:
        raise DateInputError(DateProblem.PAST)
    return moment.astimezone(UTC)


def parse_day(text: str) -> date:
    """A date like `15.12.2026`."""
    match = _DATE.match(text)
    if match is None:
        raise DateInputError(DateProblem.FORMAT)
    year = _year(match["year"], 0)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateInputError(DateProblem.INVALID)
    try:
        return date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise DateInputError(DateProblem.INVALID) from None
