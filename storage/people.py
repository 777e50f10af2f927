"""People who talked to the bot, with the roles stored for them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Repo, to_db
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    tg_language: str | None
    language: str | None
    is_active: bool

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class Profile:
    """A person with what the database knows of their roles, loaded in one query."""

    person: Person
    is_staff: bool
    city_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class TelegramUser:
    """The fields of a Telegram user the bot keeps (storage does not import aiogram)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


_PERSON = "p.id, p.first_name, p.last_name, p.username, p.tg_language, p.language, p.is_active"


def person_from_row(row: sqlite3.Row) -> Person:
    return from_row(Person, row, is_active=bool(row["is_active"]))


class PeopleRepo(Repo):
    async def profile(self, person_id: int) -> Profile | None:
        row = await self.db.fetchone(
            f"""
            SELECT {_PERSON},
                   EXISTS (SELECT 1 FROM staff s WHERE s.person_id = p.id) AS is_staff,
                   (SELECT group_concat(c.city_id) FROM city_contacts c
                     WHERE c.person_id = p.id) AS city_ids
              FROM people p WHERE p.id = ?
            """,
            (person_id,),
        )
        if row is None:
            return None
        cities = row["city_ids"]
        return Profile(
            person=person_from_row(row),
            is_staff=bool(row["is_staff"]),
            city_ids=frozenset(int(c) for c in cities.split(",")) if cities else frozenset(),
        )

    async def get(self, person_id: int) -> Person | None:
        row = await self.db.fetchone(f"SELECT {_PERSON} FROM people p WHERE p.id = ?", (person_id,))
        return None if row is None else person_from_row(row)

    async def by_username(self, username: str) -> Person | None:
        """Someone who started the bot, by their @username (any case)."""
        row = await self.db.fetchone(
            f"SELECT {_PERSON} FROM people p WHERE lower(p.username) = lower(?) "
            "ORDER BY p.updated_at DESC LIMIT 1",
            (username.lstrip("@"),),
        )
        return None if row is None else person_from_row(row)

    async def many(self, ids: Iterable[int]) -> list[Person]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        rows = await self.db.fetchall(
            f"SELECT {_PERSON} FROM people p WHERE p.id IN (SELECT value FROM json_each(?))",
            (f"[{','.join(map(str, wanted))}]",),
        )
        return [person_from_row(row) for row in rows]

    async def register(
        self, user: TelegramUser, *, topics: Sequence[str], now: datetime
    ) -> tuple[Person, bool]:
        """Create or refresh a person; a new person is subscribed to `topics`.

        One transaction; returns the person and whether they are new.
        """
        stamp = to_db(now)

        def register(conn: sqlite3.Connection) -> tuple[Person, bool]:
            created = (
                conn.execute("SELECT 1 FROM people WHERE id = ?", (user.id,)).fetchone() is None
            )
            conn.execute(
                """
                INSERT INTO people (id, first_name, last_name, username, tg_language,
                                    is_active, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    first_name = excluded.first_name, last_name = excluded.last_name,
                    username = excluded.username, tg_language = excluded.tg_language,
                    is_active = 1, updated_at = excluded.updated_at
                """,
                (
                    user.id,
                    user.first_name,
                    user.last_name,
                    user.username,
                    user.language_code,
                    stamp,
                    stamp,
                ),
            )
            if created:
                conn.executemany(
                    "INSERT OR IGNORE INTO subscriptions (person_id, topic) VALUES (?, ?)",
                    [(user.id, topic) for topic in topics],
                )
            row = conn.execute(f"SELECT {_PERSON} FROM people p WHERE p.id = ?", (user.id,))
            return person_from_row(row.fetchone()), created

        return await self.db.transaction(register)

    async def set_language(self, person_id: int, language: str, *, now: datetime) -> None:
        await self.db.execute(
            "UPDATE people SET language = ?, updated_at = ? WHERE id = ?",
            (language, to_db(now), person_id),
        )

    async def set_active(self, person_ids: Iterable[int], active: bool, *, now: datetime) -> None:
        await self.db.executemany(
            "UPDATE people SET is_active = ?, updated_at = ? WHERE id = ?",
            [(int(active), to_db(now), pid) for pid in person_ids],
        )

    async def forget(self, person_id: int) -> bool:
        """Delete the person and everything keyed to them; True if they existed."""

        def forget(conn: sqlite3.Connection) -> bool:
            conn.execute("DELETE FROM fsm WHERE user_id = ?", (person_id,))
            conn.execute("DELETE FROM staff WHERE person_id = ?", (person_id,))
            # Their own survey responses go; a city's response stays, without their name.
            conn.execute("DELETE FROM responses WHERE person_id = ?", (person_id,))
            conn.execute("DELETE FROM survey_trials WHERE person_id = ?", (person_id,))
            conn.execute(
                "UPDATE responses SET submitted_by = NULL WHERE submitted_by = ?", (person_id,)
            )
            conn.execute(
                "UPDATE answers SET answered_by = NULL WHERE answered_by = ?", (person_id,)
            )
            return conn.execute("DELETE FROM people WHERE id = ?", (person_id,)).rowcount > 0

        return await self.db.transaction(forget)

    async def count_active(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM people WHERE is_active = 1"))
