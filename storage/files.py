"""Files the bot sends, kept in the database with the Telegram file id once uploaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Repo, to_db
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    filename: str
    mime_type: str | None
    content: bytes
    telegram_file_id: str | None


class FileRepo(Repo):
    async def put(
        self, key: str, filename: str, content: bytes, *, mime_type: str | None, now: datetime
    ) -> None:
        """Store (or replace) a file; a replaced file must be uploaded again."""
        await self.db.execute(
            """
            INSERT INTO files (key, filename, mime_type, content, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET filename = excluded.filename,
                mime_type = excluded.mime_type, content = excluded.content,
                telegram_file_id = NULL
            """,
            (key, filename, mime_type, content, to_db(now)),
        )

    async def get(self, key: str) -> StoredFile | None:
        row = await self.db.fetchone(
            "SELECT key, filename, mime_type, content, telegram_file_id FROM files WHERE key = ?",
            (key,),
        )
        if row is None:
            return None
        return from_row(StoredFile, row, content=bytes(row["content"]))

    async def remember_file_id(self, key: str, file_id: str) -> None:
        await self.db.execute("UPDATE files SET telegram_file_id = ? WHERE key = ?", (file_id, key))

    async def delete_unused(self, key: str) -> None:
        """Delete a file no resolution refers to (an upload replaced before publishing)."""
        await self.db.execute(
            "DELETE FROM files WHERE key = ? "
            "AND NOT EXISTS (SELECT 1 FROM resolutions WHERE file_key = files.key)",
            (key,),
        )
