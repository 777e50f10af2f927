"""Live progress of a staff member's mass send: one message, edited every few seconds,
with a Cancel button; at the end it becomes the report."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import JobCb
from bot.clock import Clock
from bot.inline_buttons import button, column
from bot.texts import Texts, TextsOf
from storage.outbox import Job, OutboxRepo
from storage.values import JobStatus, Outcome

log = logging.getLogger(__name__)

EDIT_INTERVAL = 3.0  # seconds between edits of a progress message
SEND_TRIES = 5


def cancel_keyboard(t: Texts, job_id: int) -> InlineKeyboardMarkup:
    return column(button(t.plain("delivery.cancel"), JobCb(action="cancel", job_id=job_id)))


@dataclass(eq=False)
class Progress:
    bot: Bot
    repo: OutboxRepo
    texts_of: TextsOf
    clock: Clock
    rate: float
    interval: float = EDIT_INTERVAL
    _watchers: dict[int, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _last_text: dict[int, str] = field(default_factory=dict, init=False)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False)
    _reported: set[int] = field(default_factory=set, init=False)

    def _lock(self, job_id: int) -> asyncio.Lock:
        """One at a time per job: showing the progress message, and the report."""
        return self._locks.setdefault(job_id, asyncio.Lock())

    async def begin(self, job_id: int, chat_id: int) -> None:
        """Send the progress message for a job that has started, and keep it current. The
        chat is noted first: if Telegram refuses the message now, it is tried again while
        the job runs, and the report goes out as a new message in the end."""
        await self.repo.set_progress_message(job_id, chat_id, None)
        async with self._lock(job_id):  # the report waits until the message is there (or not)
            job = await self.repo.get(job_id)
            if job is None:
                return
            await self._show(job)
        job = await self.repo.get(job_id)
        if job is not None and job.status is not JobStatus.RUNNING:
            await self.finished(job_id)  # it finished before the message was there
        else:
            self.watch(job_id)

    async def _show(self, job: Job) -> bool:
        """Send the progress message (a few tries); True once it is there."""
        chat_id = job.progress_chat_id
        if chat_id is None:
            return False
        t = await self.texts_of(chat_id)
        text = await self._progress_text(t, job)
        message = await self._send(job.id, chat_id, text, cancel_keyboard(t, job.id))
        if message is None:
            return False
        await self.repo.set_progress_message(job.id, chat_id, message)
        self._last_text[job.id] = text
        return True

    async def _send(
        self, job_id: int, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> int | None:
        """A new message to the staff member, retried like every other send: after
        Telegram's retry_after, or a growing pause after a network or server error."""
        pause = 1.0
        for _ in range(SEND_TRIES):
            try:
                return (await self.bot.send_message(chat_id, text, reply_markup=markup)).message_id
            except TelegramRetryAfter as error:
                await self.clock.sleep(error.retry_after)
            except (TelegramNetworkError, TelegramServerError) as error:
                log.info("progress of job %s not shown yet: %s", job_id, error)
                await self.clock.sleep(pause)
                pause *= 2
            except TelegramAPIError as error:
                log.warning("could not show progress of job %s: %s", job_id, error)
                return None
        return None

    def watch(self, job_id: int) -> None:
        if job_id not in self._watchers:
            self._watchers[job_id] = asyncio.create_task(self._watch(job_id))

    async def resume(self) -> None:
        """After a restart: keep editing the progress of jobs still running, and show the
        reports of jobs that finished just before the stop."""
        for job in await self.repo.running():
            if job.progress_chat_id is not None:
                self.watch(job.id)
        for job in await self.repo.unreported():
            await self.finished(job.id)

    async def stop(self) -> None:
        for task in self._watchers.values():
            task.cancel()
        await asyncio.gather(*self._watchers.values(), return_exceptions=True)
        self._watchers.clear()

    async def _watch(self, job_id: int) -> None:
        while True:
            await self.clock.sleep(self.interval)
            job = await self.repo.get(job_id)
            if job is None or job.status is not JobStatus.RUNNING:
                return
            if job.progress_message_id is None:
                await self._show(job)  # it could not be sent at the start
            else:
                await self._edit(job, final=False)

    async def finished(self, job_id: int) -> None:
        """The report: delivered, blocked, failed, cancelled, time taken."""
        watcher = self._watchers.pop(job_id, None)
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
        async with self._lock(job_id):
            if job_id in self._reported:
                return
            job = await self.repo.get(job_id)
            if job is not None and job.progress_chat_id is not None:
                await self._edit(job, final=True)
                await self.repo.mark_reported(job_id, now=self.clock.now())
                self._reported.add(job_id)
        self._last_text.pop(job_id, None)

    async def _progress_text(self, t: Texts, job: Job) -> str:
        counts = await self.repo.counts(job.id)
        done = job.total - counts[Outcome.PENDING]
        elapsed = (self.clock.now() - (job.started_at or self.clock.now())).total_seconds()
        speed = done / elapsed if elapsed > 1 and done else self.rate
        left = counts[Outcome.PENDING] / max(speed, 0.001)
        return t(
            "delivery.progress",
            done=done,
            total=job.total,
            left=timedelta(seconds=max(1, round(left))) if counts[Outcome.PENDING] else None,
        )

    async def _report_text(self, t: Texts, job: Job) -> str:
        counts = await self.repo.counts(job.id)
        finished = job.finished_at or self.clock.now()
        took = finished - (job.started_at or finished)
        return t(
            "delivery.report",
            cancelled_job=job.status is JobStatus.CANCELLED,
            total=job.total,
            sent=counts[Outcome.SENT],
            blocked=counts[Outcome.BLOCKED],
            failed=counts[Outcome.FAILED],
            cancelled=counts[Outcome.CANCELLED],
            took=took if took >= timedelta(seconds=1) else timedelta(seconds=1),
        )

    async def _edit(self, job: Job, *, final: bool) -> None:
        if job.progress_chat_id is None:
            return
        t = await self.texts_of(job.progress_chat_id)
        text = await (self._report_text(t, job) if final else self._progress_text(t, job))
        if job.progress_message_id is None:  # never shown: the report comes as it is
            if final:
                await self._send(job.id, job.progress_chat_id, text, None)
            return
        if text == self._last_text.get(job.id):
            return
        self._last_text[job.id] = text
        markup = None if final else cancel_keyboard(t, job.id)
        for _ in range(3):
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=job.progress_chat_id,
                    message_id=job.progress_message_id,
                    reply_markup=markup,
                )
                return
            except TelegramRetryAfter as error:
                await self.clock.sleep(error.retry_after)
            except TelegramBadRequest as error:
                if "not modified" in error.message:
                    return
                log.info("progress of job %s not updated: %s", job.id, error)
                break
            except TelegramAPIError as error:
                log.info("progress of job %s not updated: %s", job.id, error)
                break
        if final:  # the report matters: send it fresh if the old message is gone
            await self._send(job.id, job.progress_chat_id, text, None)
