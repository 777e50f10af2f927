"""What people type into /resolutions, as a safe full-text query; and the pieces of text
shown for each hit, with the matches marked.

SQLite ranks and limits (storage); the pieces are cut here, from the stored text, only for
the hits shown: FTS5's snippet() and highlight() would run for every match before the
ranking, which cost most of a search's time in a large archive.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from storage.resolutions import MATCH_END, MATCH_START, Resolution

SEARCH_WORDS = 8
SNIPPET_TOKENS = 16
_WORD = re.compile(r"\w+", re.UNICODE)
# A token as the index's tokenizer (unicode61) sees it: letters and digits.
_TOKEN = re.compile(r"[^\W_]+")

# Russian word endings are vowels, or a soft or short sign: a short word loses one, so
# a typed singular finds the plural and the other cases (tsena finds tseny, tsenakh).
_ENDING = frozenset("\u0430\u0435\u0438\u043e\u0443\u044b\u044d\u044e\u044f\u044c\u0439")


def _fold(text: str) -> str:
    """Yo as ye, as the index holds it: one letter for one, so positions stay."""
    return text.replace("\u0451", "\u0435").replace("\u0401", "\u0415")


@dataclass(frozen=True, slots=True)
class Found:
    """A search hit: the resolution, its title and a piece of its text with the matches
    wrapped in MATCH_START / MATCH_END (letters as written: yo stays yo)."""

    resolution: Resolution
    title: str
    snippet: str


def _stem(word: str) -> str:
    if len(word) >= 6:
        return word[: max(5, len(word) - 2)]
    if len(word) >= 4 and word[-1] in _ENDING:
        return word[:-1]
    return word


def search_terms(words: str) -> list[str]:
    """The prefixes a text must contain, one per typed word (at most SEARCH_WORDS).

    Only letters and digits survive. Case is folded, yo is folded to ye as in the index,
    and a long word loses up to two final letters, so one typed form finds the others
    (plural, other cases)."""
    terms = []
    for word in _WORD.findall(_fold(words.casefold()))[:SEARCH_WORDS]:
        word = word.replace("_", "")
        if word:
            terms.append(_stem(word))
    return list(dict.fromkeys(terms))


def fts_query(terms: list[str]) -> str:
    """Each term a quoted prefix term, all required: no FTS syntax reaches SQLite."""
    return " ".join(f'"{term}"*' for term in terms)


def search_query(words: str) -> str | None:
    """User words as a safe FTS5 query (None when nothing searchable is left)."""
    return fts_query(search_terms(words)) or None


class Marker:
    """Finds the query's terms at the start of words, as the index does (case folded, yo
    as ye), and marks the words found."""

    def __init__(self, terms: list[str]) -> None:
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        self._terms = {term: index for index, term in enumerate(terms)}
        self._hit = re.compile(rf"(?<![^\W_])(?:{alternatives})", re.IGNORECASE)

    def highlight(self, text: str) -> str:
        """The whole text with every matching word marked."""
        return self._mark(text, _fold(text), 0, len(text))

    def snippet(self, text: str, size: int = SNIPPET_TOKENS) -> str:
        """A piece of `size` words around the best group of matches (the most different
        terms, then the most matches), with "…" where the text goes on."""
        folded = _fold(text)
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        if not tokens:
            return text
        starts = [start for start, _end in tokens]
        hits = [
            (bisect_left(starts, m.start()), self._terms.get(m.group().casefold(), 0))
            for m in self._hit.finditer(folded)
        ]
        first = last = 0
        if hits:
            best = (0, 0)
            for i, (token, _term) in enumerate(hits):
                inside = [term for at, term in hits[i : i + size] if at < token + size]
                score = (len(set(inside)), len(inside))
                if score > best:
                    best = score
                    first, last = token, hits[i + len(inside) - 1][0]
            first = max(0, first - (size - (last - first + 1)) // 2)  # the matches centred
        end = min(len(tokens), first + size)
        first = max(0, end - size)
        begin = 0 if first == 0 else tokens[first][0]
        finish = len(text) if end == len(tokens) else tokens[end - 1][1]
        piece = self._mark(text, folded, begin, finish)
        return ("…" if first > 0 else "") + piece + ("…" if end < len(tokens) else "")

    def _mark(self, text: str, folded: str, begin: int, end: int) -> str:
        out = []
        at = begin
        for word in _TOKEN.finditer(text, begin, end):
            if self._hit.match(folded, word.start(), word.end()):
                out += [text[at : word.start()], MATCH_START, word.group(), MATCH_END]
                at = word.end()
        out.append(text[at:end])
        return "".join(out)


def found(resolution: Resolution, terms: list[str]) -> Found:
    """A hit as shown: its title and a piece of its text, the matches marked."""
    marker = Marker(terms)
    return Found(resolution, marker.highlight(resolution.title), marker.snippet(resolution.body))
