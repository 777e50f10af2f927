"""Results as a table: one row per city (or person), one column per question.

CSV: UTF-8 with a BOM and `;` between fields, so Excel with Russian settings opens it right
(numbers with a decimal comma). XLSX: numbers stored as numbers, dates as dates, a bold
header, the first row frozen, column widths fitted.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cells import text_cell
from bot.surveys.definition import Definition, QuestionType
from bot.surveys.engine import plan
from bot.surveys.roster import Comparison, Roster, State, change
from bot.texts import Texts
from storage.surveys import Figure

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True, slots=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    footer: str


def build_table(
    t: Texts,
    definition: Definition,
    roster: Roster,
    tz: ZoneInfo,
    *,
    closed: bool,
    comparison: Comparison | None = None,
) -> Table:
    """One row per member city (every one, whatever its state) or per person who answered;
    `closed`: a started response that was not submitted says so; `comparison`: last year's
    value and the change in % beside each number question both surveys have."""
    by_cities = roster.by_cities
    compared = set()
    if comparison is not None:
        answered = {key for answers in comparison.answers.values() for key in answers}
        compared = {q.key for q in definition.questions if q.key in answered and q.type in COMPARED}
    headers = [t.plain("surveys.export.city" if by_cities else "surveys.export.person")]
    headers.append(t.plain("surveys.export.status"))
    for number, question in enumerate(definition.questions, 1):
        unit = f", {question.unit}" if question.unit else ""
        headers.append(f"{number}. {question.text}{unit}")
        if question.key in compared and comparison is not None:
            year = t.plain("surveys.previous_column", year=comparison.year)
            headers.append(f"{number}. {year}")
            headers.append(f"{number}. {t.plain('surveys.export.change')}")
    headers += [
        t.plain("surveys.export.submitted_by"),
        t.plain("surveys.export.submitted_at"),
        t.plain("surveys.export.edited_at"),
    ]
    rows: list[list[Cell]] = []
    for entry in roster.entries:
        response = entry.row
        effective = plan(definition, response.answers).effective
        row: list[Cell] = [
            (response.city_name if by_cities else response.person_name) or "",
            t.plain(
                f"surveys.export.state_{entry.state.value}",
                answered=entry.answered,
                total=entry.total,
                closed=closed,
            ),
        ]
        before = comparison.of(entry) if comparison is not None else {}
        for question in definition.questions:
            value = effective.get(question.key)
            if question.key in compared:
                row.extend(_compare_cells(value, before.get(question.key)))
                continue
            if value is None:
                row.append(None)
            elif question.type is QuestionType.MULTI and isinstance(value, list):
                row.append(", ".join(str(v) for v in value))
            elif question.type is QuestionType.YESNO:
                row.append(t.plain("surveys.answer_yes" if value else "surveys.answer_no"))
            elif question.type is QuestionType.DATE:
                row.append(date.fromisoformat(str(value)))
            elif isinstance(value, bool):
                row.append(str(value))
            elif isinstance(value, int | float | str):
                row.append(value)
            else:
                row.append(str(value))
        submitted = entry.state is State.SUBMITTED
        row.append(response.submitted_by if submitted else None)
        row.append(_local(response.submitted_at, tz) if submitted else None)
        row.append(_local(response.edited_at, tz))
        rows.append(row)
    part = roster.participation
    noun = "surveys.export.participation" if by_cities else "surveys.export.participation_people"
    footer = t.plain(noun, part=part, not_started=part.not_started, closed=closed)
    return Table(headers, rows, footer)


COMPARED = frozenset({QuestionType.NUMBER, QuestionType.INTEGER})


def _compare_cells(value: Any, before: Any) -> list[Cell]:
    """This year's number, last year's, and the change in % (one digit after the point)."""

    def number(item: Any) -> float | None:
        if isinstance(item, int | float) and not isinstance(item, bool):
            return item
        return None

    now, then = number(value), number(before)
    moved = change(now, then) if now is not None and then is not None else None
    return [now, then, Figure(f"{moved:.1f}") if moved is not None else None]


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Figure):
        return value.text.replace(".", ",")  # the digits as typed: 212,50
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, str):
        return text_cell(value)
    return str(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    writer.writerow([])
    writer.writerow([table.footer])
    return buffer.getvalue().encode("utf-8-sig")


_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_title(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of [ ] : * ? / \\,
    not starting or ending with an apostrophe ("Tariffs 2026/2027" becomes "Tariffs 2026-2027")."""
    name = " ".join(_NOT_IN_SHEET_TITLES.sub("-", title).split())[:31].strip("' ")
    return name or "Survey"


def to_xlsx(table: Table, title: str) -> bytes:
    from openpyxl import Workbook  # loaded when a staff member asks for a spreadsheet
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append(row)
    for given, row_cells in zip(table.rows, sheet.iter_rows(min_row=2), strict=False):
        for value, cell in zip(given, row_cells, strict=False):
            if isinstance(value, Figure) and value.places:
                cell.number_format = f"0.{'0' * value.places}"  # 212,50 stays 212,50
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # what someone typed, not a formula to run
            elif isinstance(cell.value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
    sheet.append([])
    sheet.append([table.footer])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, 1):
        values = [header] + [_csv_cell(row[index - 1]) for row in table.rows]
        longest = max(len(line) for value in values for line in str(value).split("\n"))
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 50)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
