"""Staff added by an owner (owners themselves live in ADMIN_IDS, not here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Repo, from_db, to_db
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class StaffMember:
    person_id: int
    added_by: int
    added_at: datetime
    name: str | None  # None when the person has not started the bot yet
    username: str | None


class StaffRepo(Repo):
    async def all(self) -> list[StaffMember]:
        rows = await self.db.fetchall(
            """
            SELECT s.person_id, s.added_by, s.added_at,
                   trim(p.first_name || ' ' || coalesce(p.last_name, '')) AS name, p.username
              FROM staff s LEFT JOIN people p ON p.id = s.person_id
             ORDER BY s.added_at
            """
        )
        return [
            from_row(StaffMember, row, added_at=from_db(row["added_at"]) or datetime.min)
            for row in rows
        ]

    async def ids(self) -> set[int]:
        return {row[0] for row in await self.db.fetchall("SELECT person_id FROM staff")}

    async def add(self, person_id: int, *, added_by: int, now: datetime) -> bool:
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO staff (person_id, added_by, added_at) VALUES (?, ?, ?)",
            (person_id, added_by, to_db(now)),
        )
        return changed > 0

    async def remove(self, person_id: int) -> bool:
        return await self.db.execute("DELETE FROM staff WHERE person_id = ?", (person_id,)) > 0
