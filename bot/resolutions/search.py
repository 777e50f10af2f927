"""What people type into /resolutions, as a safe full-text query; and the pieces of text
shown for each hit, with the matches marked.

SQLite ranks and limits (storage); the pieces are cut here, from the stored text, only for
the hits shown: FTS5's snippet() and highlight() would run for every match before the
ranking, which cost most of a search's time in a large archive.
"""

from __future__ import annotations

import re
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
        terms, then the most matches), with "…" where the text goes on. Only the words
        near the piece are looked at one by one (a long text is not split into words)."""
        folded = _fold(text)
        hits = self._hits(folded)
        start = 0
        if hits:
            # characters of `size` words (spaces counted: splitting a long text into words costs)
            span = len(text) / (text.count(" ") + text.count("\n") + 1) * size
            best, first, last = (0, 0), 0, 0
            inside: dict[int, int] = {}  # term -> matches in hits[i:end]
            end = 0
            for i, (at, term) in enumerate(hits):  # a window sliding over the matches
                while end < min(len(hits), i + size) and hits[end][0] < at + span:
                    inside[hits[end][1]] = inside.get(hits[end][1], 0) + 1
                    end += 1
                score = (len(inside), end - i)
                if score > best:
                    best, first, last = score, at, hits[end - 1][0]
                inside[term] -= 1
                if not inside[term]:
                    del inside[term]
            covered = len(_TOKEN.findall(text, first, last)) + 1
            start = _back(text, first, max(0, (size - covered) // 2))  # the matches centred
        words = []
        for word in _TOKEN.finditer(text, start):
            words.append(word)
            if len(words) == size:
                break
        if not words:
            return text
        if len(words) < size:  # the end of the text: the piece takes words before instead
            start = _back(text, words[0].start(), size - len(words))
        else:
            start = words[0].start()
        end = words[-1].end()
        opening = _TOKEN.search(text)
        at_start = opening is None or opening.start() >= start
        at_end = _TOKEN.search(text, end) is None
        piece = self._mark(text, folded, 0 if at_start else start, len(text) if at_end else end)
        return ("" if at_start else "…") + piece + ("" if at_end else "…")

    def _hits(self, folded: str) -> list[tuple[int, int]]:
        """(position, term) of every word that starts with a term, in text order."""
        lowered = folded.lower()
        if len(lowered) != len(folded):  # a letter whose lower case is longer: rare
            return [
                (m.start(), self._terms.get(m.group().casefold(), 0))
                for m in self._hit.finditer(folded)
            ]
        hits = []
        for term, index in self._terms.items():
            at = lowered.find(term)
            while at >= 0:
                if at == 0 or not _TOKEN.match(lowered, at - 1, at):
                    hits.append((at, index))
                at = lowered.find(term, at + 1)
        hits.sort()
        return hits

    def _mark(self, text: str, folded: str, begin: int, end: int) -> str:
        out = []
        at = begin
        for word in _TOKEN.finditer(text, begin, end):
            if self._hit.match(folded, word.start(), word.end()):
                out += [text[at : word.start()], MATCH_START, word.group(), MATCH_END]
                at = word.end()
        out.append(text[at:end])
        return "".join(out)


def _back(text: str, at: int, count: int) -> int:
    """Where the word `count` words before position `at` starts (0 if there are fewer)."""
    if count <= 0:
        return at
    reach = 32 * (count + 1)
    while True:
        lo = max(0, at - reach)
        words = [m.start() for m in _TOKEN.finditer(text, lo, at)]
        if lo > 0:
            words = words[1:]  # the first may be cut by the window
        if len(words) >= count:
            return words[-count]
        if lo == 0:
            return 0
        reach *= 4


def found(resolutions: list[Resolution], terms: list[str]) -> list[Found]:
    """The hits as shown: each one's title and a piece of its text, the matches marked."""
    marker = Marker(terms)
    return [Found(r, marker.highlight(r.title), marker.snippet(r.body)) for r in resolutions]
