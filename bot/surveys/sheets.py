"""A city's own answer spreadsheet: made for one survey and one city (or person), filled in
by hand, sent back and read.

Layout of the answer sheet (its name and every text come from the locale): the title and
how to fill it in at the top, then one row per question from row 5: number, question,
**answer** (the only cells that can be edited; a dropdown for choice, yes/no and scale;
number formats for numbers and dates), unit, what to type, last year's answer when the
survey repeats an earlier one. Two hidden columns keep each row's question key and the
answer as it was when the file was made, so rows are matched by key and an answer nobody
touched in the file does not overwrite a newer one given in the chat meanwhile. A very
hidden sheet `unionbot` says which survey and which city the file belongs to.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.surveys.definition import MAX_QUESTIONS, Answer, Question, QuestionType
from bot.surveys.workbook import WorkbookError, read_workbook, rows
from bot.texts import Texts
from storage.surveys import Figure, dump_answer

META = "unionbot"
MAGIC = "unionbot-answers/1"
LISTS = "lists"
TITLE_ROW, HELP_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 4, 5
ANSWER = 3  # column C
KEY, ORIGINAL = 10, 11  # columns J and K, hidden
LAST_ROW = FIRST_ROW + MAX_QUESTIONS + 50  # rows read back, whatever the file claims


@dataclass(frozen=True, slots=True)
class SheetRow:
    cell: str  # where the answer is, "Sheet!C7"
    key: str
    value: Any  # as openpyxl read it: str, int, float, bool, datetime or None
    number_format: str | None
    original: str | None  # the answer when the file was made (JSON), None: there was none


@dataclass(frozen=True, slots=True)
class AnswerFile:
    survey_id: int
    slug: str
    owner: str  # "city" or "person"
    owner_id: int
    rows: list[SheetRow]


@dataclass(frozen=True, slots=True)
class Previous:
    """The answers a city (or person) gave to the survey this one repeats (`compare_with`),
    for the questions both have; `year`: that survey's year."""

    year: int | None
    answers: dict[str, Answer]


# --- writing ------------------------------------------------------------------------------------


def _show(t: Texts, question: Question, value: Answer) -> str:
    from bot.surveys.messages import show_answer  # the same wording as in the chat

    return show_answer(t, question, value)


def _scale(question: Question) -> tuple[int, int]:
    from bot.surveys.messages import scale_range  # 0 is a step like any other

    return scale_range(question)


def _cell_value(t: Texts, question: Question, value: Answer) -> Any:
    """An answer as a spreadsheet cell: numbers as numbers, dates as dates."""
    if value is None:
        return "—"
    if question.type is QuestionType.DATE:
        return date.fromisoformat(str(value))
    if question.type is QuestionType.YESNO:
        return t.plain("surveys.answer_yes" if value else "surveys.answer_no")
    if question.type is QuestionType.MULTI and isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, bool):
        return str(value)
    return value


def _places(question: Question, value: Answer) -> int | None:
    if isinstance(value, Figure):
        return value.places
    return question.decimals


def _number_format(places: int | None) -> str:
    return f"#,##0.{'0' * places}" if places else "General"


def _condition(t: Texts, questions: tuple[Question, ...], question: Question) -> str | None:
    if not question.when:
        return None
    parts = []
    for ref, accepted in question.when.items():
        target = next((i, q) for i, q in enumerate(questions, 1) if q.key == ref)
        values = [_show(t, target[1], v) for v in accepted]
        parts.append(t.plain("surveys.sheet.when", number=target[0], values=values))
    return " ".join(parts)


def answer_workbook(
    t: Texts,
    *,
    survey_id: int,
    slug: str,
    title: str,
    owner: str,
    owner_id: int,
    owner_name: str | None,
    deadline: datetime | None,
    questions: tuple[Question, ...],
    answers: dict[str, Answer],
    previous: Previous | None = None,
) -> bytes:
    """The spreadsheet to fill in: every question, the answers that count so far."""
    from openpyxl import Workbook  # loaded when someone asks for a spreadsheet
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t.plain("surveys.sheet.name")
    lists = workbook.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    meta = workbook.create_sheet(META)
    meta.sheet_state = "veryHidden"
    for entry in (
        [MAGIC, survey_id], ["slug", slug], ["owner", owner], ["owner_id", owner_id],
        ["sheet", sheet.title],
    ):  # fmt: skip
        meta.append(entry)

    sheet["A1"] = f"{title} · {owner_name}" if owner_name else title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = t.plain("surveys.sheet.help", deadline=deadline)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=HELP_ROW, start_column=1, end_row=HELP_ROW, end_column=6)
    sheet.row_dimensions[HELP_ROW].height = 75
    headers = [t.plain(f"surveys.sheet.col_{name}") for name in ("n", "question", "answer")]
    headers += [t.plain("surveys.sheet.col_unit"), t.plain("surveys.sheet.col_how")]
    if previous is not None:
        headers.append(t.plain("surveys.previous_column", year=previous.year))
    for column, header in enumerate(headers, 1):
        cell = sheet.cell(HEADER_ROW, column, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(HEADER_ROW, KEY, "key")
    sheet.cell(HEADER_ROW, ORIGINAL, "original")

    fill = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in
    unlocked = Protection(locked=False)
    lists_used = 0
    for index, question in enumerate(questions):
        row = FIRST_ROW + index
        value = answers.get(question.key)
        has_value = question.key in answers
        sheet.cell(row, 1, index + 1)
        sheet.cell(row, 2, question.text).alignment = Alignment(wrap_text=True, vertical="top")
        answer = sheet.cell(row, ANSWER, _cell_value(t, question, value) if has_value else None)
        if isinstance(answer.value, str) and answer.value.startswith("="):
            answer.data_type = "s"  # an answer typed earlier, never a formula
        answer.fill = fill
        answer.protection = unlocked
        answer.alignment = Alignment(wrap_text=True, vertical="top")
        if question.type is QuestionType.DATE:
            answer.number_format = "DD.MM.YYYY"
        elif question.type in (QuestionType.NUMBER, QuestionType.INTEGER):
            answer.number_format = _number_format(_places(question, value))
        sheet.cell(row, 4, question.unit)
        how = t.plain(
            "surveys.sheet.how",
            question=question,
            low=t.number(question.min) if question.min is not None else None,
            high=t.number(question.max) if question.max is not None else None,
            options="; ".join(question.options),
            condition=_condition(t, questions, question),
        )
        sheet.cell(row, 5, how).alignment = Alignment(wrap_text=True, vertical="top")
        if previous is not None and question.key in previous.answers:
            before = previous.answers[question.key]
            sheet.cell(row, 6, _show(t, question, before))
        sheet.cell(row, KEY, question.key)
        sheet.cell(row, ORIGINAL, dump_answer(value) if has_value else None)

        where = f"C{row}"
        validation = None
        choices: tuple[str | int, ...] = ()
        if question.type is QuestionType.CHOICE:
            choices = question.options
        elif question.type is QuestionType.YESNO:
            choices = (t.plain("surveys.answer_yes"), t.plain("surveys.answer_no"))
        elif question.type is QuestionType.SCALE:
            first, last = _scale(question)
            choices = tuple(range(first, last + 1))
        if choices:
            lists_used += 1
            for offset, option in enumerate(choices, 1):
                cell = lists.cell(offset, lists_used, option)
                if isinstance(option, str):
                    cell.data_type = "s"  # an option is text, never a formula
            letter = lists.cell(1, lists_used).column_letter
            validation = DataValidation(
                type="list", formula1=f"{LISTS}!${letter}$1:${letter}${len(choices)}"
            )
        elif question.type in (QuestionType.INTEGER, QuestionType.NUMBER):
            kind = "decimal" if question.type is QuestionType.NUMBER else "whole"
            low, high = question.min, question.max
            if low is not None and high is not None:
                validation = DataValidation(
                    type=kind, operator="between", formula1=str(low), formula2=str(high)
                )
            elif low is not None:
                validation = DataValidation(
                    type=kind, operator="greaterThanOrEqual", formula1=str(low)
                )
            elif high is not None:
                validation = DataValidation(
                    type=kind, operator="lessThanOrEqual", formula1=str(high)
                )
        elif question.type is QuestionType.TEXT:
            validation = DataValidation(
                type="textLength", operator="lessThanOrEqual", formula1=str(question.max_length)
            )
        if validation is not None:
            validation.error = t.plain("surveys.sheet.invalid_cell")
            validation.errorTitle = t.plain("surveys.sheet.invalid_title")
            validation.showErrorMessage = True
            validation.allow_blank = True
            sheet.add_data_validation(validation)
            validation.add(where)

    for letter, width in (("A", 5), ("B", 50), ("C", 24), ("D", 12), ("E", 42), ("F", 20)):
        sheet.column_dimensions[letter].width = width
    for column in (KEY, ORIGINAL):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].hidden = True
    sheet.freeze_panes = sheet.cell(FIRST_ROW, 1).coordinate
    sheet.protection.sheet = True  # only the answers can be changed (no password: a guard)
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_answer_file(raw: bytes) -> AnswerFile | None:
    """What a filled-in spreadsheet says; None if it is a spreadsheet but not one of these
    (no `unionbot` sheet). WorkbookError for a file that is not a spreadsheet at all."""

    def reader(workbook: Any) -> AnswerFile | None:
        if META not in workbook.sheetnames:
            return None
        meta: dict[str, Any] = {}
        first: Any = None
        for _number, cells in rows(workbook[META], first=1, last=10, columns=2):
            name, value = (getattr(c, "value", None) for c in cells)
            if first is None:
                first = (name, value)
            elif name is not None:
                meta[str(name)] = value
        if first is None or first[0] != MAGIC:
            return None
        try:
            survey_id, owner_id = int(first[1]), int(meta.get("owner_id") or 0)
        except (TypeError, ValueError):
            raise WorkbookError("not_answers") from None
        name = _text(meta.get("sheet"))
        sheet = workbook[name] if name in workbook.sheetnames else workbook.worksheets[0]
        found = []
        for number, cells in rows(sheet, first=FIRST_ROW, last=LAST_ROW, columns=ORIGINAL):
            key = cells[KEY - 1]
            if key is None:
                continue
            answer = cells[ANSWER - 1]
            original = cells[ORIGINAL - 1]
            found.append(
                SheetRow(
                    cell=f"{sheet.title}!C{number}",
                    key=str(key.value)[:64],
                    value=answer.value if answer is not None else None,
                    number_format=getattr(answer, "number_format", None),
                    original=_text(original.value) if original is not None else None,
                )
            )
        return AnswerFile(
            survey_id=survey_id,
            slug=_text(meta.get("slug")) or "",
            owner=_text(meta.get("owner")) or "",
            owner_id=owner_id,
            rows=found,
        )

    return read_workbook(raw, reader)
