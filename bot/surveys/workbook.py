"""Opening a spreadsheet someone sent, safely: bounded before anything is parsed.

An .xlsx file is a zip of XML files. Before openpyxl sees it, the zip's directory is
checked: a few hundred entries at most and a bounded unpacked size (a "zip bomb" unpacks a
few kilobytes into gigabytes). openpyxl then reads it read-only (rows streamed, nothing
kept) with cached values instead of formulas (data_only). Whatever goes wrong, the caller
gets a WorkbookError with a code for the person, never a crash.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

MAX_FILE = 2 * 1024 * 1024  # bytes as sent; a filled-in survey is some 20 KB
MAX_UNPACKED = 40 * 1024 * 1024
MAX_ENTRIES = 300


class WorkbookError(ValueError):
    """`code`: not_xlsx (not a spreadsheet, or a damaged one), too_big."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _check_zip(raw: bytes) -> None:
    if len(raw) > MAX_FILE:
        raise WorkbookError("too_big")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WorkbookError("not_xlsx") from None
    if len(entries) > MAX_ENTRIES:
        raise WorkbookError("too_big")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise WorkbookError("too_big")
    if not any(entry.filename == "[Content_Types].xml" for entry in entries):
        raise WorkbookError("not_xlsx")


def read_workbook(raw: bytes, reader: Callable[[Any], T]) -> T:
    """`reader(workbook)` on a read-only openpyxl workbook of `raw`, closed afterwards.
    The reader only collects cell values; anything openpyxl or the XML underneath raises
    on the way becomes WorkbookError("not_xlsx") (logged), as does a file that is not one."""
    _check_zip(raw)
    from openpyxl import load_workbook  # loaded when a spreadsheet arrives

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        log.info("an .xlsx file could not be opened", exc_info=True)
        raise WorkbookError("not_xlsx") from None
    try:
        return reader(workbook)
    except WorkbookError:
        raise
    except Exception:
        log.info("an .xlsx file could not be read", exc_info=True)
        raise WorkbookError("not_xlsx") from None
    finally:
        workbook.close()


def rows(sheet: Any, *, first: int, last: int, columns: int) -> Iterator[tuple[int, list[Any]]]:
    """(row number, [cell, ...]) for rows first..last, `columns` cells each (None-padded);
    a cell is an openpyxl read-only cell or None. Bounded whatever the sheet claims."""
    for number, cells in enumerate(
        sheet.iter_rows(min_row=first, max_row=last, max_col=columns), first
    ):
        padded = [cell if getattr(cell, "value", None) is not None else None for cell in cells]
        padded += [None] * (columns - len(padded))
        yield number, padded[:columns]
