"""Events: publishing with an announcement, RSVPs, reminders, edits and cancellation.

Every mass send goes through the outbox with a key derived from what it is about (the
announcement of event 7, the 1-hour reminder for its current start time, the notice of its
third version), so a repeated step never sends twice. Reminders are timed actions
(`event_reminder`, ref `<event id>:<offset seconds>`): moving the event moves them,
cancelling drops them, and one due while the bot was down goes out once at start if the
event has not begun; after the start it is marked missed (`TooLate`). What the messages
look like is `bot.events.messages`; the service only names the renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.delivery.outbox import Outbox
from bot.delivery.parts import render_payload
from bot.scheduler import Scheduler, TooLate
from bot.topics import Topic
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.db import to_db
from storage.events import Attendee, EditConflict, Event, EventDraft, EventRepo, Rsvp
from storage.outbox import NewJob
from storage.subscriptions import SubscriptionRepo
from storage.timed import TimedAction
from storage.values import EventKind

REMINDER = "event_reminder"
PAGE_SIZE = 5

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


# --- the service ------------------------------------------------------------------------------


@dataclass(eq=False)
class EventService:
    repo: EventRepo
    subscriptions: SubscriptionRepo
    outbox: Outbox
    scheduler: Scheduler
    audit: AuditRepo
    clock: Clock
    _: KW_ONLY
    reminders: list[timedelta]
    remind_subscribers: bool
    channel_id: int | None
    tz: ZoneInfo

    def __post_init__(self) -> None:
        self.scheduler.register(REMINDER, self._remind, grace=None)

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

    def closed(self, event: Event) -> str | None:
        """Why the event takes no more answers or changes: "cancelled", "over", or None."""
        if not event.is_published:
            return "cancelled"
        return "over" if self.is_over(event) else None

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
                            payload=render_payload("event.announce_channel", event=event.to_json()),
                            created_by=staff.id,
                            dedup_key=f"event:{event.id}:announce_channel",
                        ),
                        [self.channel_id],
                    )
                )
            return jobs

        event = await self.repo.create(draft, created_by=staff.id, now=now, announce=announce)
        self.outbox.committed()
        if self.channel_id is not None:
            recipients = [*recipients, self.channel_id]
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
        self.outbox.committed(rewritten=result.changed_jobs, stopped=result.cancelled_jobs)
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
        self.outbox.committed(stopped=result.stopped_jobs)
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


def _ref(event_id: int, offset: timedelta) -> str:
    return f"{event_id}:{int(offset.total_seconds())}"
