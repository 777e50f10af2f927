"""aiogram FSM storage on SQLite: dialogs survive a restart.

Reads come from a write-through cache (this process is the only writer), so a
handler pays for the database only when the dialog actually changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey

from storage.db import Database, to_db, utcnow

_Entry = tuple[str | None, dict[str, Any]]


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._cache: dict[str, _Entry] = {}

    async def _entry(self, key: str) -> _Entry:
        entry = self._cache.get(key)
        if entry is None:
            row = await self.db.fetchone("SELECT state, data FROM fsm WHERE key = ?", (key,))
            entry = (row["state"], json.loads(row["data"])) if row else (None, {})
            self._cache[key] = entry
        return entry

    async def _write(
        self, storage_key: StorageKey, state: str | None, data: dict[str, Any]
    ) -> None:
        key = self.key_builder.build(storage_key)
        if self._cache.get(key) == (state, data):
            return  # nothing changed: no write (the cache mirrors the table)
        self._cache[key] = (state, data)
        if state is None and not data:
            await self.db.execute("DELETE FROM fsm WHERE key = ?", (key,))
            return
        await self.db.execute(
            """
            INSERT INTO fsm (key, user_id, state, data, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET
                state = excluded.state, data = excluded.data, updated_at = excluded.updated_at
            """,
            (
                key,
                storage_key.user_id,
                state,
                json.dumps(data, ensure_ascii=False),
                to_db(utcnow()),
            ),
        )

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        _, data = await self._entry(self.key_builder.build(key))
        await self._write(key, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._entry(self.key_builder.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._entry(self.key_builder.build(key))
        await self._write(key, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._entry(self.key_builder.build(key))
        return dict(data)

    def forget_user(self, user_id: int) -> None:
        """Drop cached dialogs of a person whose rows were deleted (see PeopleRepo.forget)."""
        suffix = f":{user_id}:"
        for key in [k for k in self._cache if suffix in k]:
            del self._cache[key]

    async def close(self) -> None:
        self._cache.clear()
