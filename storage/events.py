"""Events and the answers people give to them ("I will attend" / "I will not")."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from storage.db import Repo, from_db, to_db
from storage.outbox import NewJob, cancel_in, enqueue_in, set_arg_in
from storage.rows import from_row
from storage.values import EventFormat, EventKind, EventStatus


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What staff type in: an event before it is stored (or its edited fields)."""

    kind: EventKind
    title: str
    city_id: int | None
    city_name: str
    starts_at: datetime
    ends_at: datetime | None
    format: EventFormat
    place: str | None
    link: str | None
    description: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "city_id": self.city_id,
            "city_name": self.city_name,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "format": self.format.value,
            "place": self.place,
            "link": self.link,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventDraft:
        return cls(
            kind=EventKind(data["kind"]),
            title=str(data["title"]),
            city_id=data.get("city_id"),
            city_name=str(data["city_name"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]) if data.get("ends_at") else None,
            format=EventFormat(data["format"]),
            place=data.get("place"),
            link=data.get("link"),
            description=str(data.get("description") or ""),
        )


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    draft: EventDraft
    city_name_en: str | None
    status: EventStatus
    version: int
    created_by: int | None

    @property
    def kind(self) -> EventKind:
        return self.draft.kind

    @property
    def title(self) -> str:
        return self.draft.title

    @property
    def starts_at(self) -> datetime:
        return self.draft.starts_at

    @property
    def ends_at(self) -> datetime | None:
        return self.draft.ends_at

    def city(self, locale: str) -> str:
        return self.city_name_en if locale == "en" and self.city_name_en else self.draft.city_name

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.PUBLISHED

    def to_json(self) -> dict[str, Any]:
        """A snapshot for a delivery payload (rendered later, in each recipient's language)."""
        return {
            **self.draft.to_json(),
            "id": self.id,
            "city_name_en": self.city_name_en,
            "status": self.status.value,
            "version": self.version,
            "created_by": self.created_by,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            id=int(data["id"]),
            draft=EventDraft.from_json(data),
            city_name_en=data.get("city_name_en"),
            status=EventStatus(data.get("status", EventStatus.PUBLISHED)),
            version=int(data.get("version", 1)),
            created_by=data.get("created_by"),
        )


@dataclass(frozen=True, slots=True)
class Rsvp:
    """An event with its answer counts, and one person's own answer (None: no answer)."""

    event: Event
    going: int
    not_going: int
    mine: bool | None


@dataclass(frozen=True, slots=True)
class Attendee:
    person_id: int
    first_name: str
    last_name: str | None
    username: str | None
    going: bool
    cities: str  # the member cities the person represents, comma-separated
    answered_at: datetime

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


_EVENT = """e.id, e.kind, e.title, e.city_id, e.city_name, c.name_en AS city_name_en,
            e.starts_at, e.ends_at, e.format, e.place, e.link, e.description, e.status,
            e.version, e.created_by"""
_FROM = "events e LEFT JOIN cities c ON c.id = e.city_id"
_COUNTS = """
    (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.going = 1) AS going,
    (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.going = 0) AS not_going,
    (SELECT r.going FROM event_rsvps r WHERE r.event_id = e.id AND r.person_id = ?) AS mine
"""


def _event(row: sqlite3.Row) -> Event:
    draft = from_row(
        EventDraft,
        row,
        kind=EventKind(row["kind"]),
        starts_at=from_db(row["starts_at"]) or datetime.min,
        ends_at=from_db(row["ends_at"]),
        format=EventFormat(row["format"]),
    )
    return from_row(Event, row, draft=draft, status=EventStatus(row["status"]))


def _rsvp(row: sqlite3.Row) -> Rsvp:
    mine = row["mine"]
    return Rsvp(_event(row), row["going"], row["not_going"], None if mine is None else bool(mine))


def _fields(draft: EventDraft) -> tuple[Any, ...]:
    return (
        draft.kind.value,
        draft.title,
        draft.city_id,
        draft.city_name,
        to_db(draft.starts_at),
        to_db(draft.ends_at),
        draft.format.value,
        draft.place,
        draft.link,
        draft.description,
    )


class EventRepo(Repo):
    async def create(
        self,
        draft: EventDraft,
        *,
        created_by: int,
        now: datetime,
        announce: Callable[[Event], list[tuple[NewJob, Sequence[int]]]],
    ) -> Event:
        """Store a published event and queue its announcements (job, recipients), in one
        transaction."""

        def create(conn: sqlite3.Connection) -> Event:
            event_id = conn.execute(
                """
                INSERT INTO events (kind, title, city_id, city_name, starts_at, ends_at, format,
                    place, link, description, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (*_fields(draft), created_by, to_db(now), to_db(now)),
            ).lastrowid
            assert event_id is not None
            event = _published_in(conn, event_id)
            assert event is not None
            for job, recipients in announce(event):
                enqueue_in(conn, job, recipients, now=now)
            return event

        return await self.db.transaction(create)

    async def get(self, event_id: int) -> Event | None:
        row = await self.db.fetchone(f"SELECT {_EVENT} FROM {_FROM} WHERE e.id = ?", (event_id,))
        return None if row is None else _event(row)

    async def with_counts(self, event_id: int, person_id: int) -> Rsvp | None:
        row = await self.db.fetchone(
            f"SELECT {_EVENT}, {_COUNTS} FROM {_FROM} WHERE e.id = ?", (person_id, event_id)
        )
        return None if row is None else _rsvp(row)

    async def upcoming(self, *, now: datetime, limit: int, offset: int) -> tuple[list[Rsvp], int]:
        """Published events not over yet (by their end, else their start), soonest first,
        with the total number of them: one query."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_EVENT}, {_COUNTS}, count(*) OVER () AS total
              FROM {_FROM}
             WHERE e.status = 'published' AND coalesce(e.ends_at, e.starts_at) > ?
             ORDER BY e.starts_at, e.id
             LIMIT ? OFFSET ?
            """,
            (0, to_db(now), limit, offset),
        )
        total = rows[0]["total"] if rows else 0
        return [_rsvp(row) for row in rows], total

    async def held(self, start: datetime, end: datetime) -> list[Event]:
        """Published (not cancelled) events that started in [start, end)."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_EVENT} FROM {_FROM}
             WHERE e.status = 'published' AND e.starts_at >= ? AND e.starts_at < ?
             ORDER BY e.starts_at, e.id
            """,
            (to_db(start), to_db(end)),
        )
        return [_event(row) for row in rows]

    async def answer(
        self, event_id: int, person_id: int, going: bool | None, *, now: datetime
    ) -> Rsvp | None:
        """Set the person's answer (None takes it back); setting what is already set changes
        nothing, so a double tap is harmless. An event cancelled or over is left as it is.
        Returns the event with its counts after it (None if there is no such event), in one
        transaction."""
        stamp = to_db(now)

        def answer(conn: sqlite3.Connection) -> Rsvp | None:
            open_event = conn.execute(
                "SELECT 1 FROM events WHERE id = ? AND status = 'published' "
                "AND coalesce(ends_at, starts_at) > ?",
                (event_id, stamp),
            ).fetchone()
            if open_event is not None:
                if going is None:
                    conn.execute(
                        "DELETE FROM event_rsvps WHERE event_id = ? AND person_id = ?",
                        (event_id, person_id),
                    )
                else:
                    conn.execute(
                        """
                    INSERT INTO event_rsvps (event_id, person_id, going, updated_at)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (event_id, person_id) DO UPDATE
                       SET going = excluded.going, updated_at = excluded.updated_at
                    """,
                        (event_id, person_id, int(going), stamp),
                    )
            row = conn.execute(
                f"SELECT {_EVENT}, {_COUNTS} FROM {_FROM} WHERE e.id = ?", (person_id, event_id)
            ).fetchone()
            return None if row is None else _rsvp(row)

        return await self.db.transaction(answer)

    async def attendees(self, event_id: int) -> list[Attendee]:
        """Everyone who answered, those who will attend first, then by name."""
        rows = await self.db.fetchall(
            """
            SELECT p.id, p.first_name, p.last_name, p.username, r.going, r.updated_at,
                   coalesce((SELECT group_concat(c.name, ', ') FROM city_contacts cc
                               JOIN cities c ON c.id = cc.city_id
                              WHERE cc.person_id = p.id), '') AS cities
              FROM event_rsvps r JOIN people p ON p.id = r.person_id
             WHERE r.event_id = ?
             ORDER BY r.going DESC, p.first_name, p.last_name, p.id
            """,
            (event_id,),
        )
        return [
            from_row(
                Attendee,
                row,
                person_id=row["id"],
                going=bool(row["going"]),
                answered_at=from_db(row["updated_at"]) or datetime.min,
            )
            for row in rows
        ]

    async def not_going_ids(self, event_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT person_id FROM event_rsvps WHERE event_id = ? AND going = 0", (event_id,)
        )
        return {row[0] for row in rows}

    async def going_ids(self, event_id: int) -> list[int]:
        """Active people who said they will attend."""
        rows = await self.db.fetchall(
            "SELECT r.person_id FROM event_rsvps r JOIN people p ON p.id = r.person_id "
            "WHERE r.event_id = ? AND r.going = 1 AND p.is_active = 1",
            (event_id,),
        )
        return [row[0] for row in rows]

    async def update(
        self,
        event_id: int,
        draft: EventDraft,
        *,
        version: int,
        now: datetime,
        notice: Callable[[Event, Event], NewJob],
    ) -> Updated | EditConflict | None:
        """Replace a published event's fields, in one transaction with what follows from it:
        the change notice to those who will attend, the new text for announcements and
        reminders still being sent (reminders for another start time are dropped).
        None if it is not published any more; EditConflict if someone saved it since
        `version` was read (nothing is changed then)."""

        def update(conn: sqlite3.Connection) -> Updated | EditConflict | None:
            before = _published_in(conn, event_id)
            if before is None:
                return None
            if before.version != version:
                return EditConflict(before)
            conn.execute(
                """
                UPDATE events SET kind = ?, title = ?, city_id = ?, city_name = ?,
                       starts_at = ?, ends_at = ?, format = ?, place = ?, link = ?,
                       description = ?, version = version + 1, updated_at = ?
                 WHERE id = ?
                """,
                (*_fields(draft), to_db(now), event_id),
            )
            after = _published_in(conn, event_id)
            assert after is not None
            going = _going(conn, event_id)
            notified = 0
            if going and before.draft != after.draft:
                enqueue_in(conn, notice(before, after), going, now=now)
                notified = len(going)
            changed = set_arg_in(conn, f"event:{event_id}:announce%", "event", after.to_json())
            cancelled: list[int] = []
            reminders = f"event:{event_id}:remind:%"
            if after.starts_at != before.starts_at:
                cancelled = cancel_in(conn, reminders, now=now)
            else:
                changed += set_arg_in(conn, reminders, "event", after.to_json())
            return Updated(before, after, notified, changed, cancelled)

        return await self.db.transaction(update)

    async def cancel(
        self, event_id: int, *, now: datetime, notice: Callable[[Event], NewJob]
    ) -> Withdrawn | None:
        """Published -> cancelled, in one transaction with the notice to those who will attend
        and the end of its announcement and reminders still being sent. None if it was not
        published."""

        def cancel(conn: sqlite3.Connection) -> Withdrawn | None:
            published = _published_in(conn, event_id)
            if published is None:
                return None
            conn.execute(
                "UPDATE events SET status = 'cancelled', updated_at = ? WHERE id = ?",
                (to_db(now), event_id),
            )
            event = replace(published, status=EventStatus.CANCELLED)
            going = _going(conn, event_id)
            if going:
                enqueue_in(conn, notice(event), going, now=now)
            stopped = cancel_in(conn, f"event:{event_id}:announce%", now=now)
            stopped += cancel_in(conn, f"event:{event_id}:remind:%", now=now)
            return Withdrawn(event, len(going), stopped)

        return await self.db.transaction(cancel)


def _published_in(conn: sqlite3.Connection, event_id: int) -> Event | None:
    """The event, read inside a transaction; None if it is gone or cancelled."""
    row = conn.execute(
        f"SELECT {_EVENT} FROM {_FROM} WHERE e.id = ? AND e.status = 'published'", (event_id,)
    ).fetchone()
    return None if row is None else _event(row)


def _going(conn: sqlite3.Connection, event_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT r.person_id FROM event_rsvps r JOIN people p ON p.id = r.person_id "
        "WHERE r.event_id = ? AND r.going = 1 AND p.is_active = 1 ORDER BY r.person_id",
        (event_id,),
    ).fetchall()
    return [row[0] for row in rows]


@dataclass(frozen=True, slots=True)
class Updated:
    before: Event
    after: Event
    notified: int
    changed_jobs: list[int]  # announcements and reminders now sent with the new text
    cancelled_jobs: list[int]  # reminders for the old start time


@dataclass(frozen=True, slots=True)
class EditConflict:
    """Someone else saved the event after this edit began."""

    current: Event


@dataclass(frozen=True, slots=True)
class Withdrawn:
    event: Event
    notified: int
    stopped_jobs: list[int]
