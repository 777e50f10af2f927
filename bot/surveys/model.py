"""What the survey service returns: a survey, a step of the answering dialog and why it
cannot go on, a spreadsheet read back, who a message reaches, and what the union learned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.surveys.definition import Audience, Definition, Question
from bot.surveys.engine import Plan
from bot.surveys.sheets import Previous
from storage.cities import City
from storage.surveys import Owner, ResponseState, SurveyRow
from storage.values import SurveyStatus

TRIAL = -1  # the "city" of a staff member's try-out of a draft


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
