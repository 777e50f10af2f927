"""Resolutions of the General Assembly (drafts and adopted texts), their full-text search,
and the comments people send on drafts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.contacts import city_names_in
from storage.db import Repo, from_db, to_db
from storage.outbox import NewJob, cancel_in, enqueue_in, set_arg_in
from storage.rows import from_row
from storage.values import ResolutionStatus

# Search results mark each match with these (bot/resolutions/search.py); the caller escapes
# the text, then turns them into markup (they never occur in a stored text: see `clean`).
MATCH_START = "\x02"
MATCH_END = "\x03"


def clean(text: str) -> str:
    """Drop the characters the search uses as match markers."""
    return text.replace(MATCH_START, "").replace(MATCH_END, "")


@dataclass(frozen=True, slots=True)
class NewResolution:
    status: ResolutionStatus
    assembly_date: date
    city_id: int | None
    city_name: str
    title: str
    body: str
    file_key: str | None = None
    file_name: str | None = None
    draft_id: int | None = None  # an adopted text: the draft it adopts


@dataclass(frozen=True, slots=True)
class Resolution:
    id: int
    status: ResolutionStatus
    assembly_date: date
    city_name: str
    city_name_en: str | None
    title: str
    body: str
    file_key: str | None
    file_name: str | None
    adopted_id: int | None  # a draft that was adopted: the adopted text
    draft_id: int | None  # an adopted text: the draft it came from
    adopted_date: date | None = None  # of the adopted text, for a draft's card
    version: int = 1
    published_at: datetime | None = None
    updated_at: datetime | None = None  # the last correction
    withdrawn_at: datetime | None = None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def city(self, locale: str) -> str:
        return self.city_name_en if locale == "en" and self.city_name_en else self.city_name

    @property
    def is_draft(self) -> bool:
        return self.status is ResolutionStatus.DRAFT

    def to_json(self) -> dict[str, Any]:
        """A snapshot for a delivery payload."""
        return {
            "id": self.id,
            "status": self.status.value,
            "assembly_date": self.assembly_date.isoformat(),
            "city_name": self.city_name,
            "city_name_en": self.city_name_en,
            "title": self.title,
            "body": self.body,
            "file_key": self.file_key,
            "file_name": self.file_name,
            "adopted_id": self.adopted_id,
            "draft_id": self.draft_id,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            id=int(data["id"]),
            status=ResolutionStatus(data["status"]),
            assembly_date=date.fromisoformat(data["assembly_date"]),
            city_name=data["city_name"],
            city_name_en=data.get("city_name_en"),
            title=data["title"],
            body=data["body"],
            file_key=data.get("file_key"),
            file_name=data.get("file_name"),
            adopted_id=data.get("adopted_id"),
            draft_id=data.get("draft_id"),
            version=int(data.get("version") or 1),
        )


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    resolution_id: int
    resolution_title: str
    person_id: int
    city_names: str
    text: str
    answer: str | None
    author_name: str = ""
    author_username: str | None = None
    created_at: datetime | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """An earlier version of a corrected resolution, and who replaced it when."""

    version: int
    assembly_date: date
    city_name: str
    title: str
    body: str
    file_name: str | None
    replaced_by: int | None
    replaced_by_name: str
    replaced_at: datetime


@dataclass(frozen=True, slots=True)
class Corrected:
    before: Resolution
    after: Resolution
    notified: int
    rewritten_jobs: list[int]  # deliveries still going out now carry the corrected text


@dataclass(frozen=True, slots=True)
class Withdrawn:
    resolution: Resolution
    notified: int
    stopped_jobs: list[int]


class VersionConflict(Exception):
    """Someone else corrected the resolution after this edit began."""


_RESOLUTION = """r.id, r.status, r.assembly_date, r.city_name, c.name_en AS city_name_en,
    r.title, r.body, r.file_key, r.file_name, r.adopted_id,
    (SELECT d.id FROM resolutions d WHERE d.adopted_id = r.id AND d.withdrawn_at IS NULL
      ORDER BY d.id LIMIT 1) AS draft_id,
    (SELECT a.assembly_date FROM resolutions a WHERE a.id = r.adopted_id) AS adopted_date,
    r.version, r.created_at, r.updated_at, r.withdrawn_at"""
_CURRENT = "r.withdrawn_at IS NULL"  # the archive, search and digest show these only
_FROM = "resolutions r LEFT JOIN cities c ON c.id = r.city_id"


def _resolution(row: sqlite3.Row) -> Resolution:
    adopted = row["adopted_date"]
    return from_row(
        Resolution,
        row,
        status=ResolutionStatus(row["status"]),
        assembly_date=date.fromisoformat(row["assembly_date"]),
        adopted_date=date.fromisoformat(adopted) if adopted else None,
        published_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        withdrawn_at=from_db(row["withdrawn_at"]),
    )


def _fields(new: NewResolution) -> tuple[Any, ...]:
    """The columns staff type in, as stored: assembly_date, city_id, city_name, title, body,
    file_key, file_name."""
    return (
        new.assembly_date.isoformat(),
        new.city_id,
        new.city_name,
        clean(new.title),
        clean(new.body),
        new.file_key,
        new.file_name,
    )


class ResolutionRepo(Repo):
    async def create(
        self,
        new: NewResolution,
        *,
        created_by: int,
        now: datetime,
        announce: Callable[[Resolution], tuple[NewJob, Sequence[int]]],
    ) -> Resolution:
        """Store a resolution and queue its delivery (job, recipients), in one transaction;
        an adopted one given its draft links the draft to it (a draft already linked to
        another adopted text is left as it is)."""

        def create(conn: sqlite3.Connection) -> Resolution:
            resolution_id = conn.execute(
                """
                INSERT INTO resolutions (status, assembly_date, city_id, city_name, title, body,
                    file_key, file_name, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (new.status.value, *_fields(new), created_by, to_db(now)),
            ).lastrowid
            if new.draft_id is not None and new.status is ResolutionStatus.ADOPTED:
                conn.execute(
                    "UPDATE resolutions SET adopted_id = ? "
                    "WHERE id = ? AND status = 'draft' AND adopted_id IS NULL",
                    (resolution_id, new.draft_id),
                )
            assert resolution_id is not None
            resolution = _current_in(conn, resolution_id)
            assert resolution is not None
            job, recipients = announce(resolution)
            enqueue_in(conn, job, recipients, now=now)
            return resolution

        return await self.db.transaction(create)

    async def get(self, resolution_id: int) -> Resolution | None:
        row = await self.db.fetchone(
            f"SELECT {_RESOLUTION} FROM {_FROM} WHERE r.id = ?", (resolution_id,)
        )
        return None if row is None else _resolution(row)

    async def years(self) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT CAST(substr(assembly_date, 1, 4) AS INTEGER) FROM resolutions r "
            f"WHERE {_CURRENT} ORDER BY 1 DESC"
        )
        return [row[0] for row in rows]

    async def of_year(self, year: int, status: ResolutionStatus | None = None) -> list[Resolution]:
        """Newest first."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_RESOLUTION} FROM {_FROM}
             WHERE substr(r.assembly_date, 1, 4) = ? AND (?2 IS NULL OR r.status = ?2)
               AND {_CURRENT}
             ORDER BY r.assembly_date DESC, r.id DESC
            """,
            (f"{year:04d}", None if status is None else status.value),
        )
        return [_resolution(row) for row in rows]

    async def open_drafts(self, limit: int = 10) -> list[Resolution]:
        """Drafts not adopted yet, newest first (to link an adopted text to)."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_RESOLUTION} FROM {_FROM}
             WHERE r.status = 'draft' AND r.adopted_id IS NULL AND {_CURRENT}
             ORDER BY r.assembly_date DESC, r.id DESC LIMIT ?
            """,
            (limit,),
        )
        return [_resolution(row) for row in rows]

    async def search(self, query: str, limit: int = 8) -> list[Resolution]:
        """The best matches first. `query` is an FTS5 expression built by the caller from
        safe terms. Only ranking happens in SQLite (the pieces of text shown are cut by the
        caller, for these hits only), and the texts are read for the hits returned."""
        try:
            rows = await self.db.fetchall(
                f"""
                SELECT {_RESOLUTION}
                  FROM (SELECT f.rowid AS id, f.rank AS rank, r.assembly_date AS day
                          FROM resolutions_fts f JOIN resolutions r ON r.id = f.rowid
                         WHERE resolutions_fts MATCH ?1 AND r.withdrawn_at IS NULL
                         ORDER BY f.rank, r.assembly_date DESC LIMIT ?2) hit
                  JOIN resolutions r ON r.id = hit.id LEFT JOIN cities c ON c.id = r.city_id
                 ORDER BY hit.rank, hit.day DESC
                """,
                (query, limit),
            )
        except sqlite3.OperationalError as error:  # a query FTS5 cannot parse finds nothing
            if "fts5" not in str(error):
                raise
            return []
        return [_resolution(row) for row in rows]

    async def optimize_search(self) -> None:
        """Merge the full-text index into one segment (searches read fewer pages)."""
        await self.db.execute("INSERT INTO resolutions_fts (resolutions_fts) VALUES ('optimize')")

    async def adopted_in(self, year: int) -> list[Resolution]:
        """Adopted texts of the year, oldest first (for the digest)."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_RESOLUTION} FROM {_FROM}
             WHERE r.status = 'adopted' AND substr(r.assembly_date, 1, 4) = ? AND {_CURRENT}
             ORDER BY r.assembly_date, r.id
            """,
            (f"{year:04d}",),
        )
        return [_resolution(row) for row in rows]

    # --- comments on drafts ---------------------------------------------------------------

    async def add_comment(
        self, resolution_id: int, person_id: int, text: str, *, now: datetime
    ) -> Comment | None:
        """A comment on a draft not adopted yet; None if it is not open to comments.
        The cities the person represents are recorded with it. One transaction."""

        def add(conn: sqlite3.Connection) -> Comment | None:
            open_draft = conn.execute(
                "SELECT title FROM resolutions WHERE id = ? AND status = 'draft' "
                "AND adopted_id IS NULL AND withdrawn_at IS NULL",
                (resolution_id,),
            ).fetchone()
            if open_draft is None:
                return None
            cities = city_names_in(conn, person_id)
            comment_id = conn.execute(
                """
                INSERT INTO resolution_comments (resolution_id, person_id, city_names, text,
                    created_at) VALUES (?, ?, ?, ?, ?)
                """,
                (resolution_id, person_id, cities, text, to_db(now)),
            ).lastrowid
            assert comment_id is not None
            return Comment(comment_id, resolution_id, open_draft[0], person_id, cities, text, None)

        return await self.db.transaction(add)

    async def comment(self, comment_id: int) -> Comment | None:
        row = await self.db.fetchone(f"{_COMMENT} WHERE m.id = ?", (comment_id,))
        return None if row is None else _comment(row)

    async def answer_comment(
        self, comment_id: int, staff_id: int, answer: str, *, now: datetime
    ) -> None:
        """Keep the latest answer (a staff member may write twice)."""
        await self.db.execute(
            "UPDATE resolution_comments SET answered_by = ?, answer = ?, answered_at = ? "
            "WHERE id = ?",
            (staff_id, answer, to_db(now), comment_id),
        )

    async def received(self, resolution_id: int, channel_id: int | None) -> int:
        """How many chats the resolution reached (they are told of a correction)."""
        return len(await self.db.run(lambda conn: _received(conn, resolution_id, channel_id)))

    async def comments_of(self, resolution_id: int) -> list[Comment]:
        """A draft's comments, oldest first, with their authors' names (for the staff)."""
        rows = await self.db.fetchall(
            f"{_COMMENT} WHERE m.resolution_id = ? ORDER BY m.id", (resolution_id,)
        )
        return [_comment(row) for row in rows]

    # --- duplicates, corrections, withdrawal --------------------------------------------------

    async def same(
        self, status: ResolutionStatus, title: str, assembly_date: date
    ) -> Resolution | None:
        """A current resolution of this status with this title (case and spaces aside) and
        date (an adopted text has its draft's title and date: that is no duplicate)."""
        rows = await self.db.fetchall(
            f"SELECT {_RESOLUTION} FROM {_FROM} WHERE r.assembly_date = ? AND r.status = ? "
            f"AND {_CURRENT} ORDER BY r.id",
            (assembly_date.isoformat(), status.value),
        )
        wanted = _title_key(title)
        return next((_resolution(r) for r in rows if _title_key(r["title"]) == wanted), None)

    async def versions(self, resolution_id: int) -> list[Version]:
        rows = await self.db.fetchall(
            """
            SELECT v.version, v.assembly_date, v.city_name, v.title, v.body, v.file_name,
                   v.replaced_by, v.replaced_at,
                   coalesce(trim(p.first_name || ' ' || coalesce(p.last_name, '')), '') AS name
              FROM resolution_versions v LEFT JOIN people p ON p.id = v.replaced_by
             WHERE v.resolution_id = ? ORDER BY v.version
            """,
            (resolution_id,),
        )
        return [
            from_row(
                Version,
                row,
                assembly_date=date.fromisoformat(row["assembly_date"]),
                replaced_by_name=row["name"],
                replaced_at=from_db(row["replaced_at"]) or datetime.min,
            )
            for row in rows
        ]

    async def correct(
        self,
        resolution_id: int,
        new: NewResolution,
        *,
        version: int,
        by: int,
        now: datetime,
        notice: Callable[[Resolution, Resolution], NewJob],
        channel_id: int | None,
    ) -> Corrected | None:
        """Replace the resolution's text and details, keep the old version, relink its
        draft, rewrite its deliveries still going out and queue a correction notice to
        everyone who received it: one transaction. None if it is gone or withdrawn;
        VersionConflict if another correction was saved after `version`."""

        def correct(conn: sqlite3.Connection) -> Corrected | None:
            before = _current_in(conn, resolution_id)
            if before is None:
                return None
            if before.version != version:
                raise VersionConflict(resolution_id)
            conn.execute(
                """
                INSERT INTO resolution_versions (resolution_id, version, status, assembly_date,
                    city_name, title, body, file_key, file_name, draft_id, replaced_by,
                    replaced_at)
                SELECT id, version, status, assembly_date, city_name, title, body, file_key,
                       file_name, ?, ?, ? FROM resolutions WHERE id = ?
                """,
                (before.draft_id, by, to_db(now), resolution_id),
            )
            conn.execute(
                """
                UPDATE resolutions SET assembly_date = ?,
                       city_id = CASE WHEN ?2 IS NOT NULL THEN ?2
                                      WHEN city_name = ?3 THEN city_id END,
                       city_name = ?3, title = ?4, body = ?5, file_key = ?6, file_name = ?7,
                       version = version + 1, updated_at = ?8, updated_by = ?9
                 WHERE id = ?10
                """,
                (*_fields(new), to_db(now), by, resolution_id),
            )
            if before.status is ResolutionStatus.ADOPTED and new.draft_id != before.draft_id:
                conn.execute(
                    "UPDATE resolutions SET adopted_id = NULL WHERE adopted_id = ?",
                    (resolution_id,),
                )
                if new.draft_id is not None:
                    conn.execute(
                        "UPDATE resolutions SET adopted_id = ? WHERE id = ? AND status = 'draft' "
                        "AND adopted_id IS NULL AND withdrawn_at IS NULL",
                        (resolution_id, new.draft_id),
                    )
            after = _current_in(conn, resolution_id)
            assert after is not None
            received = _received(conn, resolution_id, channel_id)
            if received:
                enqueue_in(conn, notice(before, after), received, now=now)
            rewritten = set_arg_in(
                conn, f"resolution:{resolution_id}:publish", "resolution", after.to_json()
            )
            return Corrected(before, after, len(received), rewritten)

        return await self.db.transaction(correct)

    async def withdraw(
        self,
        resolution_id: int,
        *,
        by: int,
        now: datetime,
        notice: Callable[[Resolution], NewJob],
        channel_id: int | None,
    ) -> Withdrawn | None:
        """Take the resolution out of the archive, search and digest; stop its deliveries
        still going out; tell everyone who received it: one transaction. None if it is gone
        or withdrawn already."""

        def withdraw(conn: sqlite3.Connection) -> Withdrawn | None:
            resolution = _current_in(conn, resolution_id)
            if resolution is None:
                return None
            conn.execute(
                "UPDATE resolutions SET withdrawn_at = ?, withdrawn_by = ?, adopted_id = NULL "
                "WHERE id = ?",
                (to_db(now), by, resolution_id),
            )
            conn.execute(  # its draft is open again
                "UPDATE resolutions SET adopted_id = NULL WHERE adopted_id = ?", (resolution_id,)
            )
            stopped = cancel_in(conn, f"resolution:{resolution_id}:publish", now=now)
            received = _received(conn, resolution_id, channel_id)
            if received:
                enqueue_in(conn, notice(resolution), received, now=now)
            return Withdrawn(resolution, len(received), stopped)

        return await self.db.transaction(withdraw)


def _current_in(conn: sqlite3.Connection, resolution_id: int) -> Resolution | None:
    """The resolution, read inside a transaction; None if it is gone or withdrawn."""
    row = conn.execute(
        f"SELECT {_RESOLUTION} FROM {_FROM} WHERE r.id = ? AND {_CURRENT}", (resolution_id,)
    ).fetchone()
    return None if row is None else _resolution(row)


def _title_key(title: str) -> str:
    return " ".join(title.casefold().replace("\u0451", "\u0435").split()).strip(" .")


def _received(conn: sqlite3.Connection, resolution_id: int, channel_id: int | None) -> list[int]:
    """Everyone a resolution reached: its publication, the full text on request, an earlier
    correction (the channel too, if it got it)."""
    rows = conn.execute(
        """
        SELECT DISTINCT d.chat_id FROM deliveries d JOIN delivery_jobs j ON j.id = d.job_id
         WHERE j.kind IN ('resolution', 'resolution_text', 'resolution_corrected')
           AND json_extract(j.audience, '$.resolution_id') = ?
           AND (d.status = 'sent' OR d.parts_sent > 0)
         ORDER BY d.chat_id
        """,
        (resolution_id,),
    ).fetchall()
    chats = [row[0] for row in rows]
    if channel_id is None:
        chats = [chat for chat in chats if chat > 0]
    return chats


_COMMENT = """
    SELECT m.id, m.resolution_id, r.title, m.person_id, m.city_names, m.text, m.answer,
           coalesce(trim(p.first_name || ' ' || coalesce(p.last_name, '')), '') AS author_name,
           p.username, m.created_at, m.answered_at
      FROM resolution_comments m JOIN resolutions r ON r.id = m.resolution_id
      LEFT JOIN people p ON p.id = m.person_id
"""


def _comment(row: sqlite3.Row) -> Comment:
    return from_row(
        Comment,
        row,
        resolution_title=row["title"],
        author_username=row["username"],
        created_at=from_db(row["created_at"]),
        answered_at=from_db(row["answered_at"]),
    )
