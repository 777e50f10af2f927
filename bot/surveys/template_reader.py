"""A filled-in survey template (see `template.py`) read back into the very shape a YAML
file is loaded into, then the same validation (`validation.parse_data`), with every
problem's place turned into its cell.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import DateInputError, parse_when
from bot.surveys.answers import AnswerError, parse_number
from bot.surveys.definition import (
    MAX_QUESTIONS,
    NUMERIC,
    Definition,
    DefinitionError,
    Problem,
    QuestionType,
)
from bot.surveys.files import compare_problems
from bot.surveys.template import AUDIENCES, QUESTION_COLUMNS, SHARES, SURVEY_FIELDS, TYPES
from bot.surveys.validation import parse_data
from bot.surveys.workbook import read_workbook, rows
from bot.texts import TextCatalog, Texts

log = logging.getLogger(__name__)

MAX_ROWS = MAX_QUESTIONS + 50
_PLACE = re.compile(r"^questions\[(\d+)\](?:\.(\w+))?$")


@dataclass(frozen=True, slots=True)
class Words:
    """The labels of the template in every locale, to read what staff typed."""

    sheet_survey: frozenset[str]
    sheet_questions: frozenset[str]
    fields: dict[str, str]  # label (casefolded) -> field
    columns: dict[str, str]  # header (casefolded) -> column name
    types: dict[str, str]  # type label -> type
    audiences: dict[str, str]
    shares: dict[str, str]
    yes: frozenset[str]
    no: frozenset[str]

    @classmethod
    def of(cls, catalog: TextCatalog) -> Words:
        every = [catalog.get(code) for code in catalog.locales]

        def labels(names: Collection[str], label: Callable[[Texts, str], str]) -> dict[str, str]:
            found = {name.casefold(): name for name in names}
            for t in every:
                found.update({label(t, name).casefold(): name for name in names})
            return found

        def words(key: str) -> frozenset[str]:
            return frozenset(
                w.strip().casefold() for t in every for w in t.plain(key).split(",") if w.strip()
            )

        return cls(
            sheet_survey=frozenset(t.plain("surveys.template.sheet_survey") for t in every),
            sheet_questions=frozenset(t.plain("surveys.template.sheet_questions") for t in every),
            fields=labels(SURVEY_FIELDS, lambda t, n: t.plain(f"surveys.template.field.{n}")),
            columns=labels(QUESTION_COLUMNS, lambda t, n: t.plain(f"surveys.template.column.{n}")),
            types=labels(TYPES, lambda t, n: t.plain(f"surveys.template.type.{n}")),
            audiences=labels(AUDIENCES, lambda t, n: t.plain(f"surveys.template.audience.{n}")),
            shares=labels(SHARES, lambda t, n: t.plain(f"surveys.template.share.{n}")),
            yes=words("surveys.yes_words") | {"true"},
            no=words("surveys.no_words") | {"false"},
        )


@dataclass(frozen=True, slots=True)
class Sheets:
    """The cells of a filled-in template, as read (nothing interpreted yet)."""

    survey_title: str
    survey: list[tuple[int, Any, Any]]  # (row, label, value)
    questions_title: str
    header: list[Any]
    questions: list[tuple[int, list[Any]]]  # (row, values)


@dataclass
class _Places:
    """Where each part of the YAML-shaped data came from, for the problems' cells."""

    survey: dict[str, str] = field(default_factory=dict)  # field -> "Survey!B3"
    rows: dict[int, int] = field(default_factory=dict)  # question number -> sheet row
    columns: dict[str, str] = field(default_factory=dict)  # column name -> letter


def _read(raw: bytes, words: Words) -> Sheets | None:
    def reader(workbook: Any) -> Sheets | None:
        names = list(workbook.sheetnames)
        about = next((n for n in names if n in words.sheet_survey), None)
        listed = next((n for n in names if n in words.sheet_questions), None)
        if about is None or listed is None:
            return None
        survey = [
            (number, _value(cells[0]), _value(cells[1]))
            for number, cells in rows(workbook[about], first=1, last=40, columns=2)
        ]
        table = list(rows(workbook[listed], first=1, last=MAX_ROWS + 1, columns=20))
        header = [_value(cell) for cell in table[0][1]] if table else []
        return Sheets(
            about,
            survey,
            listed,
            header,
            [(number, [_value(cell) for cell in cells]) for number, cells in table[1:]],
        )

    return read_workbook(raw, reader)


def _value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text(value: Any) -> Any:
    """A text field: numbers typed in a text column become text (a title "2026")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _number(value: Any) -> Any:
    """A number typed as text the Russian way (12,5) is a number; anything else stays as
    it is, for the validation to name."""
    if isinstance(value, str):
        try:
            number = parse_number(value)
        except AnswerError:
            return value
        return int(number) if number == number.to_integral_value() else float(number)
    return value


def _whole(value: Any) -> Any:
    number = _number(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _choice(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, str):
        return labels.get(value.casefold(), value)
    return value


def _yes_no(value: Any, words: Words) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    folded = str(value).casefold()
    if folded in words.yes:
        return True
    if folded in words.no:
        return False
    return str(value)


def _when(text: Any, keys: list[str], words: Words) -> Any:
    """`smart_city = yes; planned` or `3 = yes` -> {smart_city: [yes, planned]};
    several conditions on separate lines."""
    if not isinstance(text, str):
        return text
    when: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        ref, sign, values = line.partition("=")
        if not sign:
            ref, sign, values = line.partition(":")
        ref = ref.strip()
        if ref.isdigit() and 1 <= int(ref) <= len(keys):
            ref = keys[int(ref) - 1]
        when[ref] = [v.strip() for v in values.split(";") if v.strip()] if sign else []
    return when or text


def _typed_when(questions: list[dict[str, Any]], words: Words) -> None:
    """A condition's values typed as the question it names is answered: yes/no words for a
    yes/no question, numbers for a numeric one, the options' text otherwise."""
    kinds = {q["key"]: q.get("type") for q in questions}
    for question in questions:
        when = question.get("when")
        if not isinstance(when, dict):
            continue
        for ref, values in when.items():
            kind = kinds.get(ref)
            if kind == QuestionType.YESNO.value:
                when[ref] = [_yes_no(v, words) for v in values]
            elif kind in {k.value for k in NUMERIC}:
                when[ref] = [_number(v) for v in values]


def _deadline(value: Any, tz: ZoneInfo, now: datetime) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    if isinstance(value, str):
        try:
            return parse_when(value, now=now, tz=tz, allow_past=True)
        except DateInputError:
            return value
    return value


def template_data(
    sheets: Sheets, words: Words, tz: ZoneInfo, now: datetime
) -> tuple[dict[str, Any], _Places, list[Problem]]:
    """The YAML-shaped data of a filled-in template, where each part came from, and the
    problems found reading it (unknown labels)."""
    places = _Places()
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for number, label, value in sheets.survey:
        if label is None:
            continue
        name = words.fields.get(str(label).casefold())
        if name is None:
            if number > 1 and value is not None:  # row 1 is the header
                problems.append(Problem(f"{sheets.survey_title}!A{number}", "unknown_field"))
            continue
        places.survey[name] = f"{sheets.survey_title}!B{number}"
        if value is None:
            continue
        key = "description" if name == "intro" else name
        if name == "deadline":
            data[key] = _deadline(value, tz, now)
        elif name == "audience":
            data[key] = _choice(value, words.audiences)
        elif name == "share_results":
            data[key] = _choice(value, words.shares)
        else:
            data[key] = _text(value)
    if "intro" in places.survey:
        places.survey["description"] = places.survey["intro"]

    position = {name: index for index, name in enumerate(QUESTION_COLUMNS)}
    for index, header in enumerate(sheets.header):
        name = words.columns.get(str(header).casefold()) if header is not None else None
        if name is not None:
            position[name] = index
    from openpyxl.utils import get_column_letter

    places.columns = {name: get_column_letter(index + 1) for name, index in position.items()}

    def cell(values: list[Any], name: str) -> Any:
        index = position[name]
        return values[index] if index < len(values) else None

    filled = [
        (number, values)
        for number, values in sheets.questions
        if any(v is not None for i, v in enumerate(values) if i != position["n"])
    ]
    keys = [_text(cell(values, "key")) or f"q{n}" for n, (_, values) in enumerate(filled, 1)]
    questions = []
    for number, (row, values) in enumerate(filled, 1):
        places.rows[number] = row
        question: dict[str, Any] = {"key": keys[number - 1]}
        for name in ("text", "unit", "hint"):
            if cell(values, name) is not None:
                question[name] = _text(cell(values, name))
        kind = cell(values, "type")
        if kind is not None:
            question["type"] = _choice(str(kind), words.types)
        options = cell(values, "options")
        if options is not None:
            question["options"] = [o.strip() for o in re.split(r"[;\n]", str(_text(options)))
                                   if o.strip()]  # fmt: skip
        for name in ("min", "max"):
            if cell(values, name) is not None:
                question[name] = _number(cell(values, name))
        for name in ("decimals", "max_length"):
            if cell(values, name) is not None:
                question[name] = _whole(cell(values, name))
        if cell(values, "required") is not None:
            question["required"] = _yes_no(cell(values, "required"), words)
        if cell(values, "when") is not None:
            question["when"] = _when(_text(cell(values, "when")), keys, words)
        questions.append(question)
    _typed_when(questions, words)
    data["questions"] = questions
    return data, places, problems


def _cell(place: str, places: _Places, sheets: Sheets) -> str:
    """`questions[3].options` -> `Questions!E7`; `title` -> `Survey!B2`."""
    found = _PLACE.match(place)
    if found is not None:
        row = places.rows.get(int(found[1]))
        name = found[2]
        if row is None:
            return sheets.questions_title
        if name is None:  # the whole question (min over max, a scale's steps)
            return f"{sheets.questions_title}!{row}:{row}"
        return f"{sheets.questions_title}!{places.columns.get(name, 'A')}{row}"
    if place == "questions":
        return sheets.questions_title
    return places.survey.get(place, sheets.survey_title if place != "file" else place)


def _in_cells(problem: Problem, places: _Places, sheets: Sheets, t: Texts) -> Problem:
    """A problem as the template shows it: its cell, and types named as in the dropdown."""
    place = problem.place if "!" in problem.place else _cell(problem.place, places, sheets)
    params = dict(problem.params)
    types = [kind.value for kind in QuestionType]
    if params.get("type") in types:
        label = t.plain(f"surveys.template.type.{params['type']}")
        params["type"] = t.plain("surveys.template.quoted", label=label)
    if "known" in params:
        params["known"] = ", ".join(t.plain(f"surveys.template.type.{kind}") for kind in types)
    return replace(problem, place=place, params=params)


def read_template(
    raw: bytes,
    catalog: TextCatalog,
    t: Texts,
    tz: ZoneInfo,
    now: datetime,
    known: Collection[str] = (),
) -> Definition | None:
    """The survey in a filled-in template; None if the spreadsheet is not one. Every problem
    is a DefinitionError whose places are cells (`Questions!E7`) and whose types are named
    as in the template, in `t`'s language; WorkbookError for a file that is not a
    spreadsheet. A naive deadline is in `tz`; `known`: the ids of the surveys the bot has
    (for `compare_with`)."""
    words = Words.of(catalog)
    sheets = _read(raw, words)
    if sheets is None:
        return None
    data, places, problems = template_data(sheets, words, tz, now)
    try:
        definition = parse_data(data)
    except DefinitionError as error:
        problems += error.problems
    except Exception:  # a spreadsheet nobody foresaw: refused clearly, and logged
        log.exception("survey template not understood")
        raise DefinitionError([Problem("file", "not_a_survey")]) from None
    else:
        problems += compare_problems(definition, known)
    if problems:
        raise DefinitionError([_in_cells(p, places, sheets, t) for p in problems])
    return definition


def as_yaml(definition: Definition) -> str:
    """A survey read from a spreadsheet, written as the YAML file it could have been (kept
    as the imported source)."""
    import yaml

    return yaml.safe_dump(definition.to_json(), allow_unicode=True, sort_keys=False)
