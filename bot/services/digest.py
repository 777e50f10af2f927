"""The annual digest: events held (by kind and by city), surveys with their participation,
resolutions adopted; as a message and as .docx / Markdown files for the annual report.

The survey section comes from `survey_participation(year)`, a callable the app passes in
(bot/surveys/digest.py), so the digest does not depend on the surveys' tables.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocxDocument

from bot.clock import Clock
from bot.texts import Texts
from storage.events import Event, EventRepo
from storage.resolutions import Resolution, ResolutionRepo
from storage.values import EventKind


@dataclass(frozen=True, slots=True)
class SurveyLine:
    """One information exchange of the year: "utility tariffs — 25 of 30 cities"."""

    title: str
    cities: int  # cities that submitted
    total: int  # member cities asked
    started: int = 0  # cities that started and did not submit
    no_contact: int = 0  # cities that did not start and have no contact


SurveyParticipation = Callable[[int], Awaitable[list[SurveyLine]]]


@dataclass(frozen=True, slots=True)
class Digest:
    year: int
    events: list[Event]
    surveys: list[SurveyLine]
    resolutions: list[Resolution]

    def by_kind(self) -> list[tuple[EventKind, int]]:
        counts = Counter(event.kind for event in self.events)
        return [(kind, counts[kind]) for kind in EventKind if counts[kind]]

    def by_city(self, locale: str) -> list[tuple[str, int]]:
        counts = Counter(event.city(locale) for event in self.events)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(eq=False)
class DigestService:
    events: EventRepo
    resolutions: ResolutionRepo
    clock: Clock
    tz: ZoneInfo
    survey_participation: SurveyParticipation

    async def build(self, year: int) -> Digest:
        """Events held in the year (started by now, not cancelled), in the bot's time zone;
        the year's surveys; the resolutions adopted at the year's assemblies."""
        start = datetime(year, 1, 1, tzinfo=self.tz)
        end = min(datetime(year + 1, 1, 1, tzinfo=self.tz), self.clock.now())
        return Digest(
            year=year,
            events=await self.events.held(start, end) if start < end else [],
            surveys=await self.survey_participation(year),
            resolutions=await self.resolutions.adopted_in(year),
        )


# --- output -----------------------------------------------------------------------------------


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_MARKDOWN_LIST_START = re.compile(r"^(\d+)([.)])|^([-+])")


def markdown_escape(text: str) -> str:
    """`text` shown literally in Markdown (CommonMark, GitHub's tables): line breaks become
    spaces (a row or an item is one line), a backslash goes before each of
    \\ ` * _ [ ] < > # | ~ & and before a leading "-", "+" or "1." (a list of its own)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MARKDOWN_LIST_START.sub(
        lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1
    )


def _same(text: str) -> str:
    return text


def _city(t: Texts, city: str) -> str:
    """An online-only event has no city."""
    return city or t.plain("events.no_city")


def _values(t: Texts, digest: Digest, escape: Callable[[str], str] = _same) -> dict[str, object]:
    """The template's values; `escape` applies to every text that comes from the data."""
    return {
        "year": digest.year,
        "total": len(digest.events),
        "kinds": [
            (escape(t.plain(f"events.kind.{kind.value}")), n) for kind, n in digest.by_kind()
        ],
        "cities": [(escape(_city(t, city)), n) for city, n in digest.by_city(t.locale)],
        "events": [
            (e.starts_at, escape(e.title), escape(_city(t, e.city(t.locale))))
            for e in digest.events
        ],
        "surveys": [replace(line, title=escape(line.title)) for line in digest.surveys],
        "resolutions": [
            (r.assembly_date, escape(r.city(t.locale)), escape(r.title)) for r in digest.resolutions
        ],
    }


def digest_message(t: Texts, digest: Digest) -> str:
    """The summary as a Telegram message (the lists in full go into the files); the
    template escapes for HTML."""
    return t("digest.message", **_values(t, digest))


def digest_markdown(t: Texts, digest: Digest) -> str:
    """The digest as Markdown: titles and names escaped, so "|" cannot break a table row
    and "<b>", "*" or "_" show as typed."""
    return t.plain("digest.markdown", **_values(t, digest, markdown_escape)) + "\n"


def digest_docx(t: Texts, digest: Digest) -> bytes:
    document = Document()
    document.add_heading(t.plain("digest.title", year=digest.year), level=1)

    document.add_heading(t.plain("digest.events_heading"), level=2)
    document.add_paragraph(t.plain("digest.events_total", total=len(digest.events)))
    if digest.events:
        _table(
            document,
            [t.plain("digest.col_kind"), t.plain("digest.col_count")],
            [(t.plain(f"events.kind.{kind.value}"), t.number(n)) for kind, n in digest.by_kind()],
        )
        document.add_paragraph()
        _table(
            document,
            [t.plain("digest.col_city"), t.plain("digest.col_count")],
            [(_city(t, city), t.number(n)) for city, n in digest.by_city(t.locale)],
        )
        document.add_paragraph()
        _table(
            document,
            [t.plain("digest.col_date"), t.plain("digest.col_event"), t.plain("digest.col_city")],
            [(t.date(e.starts_at), e.title, _city(t, e.city(t.locale))) for e in digest.events],
        )

    document.add_heading(t.plain("digest.surveys_heading"), level=2)
    if digest.surveys:
        for line in digest.surveys:
            document.add_paragraph(
                t.plain("digest.survey_line", title=line.title, cities=line.cities, all=line.total)
                + (
                    f" {t.plain('digest.survey_rest', line=line)}"
                    if line.started or line.no_contact
                    else ""
                ),
                style="List Bullet",
            )
    else:
        document.add_paragraph(t.plain("digest.no_surveys"))

    document.add_heading(t.plain("digest.resolutions_heading"), level=2)
    if digest.resolutions:
        for r in digest.resolutions:
            document.add_paragraph(
                t.plain(
                    "digest.resolution_line",
                    date=r.assembly_date,
                    city=r.city(t.locale),
                    title=r.title,
                ),
                style="List Number",
            )
    else:
        document.add_paragraph(t.plain("digest.no_resolutions"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document: DocxDocument, header: list[str], rows: list[tuple[str, ...]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
