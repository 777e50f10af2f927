"""Digests of the command menus last sent to Telegram, per scope."""

from __future__ import annotations

from collections.abc import Iterable

from storage.db import Repo


class MenuRepo(Repo):
    async def digest(self, scope: str) -> str | None:
        value = await self.db.fetchval("SELECT digest FROM command_menus WHERE scope = ?", (scope,))
        return None if value is None else str(value)

    async def save(self, scope: str, digest: str) -> None:
        await self.db.execute(
            "INSERT INTO command_menus (scope, digest) VALUES (?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest",
            (scope, digest),
        )

    async def forget(self, prefix: str) -> None:
        await self.db.execute(
            "DELETE FROM command_menus WHERE scope LIKE ? ESCAPE '\\'",
            (prefix.replace("_", "\\_").replace("%", "\\%") + ":%",),
        )

    async def special_people(self, owner_ids: Iterable[int]) -> list[int]:
        """People whose menu differs from the default one, or did until now."""
        owners = ",".join(str(int(i)) for i in owner_ids)
        rows = await self.db.fetchall(
            """
            SELECT person_id FROM staff
            UNION SELECT person_id FROM city_contacts
            UNION SELECT id FROM people WHERE language IS NOT NULL
            UNION SELECT value FROM json_each(?)
            UNION SELECT CAST(substr(scope, 6, instr(substr(scope, 6), ':') - 1) AS INTEGER)
                    FROM command_menus WHERE scope LIKE 'chat:%'
            """,
            (f"[{owners}]",),
        )
        return [row[0] for row in rows]
