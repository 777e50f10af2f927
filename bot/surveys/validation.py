"""The checks of a survey file, read into the YAML file's shape (from YAML or from a
spreadsheet): every problem found, with its place.

Questions are numbered from 1 in messages (`questions[3].options: ...` is the third
question), as the staff count them.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

from bot.surveys.definition import (
    DEFAULT_MAX_LENGTH,
    KEY,
    MAX_DECIMALS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MAX_SCALE_STEPS,
    NUMERIC,
    SLUG,
    TEXT_LIMIT,
    UNIT_LIMIT,
    WITH_OPTIONS,
    Answer,
    Audience,
    Definition,
    DefinitionError,
    Problem,
    Question,
    QuestionType,
    ShareResults,
)

SHOWN = 60  # characters of a value quoted back in a problem
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


def parse_data(data: dict[str, Any]) -> Definition:
    """The same validation for a survey read from elsewhere into the YAML file's shape
    (a spreadsheet: bot/surveys/template_reader.py)."""
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
