"""Keeping the database from growing forever: old per-recipient delivery rows become counts
on their job, expired invitations, the dialog state of people gone and files nothing uses
any more are deleted, and the freed pages go back to the file system."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from storage.db import Repo, to_db

PRUNE_BATCH = 20_000  # per-recipient rows deleted in one transaction, at most (about)
PAYLOAD_KEPT = 2048  # characters: a pruned job's payload longer than this is dropped

# Files the bot made or received that nothing may need once unreferenced: uploads for a
# resolution (dialog abandoned, or replaced) and survey charts (sent with the results).
# A file is kept while a resolution (or an earlier version of one), an unfinished job or a
# dialog names its key.
_PRUNABLE_FILES = ("upload-%", "survey:%:chart:%")


@dataclass(frozen=True, slots=True)
class Pruned:
    jobs: int = 0
    deliveries: int = 0
    invites: int = 0
    dialogs: int = 0
    files: int = 0
    forgotten_users: tuple[int, ...] = ()  # whose dialog state went: drop it from caches


class MaintenanceRepo(Repo):
    async def prune_deliveries(self, before: datetime, *, now: datetime) -> tuple[int, int]:
        """Jobs finished before `before` keep their counts and lose their per-recipient
        rows (and a long rendered payload: nothing renders a finished job). Several short
        transactions, so sends and answers are never held up for long. (jobs, rows)."""
        candidates = await self.db.fetchall(
            """
            SELECT j.id, (SELECT count(*) FROM deliveries d WHERE d.job_id = j.id)
              FROM delivery_jobs j
             WHERE j.pruned_at IS NULL AND j.finished_at IS NOT NULL AND j.finished_at < ?
               AND j.status IN ('done', 'cancelled', 'missed')
             ORDER BY j.finished_at
            """,
            (to_db(before),),
        )
        batches: list[list[int]] = [[]]
        size = 0
        for job_id, rows in candidates:
            if batches[-1] and size + rows > PRUNE_BATCH:
                batches.append([])
                size = 0
            batches[-1].append(job_id)
            size += rows
        stamp = to_db(now)

        def prune(conn: sqlite3.Connection, *, ids: list[int]) -> int:
            marks = ",".join("?" * len(ids))
            conn.execute(
                f"""
                UPDATE delivery_jobs SET pruned_at = ?,
                       counts = (SELECT json_group_object(status, n) FROM (
                                   SELECT status, count(*) AS n FROM deliveries d
                                    WHERE d.job_id = delivery_jobs.id GROUP BY status)),
                       payload = CASE WHEN length(payload) > {PAYLOAD_KEPT}
                                      THEN '{{"type": "pruned"}}' ELSE payload END
                 WHERE id IN ({marks})
                """,
                (stamp, *ids),
            )
            return conn.execute(f"DELETE FROM deliveries WHERE job_id IN ({marks})", ids).rowcount

        jobs = deleted = 0
        for ids in filter(None, batches):
            deleted += await self.db.transaction(partial(prune, ids=ids))
            jobs += len(ids)
        return jobs, deleted

    async def prune_rest(
        self, *, invites_before: datetime, dialogs_before: datetime, files_before: datetime
    ) -> Pruned:
        """Invitations expired (unused) before `invites_before`; the dialog state of people
        who blocked the bot or are gone, untouched since `dialogs_before`; prunable files
        made before `files_before` that nothing names. One transaction."""

        def prune(conn: sqlite3.Connection) -> Pruned:
            invites = conn.execute(
                "DELETE FROM invites WHERE used_at IS NULL AND expires_at < ?",
                (to_db(invites_before),),
            ).rowcount
            users = conn.execute(
                """
                DELETE FROM fsm WHERE updated_at < ?
                   AND user_id NOT IN (SELECT id FROM people WHERE is_active = 1)
                RETURNING user_id
                """,
                (to_db(dialogs_before),),
            ).fetchall()
            files = conn.execute(
                f"""
                DELETE FROM files
                 WHERE created_at < ? AND ({" OR ".join("key LIKE ?" for _ in _PRUNABLE_FILES)})
                   AND key NOT IN (SELECT file_key FROM resolutions WHERE file_key IS NOT NULL)
                   AND key NOT IN (SELECT file_key FROM resolution_versions
                                    WHERE file_key IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM delivery_jobs j
                                    WHERE j.status IN ('scheduled', 'running')
                                      AND instr(j.payload, files.key) > 0)
                   AND NOT EXISTS (SELECT 1 FROM fsm WHERE instr(fsm.data, files.key) > 0)
                """,
                (to_db(files_before), *_PRUNABLE_FILES),
            ).rowcount
            forgotten = tuple(sorted({row[0] for row in users}))
            return Pruned(
                invites=invites, dialogs=len(users), files=files, forgotten_users=forgotten
            )

        return await self.db.transaction(prune)

    async def reclaim(self) -> int:
        """Give free pages back to the file system (incremental vacuum), fold the WAL back
        into the database, refresh the planner's statistics. Returns the bytes freed."""

        def reclaim(conn: sqlite3.Connection) -> int:
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            conn.execute("PRAGMA incremental_vacuum").fetchall()
            left = conn.execute("PRAGMA freelist_count").fetchone()[0]
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            conn.execute("PRAGMA optimize")
            return int((free - left) * page)

        return await self.db.run(reclaim)

    async def size(self) -> int:
        """Bytes the database uses (pages in use)."""
        row = await self.db.fetchone(
            "SELECT (SELECT page_count FROM pragma_page_count()) - "
            "(SELECT freelist_count FROM pragma_freelist_count()), "
            "(SELECT page_size FROM pragma_page_size())"
        )
        assert row is not None
        return int(row[0]) * int(row[1])
