"""Messages to the executive office ("write to the office") and the staff copies of them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.contacts import Notice, NoticeTable, city_names_in
from storage.db import Repo, from_db, to_db
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class OfficeMessage:
    id: int
    person_id: int
    message_id: int  # in the sender's chat
    kind: str  # text, photo, document, other
    preview: str
    city_names: str
    created_at: datetime
    name: str  # the sender's name as Telegram gave it ("" once they are forgotten)
    username: str | None
    answered_by: int | None = None
    answered_by_name: str = ""
    answered_at: datetime | None = None


_MESSAGE = """
    SELECT m.id, m.person_id, m.message_id, m.kind, m.preview, m.city_names, m.created_at,
           coalesce(trim(p.first_name || ' ' || coalesce(p.last_name, '')), '') AS name,
           p.username, m.answered_by, m.answered_at,
           coalesce(trim(s.first_name || ' ' || coalesce(s.last_name, '')), '') AS staff_name
      FROM office_messages m LEFT JOIN people p ON p.id = m.person_id
      LEFT JOIN people s ON s.id = m.answered_by
"""
_NOTICES = NoticeTable("office_notices", "office_id")


def _message(row: sqlite3.Row) -> OfficeMessage:
    return from_row(
        OfficeMessage,
        row,
        created_at=from_db(row["created_at"]) or datetime.min,
        answered_by_name=row["staff_name"] or (str(row["answered_by"] or "")),
        answered_at=from_db(row["answered_at"]),
    )


class OfficeRepo(Repo):
    async def add(
        self, person_id: int, message_id: int, kind: str, preview: str, *, now: datetime
    ) -> tuple[OfficeMessage, bool]:
        """Store a message (with the cities its sender represents); one passed on twice is
        stored once: (the message, whether it is new). One transaction."""

        def add(conn: sqlite3.Connection) -> tuple[OfficeMessage, bool]:
            cities = city_names_in(conn, person_id)
            cursor = conn.execute(
                """
                INSERT OR IGNORE INTO office_messages (person_id, message_id, kind, preview,
                    city_names, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """,
                (person_id, message_id, kind, preview, cities, to_db(now)),
            )
            row = conn.execute(
                f"{_MESSAGE} WHERE m.person_id = ? AND m.message_id = ?", (person_id, message_id)
            ).fetchone()
            return _message(row), cursor.rowcount > 0

        return await self.db.transaction(add)

    async def get(self, office_id: int) -> OfficeMessage | None:
        row = await self.db.fetchone(f"{_MESSAGE} WHERE m.id = ?", (office_id,))
        return None if row is None else _message(row)

    async def unanswered(self, limit: int = 20) -> list[OfficeMessage]:
        rows = await self.db.fetchall(
            f"{_MESSAGE} WHERE m.answered_at IS NULL ORDER BY m.id LIMIT ?", (limit,)
        )
        return [_message(row) for row in rows]

    async def count_unanswered(self) -> int:
        return int(
            await self.db.fetchval("SELECT count(*) FROM office_messages WHERE answered_at IS NULL")
        )

    async def answer(
        self, office_id: int, staff_id: int, answer: str, *, now: datetime
    ) -> tuple[OfficeMessage, bool] | None:
        """Record an answer; the first one is the one marked on the staff copies: (the
        message, whether this answer was the first). None if the message is gone."""

        def answer_(conn: sqlite3.Connection) -> tuple[OfficeMessage, bool] | None:
            first = conn.execute(
                "UPDATE office_messages SET answered_by = ?, answer = ?, answered_at = ? "
                "WHERE id = ? AND answered_at IS NULL",
                (staff_id, answer, to_db(now), office_id),
            ).rowcount
            row = conn.execute(f"{_MESSAGE} WHERE m.id = ?", (office_id,)).fetchone()
            return None if row is None else (_message(row), first > 0)

        return await self.db.transaction(answer_)

    async def add_notices(self, office_id: int, notices: Iterable[Notice]) -> None:
        await _NOTICES.add(self.db, office_id, notices)

    async def notices(self, office_id: int) -> list[Notice]:
        return await _NOTICES.of(self.db, office_id)
