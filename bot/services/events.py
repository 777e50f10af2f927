"""Events: publishing with an announcement, RSVPs, reminders, edits and cancellation.

Every mass send goes through the outbox with a key derived from what it is about (the
announcement of event 7, the 1-hour reminder for its current start time, the notice of its
third version), so a repeated step never sends twice. Reminders are timed actions
(`event_reminder`, ref `<event id>:<offset seconds>`): moving the event moves them,
cancelling drops them, and one due while the bot was down goes out once at start if the
event has not begun; after the start it is marked missed (`TooLate`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from markupsafe import Markup

from bot.cells import text_cell
from bot.clock import Clock
from bot.dates import DateInputError, DateProblem, parse_when
from bot.delivery.outbox import Outbox
from bot.delivery.parts import Part, Renderers, TextPart, render_payload
from bot.keyboards import event_card_keyboard
from bot.scheduler import Scheduler, TooLate
from bot.services.people import Viewer
from bot.texts import Texts
from bot.topics import Topic
from storage.audit import AuditRepo
from storage.db import to_db
from storage.events import (
    Attendee,
    EditConflict,
    Event,
    EventDraft,
    EventKind,
    EventRepo,
    Rsvp,
)
from storage.outbox import NewJob
from storage.subscriptions import SubscriptionRepo
from storage.timed import TimedAction

REMINDER = "event_reminder"
EVENT_LINK_PREFIX = "ev_"  # /start ev_<id> opens the event's card
PAGE_SIZE = 5
TITLE_MAX = 200
PLACE_MAX = 300
LINK_MAX = 500
DESCRIPTION_MAX = 2000  # with the longest title, place and link a card stays one message
CITY_MAX = 100
CHANGE_SHOWN = 250  # characters of an old or new value in a change notice
LINK_RE = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)

# The announcement topic of each kind. Round tables go with conferences (one topic in the
# subscription menu); "other" has no topic of its own, so it goes to every subscriber.
KIND_TOPIC: dict[EventKind, Topic | None] = {
    EventKind.ASSEMBLY: Topic.ASSEMBLIES,
    EventKind.SECTION: Topic.SECTIONS,
    EventKind.CONFERENCE: Topic.CONFERENCES,
    EventKind.ROUND_TABLE: Topic.CONFERENCES,
    EventKind.CONTEST: Topic.CONTESTS,
    EventKind.SPORT: Topic.SPORT,
    EventKind.OTHER: None,
}


@dataclass(frozen=True, slots=True)
class Published:
    event: Event
    recipients: int


@dataclass(frozen=True, slots=True)
class Changed:
    before: Event
    after: Event
    notified: int


@dataclass(frozen=True, slots=True)
class Cancelled:
    event: Event
    notified: int


def is_over(event: Event, now: datetime) -> bool:
    return (event.ends_at or event.starts_at) <= now


# --- what people see --------------------------------------------------------------------------


def card_text(t: Texts, event: Event, *, going: int = 0, header: str = "") -> str:
    """The event card (announcement, /events, reminders and previews share it)."""
    draft = event.draft
    local = t.catalog.tz
    ends = draft.ends_at
    same_day = ends is not None and (
        ends.astimezone(local).date() == draft.starts_at.astimezone(local).date()
    )
    return t(
        "events.card",
        header=Markup(header),  # HTML from the texts, not user input
        kind=t.plain(f"events.kind.{draft.kind.value}"),
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=ends,
        same_day=same_day,
        city=event.city(t.locale),
        format=draft.format.value,
        place=draft.place if draft.format.has_place else None,
        link=draft.link if draft.format.has_link else None,
        description=draft.description,
        going=going,
        cancelled=not event.is_published,
    )


def changes(t: Texts, before: Event, after: Event) -> list[tuple[str, str, str]]:
    """(what, old, new) for each field people care about that changed."""
    found: list[tuple[str, str, str]] = []

    def when(e: Event) -> str:
        text = t.datetime(e.starts_at)
        return f"{text} \u2014 {t.datetime(e.ends_at)}" if e.ends_at else text

    def place(e: Event) -> str:
        return ", ".join(p for p in (e.city(t.locale), e.draft.place) if p)

    def form(e: Event) -> str:
        return t.plain(f"events.format.{e.draft.format.value}")

    def short(text: str) -> str:  # old -> new for every field fits one message
        return text if len(text) <= CHANGE_SHOWN else text[: CHANGE_SHOWN - 1] + "\u2026"

    for field, value in (
        ("title", lambda e: e.title),
        ("kind", lambda e: t.plain(f"events.kind.{e.kind.value}")),
        ("when", when),
        ("place", place),
        ("format", form),
        ("link", lambda e: e.draft.link or "\u2014"),
        ("description", lambda e: e.draft.description or "\u2014"),
    ):
        old, new = value(before), value(after)
        if old != new:
            found.append((t.plain(f"events.field.{field}"), short(old), short(new)))
    return found


def _event(args: dict[str, Any], key: str = "event") -> Event:
    return Event.from_json(args[key])


def render_announcement(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    rsvp = Rsvp(event, 0, 0, None)
    return [
        TextPart(
            card_text(t, event, header=t("events.announce_header")),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1),
        )
    ]


def render_channel_announcement(t: Texts, args: dict[str, Any]) -> list[Part]:
    """The channel's copy: the card, and a link that opens the event in the bot (answers and
    the calendar file are personal, so they live there)."""
    event = _event(args)
    username = args.get("bot")
    markup = None
    if username:
        link = f"https://t.me/{username}?start={EVENT_LINK_PREFIX}{event.id}"
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=t.plain("events.btn.in_bot"), url=link)]]
        )
    return [TextPart(card_text(t, event, header=t("events.announce_header")), reply_markup=markup)]


def render_reminder(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    left = timedelta(seconds=float(args["left"]))
    header = t("events.reminder_header", left=left)
    rsvp = Rsvp(event, 0, 0, None)
    return [
        TextPart(
            card_text(t, event, header=header),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1, answers=False),
        )
    ]


def render_changed(t: Texts, args: dict[str, Any]) -> list[Part]:
    before, after = _event(args, "before"), _event(args, "after")
    text = t("events.changed", title=after.title, changes=changes(t, before, after))
    rsvp = Rsvp(after, 0, 0, None)
    return [
        TextPart(text),
        TextPart(
            card_text(t, after),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1, answers=False),
        ),
    ]


def render_cancelled(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    return [TextPart(t("events.cancelled_notice", title=event.title, starts_at=event.starts_at))]


# --- the service ------------------------------------------------------------------------------


class EventService:
    def __init__(
        self,
        repo: EventRepo,
        subscriptions: SubscriptionRepo,
        outbox: Outbox,
        scheduler: Scheduler,
        audit: AuditRepo,
        clock: Clock,
        *,
        reminders: list[timedelta],
        remind_subscribers: bool,
        channel_id: int | None,
        tz: ZoneInfo,
    ) -> None:
        self.repo = repo
        self.subscriptions = subscriptions
        self.outbox = outbox
        self.scheduler = scheduler
        self.audit = audit
        self.clock = clock
        self.reminders = reminders
        self.remind_subscribers = remind_subscribers
        self.channel_id = channel_id
        self.tz = tz
        self.bot_username: str | None = None  # set at start, for links into the bot
        scheduler.register(REMINDER, self._remind, grace=None)

    @staticmethod
    def register_renderers(renderers: Renderers) -> None:
        renderers.register("event.announce", render_announcement)
        renderers.register("event.announce_channel", render_channel_announcement)
        renderers.register("event.reminder", render_reminder)
        renderers.register("event.changed", render_changed)
        renderers.register("event.cancelled", render_cancelled)

    # --- reading ------------------------------------------------------------------------------

    async def get(self, event_id: int) -> Event | None:
        return await self.repo.get(event_id)

    async def card(self, event_id: int, person_id: int) -> Rsvp | None:
        return await self.repo.with_counts(event_id, person_id)

    async def upcoming(self, page: int) -> tuple[list[Rsvp], int, int]:
        """A page of upcoming events, the page actually shown (clamped) and the page count."""
        rows, total = await self.repo.upcoming(
            now=self.clock.now(), limit=PAGE_SIZE, offset=max(page, 0) * PAGE_SIZE
        )
        pages = max(1, -(-total // PAGE_SIZE))
        if page >= pages and total:  # events ended since the list was drawn: last page
            page = pages - 1
            rows, total = await self.repo.upcoming(
                now=self.clock.now(), limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
        return rows, max(page, 0), pages

    async def attendees(self, event_id: int) -> list[Attendee]:
        return await self.repo.attendees(event_id)

    def is_over(self, event: Event) -> bool:
        return is_over(event, self.clock.now())

    async def audience(self, kind: EventKind) -> list[int]:
        """Who gets the announcement: the topic's subscribers (everyone for "other")."""
        topic = KIND_TOPIC[kind]
        return await self.subscriptions.subscribers(topic.value if topic else None)

    # --- answers ------------------------------------------------------------------------------

    async def answer(self, event_id: int, person_id: int, going: bool | None) -> Rsvp | None:
        """Set "I will attend" / "I will not" (None: no answer); None if the event is gone."""
        return await self.repo.answer(event_id, person_id, going, now=self.clock.now())

    # --- staff --------------------------------------------------------------------------------

    async def publish(self, staff: Viewer, draft: EventDraft) -> Published:
        """Store the event and queue its announcement (one transaction), then arm its
        reminders (`reconcile` arms them at start if the bot stopped in between)."""
        now = self.clock.now()
        topic = KIND_TOPIC[draft.kind]
        recipients = await self.audience(draft.kind)

        def announce(event: Event) -> list[tuple[NewJob, Sequence[int]]]:
            jobs: list[tuple[NewJob, Sequence[int]]] = [
                (
                    NewJob(
                        kind="event_announce",
                        audience={"topic": topic.value if topic else None, "event_id": event.id},
                        payload=render_payload("event.announce", event=event.to_json()),
                        created_by=staff.id,
                        dedup_key=f"event:{event.id}:announce",
                    ),
                    recipients,
                )
            ]
            if self.channel_id is not None:  # the channel: no answer buttons, a link instead
                jobs.append(
                    (
                        NewJob(
                            kind="event_announce",
                            audience={"channel": self.channel_id, "event_id": event.id},
                            payload=render_payload(
                                "event.announce_channel",
                                event=event.to_json(),
                                bot=self.bot_username,
                            ),
                            created_by=staff.id,
                            dedup_key=f"event:{event.id}:announce_channel",
                        ),
                        [self.channel_id],
                    )
                )
            return jobs

        event = await self.repo.create(draft, created_by=staff.id, now=now, announce=announce)
        if self.channel_id is not None:
            recipients = [*recipients, self.channel_id]
        self.outbox.sender.wake()
        await self._schedule_reminders(event)
        await self.audit.record(
            staff.id, "event.publish", str(event.id), now=now, recipients=len(recipients)
        )
        return Published(event, len(recipients))

    async def update(
        self, staff: Viewer, event_id: int, draft: EventDraft, version: int
    ) -> Changed | EditConflict | None:
        """Save the edited event and tell those who will attend what changed, in one
        transaction; announcements and reminders still going out get the new text; the
        reminders move. None if it was cancelled meanwhile; EditConflict if another staff
        member saved it after `version`."""
        now = self.clock.now()

        def notice(before: Event, after: Event) -> NewJob:
            return NewJob(
                kind="event_changed",
                audience={"event_id": event_id, "going": True},
                payload=render_payload(
                    "event.changed", before=before.to_json(), after=after.to_json()
                ),
                created_by=staff.id,
                dedup_key=f"event:{event_id}:v{after.version}",
                priority=1,
            )

        result = await self.repo.update(event_id, draft, version=version, now=now, notice=notice)
        if result is None or isinstance(result, EditConflict):
            return result
        self.outbox.rewritten(result.changed_jobs)
        self.outbox.stopped(result.cancelled_jobs)
        self.outbox.sender.wake()
        await self._schedule_reminders(result.after)
        await self.audit.record(staff.id, "event.edit", str(event_id), now=now)
        return Changed(result.before, result.after, result.notified)

    async def cancel(self, staff: Viewer, event_id: int) -> Cancelled | None:
        """Cancel, tell those who will attend, and stop its announcement and reminders
        still going out (one transaction); the reminders are dropped."""
        now = self.clock.now()

        def notice(event: Event) -> NewJob:
            return NewJob(
                kind="event_cancelled",
                audience={"event_id": event_id, "going": True},
                payload=render_payload("event.cancelled", event=event.to_json()),
                created_by=staff.id,
                dedup_key=f"event:{event_id}:cancelled",
                priority=1,
            )

        result = await self.repo.cancel(event_id, now=now, notice=notice)
        if result is None:
            return None
        self.outbox.stopped(result.stopped_jobs)
        self.outbox.sender.wake()
        for offset in self.reminders:
            await self.scheduler.cancel(REMINDER, _ref(event_id, offset))
        await self.audit.record(staff.id, "event.cancel", str(event_id), now=now)
        return Cancelled(result.event, result.notified)

    async def reconcile(self) -> None:
        """At start: reminders of upcoming events are armed (the bot may have stopped
        between publishing an event and arming them). Arming is idempotent."""
        page = 0
        while True:
            rows, total = await self.repo.upcoming(
                now=self.clock.now(), limit=100, offset=page * 100
            )
            for card in rows:
                for offset in self.reminders:
                    found = await self.scheduler.find(REMINDER, _ref(card.event.id, offset))
                    if found is None:
                        await self._schedule_reminders(card.event)
                        break
            page += 1
            if page * 100 >= total:
                return

    # --- reminders ----------------------------------------------------------------------------

    async def _schedule_reminders(self, event: Event) -> None:
        now = self.clock.now()
        for offset in self.reminders:
            ref = _ref(event.id, offset)
            due = event.starts_at - offset
            if due > now:
                await self.scheduler.schedule(REMINDER, ref, due)
            else:  # too close to the start for this one (or moved so): drop it if armed
                await self.scheduler.cancel(REMINDER, ref)

    async def _remind(self, action: TimedAction) -> None:
        event_id, _, seconds = action.ref.partition(":")
        event = await self.repo.get(int(event_id))
        if event is None or not event.is_published:
            return
        now = self.clock.now()
        if now >= event.starts_at:
            raise TooLate
        offset = timedelta(seconds=int(seconds))
        if any(o < offset and event.starts_at - o <= now for o in self.reminders):
            raise TooLate  # the bot was down: a later reminder is due as well and goes instead
        recipients = set(await self.repo.going_ids(event.id))
        if self.remind_subscribers:  # the topic's subscribers, but not who said "I won't"
            recipients |= set(await self.audience(event.kind))
            recipients -= await self.repo.not_going_ids(event.id)
        if not recipients:
            return
        await self.outbox.send(
            NewJob(
                kind="event_reminder",
                audience={"event_id": event.id, "subscribers": self.remind_subscribers},
                payload=render_payload(
                    "event.reminder",
                    event=event.to_json(),
                    left=(event.starts_at - now).total_seconds(),
                ),
                dedup_key=f"event:{event.id}:remind:{seconds}:{to_db(event.starts_at)}",
                priority=1,
            ),
            sorted(recipients),
        )


_TIME_ONLY = re.compile(r"^\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*$")


class EndBeforeStart(ValueError):
    """The end typed is not after the start."""


def parse_end(text: str, starts_at: datetime, tz: ZoneInfo) -> datetime:
    """The end of an event: `18:00` (the day it starts) or a full `25.12 18:00`; after the
    start. Raises DateInputError (format, invalid) or EndBeforeStart."""
    match = _TIME_ONLY.match(text)
    if match is None:
        moment = parse_when(text, now=starts_at, tz=tz, allow_past=True)
    else:
        try:
            clock = time(int(match["hour"]), int(match["minute"]))
        except ValueError:
            raise DateInputError(DateProblem.INVALID) from None
        day = starts_at.astimezone(tz).date()
        moment = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
    if moment <= starts_at:
        raise EndBeforeStart(text)
    return moment


def _ref(event_id: int, offset: timedelta) -> str:
    return f"{event_id}:{int(offset.total_seconds())}"


# --- files ------------------------------------------------------------------------------------


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
