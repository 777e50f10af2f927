"""Last year beside this year (`compare_with`): the survey a survey repeats, and the
answers given to it, for the dialog, the answer spreadsheet and the exports."""

from __future__ import annotations

from dataclasses import replace

from bot.services.people import PeopleService
from bot.surveys.base import SurveyBase
from bot.surveys.definition import Answer
from bot.surveys.engine import plan
from bot.surveys.model import Step, Survey
from bot.surveys.roster import Comparison, build_comparison, matching
from bot.surveys.sheets import Previous
from storage.surveys import ResponseRepo
from storage.values import SurveyStatus


class Comparing(SurveyBase):
    responses: ResponseRepo
    people: PeopleService
    _slugs: dict[str, int]
    _previous: dict[tuple[int, int | None, int | None], Previous]

    async def earlier(self, survey: Survey) -> Survey | None:
        """The survey this one repeats, if it names one the bot has."""
        slug = survey.definition.compare_with
        if slug is None:
            return None
        known = self._slugs.get(slug)
        if known is not None:
            return await self.get(known)
        found = await self.find(slug)
        if found is not None:
            self._slugs[slug] = found.id
        return found

    def year_of(self, survey: Survey) -> int | None:
        moment = survey.deadline or survey.row.opened_at
        return moment.astimezone(self.people.catalog.tz).year if moment else None

    async def _compared(self, step: Step) -> Step:
        """The step with last year's answers of its city, when the survey has them."""
        if step.survey.definition.compare_with is None or step.owner.trial:
            return step
        earlier = await self.earlier(step.survey)
        if earlier is None:
            return step
        cache_key = (earlier.id, step.owner.city_id, step.owner.person_id)
        previous = self._previous.get(cache_key)
        if previous is None:
            state = await self.responses.answers(earlier.id, step.owner)
            answers: dict[str, Answer] = {}
            if state is not None and state.status == "submitted":
                effective = plan(earlier.definition, state.answers).effective
                answers = matching(step.survey.definition, earlier.definition, effective)
            previous = Previous(self.year_of(earlier), answers)
            if earlier.status is SurveyStatus.CLOSED:  # no longer changes
                self._previous[cache_key] = previous
        return replace(step, previous=previous)

    async def comparison(self, survey: Survey) -> Comparison | None:
        """Last year's submitted answers of every city (or person), for the exports."""
        earlier = await self.earlier(survey)
        if earlier is None:
            return None
        rows = await self.responses.for_export(earlier.id)
        return build_comparison(survey.definition, earlier.definition, rows, self.year_of(earlier))

    async def previous(self, step: Step) -> Previous | None:
        """Last year's answers of the same city (or person), when the survey repeats an
        earlier one (`compare_with`); None otherwise."""
        return (await self._compared(step)).previous
