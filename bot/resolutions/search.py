"""What people type into /resolutions, as a safe full-text query."""

from __future__ import annotations

import re

SEARCH_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)

# Russian word endings are vowels, or a soft or short sign: a short word loses one, so
# a typed singular finds the plural and the other cases (tsena finds tseny, tsenakh).
_ENDING = frozenset("\u0430\u0435\u0438\u043e\u0443\u044b\u044d\u044e\u044f\u044c\u0439")


def _stem(word: str) -> str:
    if len(word) >= 6:
        return word[: max(5, len(word) - 2)]
    if len(word) >= 4 and word[-1] in _ENDING:
        return word[:-1]
    return word


def search_query(words: str) -> str | None:
    """User words as a safe FTS5 query: each word a quoted prefix term, all required.

    Only letters and digits survive, so no FTS syntax reaches SQLite. Case folding is the
    tokenizer's (Cyrillic included); yo is folded to ye as in the index. A long word loses
    up to two final letters, so one typed form finds the others (plural, other cases)."""
    terms = []
    for word in _WORD.findall(words.casefold().replace("\u0451", "\u0435"))[:SEARCH_WORDS]:
        word = word.replace("_", "")
        if not word:
            continue
        terms.append(f'"{_stem(word)}"*')
    return " ".join(terms) or None
