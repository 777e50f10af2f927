"""Survey definition files (YAML): parsing and validation with every problem's place.

Questions are numbered from 1 in messages (`questions[3].options: ...` is the third
question), as the staff count them. `yes` and `no` stay words (YAML 1.2 booleans are only
`true` and `false`), so `options: [yes, no, planned]` means what it says.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import yaml

log = logging.getLogger(__name__)

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


MAX_DEPTH = 12  # a survey file nests four levels; more is a mistake or an attack
SHOWN = 60  # characters of a value quoted back in a problem


class _Refused(yaml.YAMLError):
    """The file uses something a survey file never needs (see `_Loader`)."""

    def __init__(self, code: str, mark: Any) -> None:
        super().__init__(code)
        self.code = code
        self.problem_mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false, so `yes`/`no` stay strings),
    and bounded: anchors and aliases (the "billion laughs"), nesting deeper than
    MAX_DEPTH and a key given twice in one mapping are refused."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("yaml_alias", event.start_mark)
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_DEPTH:
            raise _Refused("yaml_deep", event.start_mark)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict) or key in seen:
                raise _Refused("yaml_duplicate", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

TOP_LEVEL = {"id", "title", "description", "audience", "share_results", "deadline", "questions"}
TOP_LEVEL |= {"compare_with"}
QUESTION_FIELDS = {
    "key", "text", "type", "hint", "unit", "min", "max", "required", "options",
    "max_length", "when",
}  # fmt: skip
QUESTION_FIELDS |= {"decimals"}


def _deadline(value: Any, problems: list[Problem]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        problems.append(Problem("deadline", "deadline_no_time"))
        return None
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            problems.append(Problem("deadline", "deadline_invalid", {"value": shown(value)}))
            return None
    if moment.tzinfo is None:
        problems.append(Problem("deadline", "deadline_no_zone"))
        return None
    return moment.astimezone(UTC)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = _CONTROL.sub("", str(value)).strip()
        return text or None
    return None


NUMBER_LIMIT = 1e15  # bounds and answers: far beyond any tariff or population, finite


def _number(value: Any) -> float | None:
    """A finite number of sane size (`.nan`, `.inf` and 1 followed by 400 zeros are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if abs(value) > NUMBER_LIMIT or not math.isfinite(value):  # (an int may not fit a float)
        return None
    return float(value) if isinstance(value, float) else value


def shown(value: Any) -> str:
    """A value quoted back in a problem: a scalar, shortened; never a whole list or mapping."""
    if isinstance(value, list | dict | set | tuple):
        return "…"
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN else f"{text[: SHOWN - 1]}…"


def _option_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _text(value)


def _question(
    raw: Any, where: str, earlier: dict[str, Question], problems: list[Problem]
) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "question_not_mapping"))
        return None
    for unknown in sorted(set(map(str, raw)) - QUESTION_FIELDS):
        problems.append(Problem(f"{where}.{unknown}", "unknown_field"))
    start = len(problems)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        problems.append(Problem(f"{where}.key", "key_invalid"))
        key = None
    elif key in earlier:
        problems.append(Problem(f"{where}.key", "key_duplicate", {"key": key}))
    text = _text(raw.get("text"))
    if text is None:
        problems.append(Problem(f"{where}.text", "text_required"))
    elif len(text) > TEXT_LIMIT:
        problems.append(Problem(f"{where}.text", "too_long", {"limit": TEXT_LIMIT}))
    kind_raw = raw.get("type")
    try:
        kind = QuestionType(str(kind_raw))
    except ValueError:
        known = ", ".join(t.value for t in QuestionType)
        problems.append(
            Problem(f"{where}.type", "type_unknown", {"value": shown(kind_raw), "known": known})
        )
        kind = None
    hint = _text(raw.get("hint"))
    if hint is not None and len(hint) > TEXT_LIMIT:
        problems.append(Problem(f"{where}.hint", "too_long", {"limit": TEXT_LIMIT}))
    unit = _text(raw.get("unit"))
    if unit is not None and len(unit) > UNIT_LIMIT:
        problems.append(Problem(f"{where}.unit", "too_long", {"limit": UNIT_LIMIT}))
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(Problem(f"{where}.required", "not_bool"))
        required = True

    low, high = raw.get("min"), raw.get("max")
    minimum, maximum = _number(low), _number(high)
    for name, given, parsed in (("min", low, minimum), ("max", high, maximum)):
        if given is not None and parsed is None:
            problems.append(Problem(f"{where}.{name}", "not_a_number"))
        elif given is not None and kind is not None and kind not in NUMERIC:
            problems.append(Problem(f"{where}.{name}", "only_numeric"))
    if minimum is not None and maximum is not None and minimum > maximum:
        problems.append(Problem(where, "min_over_max", {"min": low, "max": high}))
    if kind is QuestionType.SCALE:
        minimum = 1 if minimum is None else minimum
        maximum = 5 if maximum is None else maximum
        if not (float(minimum).is_integer() and float(maximum).is_integer()):
            problems.append(Problem(where, "scale_whole"))
        elif 1 < maximum - minimum + 1 > MAX_SCALE_STEPS or maximum <= minimum:
            problems.append(Problem(where, "scale_steps", {"limit": MAX_SCALE_STEPS}))
        minimum, maximum = int(minimum), int(maximum)

    options: tuple[str, ...] = ()
    raw_options = raw.get("options")
    if kind in WITH_OPTIONS:
        if raw_options is None:
            problems.append(Problem(f"{where}.options", "options_required", {"type": kind.value}))
        elif not isinstance(raw_options, list) or len(raw_options) < 2:
            problems.append(Problem(f"{where}.options", "options_list"))
        else:
            texts = [_option_text(o) for o in raw_options]
            if any(t is None for t in texts):
                problems.append(Problem(f"{where}.options", "options_text"))
            elif len(set(texts)) != len(texts):
                problems.append(Problem(f"{where}.options", "options_duplicate"))
            elif len(texts) > MAX_OPTIONS:
                problems.append(Problem(f"{where}.options", "options_many", {"limit": MAX_OPTIONS}))
            elif any(len(t or "") > 60 for t in texts):
                problems.append(Problem(f"{where}.options", "option_long", {"limit": 60}))
            else:
                options = tuple(t for t in texts if t is not None)
    elif raw_options is not None and kind is not None:
        problems.append(Problem(f"{where}.options", "only_choice"))

    max_length = raw.get("max_length", DEFAULT_MAX_LENGTH)
    if "max_length" in raw and kind is not None and kind is not QuestionType.TEXT:
        problems.append(Problem(f"{where}.max_length", "only_text"))
    elif (
        isinstance(max_length, bool)
        or not isinstance(max_length, int)
        or not (1 <= max_length <= 4000)
    ):
        problems.append(Problem(f"{where}.max_length", "max_length_range"))
        max_length = DEFAULT_MAX_LENGTH

    decimals = raw.get("decimals")
    if decimals is not None and kind is not None and kind is not QuestionType.NUMBER:
        problems.append(Problem(f"{where}.decimals", "only_number"))
    elif decimals is not None and (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        problems.append(Problem(f"{where}.decimals", "decimals_range", {"limit": MAX_DECIMALS}))

    when: dict[str, tuple[Answer, ...]] = {}
    raw_when = raw.get("when")
    if raw_when is not None:
        if not isinstance(raw_when, dict) or not raw_when:
            problems.append(Problem(f"{where}.when", "when_mapping"))
        else:
            for ref, accepted in raw_when.items():
                target = earlier.get(str(ref))
                if target is None:
                    problems.append(Problem(f"{where}.when", "when_unknown", {"ref": shown(ref)}))
                    continue
                values = accepted if isinstance(accepted, list) else [accepted]
                parsed_values = [_when_value(target, v) for v in values]
                if any(v is _BAD for v in parsed_values) or not values:
                    problems.append(
                        Problem(
                            f"{where}.when",
                            "when_value",
                            {"value": shown(accepted), "ref": shown(ref)},
                        )
                    )
                    continue
                when[str(ref)] = tuple(v for v in parsed_values if v is not _BAD)

    if len(problems) > start or key is None or text is None or kind is None:
        return None
    return Question(
        key=key,
        text=text,
        type=kind,
        hint=hint,
        unit=unit,
        min=minimum,
        max=maximum,
        required=required,
        options=options,
        max_length=max_length,
        when=when,
        decimals=decimals,
    )


_BAD = object()


def _when_value(target: Question, value: Any) -> Any:
    if target.type in WITH_OPTIONS:
        text = _option_text(value)
        return text if text in target.options else _BAD
    if target.type is QuestionType.YESNO:
        if value is True or value == "yes":
            return True
        if value is False or value == "no":
            return False
        return _BAD
    if target.type in NUMERIC:
        number = _number(value)
        return _BAD if number is None else number
    text = _text(value)
    return _BAD if text is None else text


def parse_definition(source: str) -> Definition:
    """The survey in a YAML file; DefinitionError lists every problem found. Whatever the
    file holds, the answer is a Definition or a DefinitionError (bounded in time and memory:
    see `_Loader`)."""
    try:
        return _parse(source)
    except DefinitionError:
        raise
    except Exception:  # a file nobody foresaw: refused clearly, and logged to be looked at
        log.exception("survey file not understood")
        raise DefinitionError([Problem("file", "not_a_survey")]) from None


def _parse(source: str) -> Definition:
    try:
        data = yaml.load(source, Loader=_Loader)
    except _Refused as refused:
        place = f"line {refused.problem_mark.line + 1}"
        raise DefinitionError([Problem(place, refused.code)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or str(error)
        raise DefinitionError([Problem(place, "yaml", {"detail": shown(problem)})]) from None
    except (ValueError, OverflowError):  # a number of 5 000 digits, a date out of range
        raise DefinitionError([Problem("file", "value_unreadable")]) from None
    except (RecursionError, TypeError, MemoryError):
        raise DefinitionError([Problem("file", "not_a_survey")]) from None
    if not isinstance(data, dict):
        raise DefinitionError([Problem("file", "not_a_survey")])
    return parse_data(data)


def parse_data(data: dict[str, Any]) -> Definition:
    """The same validation for a survey read from elsewhere into the YAML file's shape
    (a spreadsheet: bot/surveys/template.py)."""
    problems: list[Problem] = []
    for unknown in sorted(set(map(str, data)) - TOP_LEVEL):
        problems.append(Problem(str(unknown), "unknown_field"))
    slug = data.get("id")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(Problem("id", "id_invalid"))
    title = _text(data.get("title"))
    if title is None:
        problems.append(Problem("title", "text_required"))
    elif len(title) > 200:
        problems.append(Problem("title", "too_long", {"limit": 200}))
    description = _text(data.get("description"))
    if description is not None and len(description) > TEXT_LIMIT:
        problems.append(Problem("description", "too_long", {"limit": TEXT_LIMIT}))
    try:
        audience = Audience(data.get("audience", Audience.CITIES.value))
    except ValueError:
        problems.append(Problem("audience", "audience_invalid"))
        audience = Audience.CITIES
    try:
        share = ShareResults(data.get("share_results", ShareResults.STAFF.value))
    except ValueError:
        problems.append(Problem("share_results", "share_invalid"))
        share = ShareResults.STAFF
    deadline = _deadline(data.get("deadline"), problems)
    compare_with = data.get("compare_with")
    if compare_with is not None and (
        not isinstance(compare_with, str) or not SLUG.match(compare_with)
    ):
        problems.append(Problem("compare_with", "id_invalid"))
        compare_with = None

    questions: list[Question] = []
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append(Problem("questions", "questions_required"))
        raw_questions = []
    elif len(raw_questions) > MAX_QUESTIONS:
        problems.append(Problem("questions", "questions_many", {"limit": MAX_QUESTIONS}))
    earlier: dict[str, Question] = {}
    seen_keys: set[str] = set()
    for number, raw in enumerate(raw_questions, 1):
        where = f"questions[{number}]"
        key = raw.get("key") if isinstance(raw, dict) else None
        if isinstance(key, str) and key in seen_keys and key not in earlier:
            problems.append(Problem(f"{where}.key", "key_duplicate", {"key": key}))
        question = _question(raw, where, earlier, problems)
        if isinstance(key, str):
            seen_keys.add(key)
        if question is not None and question.key not in earlier:
            earlier[question.key] = question
            questions.append(question)
    _later_references(raw_questions, problems)

    if problems or not isinstance(slug, str) or title is None:
        raise DefinitionError(problems)
    return Definition(
        slug=slug,
        title=title,
        description=description,
        audience=audience,
        share_results=share,
        deadline=deadline,
        questions=tuple(questions),
        compare_with=compare_with,
    )


def _later_references(raw_questions: list[Any], problems: list[Problem]) -> None:
    """Say so when a `when` names a question that comes later (not merely unknown)."""
    keys = [q.get("key") if isinstance(q, dict) else None for q in raw_questions]
    for number, raw in enumerate(raw_questions, 1):
        when = raw.get("when") if isinstance(raw, dict) else None
        if not isinstance(when, dict):
            continue
        for ref in when:
            if ref not in keys[number - 1 :]:
                continue
            where = f"questions[{number}].when"
            for i, problem in enumerate(problems):
                if (problem.place, problem.code) == (where, "when_unknown") and problem.params.get(
                    "ref"
                ) == str(ref):
                    problems[i] = Problem(where, "when_later", {"ref": str(ref)})
