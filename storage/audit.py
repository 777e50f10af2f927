"""The audit log: who on the staff did what, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Repo, from_db, to_db
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    actor_id: int | None
    action: str
    subject: str | None
    details: dict[str, Any]
    created_at: datetime


class AuditRepo(Repo):
    async def record(
        self,
        actor_id: int | None,
        action: str,
        subject: str | None = None,
        *,
        now: datetime,
        **details: Any,
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (actor_id, action, subject, details, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                actor_id,
                action,
                subject,
                json.dumps(details, ensure_ascii=False, default=str) if details else None,
                to_db(now),
            ),
        )

    async def recent(self, limit: int = 50, action: str | None = None) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT id, actor_id, action, subject, details, created_at FROM audit_log "
            "WHERE ?1 IS NULL OR action = ?1 ORDER BY id DESC LIMIT ?2",
            (action, limit),
        )
        return [
            from_row(
                AuditEntry,
                row,
                details=json.loads(row["details"]) if row["details"] else {},
                created_at=from_db(row["created_at"]) or datetime.min,
            )
            for row in rows
        ]
