"""Every text a person reads: locales/<lang>.yaml rendered with jinja2 and CLDR data.

`Texts(key, **values)` renders HTML (autoescaped: user text is always safe);
`Texts.plain` renders text for buttons and alerts, which Telegram shows as is.
Plurals come from Babel's CLDR rules; dates and numbers from Babel's formats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import cached_property
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.numbers import format_decimal
from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
MOSCOW = ZoneInfo("Europe/Moscow")


_STANDALONE_TAG = re.compile(r"^[ \t]*(\{%(?:(?!%\})[^\n])*%\})[ \t]*\n", re.MULTILINE)


def standalone_tags(source: str) -> str:
    """A line holding only a `{% tag %}` leaves no trace in the output (as in Mustache);
    a tag inside a line of text keeps the line's end. Templates then read as they print."""
    return _STANDALONE_TAG.sub(r"\1", source)


def _is_plural(node: Mapping[str, Any]) -> bool:
    return "other" in node and set(node) <= PLURAL_FORMS


def flatten(
    tree: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, str | dict[str, str]]]:
    """`{a: {b: text}}` -> ("a.b", text); plural mappings stay whole."""
    for name, node in tree.items():
        key = f"{prefix}{name}"
        if isinstance(node, Mapping) and not _is_plural(node):
            yield from flatten(node, f"{key}.")
        elif isinstance(node, Mapping):
            yield key, {form: str(text) for form, text in node.items()}
        else:
            yield key, "" if node is None else str(node)


def load_locale_files() -> dict[str, dict[str, str | dict[str, str]]]:
    """locales/<lang>/<feature>.yaml, merged per language; a key defined twice is an error."""
    catalogs: dict[str, dict[str, str | dict[str, str]]] = {}
    for folder in resources.files("locales").iterdir():
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        merged = catalogs.setdefault(folder.name, {})
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            tree = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            for key, value in flatten(tree):
                if key in merged:
                    raise ValueError(f"text {key!r} is defined twice in locales/{folder.name}")
                merged[key] = value
    return catalogs


class TextCatalog:
    """All locales, compiled lazily; hands out `Texts` bound to one locale."""

    def __init__(
        self,
        catalogs: Mapping[str, Mapping[str, str | dict[str, str]]],
        *,
        default_locale: str = "ru",
        tz: ZoneInfo = MOSCOW,
    ) -> None:
        if default_locale not in catalogs:
            raise ValueError(f"no locale file for {default_locale!r}")
        self.catalogs = catalogs
        self.default_locale = default_locale
        self.tz = tz
        self._bound = {code: Texts(self, code) for code in catalogs}
        self._labels: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls, *, default_locale: str = "ru", tz: ZoneInfo = MOSCOW) -> TextCatalog:
        return cls(load_locale_files(), default_locale=default_locale, tz=tz)

    def warm(self) -> None:
        """Read each locale's CLDR data now: the first date formatted in a process takes
        15 ms (more on a busy machine), which the first person after a start would wait."""
        moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for texts in self._bound.values():
            texts.datetime(moment)
            texts.in_time(dt.timedelta(hours=1))
            texts.number(1.5)
            texts.babel.plural_form(2)

    @property
    def locales(self) -> tuple[str, ...]:
        """The default locale first, then the others."""
        others = sorted(code for code in self.catalogs if code != self.default_locale)
        return (self.default_locale, *others)

    def get(self, locale: str | None) -> Texts:
        return self._bound.get(locale or "", self._bound[self.default_locale])

    def pick(self, chosen: str | None, telegram_code: str | None) -> Texts:
        """The person's choice, else Telegram's language if we have it, else the default."""
        if chosen in self._bound:
            return self._bound[chosen]
        base = (telegram_code or "").split("-")[0].lower()
        return self._bound.get(base, self._bound[self.default_locale])

    @cached_property
    def menu_labels(self) -> frozenset[str]:
        """Every main-menu button's label in every locale. Pressed during a dialog, a menu
        button does what it does anywhere, like a command, and is not taken as an answer."""
        keys = {key for texts in self.catalogs.values() for key in texts if key.startswith("menu.")}
        return frozenset().union(*(self.labels(key) for key in keys))

    def labels(self, key: str) -> frozenset[str]:
        """The plain text of `key` in every locale (to match reply-keyboard buttons)."""
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = frozenset(t.plain(key) for t in self._bound.values())
        return found


class Texts:
    """Texts of one locale."""

    def __init__(self, catalog: TextCatalog, locale: str) -> None:
        self.catalog = catalog
        self.locale = locale
        self._messages = catalog.catalogs[locale]
        self._compiled: dict[tuple[bool, str, str], Template] = {}

    def __repr__(self) -> str:
        return f"Texts({self.locale!r})"

    @cached_property
    def babel(self) -> Locale:
        return Locale.parse(self.locale)

    @cached_property
    def _html_env(self) -> Environment:
        return self._environment(autoescape=True)

    @cached_property
    def _plain_env(self) -> Environment:
        return self._environment(autoescape=False)

    def _environment(self, *, autoescape: bool) -> Environment:
        env = Environment(
            autoescape=autoescape,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        wrap = Markup if autoescape else str
        env.globals["plural"] = lambda key, n, **kw: wrap(self._render(autoescape, key, n, kw))
        env.globals["t"] = lambda key, **kw: wrap(self._render(autoescape, key, None, kw))
        env.filters["number"] = self.number
        env.filters["date"] = self.date
        env.filters["datetime"] = self.datetime
        env.filters["time"] = self.time
        env.filters["duration"] = self.duration
        env.filters["in_time"] = self.in_time
        env.filters["weekday"] = self.weekday
        env.filters["numeric"] = self.numeric
        env.filters["numeric_day"] = self.numeric_day
        env.globals["zone"] = lambda: self.zone_label(dt.datetime.now(self.catalog.tz))
        return env

    def has(self, key: str) -> bool:
        return key in self._messages

    def _source(self, key: str, count: float | None) -> tuple[str, str]:
        node = self._messages.get(key)
        if node is None:
            raise KeyError(f"text {key!r} is missing in locale {self.locale!r}")
        if isinstance(node, str):
            return "", node
        form = self.babel.plural_form(abs(count or 0))
        chosen = form if form in node else "other"
        return chosen, node[chosen]

    def _render(self, html: bool, key: str, count: float | None, values: Mapping[str, Any]) -> str:
        form, source = self._source(key, count)
        cache_key = (html, key, form)
        template = self._compiled.get(cache_key)
        if template is None:
            env = self._html_env if html else self._plain_env
            template = self._compiled[cache_key] = env.from_string(standalone_tags(source))
        if count is not None:
            values = {"n": count, **values}
        return template.render(**values).strip()

    def __call__(self, key: str, /, **values: Any) -> str:
        """HTML text; values are escaped."""
        return self._render(True, key, None, values)

    def plain(self, key: str, /, **values: Any) -> str:
        """Text for buttons, alerts and file names: nothing is escaped."""
        return self._render(False, key, None, values)

    def plural(self, key: str, n: float, /, **values: Any) -> str:
        return self._render(True, key, n, values)

    def plain_plural(self, key: str, n: float, /, **values: Any) -> str:
        return self._render(False, key, n, values)

    # --- CLDR formats -----------------------------------------------------------------------

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.babel)

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("naive datetime given to a text")
        return moment.astimezone(self.catalog.tz)

    def date(self, value: dt.date | dt.datetime) -> str:
        day = self._local(value).date() if isinstance(value, dt.datetime) else value
        return format_date(day, self._plain_source("format.date"), locale=self.babel)

    def weekday(self, value: dt.date | dt.datetime) -> str:
        day = self._local(value).date() if isinstance(value, dt.datetime) else value
        return format_date(day, "EEEE", locale=self.babel)

    def numeric(self, value: dt.datetime) -> str:
        """`25.12.2026 10:00`: a moment the way it can be typed back."""
        return self._local(value).strftime("%d.%m.%Y %H:%M")

    def numeric_day(self, value: dt.date) -> str:
        return value.strftime("%d.%m.%Y")

    def time(self, value: dt.datetime) -> str:
        local = self._local(value)
        return f"{format_time(local, 'HH:mm', locale=self.babel)} {self.zone_label(local)}"

    def datetime(self, value: dt.datetime) -> str:
        """Day, month name, year, time and zone label, in the configured time zone."""
        local = self._local(value)
        text = format_datetime(local, self._plain_source("format.datetime"), locale=self.babel)
        return f"{text} {self.zone_label(local)}"

    def in_time(self, value: dt.timedelta) -> str:
        """`in 2 hours`: a moment ahead, in the locale's grammar (the right case in Russian)."""
        whole_hours = value.total_seconds() % 3600 == 0
        return format_timedelta(
            value, threshold=1 if whole_hours else 1.5, add_direction=True, locale=self.babel
        )

    def duration(self, value: dt.timedelta) -> str:
        """Like `2 minutes`: rounded to the largest sensible unit (CLDR plural forms)."""
        whole_hours = value.total_seconds() % 3600 == 0  # 24 h reads "1 day", 90 min stays
        return format_timedelta(value, threshold=1 if whole_hours else 1.5, locale=self.babel)

    def zone_label(self, local: dt.datetime) -> str:
        offset = local.utcoffset() or dt.timedelta()
        moscow = dt.datetime.now(MOSCOW).utcoffset() or dt.timedelta(hours=3)
        return self.plain(
            "format.zone",
            msk_diff=int((offset - moscow).total_seconds() // 3600),
            utc_diff=int(offset.total_seconds() // 3600),
        )

    def _plain_source(self, key: str) -> str:
        return self._source(key, None)[1]


TextsOf = Callable[[int], Awaitable[Texts]]  # a person's texts, by their id
