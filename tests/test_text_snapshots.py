"""Every text in both languages, rendered into tests/snapshots/ (checked in).

A change to any text shows up in review as a diff a Russian speaker can read top to bottom.
Each key is rendered with the counts 1, 2, 5, 11, 21 and 22 in every number-like value
(`n`, `count`, `limit`, ...) and sample values for the others (a typed title, a city, a
date); renderings that do not differ with the count are written once. A value with no
sample shows as ⟨name⟩, and loops over it are empty, so any key renders. New keys need no
change here: regenerate with `UPDATE_SNAPSHOTS=1 pytest tests/test_text_snapshots.py`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChainableUndefined, Environment, Undefined
from jinja2 import meta as jinja_meta

from bot.texts import TextCatalog, Texts, load_locale_files, standalone_tags

SNAPSHOTS = Path(__file__).parent / "snapshots"
COUNTS = (1, 2, 5, 11, 21, 22)
UTC = dt.UTC

# Names whose value is a number next to a noun: they get each of COUNTS.
NUMBERS = frozenset(
    (
        "n", "count", "total", "limit", "people", "cities", "parts", "chars", "questions",
        "submitted", "going", "not_going", "more", "recipients", "notified", "unanswered",
        "comments", "done", "sent", "blocked", "failed", "cancelled", "length", "answers",
        "in_progress", "missing", "contacts", "version", "number", "pages", "page", "min",
        "max", "low", "high", "remaining", "problems",
    )
)  # fmt: skip


class Titled(str):
    """A string that is also something with a title (a draft is both in the texts)."""

    __slots__ = ()

    @property
    def title(self) -> str:  # type: ignore[override]
        return str(self)


MOMENT = dt.datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
DAY = dt.date(2027, 6, 27)
# Sample values by name (a typed title is a plural noun phrase on purpose: any text that
# agrees with it shows).
SAMPLES: dict[str, Any] = {
    "title": "Тарифы на коммунальные услуги — 2027",
    "city": "Архангельск",
    "cities_names": "Архангельск, Вологда",
    "name": "Иван Петров",
    "username": "ivan_p",
    "person_id": 1001,
    "query": "тарифы",
    "place": "Зал заседаний, ул. Ленина, 1",
    "link": "https://meet.example.org/union",
    "text": "Текст сообщения.",
    "preview": "Первые слова сообщения",
    "comment": "Предлагаем уточнить пункт 2.",
    "description": "Программа и контакты организаторов.",
    "topic": "Общие собрания и решения",
    "label": "Общие собрания и решения",
    "audience": "все подписчики",
    "file_name": "Решение.docx",
    "slug": "tariffs-2027",
    "kind": "Конференция",
    "status": "adopted",
    "format": "hybrid",
    "decider": "Ольга Смирнова",
    "answered_by": "Пётр Иванов",
    "draft": Titled("О развитии транспорта"),
    "key": "cold_water",
    "place_name": "questions[3].options",
    "clock": "03:04",
    "msk_diff": 0,
    "utc_diff": 3,
    "year": 2026,
    "date": DAY,
    "day": DAY,
    "assembly_date": DAY,
    "adopted_date": DAY,
    "this_year": DAY,
    "options": [MOMENT, MOMENT + dt.timedelta(days=7)],
    "took": dt.timedelta(seconds=21),
    "left": dt.timedelta(minutes=5),
    "names": ["Архангельск", "Вологда"],
    "owners": [100, 101],
}


def sample(name: str, count: int, lists: set[str]) -> Any:
    if name in SAMPLES:
        return SAMPLES[name]
    if name in lists:  # looped over or measured in this text: no sample
        return _UNSET
    if name in NUMBERS:
        return count
    if name.endswith("_at") or name in ("at", "deadline", "expires", "moment"):
        return MOMENT
    return _UNSET


_UNSET = object()


class Shown(ChainableUndefined):
    """A value with no sample: shows as ⟨name⟩; loops over it are empty."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"\u27e8{self._undefined_name or '?'}\u27e9"

    def __iter__(self) -> Any:
        return iter(())


def _tolerant(filter_: Callable[..., Any]) -> Callable[..., Any]:
    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, Undefined):
            return str(value)
        return filter_(value, *args, **kwargs)

    return apply


class SnapshotTexts(Texts):
    """Texts that render any key without all its values."""

    def _environment(self, *, autoescape: bool) -> Environment:
        env = super()._environment(autoescape=autoescape)
        env.undefined = Shown
        for name in (
            "number",
            "date",
            "datetime",
            "time",
            "duration",
            "in_time",
            "weekday",
            "numeric",
            "numeric_day",
        ):
            if name in env.filters:
                env.filters[name] = _tolerant(env.filters[name])
        return env


_LOOPED = re.compile(r"\bin\s+(\w+)\b|(\w+)\s*\|\s*(?:length|join|map|first)\b")


def _lists(source: str) -> set[str]:
    return {a or b for a, b in _LOOPED.findall(source)}


def _variables(source: str, env: Environment) -> set[str]:
    return set(jinja_meta.find_undeclared_variables(env.parse(standalone_tags(source))))


def render_all(locale: str) -> str:
    catalog = TextCatalog.load()
    texts = SnapshotTexts(catalog, locale)
    env = texts._plain_env
    lines: list[str] = [
        f"# Every text of locale {locale!r}, rendered by tests/test_text_snapshots.py.",
        "# ⟨name⟩: a value with no sample. Counts: " + ", ".join(map(str, COUNTS)) + ".",
        "",
    ]
    for key, node in sorted(load_locale_files()[locale].items()):
        sources = list(node.values()) if isinstance(node, dict) else [node]
        names = set().union(*(_variables(source, env) for source in sources))
        names -= {"t", "plural", "zone", "loop"}
        lists = set().union(*(_lists(source) for source in sources))
        numeric = isinstance(node, dict) or bool(names & NUMBERS)
        renders: list[tuple[int, str]] = []
        for count in COUNTS if numeric else COUNTS[:1]:
            values = {
                name: value
                for name in names
                if (value := sample(name, count, lists)) is not _UNSET and name != "n"
            }
            try:
                if isinstance(node, dict):
                    text = texts.plain_plural(key, count, **values)
                else:
                    text = texts.plain(key, **({"n": count} if "n" in names else {}), **values)
            except Exception as error:
                text = f"!! {type(error).__name__}: {error}"
            renders.append((count, text))
        lines.append(f"== {key}")
        if len({text for _, text in renders}) == 1:
            lines.append(renders[0][1])
        else:
            for count, text in renders:
                lines.append(f"[{count}] {text}")
        lines.append("")
    return "\n".join(lines)


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_text_matches_its_snapshot(locale: str) -> None:
    path = SNAPSHOTS / f"texts.{locale}.txt"
    rendered = render_all(locale)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot yet: run with UPDATE_SNAPSHOTS=1 to write {path}"
    expected = path.read_text(encoding="utf-8")
    assert rendered == expected, (
        f"texts changed: review the diff of {path} (UPDATE_SNAPSHOTS=1 rewrites it)"
    )
    failed = [line for line in rendered.splitlines() if line.startswith("!! ") or "] !! " in line]
    assert failed == [], "a text failed to render"
