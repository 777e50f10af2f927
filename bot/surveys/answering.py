"""The answering dialog: the surveys a person can answer, whether they may (a contact of
the city; a staff member trying a draft out), one step at a time with every answer saved at
once, and the submit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from bot.clock import Clock
from bot.surveys.answers import AnswerError, parse_typed
from bot.surveys.comparing import Comparing
from bot.surveys.definition import Answer, QuestionType
from bot.surveys.engine import plan
from bot.surveys.model import TRIAL, ContactSurvey, Refusal, Step, Submission, Survey
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.cities import City, CityRepo
from storage.surveys import Owner, ResponseRepo, ResponseState
from storage.values import SurveyStatus


class Answering(Comparing):
    cities: CityRepo
    responses: ResponseRepo
    audit: AuditRepo
    clock: Clock
    yes_words: Collection[str]
    no_words: Collection[str]
    unit_words: list[frozenset[str]]

    async def contact_surveys(self, viewer: Viewer) -> list[ContactSurvey]:
        """Open surveys the person can answer: one line per (survey, city)."""
        found: list[ContactSurvey] = []
        members = {c.id: c for c in await self.cities.members()}
        for survey, _ in await self.overview():
            if not survey.accepts_answers(self.clock.now()):
                continue
            if survey.by_cities:
                for city_id in sorted(viewer.city_ids):
                    city = members.get(city_id)
                    if city is None:
                        continue
                    state = await self.responses.answers(survey.id, Owner(city_id=city_id))
                    found.append(
                        ContactSurvey(survey, city, state, plan(survey.definition, _answers(state)))
                    )
            elif viewer.is_registered:
                state = await self.responses.answers(survey.id, Owner(person_id=viewer.id))
                found.append(
                    ContactSurvey(survey, None, state, plan(survey.definition, _answers(state)))
                )
        return found

    async def _access(
        self, viewer: Viewer, survey_id: int, city_id: int
    ) -> tuple[Survey, Owner, City | None] | Refusal:
        survey = await self.get(survey_id)
        if survey is None:
            return Refusal.GONE
        if city_id == TRIAL:  # staff trying a draft out: kept apart, never a response
            if not viewer.is_staff:
                return Refusal.NOT_CONTACT
            if survey.status is not SurveyStatus.DRAFT:
                return Refusal.TRIAL_OVER
            return survey, Owner(person_id=viewer.id, trial=True), None
        if survey.status is SurveyStatus.DRAFT:
            return Refusal.NOT_OPEN
        if not survey.accepts_answers(self.clock.now()):
            return Refusal.CLOSED
        if not survey.by_cities:
            return survey, Owner(person_id=viewer.id), None
        if city_id == 0 and len(viewer.city_ids) == 1:
            (city_id,) = viewer.city_ids
        elif city_id == 0 and viewer.city_ids:
            return Refusal.PICK_CITY
        if city_id not in viewer.city_ids:
            return Refusal.NOT_CONTACT
        city = await self.cities.get(city_id)
        if city is None or not city.is_member:
            return Refusal.NOT_CONTACT
        return survey, Owner(city_id=city_id), city

    async def step(
        self, viewer: Viewer, survey_id: int, city_id: int, at: str | None = None
    ) -> Step | Refusal:
        """The dialog's current step; `at` asks a given question (Back, Edit)."""
        access = await self._access(viewer, survey_id, city_id)
        if isinstance(access, Refusal):
            return access
        survey, owner, city = access
        state = await self.responses.answers(survey.id, owner) or ResponseState("draft", {}, None)
        return await self._compared(self._step(survey, owner, city, state, at))

    def _step(
        self, survey: Survey, owner: Owner, city: City | None, state: ResponseState, at: str | None
    ) -> Step:
        current = plan(survey.definition, state.answers)
        question = None
        if at is not None:
            question = next((q for q in current.questions if q.key == at), None)
        if question is None and at != "review":
            question = current.first_unanswered()
        return Step(survey, owner, city, current, state, question)

    async def answer(
        self, viewer: Viewer, survey_id: int, city_id: int, key: str, value: Answer
    ) -> Step | Refusal:
        """Save an answer at once, then the next step: the first unanswered question, or the
        review. A skipped question is saved as None."""
        access = await self._access(viewer, survey_id, city_id)
        if isinstance(access, Refusal):
            return access
        survey, owner, city = access
        question = survey.definition.question(key)
        if question is None:
            return Refusal.GONE
        remove = question.type is QuestionType.MULTI and value == []
        state = await self.responses.answer(
            survey.id, owner, key, value, person_id=viewer.id, now=self.clock.now(), remove=remove
        )
        step = self._step(survey, owner, city, state, None)
        if step.submitted and not step.plan.complete:
            # an edit made more questions apply: the response needs them before it counts
            await self.responses.set_status(
                survey.id, owner, "draft", person_id=viewer.id, now=self.clock.now()
            )
            step = self._step(
                survey, owner, city, ResponseState("draft", state.answers, None), None
            )
        return await self._compared(step)

    async def answer_text(
        self, viewer: Viewer, survey_id: int, city_id: int, key: str, text: str
    ) -> Step | Refusal | AnswerError:
        survey = await self.get(survey_id)
        question = survey.definition.question(key) if survey else None
        if question is None:
            return Refusal.GONE
        try:
            value = parse_typed(
                question, text, yes=self.yes_words, no=self.no_words, synonyms=self.unit_words
            )
        except AnswerError as error:
            return error
        return await self.answer(viewer, survey_id, city_id, key, value)

    async def toggle(
        self, viewer: Viewer, survey_id: int, city_id: int, key: str, option: str
    ) -> Step | Refusal:
        """Multiple choice: tick or untick one option (saved at once); the step stays on it."""
        current = await self.step(viewer, survey_id, city_id, at=key)
        if isinstance(current, Refusal):
            return current
        chosen = current.plan.effective.get(key)
        picked = list(chosen) if isinstance(chosen, list) else []
        picked = [o for o in picked if o != option] if option in picked else [*picked, option]
        question = current.survey.definition.question(key)
        assert question is not None
        ordered = [o for o in question.options if o in picked]
        saved = await self.answer(viewer, survey_id, city_id, key, ordered)
        if isinstance(saved, Refusal):
            return saved
        return replace(
            self._step(saved.survey, saved.owner, saved.city, saved.state, key),
            previous=saved.previous,
        )

    async def submit(self, viewer: Viewer, survey_id: int, city_id: int) -> Submission | Refusal:
        current = await self.step(viewer, survey_id, city_id, at="review")
        if isinstance(current, Refusal):
            return current
        if not current.plan.complete:
            missing = current.plan.first_unanswered() or current.plan.missing_required[0]
            return Submission(
                replace(
                    self._step(
                        current.survey, current.owner, current.city, current.state, missing.key
                    ),
                    previous=current.previous,
                ),
                done=False,
            )
        await self.responses.set_status(
            survey_id, current.owner, "submitted", person_id=viewer.id, now=self.clock.now()
        )  # a try-out ends here, its answers gone
        if not current.owner.trial:
            await self.audit.record(
                viewer.id,
                "survey.submit",
                current.survey.row.slug,
                now=self.clock.now(),
                city=current.city.name if current.city else None,
            )
        state = ResponseState("submitted", current.state.answers, self.clock.now())
        return Submission(
            Step(current.survey, current.owner, current.city, current.plan, state, None), done=True
        )


def _answers(state: ResponseState | None) -> dict[str, Any]:
    return state.answers if state else {}
