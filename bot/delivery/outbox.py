"""The outbox as features see it: put a mass send in, cancel it; the sender does the rest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.delivery.sender import Sender
from storage.outbox import Job, NewJob, OutboxRepo


@dataclass(eq=False)
class Outbox:
    repo: OutboxRepo
    sender: Sender
    clock: Clock

    async def send(self, job: NewJob, chat_ids: Sequence[int]) -> int:
        """Queue a job for these recipients now. With a `dedup_key` it is queued once."""
        job_id, _created = await self.repo.enqueue(job, chat_ids, now=self.clock.now())
        self.sender.wake()
        return job_id

    async def schedule(self, job: NewJob, at: datetime) -> int:
        """A job whose recipients are chosen when it starts (see `start`)."""
        job_id, _created = await self.repo.enqueue(job, None, now=self.clock.now(), scheduled_at=at)
        return job_id

    async def start(self, job_id: int, chat_ids: Sequence[int]) -> bool:
        started = await self.repo.start(job_id, chat_ids, now=self.clock.now())
        self.sender.wake()
        return started

    async def cancel(self, job_id: int) -> bool:
        self.sender.cancel_job(job_id)
        return await self.repo.cancel(job_id, now=self.clock.now())

    def committed(self, *, rewritten: Iterable[int] = (), stopped: Iterable[int] = ()) -> None:
        """A feature's transaction changed the outbox (storage.outbox `enqueue_in`,
        `set_arg_in`, `cancel_in`): the sender rereads the rewritten jobs, drops the
        stopped ones, and picks up what was queued."""
        for job_id in rewritten:
            self.sender.forget_job(job_id)
        for job_id in stopped:
            self.sender.cancel_job(job_id)
        self.sender.wake()

    async def settle(self, job_id: int) -> None:
        """Until no message of this job is in flight and its results are stored."""
        await self.sender.settle(job_id)

    async def get(self, job_id: int) -> Job | None:
        return await self.repo.get(job_id)
