"""Dates typed by people, the way documents and people write them, in the bot's time zone.

One small grammar for every place a date is typed: `25.12 10:00`, `25.12.2026 10:00`,
`27 июня 2024`, `27 июня`, `27.06.2024`, `завтра 10:00`, `в пятницу в 15:00`. The words
come from CLDR through Babel (month names, weekday names, "today" / "tomorrow" in every
locale the bot has), plus the few filler words of `dates.words` in the locale files; so
nothing is guessed from a word the grammar does not know. Input that reads two ways
(`03.04` alone: a date or a time? Friday typed on a Friday; `27 июня` half a year away
from either side) raises `DateInputError` with the readings, to be asked back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale

# A date typed without a year that is this far in the past means next year
# (typing 10.01 in December); anything closer is a mistake and refused as past.
ROLL_OVER = timedelta(days=60)
# Years a date of the union's life can have.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# A day without a year (a resolution's date) within this distance of today is this year's;
# farther away it could be last year's or next year's, and is asked back.
NEAR = timedelta(days=120)


class DateProblem(StrEnum):
    FORMAT = "format"  # not shaped like a date and time
    INVALID = "invalid"  # 31.02, 25:00
    PAST = "past"
    NO_TIME = "no_time"  # a day without a time where both are needed (`day`)
    NO_DATE = "no_date"  # a time without a day
    DATE_OR_TIME = "date_or_time"  # `03.04` alone (`day`, `clock`)
    AMBIGUOUS = "ambiguous"  # two readings (`options`: datetimes, or dates for a day)
    WEEKDAY = "weekday"  # "Friday 27 November" when the 27th is a Thursday (`day`)


class DateInputError(ValueError):
    def __init__(self, problem: DateProblem, **values: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.values = values

    def key(self, prefix: str = "dates") -> str:
        return f"{prefix}.{self.problem.value}"


@dataclass(frozen=True)
class Words:
    """What the grammar knows, in every locale: month and weekday stems, relative days."""

    months: dict[str, int] = field(default_factory=dict)  # 3-letter stem -> month
    weekdays: dict[str, int] = field(default_factory=dict)  # 3-letter stem -> 0..6
    relative: dict[str, int] = field(default_factory=dict)  # "tomorrow" -> 1
    filler: frozenset[str] = frozenset()  # "at", "on", "of" (dates.words.filler)
    hours: frozenset[str] = frozenset()  # "h" (dates.words.hours)


LOCALES = ("ru", "en")


@lru_cache(maxsize=1)
def words() -> Words:
    from bot.texts import load_locale_files  # texts import Babel too; no cycle at import time

    catalogs = load_locale_files()
    found = Words()
    for code in LOCALES:
        locale = Locale.parse(code)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    found.months[_stem(name)] = number
                for number, name in locale.days[context][width].items():
                    if len(_stem(name)) == 3:
                        found.weekdays[_stem(name)] = number
        for shift, word in locale._data["date_fields"]["day"]["relative"].items():
            found.relative[word.casefold()] = int(shift)
    filler: set[str] = set()
    hours: set[str] = set()
    for catalog in catalogs.values():
        filler |= _list(catalog.get("dates.words.filler"))
        hours |= _list(catalog.get("dates.words.hours"))
    return Words(found.months, found.weekdays, found.relative, frozenset(filler), frozenset(hours))


def _list(value: object) -> set[str]:
    return {w.strip().casefold() for w in str(value or "").split(",") if w.strip()}


def _stem(word: str) -> str:
    return word.casefold().rstrip(".")[:3]


_TOKEN = re.compile(
    r"(?P<full>\d{1,2}[./-]\d{1,2}[./-]\d{2,4})"
    r"|(?P<short>\d{1,2}[./]\d{1,2})(?![\d./])"
    r"|(?P<clock>\d{1,2}:\d{2})"
    r"|(?P<number>\d+)"
    r"|(?P<word>[^\W\d_]+\.?)"
    r"|(?P<junk>[^\s,])",
    re.UNICODE,
)


@dataclass
class _Parsed:
    day: date | None = None
    month_day: tuple[int, int] | None = None  # day and month without a year
    shift: int | None = None  # today + n
    weekday: int | None = None
    clock: time | None = None
    short: tuple[int, int] | None = None  # `a.b`: a date without a year, or a time


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _date(year: int, month: int, day: int) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:  # 01.01.0001 is a slip, not a date
        raise DateInputError(DateProblem.INVALID)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError(DateProblem.INVALID) from None


def _clock(hour: int, minute: int) -> time:
    try:
        return time(hour, minute)
    except ValueError:
        raise DateInputError(DateProblem.INVALID) from None


def _read(text: str) -> _Parsed:
    """The pieces of a typed date and time; FORMAT for anything the grammar does not know."""
    vocab = words()
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text.casefold())]
    parsed = _Parsed()
    shorts: list[tuple[int, int]] = []
    i = 0

    def set_once(name: str, value: object) -> None:
        if getattr(parsed, name) is not None:
            raise DateInputError(DateProblem.FORMAT)
        setattr(parsed, name, value)

    while i < len(tokens):
        kind, value = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else (None, "")
        if kind == "full":
            day, month, year = re.split(r"[./-]", value)
            set_once("day", _date(_year(year), int(month), int(day)))
        elif kind == "short":
            a, b = (int(part) for part in re.split(r"[./]", value))
            shorts.append((a, b))
        elif kind == "clock":
            hour, minute = value.split(":")
            set_once("clock", _clock(int(hour), int(minute)))
        elif kind == "number" and following[0] == "word" and _stem(following[1]) in vocab.months:
            month = vocab.months[_stem(following[1])]
            i += 1
            after = tokens[i + 1] if i + 1 < len(tokens) else (None, "")
            if after[0] == "number" and len(after[1]) == 4:
                set_once("day", _date(int(after[1]), month, int(value)))
                i += 1
            else:
                _date(2000, month, int(value))  # 29 February exists in a leap year
                set_once("month_day", (int(value), month))
        elif kind == "number" and following[0] == "word" and following[1] in vocab.hours:
            set_once("clock", _clock(int(value), 0))
            i += 1
        elif kind == "number" and i > 0 and tokens[i - 1][1] in vocab.filler and int(value) < 24:
            set_once("clock", _clock(int(value), 0))  # "at 9" (and its Russian twin)
        elif kind == "word" and value.rstrip(".") in vocab.relative:
            set_once("shift", vocab.relative[value.rstrip(".")])
        elif kind == "word" and _stem(value) in vocab.weekdays and len(value) >= 2:
            set_once("weekday", vocab.weekdays[_stem(value)])
        elif kind == "word" and value.rstrip(".") in vocab.filler:
            pass
        else:
            raise DateInputError(DateProblem.FORMAT)
        i += 1
    if len(shorts) > 2:
        raise DateInputError(DateProblem.FORMAT)
    if len(shorts) == 2:  # `25.12 10.00`: a date then a time
        set_once("month_day", shorts[0])
        set_once("clock", _clock(*shorts[1]))
    elif shorts and (parsed.day or parsed.month_day or parsed.shift is not None):
        set_once("clock", _clock(*shorts[0]))  # with a day given, `10.30` is a time
    elif shorts and parsed.clock is not None:
        set_once("month_day", shorts[0])
    elif shorts:
        parsed.short = shorts[0]
    return parsed


def _month_day(pair: tuple[int, int]) -> tuple[int, int]:
    day, month = pair
    _date(2000, month, day)
    return pair


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, allow_past: bool = False) -> datetime:
    """A moment typed by a person, as an aware UTC datetime; DateInputError says what is
    wrong or what to ask back."""
    parsed = _read(text)
    local_now = now.astimezone(tz)
    today = local_now.date()
    if parsed.short is not None:  # `03.04` alone
        a, b = parsed.short
        as_date = _valid_date(today.year, b, a)
        as_time = a < 24 and b < 60
        if as_date and as_time:
            raise DateInputError(DateProblem.DATE_OR_TIME, day=as_date, clock=f"{a:02d}:{b:02d}")
        if as_date:
            raise DateInputError(DateProblem.NO_TIME, day=as_date)
        if as_time:
            raise DateInputError(DateProblem.NO_DATE)
        raise DateInputError(DateProblem.INVALID)
    days = _days(parsed, today, rolling=not allow_past, local_now=local_now)
    if not days:
        if parsed.clock is not None:
            raise DateInputError(DateProblem.NO_DATE)
        raise DateInputError(DateProblem.FORMAT)
    if parsed.clock is None:
        raise DateInputError(DateProblem.NO_TIME, day=days[0])
    moments = [datetime.combine(day, parsed.clock, tzinfo=tz) for day in days]
    if len(moments) > 1 and not allow_past:  # today's reading already passed: next week's
        moments = [m for m in moments if m > local_now] or moments
    if len(moments) > 1:
        raise DateInputError(DateProblem.AMBIGUOUS, options=[m.astimezone(UTC) for m in moments])
    moment = moments[0]
    if moment <= local_now and not allow_past:
        raise DateInputError(DateProblem.PAST)
    return moment.astimezone(UTC)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _days(parsed: _Parsed, today: date, *, rolling: bool, local_now: datetime) -> list[date]:
    """The day (or the two days it may be) the pieces name."""
    named: date | None = parsed.day
    if parsed.month_day is not None:
        day, month = _month_day(parsed.month_day)
        candidate = _valid_date(today.year, month, day) or _valid_date(today.year + 1, month, day)
        assert candidate is not None
        if rolling and candidate < today - ROLL_OVER:
            candidate = _valid_date(today.year + 1, month, day)
            if candidate is None:  # 29.02 of a leap year
                raise DateInputError(DateProblem.INVALID)
        named = candidate
    if parsed.shift is not None:
        shifted = today + timedelta(days=parsed.shift)
        if named is not None and named != shifted:
            raise DateInputError(DateProblem.FORMAT)
        named = shifted
    if parsed.weekday is None:
        return [named] if named is not None else []
    if named is not None:
        if named.weekday() != parsed.weekday:
            raise DateInputError(DateProblem.WEEKDAY, day=named)
        return [named]
    ahead = (parsed.weekday - today.weekday()) % 7
    if ahead == 0:  # "on Friday" typed on a Friday: today, or a week later?
        return [today, today + timedelta(days=7)]
    return [today + timedelta(days=ahead)]


def parse_day(text: str, *, today: date | None = None) -> date:
    """A day like `15.12.2026` or `27 June 2024` (in Russian too). With `today`, also
    `27 June`, `27.06` (this year's when near; asked back when it may be last or next
    year's) and `tomorrow`.
    A time typed with it is left out."""
    parsed = _read(text)
    if parsed.short is not None:
        parsed.month_day = parsed.short
        parsed.short = None
    if parsed.day is not None and parsed.month_day is None and parsed.shift is None:
        if parsed.weekday is not None and parsed.day.weekday() != parsed.weekday:
            raise DateInputError(DateProblem.WEEKDAY, day=parsed.day)
        return parsed.day
    if today is None or (parsed.month_day is None and parsed.shift is None):
        if parsed.month_day is not None:
            _month_day(parsed.month_day)
        raise DateInputError(DateProblem.FORMAT)
    if parsed.month_day is not None and parsed.shift is None:
        day, month = _month_day(parsed.month_day)
        this_year = _valid_date(today.year, month, day)
        if this_year is not None and abs(this_year - today) <= NEAR:
            found = this_year
        else:
            other = today.year + (1 if (this_year or date(today.year, 3, 1)) < today else -1)
            options = [d for d in (this_year, _valid_date(other, month, day)) if d is not None]
            if len(options) > 1:
                raise DateInputError(DateProblem.AMBIGUOUS, options=sorted(options))
            found = options[0]
        if parsed.weekday is not None and found.weekday() != parsed.weekday:
            raise DateInputError(DateProblem.WEEKDAY, day=found)
        return found
    days = _days(parsed, today, rolling=False, local_now=datetime.now(UTC))
    if len(days) != 1:
        raise DateInputError(DateProblem.AMBIGUOUS, options=days)
    return days[0]
