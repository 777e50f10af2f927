"""Text out of the files staff send: .docx (python-docx) and .txt, as paragraphs.

Word's automatic numbering is not part of a paragraph's text; it is rebuilt here from the
numbering definitions (paragraph or style `numPr`, `lvlText` like `%1.` or `%1.%2.`), so
"1. Recommend ..." keeps its number (empty numbered paragraphs are counted too, as Word
counts them). Text is read from the XML, so tracked insertions, smart tags, fields and
content controls (`w:sdt`, block or inline) are read and deleted text is not.

Every element of the result is one line, never holding a "\n" (the text is stored joined by
"\n" and split on it again): a soft line break (Shift+Enter) in a paragraph starts a new
line, read as a paragraph of its own, the number staying on the first line. Tables come out
one row a line, cells joined by " | "; inside a cell, paragraphs are joined by " / " and a
soft line break reads as a space, so a row never falls apart.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

MAX_PARAGRAPHS = 20_000
# A .docx of a resolution is kilobytes of XML; a long one with pictures a few megabytes.
MAX_INFLATED = 48 * 1024 * 1024  # all parts together, inflated (pictures included)
MAX_XML = 16 * 1024 * 1024  # one XML part (the text of ~3 000 pages)
MAX_MEMBERS = 2_000
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnreadableFile(ValueError):
    """Not a document we can read; `key` names the text that says why (under
    `resolutions.error.`): unreadable (broken, no text), too_big_inside (a zip bomb),
    not_text (no Russian reading of a plain-text file)."""

    def __init__(self, detail: str, key: str = "unreadable") -> None:
        super().__init__(detail)
        self.key = key


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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What Russian plain text comes in when it is not UTF-8: Windows (Word's "plain text",
# Notepad's "ANSI"), KOI8-R (old mail and Unix), UTF-16 without a BOM.
_LEGACY = ["cp1251", "koi8_r", "utf_16_le", "utf_16_be", "cp866", "mac_cyrillic"]
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")


def _binary(text: str) -> bool:
    controls = sum(1 for char in text if char < " " and char not in "\t\n\r\f")
    return "\x00" in text or controls > len(text) / 200


def decode_text(content: bytes) -> str:
    """The text of a plain-text file: a BOM says the encoding; else UTF-8; else the most
    plausible Russian encoding (charset-normalizer). Raises UnreadableFile for what is not
    text (a picture renamed .txt, an encoding with no Russian reading)."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                raise UnreadableFile("broken text after a byte order mark", "not_text") from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if not text or _binary(text):  # UTF-16 without a BOM decodes as UTF-8 full of NULs
        best = from_bytes(content, cp_isolation=_LEGACY).best()
        if best is None:
            raise UnreadableFile("not text in any known encoding", "not_text") from None
        text = str(best)
        letters = _LETTER.findall(text)
        if not letters or len(_CYRILLIC.findall(text)) < len(letters) / 2:
            raise UnreadableFile("no Russian reading", "not_text") from None
    if _binary(text):
        raise UnreadableFile("binary content", "not_text")
    return text


def read_txt(content: bytes) -> list[str]:
    paragraphs = from_text(decode_text(content))
    if not paragraphs:
        raise UnreadableFile("no text")
    return paragraphs


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


# Reading the XML: a paragraph's text is every `w:t` in document order (plain runs,
# hyperlinks, tracked insertions, smart tags, fields' results, inline content controls),
# never deleted or moved-away text; tabs and line breaks are kept as "\t" and "\n".
_W_P, _W_TBL, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_W_T, _W_SDT, _W_SDT_CONTENT = qn("w:t"), qn("w:sdt"), qn("w:sdtContent")
_WRAPPERS = frozenset({_W_SDT, qn("w:customXml")})  # may hold blocks, rows or cells
_TABS = frozenset({qn("w:tab"), qn("w:ptab")})
_BREAKS = frozenset({qn("w:br"), qn("w:cr")})
_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
_SKIPPED = frozenset(
    {
        qn("w:del"),  # deleted text (w:delText) and deleted tabs and breaks
        qn("w:moveFrom"),  # text moved away: it is read where it was moved to
        qn("w:pPr"),
        qn("w:rPr"),
        qn("w:sdtPr"),
        qn("w:sdtEndPr"),
        # The VML copy of a text box that Word writes next to the DrawingML one.
        "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
    }
)


def _placeholder(sdt: Any) -> bool:
    """A content control still showing its prompt ("Click here to enter text")."""
    props = sdt.find(qn("w:sdtPr"))
    return props is not None and props.find(qn("w:showingPlcHdr")) is not None


def _content(parent: Any, tags: frozenset[str]) -> Iterator[Any]:
    """Children of `parent` with one of `tags`, looking into content controls
    (`w:sdt`/`w:sdtContent`) and custom XML around them, in document order."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag == _W_SDT:
            inner = child.find(_W_SDT_CONTENT)
            if inner is not None and not _placeholder(child):
                yield from _content(inner, tags)
        elif child.tag in _WRAPPERS:
            yield from _content(child, tags)


def _collect(element: Any, out: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag == _W_T:
            out.append(child.text or "")
        elif tag in _TABS:
            out.append("\t")
        elif tag in _BREAKS:
            out.append("\n")
        elif tag == _NO_BREAK_HYPHEN:
            out.append("-")
        elif tag in _SKIPPED or (tag == _W_SDT and _placeholder(child)):
            continue
        elif tag == _W_P:  # a paragraph of a text box inside this one: lines of their own
            out.append("\n")
            _collect(child, out)
            out.append("\n")
        else:
            _collect(child, out)


def _paragraph_text(p: Any) -> str:
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


class _Reader:
    """A document's blocks as lines, Word's numbering rebuilt as it goes."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.numbering = _Numbering.of(document)

    def label(self, p: Any) -> str:
        """The paragraph's number. Counted for every numbered paragraph, empty ones too:
        Word shows and counts them, so the items after keep Word's numbers."""
        num = _num_pr(Paragraph(p, self.document))
        return self.numbering.label(*num) if num else ""

    def paragraph(self, p: Any) -> list[str]:
        """A paragraph's lines: a soft line break (Shift+Enter) starts a new line, which
        reads as a paragraph of its own from then on; the number goes before the first."""
        lines = tidy(_paragraph_text(p).split("\n"))
        if not lines and _removed(p):  # deleted with tracked changes: Word does not count it
            return []
        label = self.label(p)
        if lines and label:
            lines[0] = f"{label} {lines[0]}"
        return lines

    def cell(self, tc: Any) -> str:
        """A cell on one line: its paragraphs joined by " / ", a soft line break inside one
        read as a space (a table row must stay one line). A numbered paragraph keeps its
        number even when empty: it is the "No." column of a table."""
        texts = []
        for p in _cell_paragraphs(tc):
            text = " ".join(tidy(_paragraph_text(p).split("\n")))
            if not text and _removed(p):
                continue
            label = self.label(p)
            text = f"{label} {text}" if label and text else label or text
            if text:
                texts.append(text)
        return " / ".join(texts)

    def table(self, tbl: Any) -> Iterator[str]:
        """One line per row, cells joined by " | ". A cell spanning several columns is read
        once (one `w:tc`: a horizontal merge; equal values in different cells both stay);
        the rows of a vertical merge repeat the merged cell's text; an empty cell between
        others stays in its place, so the columns of every row line up."""
        above: dict[int, str] = {}  # grid column -> the text of a vertically merged cell
        for tr in _content(tbl, frozenset({_W_TR})):
            column = _int_val(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
            cells: list[str] = []
            for tc in _content(tr, frozenset({_W_TC})):
                props = tc.find(qn("w:tcPr"))
                span = _int_val(None if props is None else props.find(qn("w:gridSpan")), 1)
                merge = None if props is None else props.find(qn("w:vMerge"))
                if merge is not None and merge.get(qn("w:val"), "continue") == "continue":
                    text = above.get(column, "")
                else:
                    text = self.cell(tc)
                    if merge is not None:
                        above[column] = text
                    else:
                        above.pop(column, None)
                cells.append(text)
                column += max(span, 1)
            while cells and not cells[-1]:
                cells.pop()
            while cells and not cells[0]:
                cells.pop(0)
            if cells:
                yield " | ".join(cells)

    def lines(self) -> Iterator[str]:
        """Paragraphs and tables in document order, content controls' included."""
        body = self.document.element.body
        for block in _content(body, frozenset({_W_P, _W_TBL})):
            if block.tag == _W_TBL:
                yield from self.table(block)
            else:
                yield from self.paragraph(block)


def _removed(p: Any) -> bool:
    """The paragraph mark is a tracked deletion (or moved away)."""
    mark = p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
    return mark is not None and (
        mark.find(qn("w:del")) is not None or mark.find(qn("w:moveFrom")) is not None
    )


def _cell_paragraphs(tc: Any) -> Iterator[Any]:
    """A cell's paragraphs, those of the tables nested in it included."""
    for block in _content(tc, frozenset({_W_P, _W_TBL})):
        if block.tag == _W_P:
            yield block
            continue
        for tr in _content(block, frozenset({_W_TR})):
            for inner in _content(tr, frozenset({_W_TC})):
                yield from _cell_paragraphs(inner)


def _int_val(node: Any, default: int) -> int:
    if node is None:
        return default
    try:
        return int(node.get(qn("w:val"), default))
    except ValueError:
        return default


def check_archive(content: bytes) -> None:
    """A .docx is a zip archive: refuse one that would inflate beyond what any document
    needs (a zip bomb), by the sizes it declares and by reading it, before python-docx
    loads a part of it into memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile("not a zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UnreadableFile("too many parts", "too_big_inside")
        if sum(member.file_size for member in members) > MAX_INFLATED:
            raise UnreadableFile("declares too much content", "too_big_inside")
        total = 0
        for member in members:
            xml = member.filename.endswith((".xml", ".rels"))
            if xml and member.file_size > MAX_XML:
                raise UnreadableFile("declares too much text", "too_big_inside")
            size = 0
            try:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 16):
                        size += len(chunk)
                        total += len(chunk)
                        if total > MAX_INFLATED or (xml and size > MAX_XML):
                            raise UnreadableFile("inflates too much", "too_big_inside")
            except Exception:  # a broken or unsupported part (zipfile raises many kinds)
                raise UnreadableFile("a broken part") from None


def read_docx(content: bytes) -> list[str]:
    check_archive(content)
    try:
        document = Document(io.BytesIO(content))
    except Exception as error:  # a broken or foreign file: python-docx raises many kinds
        raise UnreadableFile(str(error)) from None
    lines: list[str] = []
    for line in _Reader(document).lines():
        if len(lines) > MAX_PARAGRAPHS:
            break
        lines.append(line)
    paragraphs = tidy(lines)
    if not paragraphs:
        raise UnreadableFile("no text")
    return paragraphs
