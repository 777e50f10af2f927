"""Timed actions: due times live in SQLite; APScheduler only wakes the bot at those times.

At start every pending action is armed again from the database. One whose time passed
while the bot was down runs once at start if it is still within its kind's grace period,
and is marked missed otherwise. Actions are idempotent by design (what they create carries
a key derived from the action), and an action is marked done only after it ran, so a crash
in between repeats its effect at most... never: the second run finds the effect exists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from storage.timed import TimedAction, TimedActionRepo
from storage.values import ActionStatus

log = logging.getLogger(__name__)

ActionHandler = Callable[[TimedAction], Awaitable[None]]
RETRY_AFTER = timedelta(minutes=1)  # a failed action (a database hiccup) is tried again


class TooLate(Exception):
    """Raised by an action's handler when running it now would be useless (a reminder
    after the event started): the action is marked missed instead of done."""


@dataclass(frozen=True, slots=True)
class ActionKind:
    run: ActionHandler
    grace: timedelta | None  # None: always worth running, however late
    missed: ActionHandler | None = None


class Scheduler:
    def __init__(
        self,
        repo: TimedActionRepo,
        clock: Clock,
        grace: Mapping[str, timedelta],
        *,
        paused: bool = False,
    ) -> None:
        """`paused`: APScheduler keeps the armed jobs but never fires them itself; whoever
        drives the clock calls `run_due()` (tests, with a manual clock)."""
        self.repo = repo
        self.clock = clock
        self.grace_overrides = dict(grace)
        self.paused = paused
        self.kinds: dict[str, ActionKind] = {}
        self.aps = AsyncIOScheduler(timezone=UTC)
        self._running: set[int] = set()

    def register(
        self,
        kind: str,
        run: ActionHandler,
        *,
        grace: timedelta | None,
        missed: ActionHandler | None = None,
    ) -> None:
        """`grace` is the default; the SCHEDULE_GRACE setting overrides it per kind."""
        self.kinds[kind] = ActionKind(run, self.grace_overrides.get(kind, grace), missed)

    async def start(self) -> None:
        """Arm every pending action; run (or mark missed) those already due."""
        self.aps.start(paused=self.paused)
        for action in await self.repo.pending():
            self._arm(action)
        await self.run_due()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def schedule(self, kind: str, ref: str, due_at: datetime) -> TimedAction:
        action = await self.repo.schedule(kind, ref, due_at, now=self.clock.now())
        self._arm(action)
        return action

    async def cancel(self, kind: str, ref: str) -> bool:
        action = await self.repo.cancel(kind, ref, now=self.clock.now())
        if action is None:
            return False
        job = self.aps.get_job(self._job_id(action.id))
        if job is not None:
            job.remove()
        return True

    async def find(self, kind: str, ref: str) -> TimedAction | None:
        return await self.repo.find(kind, ref)

    def armed(self) -> dict[int, datetime]:
        """Action id -> the time APScheduler will wake for it (for status and tests)."""
        return {
            int(job.id.removeprefix("action-")): job.trigger.run_date
            for job in self.aps.get_jobs()
            if job.id.startswith("action-")
        }

    async def run_due(self) -> None:
        """Run every pending action whose time has come (by the clock)."""
        now = self.clock.now()
        for action in await self.repo.pending():
            if action.due_at <= now:
                await self.fire(action.id)

    @staticmethod
    def _job_id(action_id: int) -> str:
        return f"action-{action_id}"

    def _arm(self, action: TimedAction) -> None:
        self.aps.add_job(
            self.fire,
            DateTrigger(run_date=action.due_at, timezone=UTC),
            args=[action.id],
            id=self._job_id(action.id),
            replace_existing=True,
            misfire_grace_time=None,  # lateness is judged by fire(), per kind
            coalesce=True,
        )

    async def fire(self, action_id: int) -> None:
        if action_id in self._running:
            return
        self._running.add(action_id)
        try:
            await self._fire(action_id)
        except Exception:
            log.exception("timed action %s failed; trying again in a minute", action_id)
            if not self.paused:
                self.aps.add_job(
                    self.fire,
                    DateTrigger(run_date=self.clock.now() + RETRY_AFTER, timezone=UTC),
                    args=[action_id],
                    id=self._job_id(action_id),
                    replace_existing=True,
                    misfire_grace_time=None,
                    coalesce=True,
                )
        finally:
            self._running.discard(action_id)

    async def _fire(self, action_id: int) -> None:
        action = await self.repo.get(action_id)
        if action is None or action.status is not ActionStatus.PENDING:
            return
        now = self.clock.now()
        if now < action.due_at:  # woken early: sleep on
            if not self.paused:
                self._arm(action)
            return
        kind = self.kinds.get(action.kind)
        if kind is None:
            log.error("no handler for timed action kind %r", action.kind)
            return
        if kind.grace is not None and now - action.due_at > kind.grace:
            log.warning(
                "timed action %s (%s) missed: due %s", action.id, action.kind, action.due_at
            )
            if kind.missed is not None:
                await kind.missed(action)
            await self.repo.finish(action, ActionStatus.MISSED, now=now)
        else:
            try:
                await kind.run(action)
            except TooLate:
                log.info("timed action %s (%s) came too late to be useful", action.id, action.kind)
                await self.repo.finish(action, ActionStatus.MISSED, now=self.clock.now())
            else:
                await self.repo.finish(action, ActionStatus.DONE, now=self.clock.now())
        job = self.aps.get_job(self._job_id(action.id))
        if job is not None and job.trigger.run_date == action.due_at:
            job.remove()  # run by run_due() before APScheduler woke for it (not moved since)
