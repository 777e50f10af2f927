"""What the bot records about itself (heartbeat, last maintenance, last backup), for
`unionbot health` and the operators."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from storage.db import Repo, from_db, to_db


class StatusRepo(Repo):
    async def mark(self, key: str, value: str, *, now: datetime) -> None:
        await self.db.execute(
            """
            INSERT INTO bot_status (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                updated_at = excluded.updated_at
            """,
            (key, value, to_db(now)),
        )

    async def get(self, key: str) -> tuple[str, datetime] | None:
        """The value and when it was written."""
        row = await self.db.fetchone(
            "SELECT value, updated_at FROM bot_status WHERE key = ?", (key,)
        )
        if row is None:
            return None
        return row[0], from_db(row[1]) or datetime.min


def probe(path: Path) -> tuple[int, datetime | None]:
    """For the health check, without migrating or creating anything: the database's schema
    version and its heartbeat time (None if never written). Raises sqlite3.Error if the
    file cannot be read as a database."""
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        try:
            row = conn.execute(
                "SELECT updated_at FROM bot_status WHERE key = 'heartbeat'"
            ).fetchone()
        except sqlite3.OperationalError:  # a schema from before the heartbeat
            row = None
    finally:
        conn.close()
    return version, None if row is None else from_db(row[0])
