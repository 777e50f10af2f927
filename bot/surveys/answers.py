"""Reading a typed answer: numbers the Russian way, bounds, lengths, dates, options."""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bot.dates import DateInputError, parse_day
from bot.inputs import without_controls
from bot.surveys.definition import Answer, Question, QuestionType

# 12,5  12.5  1 234,56  1 234 (a space, a no-break space or a narrow one between thousands)
_NUMBER = re.compile(
    r"^(?P<sign>[-+\u2212])?(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?$"
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


def _bounded(question: Question, value: Decimal) -> None:
    if question.min is not None and value < Decimal(str(question.min)):
        raise AnswerError(Problem.TOO_SMALL, min=question.min)
    if question.max is not None and value > Decimal(str(question.max)):
        raise AnswerError(Problem.TOO_LARGE, max=question.max)


def parse_typed(
    question: Question, text: str, *, yes: Collection[str], no: Collection[str]
) -> Answer:
    """The value of an answer typed as text; AnswerError says what is expected instead.

    `yes` and `no` are the words accepted for a yes/no question (in every language)."""
    raw = without_controls(text).strip()
    kind = question.type
    if kind is QuestionType.NUMBER:
        number = parse_number(raw)
        _bounded(question, number)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind in (QuestionType.INTEGER, QuestionType.SCALE):
        try:
            number = parse_number(raw)
        except AnswerError:
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
