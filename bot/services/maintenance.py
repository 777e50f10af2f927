"""The daily maintenance (a timed action): old delivery rows become counts, expired
invitations, the dialogs of people gone and unused files go, the search index is merged,
freed space goes back to the file system, and a backup is made when `BACKUP_DIR` is set.

One pending `maintenance` action always exists (ref: the local date it is due); each run,
or a miss, schedules the next day's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.scheduler import Scheduler
from storage.backup import BackupFolder
from storage.maintenance import MaintenanceRepo
from storage.resolutions import ResolutionRepo
from storage.status import StatusRepo
from storage.timed import TimedAction

log = logging.getLogger(__name__)

KIND = "maintenance"
GRACE = timedelta(hours=12)  # down at the time: done at start if no later than this
INVITES_KEPT = timedelta(days=30)  # after expiry: the link still says "expired" meanwhile
DIALOGS_KEPT = timedelta(days=30)  # of people who blocked the bot or are gone
FILES_KEPT = timedelta(days=7)  # an unused upload or chart, after it was made


@dataclass(frozen=True, slots=True)
class Report:
    jobs: int
    deliveries: int
    invites: int
    dialogs: int
    files: int
    freed: int  # bytes given back to the file system
    size: int  # bytes in use afterwards
    backup: Path | None

    def to_json(self) -> str:
        data = {k: getattr(self, k) for k in self.__slots__}
        data["backup"] = self.backup.name if self.backup else None
        return json.dumps(data)


@dataclass(eq=False)
class MaintenanceService:
    repo: MaintenanceRepo
    resolutions: ResolutionRepo
    status: StatusRepo
    scheduler: Scheduler
    clock: Clock
    forget_dialogs: Callable[[int], None]  # drop a person's cached dialog state
    _: KW_ONLY
    retention: timedelta
    at: time | None  # local time of day; None: no daily run
    tz: ZoneInfo
    backups: BackupFolder | None = None

    def __post_init__(self) -> None:
        self.scheduler.register(KIND, self._run, grace=GRACE, missed=self._missed)

    async def arm(self) -> None:
        """At start: make sure the next run is scheduled (a run missed while the bot was
        down is judged by the scheduler, which then schedules the next one itself)."""
        if self.at is not None:
            await self._schedule_next()

    def next_due(self, after: datetime) -> datetime:
        assert self.at is not None
        local = after.astimezone(self.tz)
        due = datetime.combine(local.date(), self.at, tzinfo=self.tz)
        if due <= local:
            due = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=self.tz)
        return due

    async def _schedule_next(self) -> None:
        if self.at is None:
            return
        due = self.next_due(self.clock.now())
        await self.scheduler.schedule(KIND, due.date().isoformat(), due)

    async def _run(self, _action: TimedAction) -> None:
        try:
            await self.run()
        finally:
            await self._schedule_next()

    async def _missed(self, _action: TimedAction) -> None:
        await self._schedule_next()

    async def run(self) -> Report:
        """Everything, now. Each step is its own short transaction."""
        now = self.clock.now()
        jobs, deliveries = await self.repo.prune_deliveries(now - self.retention, now=now)
        rest = await self.repo.prune_rest(
            invites_before=now - INVITES_KEPT,
            dialogs_before=now - DIALOGS_KEPT,
            files_before=now - FILES_KEPT,
        )
        for user_id in rest.forgotten_users:
            self.forget_dialogs(user_id)
        await self.resolutions.optimize_search()
        freed = await self.repo.reclaim()
        backup = None
        if self.backups is not None:
            try:
                backup = await self.backups.make(now)
            except Exception:  # a full disk must not stop the rest of the maintenance
                log.exception("the daily backup into %s failed", self.backups.folder)
            else:
                await self.status.mark("backup", str(backup), now=self.clock.now())
        report = Report(
            jobs=jobs,
            deliveries=deliveries,
            invites=rest.invites,
            dialogs=rest.dialogs,
            files=rest.files,
            freed=freed,
            size=await self.repo.size(),
            backup=backup,
        )
        await self.status.mark(KIND, report.to_json(), now=self.clock.now())
        log.info("maintenance: %s", report.to_json())
        return report
