"""The surveys' part of the annual digest: each city survey of the year and who answered."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.digest import SurveyLine, SurveyParticipation
from storage.surveys import SurveyRepo


def participation_by_year(surveys: SurveyRepo, tz: ZoneInfo) -> SurveyParticipation:
    """City surveys opened in the year (in the bot's time zone): "tariffs — 25 of 30", and
    the cities that started without submitting or had no contact."""

    async def lines(year: int) -> list[SurveyLine]:
        start = datetime(year, 1, 1, tzinfo=tz)
        end = datetime(year + 1, 1, 1, tzinfo=tz)
        return [
            SurveyLine(row.title, part.submitted, part.total, part.in_progress, part.no_contact)
            for row, part in await surveys.city_surveys_opened(start, end)
        ]

    return lines
