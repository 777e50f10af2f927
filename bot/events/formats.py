"""Event files: the calendar entry (.ics) and the attendee list (CSV for Excel)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.cells import text_cell
from bot.texts import Texts
from storage.events import Attendee, Event


def calendar_file(event: Event, tz: ZoneInfo, *, now: datetime) -> bytes:
    """An .ics with one VEVENT in the bot's time zone (its VTIMEZONE included)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Union of Cities bot//unionbot//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"{uuid5(NAMESPACE_URL, f'unionbot-event-{event.id}')}@unionbot")
    item.add("dtstamp", now.astimezone(UTC))
    item.add("sequence", event.version - 1)
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at.astimezone(tz))
    if event.ends_at is not None:
        item.add("dtend", event.ends_at.astimezone(tz))
    draft = event.draft
    location = ", ".join(p for p in (draft.city_name, draft.place) if p)
    if draft.format.has_link and draft.link:
        location = f"{location}, {draft.link}" if draft.format.has_place else draft.link
        item.add("url", draft.link)
    item.add("location", location)
    description = "\n\n".join(p for p in (draft.description, draft.link) if p)
    if description:
        item.add("description", description)
    item.add("status", "CONFIRMED" if event.is_published else "CANCELLED")
    calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def attendees_csv(t: Texts, attendees: list[Attendee]) -> bytes:
    """UTF-8 with a BOM and semicolons: Excel opens it as it is, Cyrillic intact."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(t.plain("events.csv.header").split("|"))
    for person in attendees:
        writer.writerow(
            [
                text_cell(person.full_name),
                f"@{person.username}" if person.username else "",
                person.person_id,
                person.cities,
                t.plain("events.csv.going" if person.going else "events.csv.not_going"),
                person.answered_at.astimezone(t.catalog.tz).strftime("%d.%m.%Y %H:%M"),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
