"""Information exchanges: import, open, the answering dialog, reminders, closing, results."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from bot.delivery.outbox import Outbox
from bot.delivery.parts import render_payload
from bot.scheduler import Scheduler, TooLate
from bot.services.people import PeopleService
from bot.surveys.answers import EMPTY, AnswerError, parse_cell, parse_typed, unit_key
from bot.surveys.definition import (
    NUMERIC,
    Answer,
    Audience,
    Definition,
    Question,
    QuestionType,
    ShareResults,
)
from bot.surveys.engine import Plan, plan
from bot.surveys.files import store_definition, store_survey_file
from bot.surveys.roster import (
    Comparison,
    Roster,
    State,
    build_comparison,
    build_roster,
    change,
    matching,
)
from bot.surveys.sheets import Previous, read_answer_file
from bot.surveys.template import as_yaml, read_template
from bot.texts import TextCatalog, Texts
from bot.topics import Topic
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.cities import City, CityRepo
from storage.contacts import ContactRepo
from storage.files import FileRepo
from storage.outbox import NewJob
from storage.subscriptions import SubscriptionRepo
from storage.surveys import (
    Figure,
    Owner,
    Participation,
    ResponseExport,
    ResponseRepo,
    ResponseState,
    SurveyRepo,
    SurveyRow,
    SurveyStatus,
    load_answer,
)
from storage.timed import TimedAction

log = logging.getLogger(__name__)

_NONE = object()  # a spreadsheet row without an answer when the file was made
TRIAL = -1  # the "city" of a staff member's try-out of a draft

REMIND = "survey_reminder"
CLOSE = "survey_close"
PRIORITY = 5  # invitations and reminders go before a long broadcast


@dataclass(frozen=True, slots=True)
class Survey:
    row: SurveyRow
    definition: Definition

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def title(self) -> str:
        return self.row.title

    @property
    def status(self) -> SurveyStatus:
        return self.row.status

    @property
    def deadline(self) -> datetime | None:
        return self.row.deadline

    @property
    def by_cities(self) -> bool:
        return self.definition.audience is Audience.CITIES

    def accepts_answers(self, now: datetime) -> bool:
        return self.status is SurveyStatus.OPEN and (self.deadline is None or now < self.deadline)


class Refusal(StrEnum):
    GONE = "gone"  # no such survey (a discarded draft)
    NOT_OPEN = "not_open"  # a draft
    CLOSED = "closed"  # closed, or past its deadline
    NOT_CONTACT = "not_contact"  # not (any more) a contact of that city
    PICK_CITY = "pick_city"  # a contact of several cities: which one?
    TRIAL_OVER = "trial_over"  # a try-out of a draft that has been opened meanwhile


@dataclass(frozen=True, slots=True)
class Step:
    """Where a response's dialog stands: a question to ask, or the review."""

    survey: Survey
    owner: Owner
    city: City | None
    plan: Plan
    state: ResponseState
    question: Question | None  # None: all answered, show the review
    previous: Previous | None = None  # last year's answers (`compare_with`)

    @property
    def submitted(self) -> bool:
        return self.state.status == "submitted"

    @property
    def ref(self) -> int:
        """What the dialog's buttons carry: the city, 0 (a person's own), TRIAL."""
        if self.owner.trial:
            return TRIAL
        return self.city.id if self.city else 0


@dataclass(frozen=True, slots=True)
class Submission:
    step: Step
    done: bool  # False: required answers are missing (the step asks the first of them)


@dataclass(frozen=True, slots=True)
class CellNote:
    """Something about one cell of a spreadsheet sent back: `code` is a text key's last
    part (an answer problem, or why the answer was not taken)."""

    cell: str
    code: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SheetImport:
    """A filled-in spreadsheet, read: the answers saved, and what was not."""

    step: Step  # the review
    saved: int
    unchanged: int
    problems: list[CellNote]  # wrong values: not saved
    ignored: list[CellNote]  # answers to questions that do not apply: not saved
    conflicts: list[CellNote]  # changed in the chat since the file was made: the file won


SHEET_REFUSALS = ("not_answers", "other_survey", "other_city", "other_person")


@dataclass(frozen=True, slots=True)
class SheetRefusal:
    """A spreadsheet that cannot be taken: `reason` is not_answers, other_survey,
    other_city, other_person, or a Refusal's value."""

    reason: str
    title: str | None = None
    city: str | None = None


@dataclass(frozen=True, slots=True)
class ContactSurvey:
    survey: Survey
    city: City | None
    state: ResponseState | None
    plan: Plan


@dataclass(frozen=True, slots=True)
class Reach:
    """Who a reminder or an invitation reaches; `started`: those of them whose city (or who
    themselves) started answering (their button says "Continue"); `no_contact`: cities it
    cannot reach, for they have no contact."""

    people: list[int]
    cities: int
    started: frozenset[int] = frozenset()
    no_contact: int = 0


@dataclass(frozen=True, slots=True)
class Stat:
    """What the union learned from one question, for the summaries sent back."""

    key: str
    text: str
    type: str
    unit: str | None
    answers: int
    counts: dict[str, int]  # choice, multi, yesno ("yes"/"no")
    median: float | None
    low: float | None
    high: float | None
    places: int | None = None  # digits after the point the answers were given with
    previous_median: float | None = None  # the survey this one repeats (compare_with)
    previous_year: int | None = None
    change: float | None = None  # of the median, in %


@dataclass(frozen=True, slots=True)
class Chart:
    """A numeric question's answers by city (label, value), and last year's by label."""

    question: Question
    points: list[tuple[str, float]]
    previous: dict[str, float]
    year: int | None
    previous_year: int | None


@dataclass(eq=False)
class SurveyService:
    surveys: SurveyRepo
    responses: ResponseRepo
    cities: CityRepo
    contacts: ContactRepo
    subscriptions: SubscriptionRepo
    files: FileRepo
    people: PeopleService
    outbox: Outbox
    scheduler: Scheduler
    audit: AuditRepo
    clock: Clock
    reminders: list[timedelta]
    yes_words: Collection[str]
    no_words: Collection[str]

    def __post_init__(self) -> None:
        self._cache: dict[int, Survey] = {}
        self._slugs: dict[str, int] = {}
        self._previous: dict[tuple[int, int | None, int | None], Previous] = {}
        self.unit_words = _unit_groups(self.people.catalog)
        self.scheduler.register(REMIND, self._remind_action, grace=None)
        self.scheduler.register(CLOSE, self._close_action, grace=None)

    # --- surveys ----------------------------------------------------------------------------

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

    async def participation(self, survey: Survey) -> Participation:
        part = await self.surveys.participation(survey.id)
        if not survey.by_cities:
            return Participation(part.submitted, part.in_progress, len(await self._everyone()))
        return part

    async def import_file(self, source: str, actor_id: int | None) -> tuple[Survey, bool]:
        """Validate and store as a draft (see `store_survey_file`)."""
        row, replaced = await store_survey_file(
            self.surveys, self.audit, source, actor_id, self.clock.now()
        )
        return self._remember(row), replaced

    async def import_spreadsheet(
        self, raw: bytes, actor_id: int | None, t: Texts
    ) -> tuple[Survey, bool] | None:
        """A survey written in the template: validated as a YAML file is (problems by cell,
        types named in `t`'s language) and stored as a draft; None if the spreadsheet is not
        a filled-in template. WorkbookError for a file that is not a spreadsheet."""
        catalog = self.people.catalog
        definition = await asyncio.to_thread(
            read_template, raw, catalog, t, catalog.tz, self.clock.now(),
            await self.surveys.slugs(),
        )  # fmt: skip
        if definition is None:
            return None
        row, replaced = await store_definition(
            self.surveys, self.audit, definition, as_yaml(definition), actor_id, self.clock.now()
        )
        return self._remember(row), replaced

    async def discard(self, staff: Viewer, survey: Survey) -> bool:
        if not await self.surveys.discard(survey.id):
            return False
        self._cache.pop(survey.id, None)
        await self.audit.record(staff.id, "survey.discard", survey.row.slug, now=self.clock.now())
        return True

    # --- who is asked -----------------------------------------------------------------------

    async def _everyone(self) -> list[int]:
        return await self.subscriptions.subscribers()

    async def _contacts(
        self, survey: Survey, skip_cities: set[int], started_cities: set[int]
    ) -> Reach:
        """Active contacts of member cities, but those in `skip_cities`; how many cities
        they represent, and how many member cities (not skipped) have no contact."""
        everyone = await self.contacts.all()
        reached = [c for c in everyone if c.person.is_active and c.city.id not in skip_cities]
        people = sorted({c.person.id for c in reached})
        started = frozenset(c.person.id for c in reached if c.city.id in started_cities)
        cities = {c.city.id for c in reached}
        unreachable = sum(
            1 for c in await self.cities.members() if c.id not in skip_cities | cities
        )
        return Reach(people, len(cities), started, unreachable)

    async def invitees(self, survey: Survey) -> Reach:
        if survey.by_cities:
            return await self._contacts(survey, set(), set())
        return Reach(await self._everyone(), 0)

    async def not_submitted(self, survey: Survey) -> Reach:
        """Contacts of the cities (or the people) that have not submitted."""
        started_cities, started_people = await self.responses.started(survey.id)
        if survey.by_cities:
            done = await self.responses.submitted_city_ids(survey.id)
            return await self._contacts(survey, done, started_cities)
        submitted = await self.responses.submitted_person_ids(survey.id)
        people = [p for p in await self._everyone() if p not in submitted]
        return Reach(people, 0, frozenset(started_people & set(people)))

    async def _send_to(
        self,
        reach: Reach,
        name: str,
        survey: Survey,
        kind: str,
        audience: dict[str, Any],
        *,
        created_by: int | None = None,
        dedup_key: str | None = None,
    ) -> None:
        """One message to everyone reached, as two jobs: those who started get "Continue",
        the others "Start" (the renderer's `started`)."""
        for started in (False, True):
            people = [p for p in reach.people if (p in reach.started) is started]
            if not people:
                continue
            await self.outbox.send(
                NewJob(
                    kind=kind,
                    audience=audience,
                    payload=render_payload(name, **_about(survey), started=started),
                    created_by=created_by,
                    priority=PRIORITY,
                    dedup_key=f"{dedup_key}:{int(started)}" if dedup_key else None,
                ),
                people,
            )

    # --- opening and closing ----------------------------------------------------------------

    async def open(self, staff: Viewer, survey: Survey, deadline: datetime) -> Survey | None:
        """Open (a draft, or a closed survey again) until `deadline`: invitations go out,
        reminders and the closing are scheduled. None if it is open already."""
        now = self.clock.now()
        reopening = survey.status is SurveyStatus.CLOSED
        row = await self.surveys.open(survey.id, deadline, now=now)
        if row is None:
            return None
        opened = self._remember(row)
        reach = await (self.not_submitted(opened) if reopening else self.invitees(opened))
        name = "survey.reopened" if reopening else "survey.invite"
        await self._send_to(
            reach,
            name,
            opened,
            "survey_invite",
            {"survey_id": survey.id},
            created_by=staff.id,
            dedup_key=f"survey:{survey.id}:invite:{row.version}",
        )
        await self._schedule(opened)
        await self.audit.record(
            staff.id,
            "survey.reopen" if reopening else "survey.open",
            survey.row.slug,
            now=now,
            deadline=deadline.isoformat(),
            invited=len(reach.people),
        )
        return opened

    async def _schedule(self, survey: Survey) -> None:
        assert survey.deadline is not None
        now = self.clock.now()
        for offset in self.reminders:
            ref = f"{survey.id}:{int(offset.total_seconds())}"
            due = survey.deadline - offset
            if due > now:
                await self.scheduler.schedule(REMIND, ref, due)
            else:
                await self.scheduler.cancel(REMIND, ref)
        await self.scheduler.schedule(CLOSE, str(survey.id), survey.deadline)

    async def close(self, survey: Survey, staff: Viewer | None = None) -> Survey | None:
        """Close now (staff) or at the deadline (the scheduler): answers stop, staff get a
        summary, results go back to the participants when the file says so."""
        row = await self.surveys.close(survey.id, now=self.clock.now())
        if row is None:
            return None
        closed = self._remember(row)
        for offset in self.reminders:
            await self.scheduler.cancel(REMIND, f"{survey.id}:{int(offset.total_seconds())}")
        if staff is not None:
            await self.scheduler.cancel(CLOSE, str(survey.id))
        await self.audit.record(
            staff.id if staff else None, "survey.close", survey.row.slug, now=self.clock.now()
        )
        await self._after_close(closed)
        return closed

    async def _after_close(self, survey: Survey) -> None:
        version = survey.row.version
        staff_ids = sorted(await self.people.staff_ids())
        roster = await self.roster(survey)
        part = roster.participation

        def names(state: State) -> list[list[Any]]:
            return [
                [e.name, e.row.city_name_en, e.answered, e.total, e.has_contact]
                for e in roster.of(state)
            ]

        await self.outbox.send(
            NewJob(
                kind="survey_closed",
                audience={"survey_id": survey.id, "staff": True},
                payload=render_payload(
                    "survey.closed",
                    **_about(survey),
                    submitted=part.submitted,
                    total=part.total,
                    by_cities=survey.by_cities,
                    started=names(State.IN_PROGRESS),
                    not_started=names(State.NOT_STARTED),
                    no_contact=names(State.NO_CONTACT),
                ),
                priority=PRIORITY,
                dedup_key=f"survey:{survey.id}:closed:{version}",
            ),
            staff_ids,
        )
        # Those who started and did not submit learn that their answers were not sent.
        started_cities, started_people = await self.responses.started(survey.id)
        told = (
            (await self.contacts.person_ids(started_cities) if started_cities else [])
            if survey.by_cities
            else sorted(started_people)
        )
        if told:
            await self.outbox.send(
                NewJob(
                    kind="survey_unsubmitted",
                    audience={"survey_id": survey.id},
                    payload=render_payload(
                        "survey.unsubmitted", **_about(survey), by_cities=survey.by_cities
                    ),
                    priority=PRIORITY,
                    dedup_key=f"survey:{survey.id}:unsubmitted:{version}",
                ),
                told,
            )
        share = survey.definition.share_results
        if share is ShareResults.STAFF:
            return
        charts = await self.store_charts(survey)
        stats = [asdict(stat) for stat in await self.stats(survey)]
        if share is ShareResults.PARTICIPANTS:
            if survey.by_cities:
                done = await self.responses.submitted_city_ids(survey.id)
                people = await self.contacts.person_ids(done) if done else []
            else:
                people = sorted(await self.responses.submitted_person_ids(survey.id))
        else:
            people = sorted(
                set(await self.contacts.person_ids())
                | set(await self.subscriptions.subscribers(Topic.SURVEYS.value))
            )
        await self.outbox.send(
            NewJob(
                kind="survey_results",
                audience={"survey_id": survey.id, "share": share.value},
                payload=render_payload(
                    "survey.results",
                    **_about(survey),
                    submitted=part.submitted,
                    total=part.total,
                    by_cities=survey.by_cities,
                    stats=stats,
                    charts=[key for key, _ in charts],
                    captions=[caption for _, caption in charts],
                ),
                dedup_key=f"survey:{survey.id}:results:{version}",
            ),
            people,
        )

    async def remind_now(self, staff: Viewer, survey: Survey) -> Reach:
        reach = await self.not_submitted(survey)
        now = self.clock.now()
        await self._send_to(
            reach,
            "survey.remind",
            survey,
            "survey_reminder",
            {"survey_id": survey.id, "manual": True},
            created_by=staff.id,
        )
        await self.audit.record(
            staff.id, "survey.remind", survey.row.slug, now=now, people=len(reach.people)
        )
        return reach

    async def _remind_action(self, action: TimedAction) -> None:
        survey = await self.get(int(action.ref.split(":")[0]))
        if survey is None or not survey.accepts_answers(self.clock.now()):
            raise TooLate
        reach = await self.not_submitted(survey)
        await self._send_to(
            reach,
            "survey.remind",
            survey,
            "survey_reminder",
            {"survey_id": survey.id},
            dedup_key=f"survey:{survey.id}:remind:{action.ref}:{survey.row.version}",
        )

    async def _close_action(self, action: TimedAction) -> None:
        survey = await self.get(int(action.ref))
        if survey is None:
            return
        if survey.status is SurveyStatus.OPEN:
            await self.close(survey)
        elif survey.status is SurveyStatus.CLOSED:
            await self._after_close(survey)  # a crash right after closing: finish the rest

    # --- status -----------------------------------------------------------------------------

    async def roster(self, survey: Survey) -> Roster:
        """Every member city (or every person who answered) and where it stands."""
        rows = await self.responses.for_export(survey.id)
        invited = 0 if survey.by_cities else len(await self._everyone())
        return build_roster(survey.definition, rows, by_cities=survey.by_cities, invited=invited)

    # --- the dialog -------------------------------------------------------------------------

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

    # --- last year beside this year (compare_with) -------------------------------------------

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

    # --- the answer spreadsheet ----------------------------------------------------------

    async def previous(self, step: Step) -> Previous | None:
        """Last year's answers of the same city (or person), when the survey repeats an
        earlier one (`compare_with`); None otherwise."""
        return (await self._compared(step)).previous

    async def import_sheet(self, viewer: Viewer, raw: bytes) -> SheetImport | SheetRefusal:
        """A city's spreadsheet sent back: every cell read by the chat's rules; valid
        answers saved in one transaction (each its own upsert, as in the chat); a cell left
        as it was in the file does not overwrite an answer given in the chat meanwhile.
        WorkbookError for a file that is not a spreadsheet."""
        found = await asyncio.to_thread(read_answer_file, raw)
        if found is None:
            return SheetRefusal("not_answers")
        survey = await self.get(found.survey_id)
        if survey is None or survey.row.slug != found.slug:
            return SheetRefusal("other_survey")
        trial = found.owner == "trial"
        if not trial and survey.by_cities != (found.owner == "city"):
            return SheetRefusal("other_survey", survey.title)
        if not survey.by_cities and found.owner_id != viewer.id:
            return SheetRefusal("other_person", survey.title)
        city_id = TRIAL if trial else found.owner_id if survey.by_cities else 0
        if survey.by_cities and not trial and city_id not in viewer.city_ids:
            city = await self.cities.get(city_id)
            name = city.title(viewer.locale) if city else None
            return SheetRefusal("other_city", survey.title, name)
        access = await self._access(viewer, survey.id, city_id)
        if isinstance(access, Refusal):
            return SheetRefusal(access.value, survey.title)
        survey, owner, city = access
        definition = survey.definition
        problems: list[CellNote] = []
        given: dict[str, tuple[str, Any, Any]] = {}
        unchanged = 0
        for row in found.rows:
            question = definition.question(row.key)
            if question is None or row.key in given:
                problems.append(CellNote(row.cell, "unknown_row", {}))
                continue
            try:
                value = parse_cell(
                    question, row.value, row.number_format, yes=self.yes_words,
                    no=self.no_words, synonyms=self.unit_words,
                )  # fmt: skip
            except AnswerError as error:
                problems.append(CellNote(row.cell, error.problem.value, error.params))
                continue
            if value is EMPTY:
                continue
            original = load_answer(row.original) if row.original else _NONE
            if original is not _NONE and original == value:
                unchanged += 1
                continue
            given[row.key] = (row.cell, value, original)
        state = await self.responses.answers(survey.id, owner) or ResponseState("draft", {}, None)
        merged = {**state.answers, **{key: item[1] for key, item in given.items()}}
        applies = {q.key for q in plan(definition, merged).questions}
        ignored, conflicts, saving = [], [], []
        for key, (cell, value, original) in given.items():
            number = definition.index(key) + 1
            if key not in applies:
                ignored.append(CellNote(cell, "not_asked", {"number": number}))
                continue
            if key in state.answers and state.answers[key] != (
                None if original is _NONE else original
            ):
                conflicts.append(CellNote(cell, "changed_meanwhile", {"number": number}))
            remove = definition.questions[number - 1].type is QuestionType.MULTI and value == []
            saving.append((key, value, remove))
        if saving:
            state = await self.responses.answer_many(
                survey.id, owner, saving, person_id=viewer.id, now=self.clock.now()
            )
        step = self._step(survey, owner, city, state, "review")
        if saving and step.submitted and not step.plan.complete:
            await self.responses.set_status(
                survey.id, owner, "draft", person_id=viewer.id, now=self.clock.now()
            )
            step = self._step(
                survey, owner, city, ResponseState("draft", state.answers, None), "review"
            )
        if not owner.trial:
            await self.audit.record(
                viewer.id, "survey.sheet", survey.row.slug, now=self.clock.now(),
                city=city.name if city else None, saved=len(saving), problems=len(problems),
            )  # fmt: skip
        step = await self._compared(step)
        return SheetImport(step, len(saving), unchanged, problems, ignored, conflicts)

    # --- results ----------------------------------------------------------------------------

    async def export_rows(self, survey: Survey) -> list[ResponseExport]:
        return await self.responses.for_export(survey.id)

    async def _counted(self, survey: Survey) -> list[tuple[str, dict[str, Answer]]]:
        """(city or person, answers that count) of every submitted response."""
        rows = [r for r in await self.export_rows(survey) if r.status == "submitted"]
        return [
            (r.city_name or r.person_name or "?", plan(survey.definition, r.answers).effective)
            for r in rows
        ]

    async def stats(self, survey: Survey) -> list[Stat]:
        """Per question: answers that count (submitted responses only); for a number, the
        median and how it moved since the survey this one repeats."""
        counted = [answers for _, answers in await self._counted(survey)]
        earlier = await self.earlier(survey)
        before = (
            [
                matching(survey.definition, earlier.definition, a)
                for _, a in await self._counted(earlier)
            ]
            if earlier is not None
            else []
        )
        result = []
        for question in survey.definition.questions:
            values = [a[question.key] for a in counted if a.get(question.key) is not None]
            counts: dict[str, int] = {}
            numbers: list[float] = []
            if question.type in (QuestionType.CHOICE, QuestionType.MULTI):
                counts = dict.fromkeys(question.options, 0)
                for value in values:
                    for option in value if isinstance(value, list) else [value]:
                        counts[str(option)] = counts.get(str(option), 0) + 1
            elif question.type is QuestionType.YESNO:
                counts = {"yes": sum(1 for v in values if v is True)}
                counts["no"] = sum(1 for v in values if v is False)
            elif question.type in NUMERIC:
                numbers = sorted(_numbers(values))
            median = _median(numbers)
            previous = _median(sorted(_numbers([a.get(question.key) for a in before])))
            moved = change(median, previous) if median is not None and previous else None
            result.append(
                Stat(
                    key=question.key,
                    text=question.text,
                    type=question.type.value,
                    unit=question.unit,
                    answers=len(values),
                    counts=counts,
                    median=median,
                    low=numbers[0] if numbers else None,
                    high=numbers[-1] if numbers else None,
                    places=max(
                        (v.places for v in values if isinstance(v, Figure)),
                        default=question.decimals,
                    ),
                    previous_median=previous if question.type in NUMERIC else None,
                    previous_year=self.year_of(earlier) if earlier is not None else None,
                    change=moved,
                )
            )
        return result

    async def chart_data(self, survey: Survey) -> list[Chart]:
        """Per numeric question: the value of every submitted response, and last year's."""
        counted = await self._counted(survey)
        earlier = await self.earlier(survey)
        before = await self._counted(earlier) if earlier is not None else []
        data = []
        for question in survey.definition.questions:
            if question.type not in NUMERIC:
                continue
            points = [  # a Figure keeps its digits for the bar's label
                (label, value)
                for label, answers in counted
                for value in _numbers([answers.get(question.key)])
            ]
            previous = {}
            if earlier is not None and matching(
                survey.definition, earlier.definition, {question.key: 0}
            ):
                previous = {
                    label: float(value)
                    for label, answers in before
                    for value in _numbers([answers.get(question.key)])
                }
            if points:
                year = self.year_of(survey)
                previous_year = self.year_of(earlier) if earlier is not None else None
                data.append(Chart(question, points, previous, year, previous_year))
        return data

    async def store_charts(self, survey: Survey) -> list[tuple[str, str]]:
        """Draw the charts once and keep them as files the outbox can send:
        (file key, caption) per numeric question."""
        keys = []
        from bot.surveys.charts import chart_png  # matplotlib loads only when a chart is drawn

        median_label = self.people.catalog.get(None).plain("surveys.chart_median")
        for chart in await self.chart_data(survey):
            question = chart.question
            key = f"survey:{survey.id}:chart:{question.key}:{survey.row.version}"
            png = await asyncio.to_thread(chart_png, chart, median_label)
            await self.files.put(
                key, f"{question.key}.png", png, mime_type="image/png", now=self.clock.now()
            )
            unit = f", {question.unit}" if question.unit else ""
            keys.append((key, f"{question.text}{unit}"))
        return keys


def _about(survey: Survey) -> dict[str, Any]:
    """What every survey message shows, for the outbox renderers."""
    return {
        "survey_id": survey.id,
        "title": survey.title,
        "description": survey.definition.description,
        "questions": len(survey.definition.questions),
        "deadline": survey.deadline.isoformat() if survey.deadline else None,
    }


def _unit_groups(catalog: TextCatalog) -> list[frozenset[str]]:
    """Words that name one unit (the rouble sign, rub, roubles ...), from every locale's
    `surveys.unit_words`: groups separated by `;`, words by `,`."""
    groups = []
    for locale in catalog.locales:
        for group in catalog.get(locale).plain("surveys.unit_words").split(";"):
            words = frozenset(unit_key(w) for w in group.split(",") if w.strip())
            if words:
                groups.append(words)
    return groups


def _answers(state: ResponseState | None) -> dict[str, Any]:
    return state.answers if state else {}


def _numbers(values: list[Any]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _median(numbers: list[float]) -> float | None:
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2
