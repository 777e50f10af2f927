"""Splitting long messages within Telegram's 4096-character limit."""

from __future__ import annotations

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def split_lines(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of whole lines, each at most `limit` characters (raw HTML counted, which is
    never less than what Telegram counts). A line longer than the limit is cut at spaces.
    Lines must not open a tag they do not close; the bot's templates keep to that."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if len(line) <= limit else _words(line, limit)
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


def _words(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:  # a "word" longer than a message: cut it, nothing else works
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces
