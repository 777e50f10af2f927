"""Every member city and where it stands in a survey: submitted, in progress (n of m
answered, m counting only the questions that apply to it), not started, or no contact
(nobody there can receive the survey). One list feeds the status screen, the participation
line, the close summary, the exports and the digest, so they always agree."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.surveys.definition import NUMERIC, Answer, Definition
from bot.surveys.engine import plan
from storage.surveys import Participation, ResponseExport


class State(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"  # started, not submitted (after the close: not submitted)
    NOT_STARTED = "not_started"
    NO_CONTACT = "no_contact"  # not started, and nobody can receive the survey


@dataclass(frozen=True, slots=True)
class Entry:
    """One city (or, in a survey of subscribers, one person who answered)."""

    row: ResponseExport
    state: State
    answered: int  # answers that count
    total: int  # questions that apply, given the answers (skip logic)

    @property
    def name(self) -> str:
        return self.row.city_name or self.row.person_name or ""

    def title(self, locale: str) -> str:
        if locale == "en" and self.row.city_name_en:
            return self.row.city_name_en
        return self.name

    @property
    def has_contact(self) -> bool:
        return self.row.contacts > 0


@dataclass(frozen=True, slots=True)
class Comparison:
    """The answers every city (or person) submitted to the survey this one repeats, by city
    id (or person id), for the questions both have; `year`: that survey's year."""

    year: int | None
    answers: dict[int, dict[str, Answer]]

    def of(self, entry: Entry) -> dict[str, Answer]:
        owner = entry.row.city_id if entry.row.city_id is not None else entry.row.person_id
        return self.answers.get(owner, {}) if owner is not None else {}


def matching(
    definition: Definition, earlier: Definition, answers: dict[str, Answer]
) -> dict[str, Answer]:
    """Answers to the questions both surveys have (the same key, the same kind of answer)."""
    found = {}
    for question in definition.questions:
        before = earlier.question(question.key)
        if before is None or question.key not in answers:
            continue
        if before.type is question.type or {before.type, question.type} <= NUMERIC:
            found[question.key] = answers[question.key]
    return found


def build_comparison(
    definition: Definition, earlier: Definition, rows: list[ResponseExport], year: int | None
) -> Comparison:
    """Last year's submitted answers (those that counted) of every city or person."""
    by_owner = {}
    for row in rows:
        if row.status != "submitted":
            continue
        owner = row.city_id if row.city_id is not None else row.person_id
        if owner is not None:
            effective = plan(earlier, row.answers).effective
            by_owner[owner] = matching(definition, earlier, effective)
    return Comparison(year, by_owner)


def change(now: float, before: float) -> float | None:
    """The change from `before` to `now` in %, None when it has no meaning (from zero)."""
    if before == 0:
        return None
    return (now - before) / abs(before) * 100


@dataclass(frozen=True, slots=True)
class Roster:
    entries: list[Entry]
    by_cities: bool
    invited: int  # a survey of subscribers: the people asked (a city survey: the cities)

    def of(self, state: State) -> list[Entry]:
        return [entry for entry in self.entries if entry.state is state]

    def count(self, state: State) -> int:
        return sum(1 for entry in self.entries if entry.state is state)

    @property
    def participation(self) -> Participation:
        return Participation(
            submitted=self.count(State.SUBMITTED),
            in_progress=self.count(State.IN_PROGRESS),
            total=len(self.entries) if self.by_cities else self.invited,
            no_contact=self.count(State.NO_CONTACT),
        )


def build_roster(
    definition: Definition, rows: list[ResponseExport], *, by_cities: bool, invited: int = 0
) -> Roster:
    entries = []
    for row in rows:
        current = plan(definition, row.answers)
        if row.status == "submitted":
            state = State.SUBMITTED
        elif row.status is not None:
            state = State.IN_PROGRESS
        elif by_cities and row.contacts == 0:
            state = State.NO_CONTACT
        else:
            state = State.NOT_STARTED
        entries.append(Entry(row, state, current.answered, current.total))
    return Roster(entries, by_cities, invited)
