"""What staff type in the event dialog: limits, links, the end of an event."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.dates import DateInputError, DateProblem, parse_when

TITLE_MAX = 200
PLACE_MAX = 300
LINK_MAX = 500
DESCRIPTION_MAX = 2000  # with the longest title, place and link a card stays one message
CITY_MAX = 100
LINK_RE = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)

_TIME_ONLY = re.compile(r"^\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*$")


class EndBeforeStart(ValueError):
    """The end typed is not after the start."""


def parse_end(text: str, starts_at: datetime, tz: ZoneInfo) -> datetime:
    """The end of an event: `18:00` (the day it starts) or a full `25.12 18:00`; after the
    start. Raises DateInputError (format, invalid) or EndBeforeStart."""
    match = _TIME_ONLY.match(text)
    if match is None:
        moment = parse_when(text, now=starts_at, tz=tz, allow_past=True)
    else:
        try:
            clock = time(int(match["hour"]), int(match["minute"]))
        except ValueError:
            raise DateInputError(DateProblem.INVALID) from None
        day = starts_at.astimezone(tz).date()
        moment = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
    if moment <= starts_at:
        raise EndBeforeStart(text)
    return moment
