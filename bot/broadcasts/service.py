"""Staff broadcasts: a copied message to an audience, now or at a chosen time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from bot.delivery.notify import Notifier
from bot.delivery.outbox import Outbox
from bot.delivery.parts import copy_payload
from bot.delivery.progress import Progress
from bot.scheduler import Scheduler
from bot.services.people import PeopleService
from bot.topics import Topic
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.contacts import ContactRepo
from storage.outbox import Job, NewJob, OutboxRepo
from storage.people import PeopleRepo
from storage.subscriptions import SubscriptionRepo
from storage.timed import TimedAction
from storage.values import JobStatus, Outcome

KIND = "broadcast"
DEFAULT_GRACE = timedelta(hours=2)  # a scheduled broadcast later than this is not sent


class AudienceKind(StrEnum):
    SUBSCRIBERS = "subscribers"
    TOPIC = "topic"
    CONTACTS = "contacts"
    CITIES = "cities"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    topic: str | None = None
    city_ids: tuple[int, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "topic": self.topic, "city_ids": list(self.city_ids)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            kind=AudienceKind(data["kind"]),
            topic=data.get("topic"),
            city_ids=tuple(int(c) for c in data.get("city_ids") or ()),
        )

    @property
    def complete(self) -> bool:
        if self.kind is AudienceKind.TOPIC:
            return self.topic in {t.value for t in Topic}
        if self.kind is AudienceKind.CITIES:
            return bool(self.city_ids)
        return True


@dataclass(frozen=True, slots=True)
class Preview:
    """What a broadcast is, for the list: its kind (text, photo, document, other) and its
    first words."""

    kind: str
    words: str = ""

    @classmethod
    def of(cls, kind: str, text: str, length: int = 60) -> Preview:
        words = " ".join(text.split())
        if len(words) > length:
            words = words[: length - 1].rsplit(" ", 1)[0] + "\u2026"
        return cls(kind, words)


@dataclass(frozen=True, slots=True)
class JobSummary:
    job: Job
    audience: Audience
    counts: dict[Outcome, int]

    @property
    def preview(self) -> Preview | None:
        found = self.job.payload.get("preview")
        return Preview(found.get("kind", ""), found.get("words", "")) if found else None


@dataclass(eq=False)
class BroadcastService:
    outbox: Outbox
    repo: OutboxRepo
    subscriptions: SubscriptionRepo
    contacts: ContactRepo
    people: PeopleService
    people_repo: PeopleRepo
    scheduler: Scheduler
    progress: Progress
    notifier: Notifier
    audit: AuditRepo
    clock: Clock

    def __post_init__(self) -> None:
        self.scheduler.register(
            KIND, self._start_scheduled, grace=DEFAULT_GRACE, missed=self._missed
        )

    async def recipients(self, audience: Audience) -> list[int]:
        """Active people in the audience (people who blocked the bot are left out)."""
        if audience.kind is AudienceKind.SUBSCRIBERS:
            return await self.subscriptions.subscribers()
        if audience.kind is AudienceKind.TOPIC:
            return await self.subscriptions.subscribers(audience.topic)
        if audience.kind is AudienceKind.CONTACTS:
            return await self.contacts.person_ids()
        if audience.kind is AudienceKind.CITIES:
            return await self.contacts.person_ids(audience.city_ids)
        staff = await self.people.staff_ids()
        return [p.id for p in await self.people_repo.many(staff) if p.is_active]

    async def send_now(
        self,
        staff: Viewer,
        source_chat_id: int,
        source_message_id: int,
        audience: Audience,
        preview: Preview | None = None,
    ) -> int:
        recipients = await self.recipients(audience)
        job_id = await self.outbox.send(
            self._job(staff, source_chat_id, source_message_id, audience, preview), recipients
        )
        await self.audit.record(
            staff.id,
            "broadcast.send",
            str(job_id),
            now=self.clock.now(),
            audience=audience.to_json(),
            recipients=len(recipients),
        )
        await self.progress.begin(job_id, staff.id)
        return job_id

    async def schedule(
        self,
        staff: Viewer,
        source_chat_id: int,
        source_message_id: int,
        audience: Audience,
        at: datetime,
        preview: Preview | None = None,
    ) -> int:
        job_id = await self.outbox.schedule(
            self._job(staff, source_chat_id, source_message_id, audience, preview), at
        )
        await self.scheduler.schedule(KIND, str(job_id), at)
        await self.audit.record(
            staff.id,
            "broadcast.schedule",
            str(job_id),
            now=self.clock.now(),
            audience=audience.to_json(),
            at=at.isoformat(),
        )
        return job_id

    @staticmethod
    def _job(
        staff: Viewer, chat_id: int, message_id: int, audience: Audience, preview: Preview | None
    ) -> NewJob:
        payload = copy_payload(chat_id, message_id)
        if preview is not None:  # for /broadcasts: what it was about
            payload["preview"] = {"kind": preview.kind, "words": preview.words}
        return NewJob(kind=KIND, audience=audience.to_json(), payload=payload, created_by=staff.id)

    async def is_active(self, job_id: int) -> bool:
        job = await self.repo.get(job_id)
        return job is not None and job.status in (JobStatus.SCHEDULED, JobStatus.RUNNING)

    async def reconcile(self) -> None:
        """At start: a scheduled broadcast whose timed action is missing (the bot stopped
        between the two writes) gets it, so it is sent, or reported missed, like the others."""
        for job in await self.repo.scheduled(kind=KIND):
            if (
                job.scheduled_at is not None
                and await self.scheduler.find(KIND, str(job.id)) is None
            ):
                await self.scheduler.schedule(KIND, str(job.id), job.scheduled_at)

    async def cancel(self, staff: Viewer, job_id: int) -> Job | None:
        """Cancel a scheduled or running broadcast; None if it is neither (any more)."""
        job = await self.repo.get(job_id)
        if job is None or not await self.outbox.cancel(job_id):
            return None
        if job.status is JobStatus.SCHEDULED:
            await self.scheduler.cancel(KIND, str(job_id))
        await self.audit.record(staff.id, "broadcast.cancel", str(job_id), now=self.clock.now())
        await self.outbox.settle(job_id)
        await self.progress.finished(job_id)
        return await self.repo.get(job_id)

    async def recent(self, limit: int = 10) -> list[JobSummary]:
        jobs = await self.repo.recent(kind=KIND, limit=limit)
        return [
            JobSummary(job, Audience.from_json(job.audience), await self.repo.counts(job.id))
            for job in jobs
        ]

    async def _start_scheduled(self, action: TimedAction) -> None:
        job = await self.repo.get(int(action.ref))
        if job is None:
            return
        if job.status is JobStatus.SCHEDULED:
            recipients = await self.recipients(Audience.from_json(job.audience))
            await self.outbox.start(job.id, recipients)
            job = await self.repo.get(job.id)
        if (
            job is not None
            and job.status is JobStatus.RUNNING
            and job.progress_message_id is None
            and job.created_by is not None
        ):
            await self.progress.begin(job.id, job.created_by)

    async def _missed(self, action: TimedAction) -> None:
        job = await self.repo.get(int(action.ref))
        if job is None or job.status is not JobStatus.SCHEDULED:
            return
        if job.created_by is not None:  # told first: a crash after this repeats the notice
            await self.notifier.send(job.created_by, "broadcast.missed", at=action.due_at)
        await self.repo.mark_missed(job.id, now=self.clock.now())
