"""Splitting long messages within Telegram's 4096-character limit."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space where one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit * 2 // 3:
        head = head[:space]
    return head.rstrip() + "\u2026"


def split_lines(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of whole lines, each at most `limit` characters (raw HTML counted, which is
    never less than what Telegram counts). A line longer than the limit is cut at spaces.
    Lines must not open a tag they do not close; the bot's templates keep to that."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if len(line) <= limit else _words(line, limit, html=True)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current.strip():
                chunks.append(current.strip("\n"))
            current = piece
    if current.strip():
        chunks.append(current.strip("\n"))
    return chunks


def _words(
    line: str, limit: int, length: Callable[[str], int] = len, *, html: bool = False
) -> list[str]:
    """Pieces of a line at most `limit` long, cut at spaces; a word longer than that is cut
    anywhere (in HTML, never inside an entity such as `&amp;`)."""
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        while length(word) > limit:  # a "word" longer than a message: cut it, nothing else works
            if current:
                pieces.append(current)
                current = ""
            head = word[:limit]
            while length(head) > limit:  # characters outside the BMP count twice in UTF-16
                head = head[:-1]
            entity = head.rfind("&")
            if html and entity > 0 and ";" not in head[entity:]:
                head = head[:entity]
            pieces.append(head)
            word = word[len(head) :]
        candidate = f"{current} {word}" if current else word
        if length(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


# --- long plain texts (a resolution) ---------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;:\u2026])\s+")
_BARE_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]?|[IVXLC]{1,6}\.|\w[.)])$")
_ABBREVIATION_END = re.compile(r"(?:^|[\s(\"\u00ab.])(?:\d{1,3}(?:\.\d{1,3})*|\w{1,3})\.$")
HEADING_MAX = 300  # a paragraph ending in ":" shorter than this is a heading ("decided:")


def telegram_length(text: str) -> int:
    """What Telegram counts against its limits: UTF-16 code units of the visible text."""
    return len(text.encode("utf-16-le")) // 2


def split_paragraphs(
    paragraphs: Sequence[str], limit: int = TEXT_LIMIT, *, separator: str = "\n\n"
) -> list[str]:
    """Plain-text paragraphs packed into chunks of at most `limit` (Telegram's count).

    The chunks are plain text: the caller escapes each for HTML, so an entity is never cut
    and the visible length is what was measured here. Paragraphs stay whole when they fit;
    a number standing alone ("1.") is joined to the paragraph after it, and a short heading
    ending in ":" is kept with the paragraph after it (with its first piece, when that
    paragraph is longer than a message). A paragraph longer than a message is cut between
    sentences, else between words (a "word" longer than a message, never seen in a real
    text, is cut where it must be); a piece never holds only a number or an abbreviation.
    """
    units = _units(paragraphs, limit)
    sep = telegram_length(separator)
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        unit_size = sum(telegram_length(p) for p in unit) + sep * (len(unit) - 1)
        if current and size + sep + unit_size <= limit:
            current.extend(unit)
            size += sep + unit_size
            continue
        if current:
            chunks.append(separator.join(current))
        if unit_size <= limit:
            current, size = list(unit), unit_size
            continue
        # A unit longer than a message: its paragraphs in turn, one too long for the room
        # left cut so that its first piece fills that room, next to the heading before it.
        current, size = [], 0
        for paragraph in unit:
            room = limit - size - sep if current else limit
            for number, piece in enumerate(_cut(paragraph, limit, room)):
                if number and current:
                    chunks.append(separator.join(current))
                    current, size = [], 0
                if piece:
                    length = telegram_length(piece)
                    size = size + sep + length if current else length
                    current.append(piece)
    if current:
        chunks.append(separator.join(current))
    return chunks


def _units(paragraphs: Sequence[str], limit: int) -> list[list[str]]:
    """Paragraphs grouped into what must not be parted: a bare number goes into the
    paragraph after it; a heading and the paragraph after it form one unit."""
    merged: list[str] = []
    pending_number = ""
    for raw in paragraphs:
        text = raw.strip()
        if not text:
            continue
        if _BARE_NUMBER.match(text):
            pending_number = f"{pending_number} {text}".strip()
            continue
        merged.append(f"{pending_number} {text}" if pending_number else text)
        pending_number = ""
    if pending_number:
        merged.append(pending_number)
    units: list[list[str]] = []
    keep_with_next = False
    for text in merged:
        if keep_with_next:
            units[-1].append(text)
        else:
            units.append([text])
        keep_with_next = text.endswith(":") and telegram_length(text) < HEADING_MAX
    return units


def _sentences(paragraph: str) -> list[str]:
    """The paragraph cut after ".", "!", "?", ";", ":" or "..." and a space, except after a
    number or a word of up to three letters ("1.", "J.", "St.", the Russian "g." before a
    city's name): an abbreviation or an initial belongs to what follows."""
    sentences: list[str] = []
    glue = False
    for sentence in _SENTENCE_END.split(paragraph):
        if glue:
            sentences[-1] = f"{sentences[-1]} {sentence}"
        else:
            sentences.append(sentence)
        glue = _ABBREVIATION_END.search(sentence) is not None
    return sentences


def _cut(paragraph: str, limit: int, first: int | None = None) -> list[str]:
    """A paragraph in pieces of at most `limit` (the first of at most `first`, which may
    leave it empty when not even a word fits there).

    A piece ends between sentences when it is at least half full; otherwise, and for a
    sentence longer than a message, the next sentence's words fill it, so a short start
    ("1.", "In St.") is never left alone."""
    room = limit if first is None else first
    if telegram_length(paragraph) <= room:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _sentences(paragraph):
        candidate = f"{current} {sentence}" if current else sentence
        if telegram_length(candidate) <= room:
            current = candidate
            continue
        if 2 * telegram_length(current) >= room and telegram_length(sentence) <= limit:
            pieces.append(current)
            current, room = sentence, limit
            continue
        for word in sentence.split(" "):
            while word:
                candidate = f"{current} {word}" if current else word
                if telegram_length(candidate) <= room:
                    current, word = candidate, ""
                elif telegram_length(word) <= limit:  # the word opens the next piece
                    pieces.append(current)
                    current, room = "", limit
                else:  # a "word" longer than a message: what fits here, the rest after
                    space = room - (telegram_length(current) + 1 if current else 0)
                    head = _head(word, space)
                    if head:
                        current = f"{current} {head}" if current else head
                        word = word[len(head) :]
                    pieces.append(current)
                    current, room = "", limit
    if current:
        pieces.append(current)
    return pieces


def _head(word: str, room: int) -> str:
    """The longest start of `word` within `room` UTF-16 units (characters outside the BMP
    count twice)."""
    head = word[: max(room, 0)]
    while telegram_length(head) > room:
        head = head[:-1]
    return head
