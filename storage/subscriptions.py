"""Which announcement topics each person receives."""

from __future__ import annotations

import sqlite3

from storage.db import Repo


class SubscriptionRepo(Repo):
    async def topics_of(self, person_id: int) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT topic FROM subscriptions WHERE person_id = ?", (person_id,)
        )
        return {row[0] for row in rows}

    async def toggle(self, person_id: int, topic: str) -> set[str]:
        """Flip one topic and return the person's topics after it, in one transaction."""

        def toggle(conn: sqlite3.Connection) -> set[str]:
            removed = conn.execute(
                "DELETE FROM subscriptions WHERE person_id = ? AND topic = ?", (person_id, topic)
            ).rowcount
            if not removed:
                conn.execute(
                    "INSERT INTO subscriptions (person_id, topic) VALUES (?, ?)",
                    (person_id, topic),
                )
            rows = conn.execute(
                "SELECT topic FROM subscriptions WHERE person_id = ?", (person_id,)
            ).fetchall()
            return {row[0] for row in rows}

        return await self.db.transaction(toggle)

    async def subscribers(self, topic: str | None = None) -> list[int]:
        """Active people subscribed to `topic` (to anything when None)."""
        if topic is None:
            rows = await self.db.fetchall(
                "SELECT DISTINCT s.person_id FROM subscriptions s "
                "JOIN people p ON p.id = s.person_id WHERE p.is_active = 1"
            )
        else:
            rows = await self.db.fetchall(
                "SELECT s.person_id FROM subscriptions s JOIN people p ON p.id = s.person_id "
                "WHERE s.topic = ? AND p.is_active = 1",
                (topic,),
            )
        return [row[0] for row in rows]
