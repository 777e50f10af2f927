"""Which questions a response goes through, given its answers (skip logic), and where next.

Pure functions of a definition and the answers, so any contact of a city who opens the
survey sees the same plan, whoever answered what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.surveys.definition import Answer, Definition, Question


@dataclass(frozen=True, slots=True)
class Plan:
    """The questions asked (or that may still be asked), in order, and the answers that
    count (an answer to a question that no longer applies does not)."""

    questions: tuple[Question, ...]
    effective: dict[str, Answer]

    @property
    def total(self) -> int:
        return len(self.questions)

    def position(self, key: str) -> int:
        """1-based number of the question in the plan ("Question 3 of 12")."""
        return next((i for i, q in enumerate(self.questions, 1) if q.key == key), 0)

    def first_unanswered(self) -> Question | None:
        return next((q for q in self.questions if q.key not in self.effective), None)

    def before(self, key: str) -> Question | None:
        index = self.position(key) - 1
        return self.questions[index - 1] if index > 0 else None

    @property
    def missing_required(self) -> list[Question]:
        return [q for q in self.questions if q.required and self.effective.get(q.key) is None]

    @property
    def complete(self) -> bool:
        return self.first_unanswered() is None and not self.missing_required

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.key in self.effective)


def plan(definition: Definition, answers: dict[str, Any]) -> Plan:
    """Walk the questions in order: a question is in the plan when its `when` matches the
    answers that count so far, or cannot be judged yet (it waits for an earlier answer)."""
    effective: dict[str, Answer] = {}
    open_keys: set[str] = set()  # in the plan, not answered yet
    asked: list[Question] = []
    for question in definition.questions:
        if any(ref in open_keys for ref in question.when):
            asked.append(question)  # undecided: it may apply once the earlier one is answered
            open_keys.add(question.key)
            continue
        if not question.applies(effective):
            continue
        asked.append(question)
        if question.key in answers:
            effective[question.key] = answers[question.key]
        else:
            open_keys.add(question.key)
    return Plan(tuple(asked), effective)
