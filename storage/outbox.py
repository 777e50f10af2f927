"""The outbox: delivery jobs and one row per recipient, drained by the sender."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Repo, from_db, to_db
from storage.rows import from_row
from storage.values import JobStatus, Outcome


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    created_by: int | None
    audience: dict[str, Any]
    payload: dict[str, Any]
    priority: int
    status: JobStatus
    total: int
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True, slots=True)
class NewJob:
    kind: str
    audience: dict[str, Any]
    payload: dict[str, Any]
    created_by: int | None = None
    priority: int = 0
    dedup_key: str | None = None


@dataclass(frozen=True, slots=True)
class Pending:
    """A recipient still to be served, with what is needed to render in their language."""

    id: int
    job_id: int
    chat_id: int
    attempts: int
    parts_sent: int
    language: str | None
    tg_language: str | None


@dataclass(frozen=True, slots=True)
class Result:
    delivery_id: int
    chat_id: int
    outcome: Outcome  # PENDING means "retry at next_attempt_at"
    message_id: int | None = None
    parts_sent: int = 0
    error: str | None = None
    next_attempt_at: datetime | None = None


_JOB = """id, kind, created_by, audience, payload, priority, status, total, created_at,
          scheduled_at, started_at, finished_at, progress_chat_id, progress_message_id"""


def _job(row: sqlite3.Row) -> Job:
    return from_row(
        Job,
        row,
        audience=json.loads(row["audience"]),
        payload=json.loads(row["payload"]),
        status=JobStatus(row["status"]),
        created_at=from_db(row["created_at"]) or datetime.min,
        scheduled_at=from_db(row["scheduled_at"]),
        started_at=from_db(row["started_at"]),
        finished_at=from_db(row["finished_at"]),
    )


def _ids(values: Iterable[int]) -> str:
    return json.dumps([int(v) for v in values])


# --- inside another repository's transaction (the transactional outbox) -----------------------
# A change and the messages announcing it are written in one transaction: neither can be
# lost without the other.


def enqueue_in(
    conn: sqlite3.Connection,
    job: NewJob,
    chat_ids: Sequence[int] | None,
    *,
    now: datetime,
    scheduled_at: datetime | None = None,
) -> tuple[int, bool]:
    """A job with its recipients. `chat_ids=None` with `scheduled_at` makes a scheduled job
    whose recipients are chosen when it starts. A job whose `dedup_key` exists already is
    not created again: (its id, False)."""
    stamp = to_db(now)
    recipients = list(dict.fromkeys(chat_ids or []))
    if job.dedup_key is not None:
        row = conn.execute(
            "SELECT id FROM delivery_jobs WHERE dedup_key = ?", (job.dedup_key,)
        ).fetchone()
        if row is not None:
            return int(row[0]), False
    status = JobStatus.SCHEDULED if chat_ids is None else JobStatus.RUNNING
    job_id = conn.execute(
        """
        INSERT INTO delivery_jobs (kind, dedup_key, created_by, audience, payload,
            priority, status, total, created_at, scheduled_at, started_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            job.kind,
            job.dedup_key,
            job.created_by,
            json.dumps(job.audience, ensure_ascii=False),
            json.dumps(job.payload, ensure_ascii=False),
            job.priority,
            status.value,
            len(recipients),
            stamp,
            to_db(scheduled_at),
            None if status is JobStatus.SCHEDULED else stamp,
        ),
    ).lastrowid
    assert job_id is not None
    conn.executemany(
        "INSERT OR IGNORE INTO deliveries (job_id, chat_id) VALUES (?, ?)",
        [(job_id, chat_id) for chat_id in recipients],
    )
    return job_id, True


def set_arg_in(conn: sqlite3.Connection, key_like: str, name: str, value: Any) -> list[int]:
    """Rewrite one argument of the rendered payload of unfinished jobs whose key is LIKE
    `key_like` (recipients not served yet get the new value). Returns the jobs changed."""
    rows = conn.execute(
        f"""
        UPDATE delivery_jobs SET payload = json_set(payload, '$.args.{name}', json(?))
         WHERE dedup_key LIKE ? AND status IN ('scheduled', 'running')
        RETURNING id
        """,
        (json.dumps(value, ensure_ascii=False), key_like),
    ).fetchall()
    return [row[0] for row in rows]


def cancel_in(conn: sqlite3.Connection, key_like: str, *, now: datetime) -> list[int]:
    """Cancel unfinished jobs whose key is LIKE `key_like`; returns their ids."""
    rows = conn.execute(
        """
        UPDATE delivery_jobs SET status = 'cancelled', finished_at = ?
         WHERE dedup_key LIKE ? AND status IN ('scheduled', 'running')
        RETURNING id
        """,
        (to_db(now), key_like),
    ).fetchall()
    ids = [row[0] for row in rows]
    if ids:
        conn.execute(
            "UPDATE deliveries SET status = 'cancelled' "
            "WHERE status = 'pending' AND job_id IN (SELECT value FROM json_each(?))",
            (_ids(ids),),
        )
    return ids


class OutboxRepo(Repo):
    async def enqueue(
        self,
        job: NewJob,
        chat_ids: Sequence[int] | None,
        *,
        now: datetime,
        scheduled_at: datetime | None = None,
    ) -> tuple[int, bool]:
        """Create a job with its recipients in one transaction (see `enqueue_in`)."""
        return await self.db.transaction(
            lambda conn: enqueue_in(conn, job, chat_ids, now=now, scheduled_at=scheduled_at)
        )

    async def start(self, job_id: int, chat_ids: Sequence[int], *, now: datetime) -> bool:
        """A scheduled job begins: its recipients are added and it starts running.

        False if it is not scheduled any more (cancelled, or already started)."""
        recipients = list(dict.fromkeys(chat_ids))

        def start(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE delivery_jobs SET status = 'running', started_at = ?, total = ? "
                "WHERE id = ? AND status = 'scheduled'",
                (to_db(now), len(recipients), job_id),
            ).rowcount
            if changed:
                conn.executemany(
                    "INSERT OR IGNORE INTO deliveries (job_id, chat_id) VALUES (?, ?)",
                    [(job_id, chat_id) for chat_id in recipients],
                )
            return bool(changed)

        return await self.db.transaction(start)

    async def get(self, job_id: int) -> Job | None:
        row = await self.db.fetchone(f"SELECT {_JOB} FROM delivery_jobs WHERE id = ?", (job_id,))
        return None if row is None else _job(row)

    async def by_dedup_key(self, key: str) -> Job | None:
        row = await self.db.fetchone(
            f"SELECT {_JOB} FROM delivery_jobs WHERE dedup_key = ?", (key,)
        )
        return None if row is None else _job(row)

    async def recent(self, *, kind: str | None = None, limit: int = 10) -> list[Job]:
        """Scheduled and running jobs first, then the latest finished ones."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_JOB} FROM delivery_jobs WHERE ?1 IS NULL OR kind = ?1
             ORDER BY status IN ('scheduled', 'running') DESC, id DESC LIMIT ?2
            """,
            (kind, limit),
        )
        return [_job(row) for row in rows]

    async def scheduled(self, *, kind: str) -> list[Job]:
        rows = await self.db.fetchall(
            f"SELECT {_JOB} FROM delivery_jobs WHERE status = 'scheduled' AND kind = ?", (kind,)
        )
        return [_job(row) for row in rows]

    async def running(self) -> list[Job]:
        rows = await self.db.fetchall(
            f"SELECT {_JOB} FROM delivery_jobs WHERE status = 'running' ORDER BY id"
        )
        return [_job(row) for row in rows]

    async def unreported(self) -> list[Job]:
        """Finished jobs whose report was never shown (the bot stopped in between)."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_JOB} FROM delivery_jobs
             WHERE status IN ('done', 'cancelled') AND progress_chat_id IS NOT NULL
               AND reported_at IS NULL
            """
        )
        return [_job(row) for row in rows]

    async def mark_reported(self, job_id: int, *, now: datetime) -> None:
        await self.db.execute(
            "UPDATE delivery_jobs SET reported_at = ? WHERE id = ?", (to_db(now), job_id)
        )

    async def set_progress_message(self, job_id: int, chat_id: int, message_id: int | None) -> None:
        """Where the job's progress is shown (a message id of None: to be sent; the
        report then goes out as a new message if it never could be)."""
        await self.db.execute(
            "UPDATE delivery_jobs SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, job_id),
        )

    async def claim(self, limit: int, exclude: Iterable[int], *, now: datetime) -> list[Pending]:
        """The next due recipients of running jobs: higher priority first, then in order.

        Nothing is written: rows being sent are kept out by `exclude` (the sender's
        in-memory set), so a crash leaves them pending and they are sent after a restart.
        """
        rows = await self.db.fetchall(
            """
            SELECT d.id, d.job_id, d.chat_id, d.attempts, d.parts_sent,
                   p.language, p.tg_language
              FROM delivery_jobs j
              JOIN deliveries d ON d.job_id = j.id AND d.status = 'pending'
              LEFT JOIN people p ON p.id = d.chat_id
             WHERE j.status = 'running'
               AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)
               AND d.id NOT IN (SELECT value FROM json_each(?))
             ORDER BY j.priority DESC, d.id
             LIMIT ?
            """,
            (to_db(now), _ids(exclude), limit),
        )
        return [from_row(Pending, row) for row in rows]

    async def next_retry_at(self, exclude: Iterable[int]) -> datetime | None:
        """When the next retry is due, leaving out the rows being sent right now."""
        value = await self.db.fetchval(
            """
            SELECT min(d.next_attempt_at) FROM deliveries d
              JOIN delivery_jobs j ON j.id = d.job_id
             WHERE d.status = 'pending' AND j.status = 'running'
               AND d.next_attempt_at IS NOT NULL
               AND d.id NOT IN (SELECT value FROM json_each(?))
            """,
            (_ids(exclude),),
        )
        return from_db(value)

    async def record(self, results: Sequence[Result], *, now: datetime) -> list[int]:
        """Store a batch of send results in one transaction; people who blocked the bot are
        marked inactive. Returns the jobs that have just finished (no recipient pending)."""
        stamp = to_db(now)
        job_ids_sql = (
            "SELECT DISTINCT job_id FROM deliveries WHERE id IN (SELECT value FROM json_each(?))"
        )

        def record(conn: sqlite3.Connection) -> list[int]:
            conn.executemany(
                """
                UPDATE deliveries SET status = ?1, attempts = attempts + 1,
                       message_id = coalesce(message_id, ?2), parts_sent = ?3, last_error = ?4,
                       next_attempt_at = ?5, sent_at = CASE WHEN ?1 = 'sent' THEN ?6 END
                 WHERE id = ?7
                   AND (status = 'pending' OR (status = 'cancelled' AND ?1 <> 'pending'))
                """,
                [
                    (
                        r.outcome.value,
                        r.message_id,
                        r.parts_sent,
                        r.error,
                        to_db(r.next_attempt_at),
                        stamp,
                        r.delivery_id,
                    )
                    for r in results
                ],
            )
            blocked = [r.chat_id for r in results if r.outcome is Outcome.BLOCKED]
            if blocked:
                conn.execute(
                    "UPDATE people SET is_active = 0, updated_at = ? "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (stamp, _ids(blocked)),
                )
            touched = conn.execute(job_ids_sql, (_ids(r.delivery_id for r in results),)).fetchall()
            finished = conn.execute(
                """
                UPDATE delivery_jobs SET status = 'done', finished_at = ?
                 WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running'
                   AND NOT EXISTS (SELECT 1 FROM deliveries d
                                    WHERE d.job_id = delivery_jobs.id AND d.status = 'pending')
                RETURNING id
                """,
                (stamp, _ids(row[0] for row in touched)),
            ).fetchall()
            return [row[0] for row in finished]

        return await self.db.transaction(record)

    async def finish_empty(self, *, now: datetime) -> list[int]:
        """Running jobs without a pending recipient (e.g. nobody to send to) are done."""
        rows = await self.db.fetchall(
            """
            UPDATE delivery_jobs SET status = 'done', finished_at = ?
             WHERE status = 'running'
               AND NOT EXISTS (SELECT 1 FROM deliveries d
                                WHERE d.job_id = delivery_jobs.id AND d.status = 'pending')
            RETURNING id
            """,
            (to_db(now),),
        )
        return [row[0] for row in rows]

    async def cancel(self, job_id: int, *, now: datetime) -> bool:
        """Stop a scheduled or running job: every recipient not served yet is cancelled."""

        def cancel(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE delivery_jobs SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('scheduled', 'running')",
                (to_db(now), job_id),
            ).rowcount
            if changed:
                conn.execute(
                    "UPDATE deliveries SET status = 'cancelled' "
                    "WHERE job_id = ? AND status = 'pending'",
                    (job_id,),
                )
            return bool(changed)

        return await self.db.transaction(cancel)

    async def mark_missed(self, job_id: int, *, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE delivery_jobs SET status = 'missed', finished_at = ? "
            "WHERE id = ? AND status = 'scheduled'",
            (to_db(now), job_id),
        )
        return changed > 0

    async def counts(self, job_id: int) -> dict[Outcome, int]:
        """Recipients by outcome: from the per-recipient rows, or, once those are pruned
        (see storage.maintenance), from the counts kept on the job."""
        rows = await self.db.fetchall(
            """
            SELECT status, count(*) FROM deliveries WHERE job_id = ?1 GROUP BY status
            UNION ALL
            SELECT c.key, c.value FROM delivery_jobs j, json_each(j.counts) c WHERE j.id = ?1
            """,
            (job_id,),
        )
        counts = dict.fromkeys(Outcome, 0)
        counts.update({Outcome(row[0]): row[1] for row in rows})
        return counts

    async def deliveries(self, job_id: int) -> list[tuple[int, Outcome, int]]:
        """(chat id, outcome, attempts) per recipient, for tests and reports."""
        rows = await self.db.fetchall(
            "SELECT chat_id, status, attempts FROM deliveries WHERE job_id = ? ORDER BY id",
            (job_id,),
        )
        return [(row[0], Outcome(row[1]), row[2]) for row in rows]
