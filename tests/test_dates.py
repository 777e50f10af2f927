"""Dates typed the way people and documents write them (bot.dates), and ambiguity asked back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import DateInputError, DateProblem, parse_day, parse_when
from bot.texts import TextCatalog

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 12:00 in Moscow
TODAY = date(2026, 11, 23)


def local(text: str) -> str:
    return parse_when(text, now=NOW, tz=TZ).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15.12 10:00", "2026-12-15 10:00"),
        ("25.12.2026 10:00", "2026-12-25 10:00"),
        ("25.12 10.00", "2026-12-25 10:00"),
        ("27 июня 2027 10:00", "2027-06-27 10:00"),
        ("27 июня 10:00", "2027-06-27 10:00"),  # without a year: the next 27 June
        ("27.06.2027 10:00", "2027-06-27 10:00"),
        ("12 марта 2027 г., 18:00", "2027-03-12 18:00"),
        ("завтра 10:00", "2026-11-24 10:00"),
        ("завтра в 10", "2026-11-24 10:00"),
        ("послезавтра в 9:30", "2026-11-25 09:30"),
        ("в пятницу в 15:00", "2026-11-27 15:00"),
        ("пятница 27 ноября 15:00", "2026-11-27 15:00"),
        ("в понедельник в 10:00", "2026-11-30 10:00"),  # today's 10:00 has passed
        ("tomorrow at 10:00", "2026-11-24 10:00"),
        ("27 June 2027 10:00", "2027-06-27 10:00"),
    ],
)
def test_moments_typed_in_words_and_numbers(typed: str, expected: str) -> None:
    assert local(typed) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("когда-нибудь", DateProblem.FORMAT),
        ("31.02.2027 10:00", DateProblem.INVALID),
        ("23.11 10:00", DateProblem.PAST),
        ("в 15:00", DateProblem.NO_DATE),
        ("27 июня", DateProblem.NO_TIME),
        ("03.04", DateProblem.DATE_OR_TIME),  # the 3rd of April, or 03:04?
        ("в понедельник в 15:00", DateProblem.AMBIGUOUS),  # today, or a week later?
        ("четверг 27 ноября 15:00", DateProblem.WEEKDAY),
    ],
)
def test_what_is_refused_or_asked_back(typed: str, problem: DateProblem) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_when(typed, now=NOW, tz=TZ)
    assert caught.value.problem is problem


def test_the_question_back_names_both_readings() -> None:
    t = TextCatalog.load().get("ru")
    with pytest.raises(DateInputError) as caught:
        parse_when("в понедельник в 15:00", now=NOW, tz=TZ)
    text = t(caught.value.key(), **caught.value.values)
    assert "23 ноября 2026 г., 15:00 МСК (понедельник)" in text
    assert "30 ноября 2026 г., 15:00 МСК (понедельник)" in text
    assert "<code>23.11.2026 15:00</code>" in text
    with pytest.raises(DateInputError) as caught:
        parse_when("03.04", now=NOW, tz=TZ)
    text = t(caught.value.key(), **caught.value.values)
    assert text.startswith("«3.04» — это дата (3 апреля 2026 г.) или время (03:04)?")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("27 июня 2024", date(2024, 6, 27)),
        ("27 июня 2024 г.", date(2024, 6, 27)),
        ("27.06.2024", date(2024, 6, 27)),
        ("27.06.24", date(2024, 6, 27)),
        ("1 декабря", date(2026, 12, 1)),  # near: this year
        ("25.09", date(2026, 9, 25)),
        ("сегодня", TODAY),
    ],
)
def test_days(typed: str, expected: date) -> None:
    assert parse_day(typed, today=TODAY) == expected


def test_a_day_half_a_year_away_is_asked_back() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_day("27 июня", today=TODAY)
    assert caught.value.problem is DateProblem.AMBIGUOUS
    assert caught.value.values["options"] == [date(2026, 6, 27), date(2027, 6, 27)]
    t = TextCatalog.load().get("ru")
    text = t(caught.value.key("dates.day"), **caught.value.values)
    assert "27 июня 2026 г. или 27 июня 2027 г.?" in text


def test_a_day_without_today_needs_its_year() -> None:
    assert parse_day("15.12.2026") == date(2026, 12, 15)
    with pytest.raises(DateInputError):
        parse_day("15.12")
