"""Text out of the files staff send: .docx (python-docx) and .txt, as paragraphs.

Word's automatic numbering is not part of a paragraph's text; it is rebuilt here from the
numbering definitions (paragraph or style `numPr`, `lvlText` like `%1.` or `%1.%2.`), so
"1. Recommend ..." keeps its number. Tables come out one row a line, cells joined by " | ".
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

MAX_PARAGRAPHS = 20_000
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnreadableFile(ValueError):
    """Not a document we can read (a broken .docx, an unknown encoding, no text)."""


def tidy(lines: list[str]) -> list[str]:
    """Paragraphs with spaces collapsed, control characters dropped, empty ones removed."""
    paragraphs = []
    for line in lines:
        text = _SPACES.sub(" ", _CONTROL.sub("", line)).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def from_text(text: str) -> list[str]:
    """Pasted or .txt text: one paragraph a line."""
    return tidy(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def read_txt(content: bytes) -> list[str]:
    """UTF-8 (with or without BOM), else Windows-1251 (what Word saves as "plain text")."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        paragraphs = from_text(text)
        if paragraphs:
            return paragraphs
        break
    raise UnreadableFile("no text")


# --- .docx ------------------------------------------------------------------------------------


def _roman(n: int) -> str:
    numerals = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]  # fmt: skip
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


# Russian list letters: a..ya without short i, hard sign, yery, soft sign (as Word counts).
_RUSSIAN = [chr(c) for c in range(0x430, 0x450) if c not in (0x439, 0x44A, 0x44B, 0x44C)]


def _letters(n: int, alphabet: list[str]) -> str:
    size = len(alphabet)
    return alphabet[(n - 1) % size] * ((n - 1) // size + 1)


def _format_number(n: int, fmt: str) -> str:
    latin = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    match fmt:
        case "lowerLetter":
            return _letters(n, latin)
        case "upperLetter":
            return _letters(n, latin).upper()
        case "lowerRoman":
            return _roman(n).lower()
        case "upperRoman":
            return _roman(n)
        case "russianLower":
            return _letters(n, _RUSSIAN)
        case "russianUpper":
            return _letters(n, _RUSSIAN).upper()
        case "decimalZero":
            return f"{n:02d}"
        case "none":
            return ""
        case _:
            return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


@dataclass
class _Numbering:
    """Word's list definitions and the running counters while reading the document."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # numId -> ilvl -> level
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Any) -> _Numbering:
        numbering = cls()
        # Not `part.numbering_part`: for a document without lists python-docx tries to make one.
        rels = document.part.rels.values()
        related = next((r for r in rels if r.reltype == RT.NUMBERING and not r.is_external), None)
        if related is None:
            return numbering
        root = related.target_part.element
        abstract: dict[str, dict[int, _Level]] = {}
        for node in root.findall(qn("w:abstractNum")):
            abstract[node.get(qn("w:abstractNumId"))] = {
                int(lvl.get(qn("w:ilvl"), "0")): _level(lvl) for lvl in node.findall(qn("w:lvl"))
            }
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            levels = dict(abstract.get(ref.get(qn("w:val")) if ref is not None else "", {}))
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                start = override.find(qn("w:startOverride"))
                if start is not None and ilvl in levels:
                    base = levels[ilvl]
                    levels[ilvl] = _Level(int(start.get(qn("w:val"), "1")), base.fmt, base.text)
            numbering.levels[num.get(qn("w:numId"))] = levels
        return numbering

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        level = levels[ilvl]
        if level.fmt == "bullet":
            return "\u2022"
        label = level.text
        for depth in range(ilvl + 1):
            value = counters.get(depth, levels.get(depth, _Level()).start)
            fmt = levels.get(depth, _Level()).fmt
            label = label.replace(f"%{depth + 1}", _format_number(value, fmt))
        return label.strip()


def _level(node: Any) -> _Level:
    def value(tag: str, default: str) -> str:
        child = node.find(qn(tag))
        return default if child is None else str(child.get(qn("w:val"), default))

    return _Level(
        start=int(value("w:start", "1") or 1),
        fmt=value("w:numFmt", "decimal"),
        text=value("w:lvlText", "%1."),
    )


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    """The paragraph's list (numId, level): its own numPr, else its style's (or a base's)."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
    for ppr in candidates:
        if ppr is None or ppr.numPr is None:
            continue
        num_pr = ppr.numPr
        num_id = num_pr.numId.val if num_pr.numId is not None else None
        if num_id is None or int(num_id) == 0:
            return None
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return str(num_id), int(ilvl)
    return None


def _blocks(document: Any) -> Iterator[Any]:
    """Paragraphs and tables in document order."""
    yield from document.iter_inner_content()


def read_docx(content: bytes) -> list[str]:
    try:
        document = Document(io.BytesIO(content))
    except Exception as error:  # a broken or foreign file: python-docx raises many kinds
        raise UnreadableFile(str(error)) from None
    numbering = _Numbering.of(document)
    lines: list[str] = []
    for block in _blocks(document):
        if len(lines) > MAX_PARAGRAPHS:
            break
        if hasattr(block, "rows"):  # a table
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells]
                unique = [c for i, c in enumerate(cells) if c and c not in cells[:i]]
                if unique:
                    lines.append(" | ".join(unique))
            continue
        text = block.text.strip()
        if not text:
            continue
        num = _num_pr(block)
        label = numbering.label(*num) if num else ""
        lines.append(f"{label} {text}" if label else text)
    paragraphs = tidy(lines)
    if not paragraphs:
        raise UnreadableFile("no text")
    return paragraphs
