"""Resolutions of the General Assembly (drafts and adopted texts), their full-text search,
and the comments people send on drafts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, to_db
from storage.outbox import NewJob, enqueue_in

# Search results mark each match with these (bot/resolutions/search.py); the caller escapes
# the text, then turns them into markup (they never occur in a stored text: see `clean`).
MATCH_START = "\x02"
MATCH_END = "\x03"


def clean(text: str) -> str:
    """Drop the characters the search uses as match markers."""
    return text.replace(MATCH_START, "").replace(MATCH_END, "")


class ResolutionStatus(StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"


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


_RESOLUTION = """r.id, r.status, r.assembly_date, r.city_name, c.name_en AS city_name_en,
    r.title, r.body, r.file_key, r.file_name, r.adopted_id,
    (SELECT d.id FROM resolutions d WHERE d.adopted_id = r.id ORDER BY d.id LIMIT 1) AS draft_id,
    (SELECT a.assembly_date FROM resolutions a WHERE a.id = r.adopted_id) AS adopted_date"""
_FROM = "resolutions r LEFT JOIN cities c ON c.id = r.city_id"


def _resolution(row: sqlite3.Row) -> Resolution:
    adopted = row["adopted_date"]
    return Resolution(
        id=row["id"],
        status=ResolutionStatus(row["status"]),
        assembly_date=date.fromisoformat(row["assembly_date"]),
        city_name=row["city_name"],
        city_name_en=row["city_name_en"],
        title=row["title"],
        body=row["body"],
        file_key=row["file_key"],
        file_name=row["file_name"],
        adopted_id=row["adopted_id"],
        draft_id=row["draft_id"],
        adopted_date=date.fromisoformat(adopted) if adopted else None,
    )


class ResolutionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

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
                (
                    new.status.value,
                    new.assembly_date.isoformat(),
                    new.city_id,
                    new.city_name,
                    clean(new.title),
                    clean(new.body),
                    new.file_key,
                    new.file_name,
                    created_by,
                    to_db(now),
                ),
            ).lastrowid
            if new.draft_id is not None and new.status is ResolutionStatus.ADOPTED:
                conn.execute(
                    "UPDATE resolutions SET adopted_id = ? "
                    "WHERE id = ? AND status = 'draft' AND adopted_id IS NULL",
                    (resolution_id, new.draft_id),
                )
            row = conn.execute(
                f"SELECT {_RESOLUTION} FROM {_FROM} WHERE r.id = ?", (resolution_id,)
            ).fetchone()
            resolution = _resolution(row)
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
            "SELECT DISTINCT CAST(substr(assembly_date, 1, 4) AS INTEGER) FROM resolutions "
            "ORDER BY 1 DESC"
        )
        return [row[0] for row in rows]

    async def of_year(self, year: int, status: ResolutionStatus | None = None) -> list[Resolution]:
        """Newest first."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_RESOLUTION} FROM {_FROM}
             WHERE substr(r.assembly_date, 1, 4) = ? AND (?2 IS NULL OR r.status = ?2)
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
             WHERE r.status = 'draft' AND r.adopted_id IS NULL
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
                         WHERE resolutions_fts MATCH ?1
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
             WHERE r.status = 'adopted' AND substr(r.assembly_date, 1, 4) = ?
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
                "SELECT title FROM resolutions "
                "WHERE id = ? AND status = 'draft' AND adopted_id IS NULL",
                (resolution_id,),
            ).fetchone()
            if open_draft is None:
                return None
            cities = conn.execute(
                """
                SELECT coalesce(group_concat(c.name, ', '), '') FROM city_contacts cc
                  JOIN cities c ON c.id = cc.city_id WHERE cc.person_id = ?
                """,
                (person_id,),
            ).fetchone()[0]
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
        row = await self.db.fetchone(
            """
            SELECT m.id, m.resolution_id, r.title, m.person_id, m.city_names, m.text, m.answer
              FROM resolution_comments m JOIN resolutions r ON r.id = m.resolution_id
             WHERE m.id = ?
            """,
            (comment_id,),
        )
        return None if row is None else Comment(*row)

    async def answer_comment(
        self, comment_id: int, staff_id: int, answer: str, *, now: datetime
    ) -> None:
        """Keep the latest answer (a staff member may write twice)."""
        await self.db.execute(
            "UPDATE resolution_comments SET answered_by = ?, answer = ?, answered_at = ? "
            "WHERE id = ?",
            (staff_id, answer, to_db(now), comment_id),
        )
