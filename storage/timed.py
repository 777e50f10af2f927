"""Timed actions: what the bot must do at a given moment (the scheduler's source of truth)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import Repo, from_db, to_db
from storage.rows import from_row
from storage.values import ActionStatus


@dataclass(frozen=True, slots=True)
class TimedAction:
    id: int
    kind: str
    ref: str
    due_at: datetime
    status: ActionStatus


def _action(row: sqlite3.Row) -> TimedAction:
    return from_row(
        TimedAction,
        row,
        due_at=from_db(row["due_at"]) or datetime.min,
        status=ActionStatus(row["status"]),
    )


class TimedActionRepo(Repo):
    async def schedule(
        self, kind: str, ref: str, due_at: datetime, *, now: datetime
    ) -> TimedAction:
        """Create the action, or move an existing one (it becomes pending again)."""
        row = await self.db.fetchone(
            """
            INSERT INTO timed_actions (kind, ref, due_at, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (kind, ref) DO UPDATE SET
                due_at = excluded.due_at, status = 'pending', finished_at = NULL
            RETURNING id, kind, ref, due_at, status
            """,
            (kind, ref, to_db(due_at), to_db(now)),
        )
        assert row is not None
        return _action(row)

    async def get(self, action_id: int) -> TimedAction | None:
        row = await self.db.fetchone(
            "SELECT id, kind, ref, due_at, status FROM timed_actions WHERE id = ?", (action_id,)
        )
        return None if row is None else _action(row)

    async def find(self, kind: str, ref: str) -> TimedAction | None:
        row = await self.db.fetchone(
            "SELECT id, kind, ref, due_at, status FROM timed_actions WHERE kind = ? AND ref = ?",
            (kind, ref),
        )
        return None if row is None else _action(row)

    async def pending(self) -> list[TimedAction]:
        rows = await self.db.fetchall(
            "SELECT id, kind, ref, due_at, status FROM timed_actions "
            "WHERE status = 'pending' ORDER BY due_at, id"
        )
        return [_action(row) for row in rows]

    async def finish(self, action: TimedAction, status: ActionStatus, *, now: datetime) -> bool:
        """Pending -> done / missed; False if it is not pending any more, or was moved to
        another time while it ran (the moved one stays pending)."""
        changed = await self.db.execute(
            "UPDATE timed_actions SET status = ?, finished_at = ? "
            "WHERE id = ? AND status = 'pending' AND due_at = ?",
            (status.value, to_db(now), action.id, to_db(action.due_at)),
        )
        return changed > 0

    async def cancel(self, kind: str, ref: str, *, now: datetime) -> TimedAction | None:
        row = await self.db.fetchone(
            """
            UPDATE timed_actions SET status = 'cancelled', finished_at = ?
             WHERE kind = ? AND ref = ? AND status = 'pending'
            RETURNING id, kind, ref, due_at, status
            """,
            (to_db(now), kind, ref),
        )
        return None if row is None else _action(row)
