"""A survey written as a spreadsheet instead of YAML: the template staff fill in (read back
by `template_reader.py`), and the sample survey shipped with the bot.

The Survey sheet (names and labels come from the locales; any locale's are accepted): one row
per field, the label in column A and the value in column B. The Questions sheet: a header row,
then one row per question; its columns are found by their headers (any order), and an empty
key becomes q1, q2, … by the question's number. Options are separated by `;`; a condition
("ask only when") is `key = value` or `number = value`, several values separated by `;`.
"""

from __future__ import annotations

import io
from typing import Any

from bot.surveys.definition import MAX_QUESTIONS, Definition, QuestionType
from bot.texts import Texts

LISTS = "lists"
SURVEY_FIELDS = ("title", "id", "deadline", "audience", "share_results", "intro", "compare_with")
QUESTION_COLUMNS = (
    "n", "key", "text", "type", "options", "min", "max", "unit", "hint", "required", "when",
    "decimals", "max_length",
)  # fmt: skip
TYPES = tuple(kind.value for kind in QuestionType)
AUDIENCES = ("cities", "subscribers")
SHARES = ("staff", "participants", "everyone")


def template_workbook(t: Texts, example: Definition) -> bytes:
    """The template, filled in with `example` so every column shows what it takes."""
    from openpyxl import Workbook  # loaded when a staff member asks for the template
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    about = workbook.active
    about.title = t.plain("surveys.template.sheet_survey")
    questions = workbook.create_sheet(t.plain("surveys.template.sheet_questions"))
    lists = workbook.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    wrap = Alignment(wrap_text=True, vertical="top")

    def dropdown(sheet: Any, column: int, values: list[str], where: str) -> None:
        for number, value in enumerate(values, 1):
            lists.cell(number, column, value)
        letter = lists.cell(1, column).column_letter
        validation = DataValidation(
            type="list", formula1=f"{LISTS}!${letter}$1:${letter}${len(values)}"
        )
        validation.error = t.plain("surveys.template.pick")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(where)

    about.append([t.plain(f"surveys.template.head_{name}") for name in ("field", "value", "note")])
    values: dict[str, Any] = {
        "title": example.title,
        "id": example.slug,
        "deadline": (
            example.deadline.astimezone(t.catalog.tz).replace(tzinfo=None)
            if example.deadline
            else None
        ),
        "audience": t.plain(f"surveys.template.audience.{example.audience.value}"),
        "share_results": t.plain(f"surveys.template.share.{example.share_results.value}"),
        "intro": example.description,
        "compare_with": example.compare_with,
    }
    for name in SURVEY_FIELDS:
        about.append(
            [
                t.plain(f"surveys.template.field.{name}"),
                values[name],
                t.plain(f"surveys.template.note.{name}"),
            ]
        )
    for cell in about[1]:
        cell.font = Font(bold=True)
    for row in about.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    row_of = {name: number for number, name in enumerate(SURVEY_FIELDS, 2)}
    about.cell(row_of["deadline"], 2).number_format = "DD.MM.YYYY HH:MM"
    dropdown(
        about, 1, [t.plain(f"surveys.template.audience.{a}") for a in AUDIENCES],
        f"B{row_of['audience']}",
    )  # fmt: skip
    dropdown(
        about, 2, [t.plain(f"surveys.template.share.{s}") for s in SHARES],
        f"B{row_of['share_results']}",
    )  # fmt: skip
    for letter, width in (("A", 24), ("B", 40), ("C", 70)):
        about.column_dimensions[letter].width = width

    questions.append([t.plain(f"surveys.template.column.{name}") for name in QUESTION_COLUMNS])
    for cell in questions[1]:
        cell.font = Font(bold=True)
        cell.alignment = wrap
    yes, no = t.plain("surveys.answer_yes"), t.plain("surveys.answer_no")
    for number, question in enumerate(example.questions, 1):
        when = "\n".join(
            f"{ref} = "
            + "; ".join((yes if v else no) if isinstance(v, bool) else str(v) for v in accepted)
            for ref, accepted in question.when.items()
        )
        questions.append(
            [
                number,
                question.key,
                question.text,
                t.plain(f"surveys.template.type.{question.type.value}"),
                "; ".join(question.options) or None,
                question.min,
                question.max,
                question.unit,
                question.hint,
                yes if question.required else no,
                when or None,
                question.decimals,
                question.max_length if question.type is QuestionType.TEXT else None,
            ]
        )
    last = max(MAX_QUESTIONS + 1, len(example.questions) + 1)
    dropdown(
        questions, 3, [t.plain(f"surveys.template.type.{k.value}") for k in QuestionType],
        f"D2:D{last}",
    )  # fmt: skip
    dropdown(questions, 4, [yes, no], f"J2:J{last}")
    widths = (5, 18, 45, 20, 30, 8, 8, 12, 30, 12, 24, 10, 10)
    for column, width in enumerate(widths, 1):
        questions.column_dimensions[questions.cell(1, column).column_letter].width = width
    for row in questions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    questions.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def example_source() -> str:
    """The sample survey file shipped with the bot (the same as examples/tariffs-2026.yaml)."""
    from importlib import resources

    return resources.files("bot.surveys").joinpath("examples/tariffs-2026.yaml").read_text("utf-8")
