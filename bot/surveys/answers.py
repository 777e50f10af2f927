"""Reading a typed answer: numbers the Russian way, bounds, lengths, dates, options."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bot.dates import DateInputError, parse_day
from bot.inputs import without_controls
from bot.surveys.definition import NUMERIC as NUMERIC_TYPES
from bot.surveys.definition import Answer, Question, QuestionType
from storage.surveys import Figure

# 12,5  12.5  1 234,56  1 234 (a space, a no-break space or a narrow one between thousands)
_NUMBER = re.compile(
    r"^(?P<sign>[-+\u2212])?(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?$"
)
# the same, followed by a unit: 45,67 руб  45,67 ₽  12,5 %
_NUMBER_UNIT = re.compile(
    r"^(?P<number>[-+\u2212]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?)"
    r"\s*(?P<unit>[^\d\s.,;:!?+\-\u2212].*)$"
)


class Problem(StrEnum):
    NOT_NUMBER = "not_number"
    NOT_INTEGER = "not_integer"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_DATE = "not_date"
    BAD_DATE = "bad_date"
    NOT_OPTION = "not_option"
    USE_BUTTONS = "use_buttons"
    WRONG_UNIT = "wrong_unit"  # a number followed by words that are not its unit
    TOO_PRECISE = "too_precise"  # more digits after the point than the question allows
    REQUIRED = "required"  # a spreadsheet: "—" for a question that must be answered
    NOT_OPTIONS = "not_options"  # a spreadsheet: a multiple choice with unknown options


class AnswerError(ValueError):
    def __init__(self, problem: Problem, **params: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.params = params


def parse_number(text: str) -> Decimal:
    match = _NUMBER.match(text.strip())
    if match is None:
        raise AnswerError(Problem.NOT_NUMBER)
    digits = re.sub(r"\D", "", match["int"])
    number = f"{digits}.{match['frac']}" if match["frac"] else digits
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise AnswerError(Problem.NOT_NUMBER) from None
    return -value if match["sign"] in ("-", "\u2212") else value


def unit_key(text: str) -> str:
    """A unit as compared: case and spaces ignored, no final dot (rub. = rub = RUB)."""
    return "".join(text.casefold().split()).rstrip(".")


def _unit_head(unit: str) -> str:
    """rub./m3 -> rub: a unit's first word, as people shorten it."""
    return unit_key(re.split(r"[/\s]", unit.strip(), maxsplit=1)[0])


def unit_matches(question: Question, typed: str, synonyms: Collection[frozenset[str]]) -> bool:
    """Whether words typed after a number are the question's unit: the unit itself, its
    first word (rub for rub./m3), or a word of the same group (the rouble sign for rub)."""
    if not question.unit:
        return False
    given, unit, head = unit_key(typed), unit_key(question.unit), _unit_head(question.unit)
    if given in (unit, head):
        return True
    return any(given in group and (unit in group or head in group) for group in synonyms)


def split_unit(
    question: Question, text: str, synonyms: Collection[frozenset[str]]
) -> tuple[str, str | None]:
    """The number part of `12,5 rub`; AnswerError WRONG_UNIT if the words are not its unit.
    (text, None) when there are no words after a number."""
    match = _NUMBER_UNIT.match(text)
    if match is None or any(char.isdecimal() for char in match["unit"]):
        return text, None  # not a number with words after it (1e5, 12,5,6)
    if not unit_matches(question, match["unit"], synonyms):
        raise AnswerError(Problem.WRONG_UNIT, unit=question.unit, given=match["unit"].strip())
    return match["number"], match["unit"]


def to_answer(question: Question, number: Decimal) -> Answer:
    """A number answer keeping the digits it was typed with (`decimals` pads them: 35,4 is
    35,40 for money); a whole number without a point stays an int."""
    places = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0  # type: ignore[operator]
    if places > MOST_PLACES:
        raise AnswerError(Problem.TOO_PRECISE, limit=MOST_PLACES)
    if question.decimals is not None:
        if places > question.decimals:
            raise AnswerError(Problem.TOO_PRECISE, limit=question.decimals)
        if question.decimals == 0:
            return int(number)
        return Figure(f"{number:.{question.decimals}f}")
    if places == 0:
        return int(number)
    return Figure(f"{number:f}")


LARGEST = Decimal(10**15)  # far beyond any tariff or population: a typo, or worse
LARGEST_FLOAT = float(LARGEST)
MOST_PLACES = 10


def _bounded(question: Question, value: Decimal) -> None:
    if value > LARGEST:
        raise AnswerError(Problem.TOO_LARGE, max=int(LARGEST))
    if value < -LARGEST:
        raise AnswerError(Problem.TOO_SMALL, min=-int(LARGEST))
    if question.min is not None and value < Decimal(str(question.min)):
        raise AnswerError(Problem.TOO_SMALL, min=question.min)
    if question.max is not None and value > Decimal(str(question.max)):
        raise AnswerError(Problem.TOO_LARGE, max=question.max)


def parse_typed(
    question: Question,
    text: str,
    *,
    yes: Collection[str],
    no: Collection[str],
    synonyms: Collection[frozenset[str]] = (),
) -> Answer:
    """The value of an answer typed as text; AnswerError says what is expected instead.

    `yes` and `no` are the words accepted for a yes/no question (in every language);
    `synonyms`, groups of words that name one unit (a number may be followed by its unit)."""
    raw = without_controls(text).strip()
    kind = question.type
    if kind is QuestionType.NUMBER:
        try:
            number = parse_number(raw)
        except AnswerError:
            number = parse_number(split_unit(question, raw, synonyms)[0])
        _bounded(question, number)
        return to_answer(question, number)
    if kind in (QuestionType.INTEGER, QuestionType.SCALE):
        try:
            number = parse_number(raw)
        except AnswerError:
            try:
                number = parse_number(split_unit(question, raw, synonyms)[0])
            except AnswerError as error:
                if error.problem is Problem.WRONG_UNIT:
                    raise
                raise AnswerError(Problem.NOT_INTEGER) from None
        if number != number.to_integral_value():
            raise AnswerError(Problem.NOT_INTEGER)
        _bounded(question, number)
        return int(number)
    if kind is QuestionType.TEXT:
        if not raw:
            raise AnswerError(Problem.EMPTY)
        if len(raw) > question.max_length:
            raise AnswerError(Problem.TOO_LONG, limit=question.max_length, length=len(raw))
        return raw
    if kind is QuestionType.DATE:
        try:
            return parse_day(raw).isoformat()
        except DateInputError as error:
            problem = Problem.BAD_DATE if error.problem.value == "invalid" else Problem.NOT_DATE
            raise AnswerError(problem) from None
    if kind is QuestionType.CHOICE:
        folded = raw.casefold()
        for option in question.options:
            if option.casefold() == folded:
                return option
        raise AnswerError(Problem.NOT_OPTION)
    if kind is QuestionType.YESNO:
        folded = raw.casefold().rstrip(".!")
        if folded in {word.casefold() for word in yes}:
            return True
        if folded in {word.casefold() for word in no}:
            return False
        raise AnswerError(Problem.USE_BUTTONS)
    raise AnswerError(Problem.USE_BUTTONS)  # multiple choice: the buttons only


EMPTY = object()  # a spreadsheet cell left empty: no answer given in the file
SKIP_MARKS = frozenset({"-", "\u2013", "\u2014"})  # -, – and — skip an optional question
_FORMAT_PLACES = re.compile(r"0[.,](0+)(?![0#])")


def parse_cell(
    question: Question,
    value: Any,
    number_format: str | None,
    *,
    yes: Collection[str],
    no: Collection[str],
    synonyms: Collection[frozenset[str]] = (),
) -> Answer | object:
    """An answer from a spreadsheet cell, by the chat's rules: a text cell is read as if it
    had been typed; a number cell keeps the digits its number format shows (212,50); a date
    cell is a date; `—` skips an optional question. EMPTY for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    if isinstance(value, str) and value.strip() in SKIP_MARKS:
        if question.required:
            raise AnswerError(Problem.REQUIRED)
        return None
    kind = question.type
    if isinstance(value, bool):
        if kind is QuestionType.YESNO:
            return value
        value = str(value)
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if kind is QuestionType.DATE:
            return day.isoformat()
        value = day.strftime("%d.%m.%Y")
    if isinstance(value, int | float):
        if value != value:  # nan
            raise AnswerError(Problem.NOT_NUMBER)
        if not -LARGEST_FLOAT <= value <= LARGEST_FLOAT:  # inf too
            raise AnswerError(Problem.TOO_LARGE, max=int(LARGEST))
        number = Decimal(repr(value)).quantize(Decimal("1e-9")).normalize()
        if kind in NUMERIC_TYPES:
            shown = _FORMAT_PLACES.search(number_format or "")
            if kind is QuestionType.NUMBER and shown and question.decimals is None:
                places = len(shown.group(1))
                if -number.as_tuple().exponent <= places:  # type: ignore[operator]
                    number = number.quantize(Decimal(1).scaleb(-places))
            if kind is not QuestionType.NUMBER and number != number.to_integral_value():
                raise AnswerError(Problem.NOT_INTEGER)
            _bounded(question, number)
            return to_answer(question, number) if kind is QuestionType.NUMBER else int(number)
        value = f"{number:f}"
    text = str(value).strip()
    if kind is QuestionType.MULTI:
        chosen = []
        for item in re.split(r"[;\n]", text):
            if not item.strip():
                continue
            option = next(
                (o for o in question.options if o.casefold() == item.strip().casefold()), None
            )
            if option is None:
                raise AnswerError(Problem.NOT_OPTIONS, value=item.strip())
            if option not in chosen:
                chosen.append(option)
        return [o for o in question.options if o in chosen]
    return parse_typed(question, text, yes=yes, no=no, synonyms=synonyms)
