"""The surveys themselves: read once and cached, found by id or slug, listed. Every other
part of the service (see service.py) builds on this one."""

from __future__ import annotations

from bot.surveys.definition import Definition
from bot.surveys.model import Survey
from storage.surveys import Participation, SurveyRepo, SurveyRow


class SurveyBase:
    surveys: SurveyRepo
    _cache: dict[int, Survey]

    def _remember(self, row: SurveyRow) -> Survey:
        survey = Survey(row, Definition.from_json(row.definition))
        self._cache[row.id] = survey
        return survey

    async def get(self, survey_id: int) -> Survey | None:
        """A survey (cached: only this service changes surveys, and it updates the cache)."""
        survey = self._cache.get(survey_id)
        if survey is None:
            row = await self.surveys.get(survey_id)
            survey = None if row is None else self._remember(row)
        return survey

    async def find(self, id_or_slug: str) -> Survey | None:
        row = (
            await self.surveys.get(int(id_or_slug))
            if id_or_slug.isdigit()
            else await self.surveys.by_slug(id_or_slug)
        )
        return None if row is None else self._remember(row)

    async def overview(self) -> list[tuple[Survey, Participation]]:
        return [(self._remember(row), part) for row, part in await self.surveys.all()]
