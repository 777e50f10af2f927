"""Survey files: validation with every problem's place; typed answers; skip logic."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.surveys.answers import AnswerError, Problem, parse_number, parse_typed
from bot.surveys.definition import DefinitionError, Question, QuestionType
from bot.surveys.engine import plan
from bot.surveys.loader import parse_definition
from bot.texts import TextCatalog
from storage.surveys import Figure

EXAMPLE = (Path(__file__).parents[1] / "examples" / "tariffs-2026.yaml").read_text("utf-8")

SPEC_EXAMPLE = """
id: tariffs-2026
title: Rates and tariffs for housing and utility services
description: Filled in once per city.
audience: cities
share_results: participants
deadline: 2026-12-15T18:00+03:00
questions:
  - key: cold_water
    text: Cold water tariff
    type: number
    unit: RUB per m3
    min: 0
    max: 1000
    required: true
  - key: smart_city
    text: Does the city take part in the Smart City project?
    type: choice
    options: [yes, no, planned]
  - key: smart_city_solutions
    text: Which solutions are in use?
    type: multi
    options: [transport, housing, lighting, safety]
    when: {smart_city: yes}
  - key: comment
    text: Anything to add?
    type: text
    max_length: 2000
    required: false
"""

BROKEN = """
id: Tariffs 2026
title: ""
audience: towns
deadline: tomorrow
questions:
  - key: a
    text: First
    type: number
    min: 10
    max: 1
  - key: a
    text: Second
    type: choice
  - key: c
    text: Third
    type: choice
  - key: d
    text: Fourth
    type: rating
  - key: e
    text: Fifth
    type: text
    when: {f: x}
  - key: f
    text: Sixth
    type: yesno
    color: red
  - key: g
    text: Seventh
    type: multi
    options: [one]
    when: {nowhere: 1}
"""


def rendered(error: DefinitionError, locale: str = "en") -> list[str]:
    texts = TextCatalog.load().get(locale)
    return [texts.plain(f"survey_file.{p.code}", place=p.place, **p.params) for p in error.problems]


def test_the_spec_example_is_valid_and_yes_stays_a_word() -> None:
    definition = parse_definition(SPEC_EXAMPLE)
    assert definition.slug == "tariffs-2026"
    assert definition.deadline is not None
    assert definition.deadline.isoformat() == "2026-12-15T15:00:00+00:00"
    choice = definition.questions[1]
    assert choice.options == ("yes", "no", "planned")
    assert definition.questions[2].when == {"smart_city": ("yes",)}
    assert [q.type for q in definition.questions] == [
        QuestionType.NUMBER,
        QuestionType.CHOICE,
        QuestionType.MULTI,
        QuestionType.TEXT,
    ]


def test_every_problem_is_listed_with_its_place() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(BROKEN)
    lines = rendered(caught.value)
    assert lines == [
        "id: required; lowercase letters, digits, - and _ (like tariffs-2026)",
        "title: required",
        "audience: cities or subscribers",
        "deadline: not a date and time: tomorrow (use 2026-12-15T18:00+03:00)",
        "questions[1]: min (10) is greater than max (1)",
        "questions[2].key: the key a is used by another question",
        "questions[2].options: required for type choice",
        "questions[3].options: required for type choice",
        "questions[4].type: unknown type rating "
        "(one of: number, integer, choice, multi, yesno, scale, text, date)",
        "questions[5].when: f comes later; a condition can only name an earlier question",
        "questions[6].color: unknown field",
        "questions[7].options: a list of at least 2 options",
        "questions[7].when: nowhere is not an earlier question of this survey",
    ]
    russian = rendered(caught.value, "ru")
    assert "questions[3].options: обязательно для типа choice" in russian


def test_yaml_syntax_errors_point_at_the_line() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition("id: x\nquestions:\n  - key: [unclosed\n")
    (line,) = rendered(caught.value)
    assert line.startswith("line 4: not valid YAML")


def test_a_when_value_must_be_a_possible_answer() -> None:
    source = EXAMPLE.replace("when: {smart_city: да}", "when: {smart_city: может быть}")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(source)
    assert rendered(caught.value) == [
        "questions[4].when: может быть is not a possible answer to smart_city"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234", Decimal("1234")),
        ("1\u202f234\u202f567", Decimal("1234567")),
        ("-3", Decimal("-3")),
        (" 7 ", Decimal("7")),
    ],
)
def test_numbers_the_russian_way(text: str, value: Decimal) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["12,5,6", "abc", "1e5", "1 23", "12 345,6,7", "", "1.234,5"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_number(text)
    assert caught.value.problem is Problem.NOT_NUMBER


def test_typed_answers_are_checked_against_the_question() -> None:
    definition = parse_definition(EXAMPLE)
    water, months, choice, _, yesno, scale, day, comment = definition.questions
    words: dict[str, Any] = {"yes": {"да", "yes"}, "no": {"нет", "no"}}
    typed = parse_typed(water, "35,40", **words)
    assert typed == 35.4
    assert isinstance(typed, Figure)
    assert typed.text == "35.40"  # the digits as typed
    assert typed.places == 2
    assert parse_typed(water, "1000", **words) == 1000
    for text, problem in [("-1", Problem.TOO_SMALL), ("1 000,5", Problem.TOO_LARGE)]:
        with pytest.raises(AnswerError) as caught:
            parse_typed(water, text, **words)
        assert caught.value.problem is problem
    with pytest.raises(AnswerError) as caught:
        parse_typed(months, "7,5", **words)
    assert caught.value.problem is Problem.NOT_INTEGER
    assert parse_typed(choice, "ДА", **words) == "да"
    assert parse_typed(yesno, "Нет", **words) is False
    assert parse_typed(scale, "4", **words) == 4
    assert parse_typed(day, "01.12.2026", **words) == "2026-12-01"
    with pytest.raises(AnswerError) as caught:
        parse_typed(day, "31.02.2026", **words)
    assert caught.value.problem is Problem.BAD_DATE
    with pytest.raises(AnswerError) as caught:
        parse_typed(comment, "x" * 501, **words)
    assert caught.value.problem is Problem.TOO_LONG
    assert caught.value.params == {"limit": 500, "length": 501}


def test_skip_logic_follows_the_answers_that_count() -> None:
    definition = parse_definition(EXAMPLE)
    empty = plan(definition, {})
    assert empty.total == 8  # the multi choice may still apply
    assert empty.first_unanswered() == definition.questions[0]
    yes = plan(definition, {"cold_water": 1, "heating_months": 7, "smart_city": "да"})
    assert yes.total == 8
    assert yes.first_unanswered() == definition.questions[3]
    no = plan(
        definition,
        {"cold_water": 1, "heating_months": 7, "smart_city": "нет",
         "smart_city_solutions": ["ЖКХ"]},
    )  # fmt: skip
    assert no.total == 7
    assert "smart_city_solutions" not in no.effective  # answered earlier, no longer counts
    assert no.position("has_metering") == 4


def test_results_of_a_long_survey_fit_telegram_messages() -> None:
    from bot.delivery.parts import TextPart
    from bot.surveys.notices import render_results
    from tests.fake_telegram import parse_html, utf16_len

    stats = [
        {"key": f"q{i}", "text": "Вопрос о тарифах и ценах " * 8, "type": "choice",
         "unit": None, "answers": 30, "counts": {f"вариант {j}" * 3: j for j in range(12)},
         "median": None, "low": None, "high": None}
        for i in range(40)
    ]  # fmt: skip
    args = {"title": "Большой обмен", "submitted": 25, "total": 30, "by_cities": True,
            "stats": stats, "charts": [], "captions": []}  # fmt: skip
    parts = render_results(TextCatalog.load().get("ru"), args)
    assert len(parts) > 1
    for part in parts:
        assert isinstance(part, TextPart)
        plain, _ = parse_html(part.text)
        assert utf16_len(plain) <= 4096


UNITS = [frozenset({"₽", "руб", "рублей"}), frozenset({"%", "процентов"})]


@pytest.mark.parametrize(
    ("unit", "text", "shown"),
    [
        ("руб./м³", "45,67 руб", "45.67"),
        ("руб./м³", "45,67 руб./м³", "45.67"),
        ("руб./м³", "45,67 ₽", "45.67"),
        ("руб.", "45,67руб.", "45.67"),
        ("%", "12,5 %", "12.5"),
        ("процентов", "12,5%", "12.5"),
        ("руб.", "1 234,50 РУБ", "1234.50"),
    ],
)
def test_a_number_may_carry_its_unit(unit: str, text: str, shown: str) -> None:
    question = Question(key="q", text="Q", type=QuestionType.NUMBER, unit=unit)
    value = parse_typed(question, text, yes=(), no=(), synonyms=UNITS)
    assert isinstance(value, Figure)
    assert value.text == shown


@pytest.mark.parametrize(
    ("unit", "text"), [("руб./м³", "45,67 кг"), (None, "45 руб"), ("%", "12 штук")]
)
def test_other_words_after_a_number_are_refused(unit: str | None, text: str) -> None:
    question = Question(key="q", text="Q", type=QuestionType.NUMBER, unit=unit)
    with pytest.raises(AnswerError) as caught:
        parse_typed(question, text, yes=(), no=(), synonyms=UNITS)
    assert caught.value.problem is Problem.WRONG_UNIT


def test_decimals_pad_and_limit_the_digits() -> None:
    money = Question(key="q", text="Q", type=QuestionType.NUMBER, decimals=2)
    for text, shown in [("35,4", "35.40"), ("35", "35.00"), ("35,45", "35.45")]:
        value = parse_typed(money, text, yes=(), no=())
        assert isinstance(value, Figure)
        assert value.text == shown
    with pytest.raises(AnswerError) as caught:
        parse_typed(money, "35,456", yes=(), no=())
    assert caught.value.problem is Problem.TOO_PRECISE
    assert (
        parse_typed(Question(key="q", text="Q", type=QuestionType.NUMBER), "35", yes=(), no=())
        == 35
    )


def test_precision_survives_storage_and_display() -> None:
    from bot.surveys.messages import show_answer
    from storage.surveys import dump_answer, load_answer

    ru = TextCatalog.load().get("ru")
    question = Question(key="q", text="Q", type=QuestionType.NUMBER, unit="руб./м³")
    stored = load_answer(dump_answer(Figure("212.50")))
    assert isinstance(stored, Figure)
    assert show_answer(ru, question, stored) == "212,50 руб./м³"
    assert show_answer(ru, question, load_answer(dump_answer(Figure("1234.5")))) == (
        "1\u00a0234,5 руб./м³"
    )
    assert load_answer(dump_answer(7)) == 7
    money = Question(key="q", text="Q", type=QuestionType.NUMBER, decimals=2)
    assert show_answer(ru, money, 35.4) == "35,40"  # an answer stored before decimals: padded


def test_a_hostile_spreadsheet_gets_a_clear_refusal_never_a_crash() -> None:
    import io
    import zipfile

    from bot.surveys.sheets import read_answer_file
    from bot.surveys.workbook import MAX_FILE, WorkbookError

    def refused(raw: bytes) -> str:
        with pytest.raises(WorkbookError) as caught:
            read_answer_file(raw)
        return caught.value.code

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < MAX_FILE  # small as sent, huge unpacked
    assert refused(bomb.getvalue()) == "too_big"

    crowded = io.BytesIO()
    with zipfile.ZipFile(crowded, "w") as archive:
        for number in range(400):
            archive.writestr(f"xl/x{number}.xml", "")
    assert refused(crowded.getvalue()) == "too_big"
    assert refused(b"x" * (MAX_FILE + 1)) == "too_big"
    assert refused(b"PK\x03\x04 garbage") == "not_xlsx"
    assert refused(b"") == "not_xlsx"

    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as archive:  # the right names, broken XML inside
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<<<")
    assert refused(fake.getvalue()) == "not_xlsx"


def test_a_chart_shows_both_years_side_by_side() -> None:
    from bot.surveys.charts import chart_png
    from bot.surveys.model import Chart

    question = Question(key="q", text="Тариф", type=QuestionType.NUMBER, unit="руб.")
    chart = Chart(question, [("Вологда", 212.5), ("Тверь", 12.0)], {"Вологда": 198.4}, 2026, 2025)
    assert chart_png(chart, "медиана").startswith(b"\x89PNG")
    alone = Chart(question, [("Вологда", 212.5)], {}, 2026, None)
    assert chart_png(alone, "медиана").startswith(b"\x89PNG")


def test_spreadsheet_cells_are_read_by_the_chats_rules() -> None:
    from datetime import datetime

    from bot.surveys.answers import EMPTY, parse_cell

    definition = parse_definition(EXAMPLE)
    water, months, choice, multi, yesno, scale, day, comment = definition.questions
    words: dict[str, Any] = {"yes": {"да"}, "no": {"нет"}}
    assert parse_cell(water, None, None, **words) is EMPTY
    assert parse_cell(water, "  ", None, **words) is EMPTY
    value = parse_cell(water, 35.4, "#,##0.00", **words)
    assert isinstance(value, Figure)
    assert value.text == "35.40"
    assert parse_cell(water, "35,4 руб", None, **words, synonyms=[frozenset({"руб"})]) == 35.4
    assert parse_cell(months, 7.0, "General", **words) == 7
    assert parse_cell(choice, "ДА", None, **words) == "да"
    assert parse_cell(multi, "освещение;транспорт; освещение", None, **words) == [
        "транспорт", "освещение",
    ]  # fmt: skip
    assert parse_cell(yesno, True, None, **words) is True
    assert parse_cell(yesno, "нет", None, **words) is False
    assert parse_cell(day, datetime(2026, 12, 1), "DD.MM.YYYY", **words) == "2026-12-01"
    assert parse_cell(comment, "—", None, **words) is None  # an optional question skipped
    for question, cell, problem in [
        (water, float("inf"), Problem.TOO_LARGE),
        (water, float("nan"), Problem.NOT_NUMBER),
        (water, 1e300, Problem.TOO_LARGE),
        (water, "#VALUE!", Problem.NOT_NUMBER),
        (water, "—", Problem.REQUIRED),
        (months, 7.5, Problem.NOT_INTEGER),
        (scale, 9, Problem.TOO_LARGE),
        (multi, "метро", Problem.NOT_OPTIONS),
        (day, 45000, Problem.NOT_DATE),
        (water, "1" * 400, Problem.TOO_LARGE),
    ]:
        with pytest.raises(AnswerError) as caught:
            parse_cell(question, cell, None, **words)
        assert caught.value.problem is problem, (cell, caught.value.problem)
