"""A survey as the bot keeps it: its questions and their types, who answers, who sees the
results, the limits of a survey file, and the problems found in one (each with its place).
A file is read by `loader.py` (YAML) or `template_reader.py` (a spreadsheet) and checked by
`validation.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KEY = re.compile(r"^[a-z0-9_]{1,40}$")
TEXT_LIMIT = 1000  # question text and hints: they must fit a Telegram message with the rest
DEFAULT_MAX_LENGTH = 2000
MAX_OPTIONS = 20
MAX_QUESTIONS = 100
MAX_SCALE_STEPS = 11
MAX_DECIMALS = 6
UNIT_LIMIT = 40


class QuestionType(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    CHOICE = "choice"
    MULTI = "multi"
    YESNO = "yesno"
    SCALE = "scale"
    TEXT = "text"
    DATE = "date"


NUMERIC = frozenset({QuestionType.NUMBER, QuestionType.INTEGER, QuestionType.SCALE})
WITH_OPTIONS = frozenset({QuestionType.CHOICE, QuestionType.MULTI})


class Audience(StrEnum):
    CITIES = "cities"
    SUBSCRIBERS = "subscribers"


class ShareResults(StrEnum):
    STAFF = "staff"
    PARTICIPANTS = "participants"
    EVERYONE = "everyone"


Answer = float | int | str | bool | list[str] | None


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text: str
    type: QuestionType
    hint: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = True
    options: tuple[str, ...] = ()
    max_length: int = DEFAULT_MAX_LENGTH
    when: dict[str, tuple[Answer, ...]] = field(default_factory=dict)
    decimals: int | None = None  # a number question: digits after the point, e.g. 2 for money

    def applies(self, answers: dict[str, Answer]) -> bool:
        """Whether the question is asked, given the answers so far (all `when` must match)."""
        for key, accepted in self.when.items():
            given = answers.get(key)
            if isinstance(given, list):
                if not any(item in accepted for item in given):
                    return False
            elif given is None or given not in accepted:
                return False
        return True

    def undecided(self, answers: dict[str, Answer]) -> bool:
        """A `when` waits for a question not answered yet."""
        return any(key not in answers for key in self.when)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "text": self.text, "type": self.type.value}
        for name in ("hint", "unit", "min", "max"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if not self.required:
            data["required"] = False
        if self.options:
            data["options"] = list(self.options)
        if self.type is QuestionType.TEXT:
            data["max_length"] = self.max_length
        if self.when:
            data["when"] = {k: list(v) for k, v in self.when.items()}
        if self.decimals is not None:
            data["decimals"] = self.decimals
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Question:
        return cls(
            key=data["key"],
            text=data["text"],
            type=QuestionType(data["type"]),
            hint=data.get("hint"),
            unit=data.get("unit"),
            min=data.get("min"),
            max=data.get("max"),
            required=data.get("required", True),
            options=tuple(data.get("options", ())),
            max_length=data.get("max_length", DEFAULT_MAX_LENGTH),
            when={k: tuple(v) for k, v in data.get("when", {}).items()},
            decimals=data.get("decimals"),
        )


@dataclass(frozen=True, slots=True)
class Definition:
    slug: str
    title: str
    description: str | None
    audience: Audience
    share_results: ShareResults
    deadline: datetime | None
    questions: tuple[Question, ...]
    compare_with: str | None = None  # the id of the earlier survey this one repeats

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def index(self, key: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.slug,
            "title": self.title,
            "description": self.description,
            "audience": self.audience.value,
            "share_results": self.share_results.value,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "questions": [q.to_json() for q in self.questions],
            **({"compare_with": self.compare_with} if self.compare_with else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Definition:
        deadline = data.get("deadline")
        return cls(
            slug=data["id"],
            title=data["title"],
            description=data.get("description"),
            audience=Audience(data["audience"]),
            share_results=ShareResults(data["share_results"]),
            deadline=datetime.fromisoformat(deadline) if deadline else None,
            questions=tuple(Question.from_json(q) for q in data["questions"]),
            compare_with=data.get("compare_with"),
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file: where (`questions[3].options`), what (a text key under
    `survey_file.` in the locales), and the values the text needs."""

    place: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class DefinitionError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.place}: {p.code}" for p in problems))
        self.problems = problems
