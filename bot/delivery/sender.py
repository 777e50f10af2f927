"""The sender: the one task that drains the outbox, within Telegram's limits.

- Global pace `BROADCAST_RATE` (evenly spaced), one message a second per chat, at most
  `concurrency` requests in flight.
- 429: every send pauses for `retry_after`, then the message is retried.
- 403 (blocked, deactivated, kicked): the recipient is counted as blocked and the person
  marked inactive. 400 (chat not found, ...): failed, not retried.
- Network error or 5xx: retried with exponential backoff (the next attempt time is stored),
  failed after `max_attempts`. Nothing that was sent is sent again.

Nothing is written before a send: rows being sent are only kept in memory (`claimed`)
and their results are stored in small batches. A kill leaves them pending, so they are
sent after a restart; only the ones in flight at the kill can reach someone twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, Message, MessageId

from bot.clock import Clock
from bot.delivery.pacing import Pacer
from bot.delivery.parts import CopyPart, DocumentPart, Part, PhotoPart, Renderers, TextPart
from bot.texts import TextCatalog, Texts
from storage.files import FileRepo
from storage.outbox import Job, OutboxRepo, Pending, Result
from storage.values import JobStatus, Outcome

log = logging.getLogger(__name__)

Finished = Callable[[int], Awaitable[None]]
FREE_RATE = 30.0  # messages a second Telegram allows a bot without paid broadcasts
MIN_WAIT = 0.05  # seconds: the shortest nap of an idle sender
PAUSE_UNAUTHORIZED = 60.0  # seconds: Telegram refused the token (revoked?); try again later


@dataclass(frozen=True, slots=True)
class SenderConfig:
    rate: float = 25.0
    concurrency: int = 32
    batch: int = 256
    per_chat_interval: float = 1.0
    max_attempts: int = 5
    backoff: float = 2.0  # seconds before the 2nd attempt; doubles each time
    flush_interval: float = 0.05
    flush_size: int = 64
    idle_poll: float = 1.0
    paid: bool = False  # allow_paid_broadcast on every send (above Telegram's free 30/s)

    @classmethod
    def for_rate(cls, rate: float) -> SenderConfig:
        """Above the free limit the sends are paid broadcasts, with more of them in flight
        (a send takes tens of milliseconds: 1 000/s needs dozens at once)."""
        if rate <= FREE_RATE:
            return cls(rate=rate)
        return cls(rate=rate, paid=True, concurrency=max(32, int(rate * 0.1)))


class _Retry(Exception):
    """Network trouble on this send: try again later."""


class _Cancelled(Exception):
    """The job was cancelled while this message waited for its turn."""


class _Gone(Exception):
    """What the delivery refers to no longer exists: fail it, do not retry."""


def _file_id(message: Message) -> str | None:
    if message.document is not None:
        return message.document.file_id
    if message.photo:
        return message.photo[-1].file_id
    return None


class Sender:
    def __init__(
        self,
        bot: Bot,
        repo: OutboxRepo,
        files: FileRepo,
        renderers: Renderers,
        catalog: TextCatalog,
        clock: Clock,
        config: SenderConfig,
    ) -> None:
        self.bot = bot
        self.repo = repo
        self.files = files
        self.renderers = renderers
        self.catalog = catalog
        self.clock = clock
        self.config = config
        self.pacer = Pacer(config.rate, config.per_chat_interval, clock=clock)
        self._paid = True if config.paid else None  # None: the parameter is not sent at all
        self.on_finished: list[Finished] = []
        self.claimed: dict[int, int] = {}  # delivery id -> job id, while being sent
        self.cancelled_jobs: set[int] = set()
        self._jobs: dict[int, Job] = {}
        self._results: list[Result] = []
        self._slots = asyncio.Semaphore(config.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._flush_now = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._upload_locks: dict[str, asyncio.Lock] = {}
        self._file_ids: dict[str, str] = {}
        self._idle = asyncio.Event()
        self._flushed = asyncio.Event()
        self._reports: set[asyncio.Task[None]] = set()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._loop_task = asyncio.create_task(self._run(), name="outbox-sender")
        self._flush_task = asyncio.create_task(self._flusher(), name="outbox-flusher")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming; let sends in flight finish (up to `grace` s); store their results;
        let the after-delivery steps (reports) finish."""
        self._stopping.set()
        self._wake.set()
        self._flush_now.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._flush_task is not None:  # it stops by itself after a last flush
            await asyncio.gather(self._flush_task, return_exceptions=True)
        try:
            await self._flush()
        except Exception:
            log.exception("could not store the last delivery results")
        if self._reports:
            await asyncio.wait(self._reports, timeout=grace)

    def wake(self) -> None:
        """New work is in the outbox."""
        self._idle.clear()
        self._wake.set()

    def cancel_job(self, job_id: int) -> None:
        self.cancelled_jobs.add(job_id)

    def forget_job(self, job_id: int) -> None:
        """The job's payload was rewritten: read it again before the next send."""
        self._jobs.pop(job_id, None)

    async def settle(self, job_id: int, at_most: float = 5.0) -> None:
        """Until no message of this job is in flight and every result is stored (after a
        cancel, so the report counts the messages that were already on their way)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                while job_id in self.claimed.values() and not self._stopping.is_set():
                    await self._flushed.wait()

    async def wait_idle(self) -> None:
        """Until nothing is pending or in flight (used by tests and benchmarks)."""
        await self._idle.wait()

    # --- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._pass()
            except Exception:
                log.exception("the outbox sender stumbled; going on in a moment")
                await self.clock.sleep(self.config.idle_poll)

    async def _pass(self) -> None:
        """Claim a batch of due recipients and start their sends, or wait for work."""
        self._wake.clear()  # a wake() from now on is not lost
        rows = await self.repo.claim(self.config.batch, self.claimed, now=self.clock.now())
        if not rows:
            await self._when_idle()
            return
        for row in rows:
            await self._slots.acquire()
            if self._stopping.is_set():
                self._slots.release()
                return
            self.claimed[row.id] = row.job_id
            task = asyncio.create_task(self._deliver(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _when_idle(self) -> None:
        for job_id in await self.repo.finish_empty(now=self.clock.now()):
            self._finished(job_id)
        if not self.claimed and not self._results:
            self._idle.set()
            self._jobs.clear()
            self.cancelled_jobs.clear()
        timeout = self.config.idle_poll
        retry_at = await self.repo.next_retry_at(self.claimed)
        if retry_at is not None:
            wait = (retry_at - self.clock.now()).total_seconds()
            timeout = min(timeout, max(MIN_WAIT, wait))
        await self.clock.wait(self._wake, timeout)

    async def _job(self, job_id: int) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            job = await self.repo.get(job_id)
            if job is not None:
                self._jobs[job_id] = job
        return job

    async def _deliver(self, row: Pending) -> None:
        try:
            result = await self._attempt(row)
        except Exception as error:  # a bug (renderer, payload): never retry blindly
            log.exception("delivery %s to %s failed", row.id, row.chat_id)
            result = Result(row.id, row.chat_id, Outcome.FAILED, error=repr(error)[:500])
        finally:
            self._slots.release()
        self._results.append(result)
        if len(self._results) >= self.config.flush_size:
            self._flush_now.set()

    async def _attempt(self, row: Pending) -> Result:
        job = await self._job(row.job_id)
        if job is None or job.status is not JobStatus.RUNNING or row.job_id in self.cancelled_jobs:
            return Result(row.id, row.chat_id, Outcome.CANCELLED)
        texts = self.catalog.pick(row.language, row.tg_language)
        first_message_id: int | None = None
        sent = row.parts_sent
        while sent < len(self.renderers.parts(job.payload, texts)):
            try:
                message_id = await self._send(row, texts, sent)
            except _Cancelled:
                # cut between parts: what reached the person counts as sent
                outcome = Outcome.SENT if sent > row.parts_sent else Outcome.CANCELLED
                return Result(
                    row.id, row.chat_id, outcome, message_id=first_message_id, parts_sent=sent
                )
            except TelegramForbiddenError as error:
                return Result(row.id, row.chat_id, Outcome.BLOCKED, error=error.message)
            except (TelegramBadRequest, TelegramNotFound) as error:
                return Result(row.id, row.chat_id, Outcome.FAILED, error=error.message)
            except _Gone as error:
                return Result(row.id, row.chat_id, Outcome.FAILED, error=str(error))
            except _Retry as error:
                attempts = row.attempts + 1
                if attempts >= self.config.max_attempts:
                    outcome = Outcome.FAILED
                    next_at = None
                else:
                    outcome = Outcome.PENDING
                    delay = self.config.backoff * 2 ** (attempts - 1)
                    next_at = self.clock.now() + timedelta(seconds=delay)
                return Result(
                    row.id,
                    row.chat_id,
                    outcome,
                    message_id=first_message_id,
                    parts_sent=sent,
                    error=str(error)[:500],
                    next_attempt_at=next_at,
                )
            if first_message_id is None:
                first_message_id = message_id
            sent += 1
            job = await self._job(row.job_id) or job
        return Result(
            row.id, row.chat_id, Outcome.SENT, message_id=first_message_id, parts_sent=sent
        )

    async def _send(self, row: Pending, texts: Texts, index: int) -> int:
        """Part `index` of the row's message, retried through 429s; network trouble raises
        _Retry. It is rendered when its turn comes, so a payload rewritten while it waited
        (an edited event) goes out as it is now."""
        while True:
            async with self.pacer.turn(row.chat_id):
                job = await self._job(row.job_id)
                if job is None or row.job_id in self.cancelled_jobs:  # checked last thing
                    raise _Cancelled
                parts = self.renderers.parts(job.payload, texts)
                if index >= len(parts):
                    raise _Cancelled
                try:
                    return await self._call(row.chat_id, parts[index])
                except TelegramRetryAfter as error:
                    log.warning("Telegram asks to wait %s s (429)", error.retry_after)
                    self.pacer.pause(error.retry_after)
                except TelegramEntityTooLarge as error:  # retrying cannot make it smaller
                    raise _Gone(error.message) from error
                except (TelegramNetworkError, TelegramServerError, TimeoutError) as error:
                    raise _Retry(f"{type(error).__name__}: {error}") from error
                except TelegramUnauthorizedError:
                    # the token was revoked: nobody can be reached; wait, keep the rows pending
                    log.critical("Telegram refuses the bot token; sending paused")
                    self.pacer.pause(PAUSE_UNAUTHORIZED)

    async def _call(self, chat_id: int, part: Part) -> int:
        if isinstance(part, CopyPart):
            copied: MessageId = await self.bot.copy_message(
                chat_id=chat_id,
                from_chat_id=part.from_chat_id,
                message_id=part.message_id,
                reply_markup=part.reply_markup,
                allow_paid_broadcast=self._paid,
            )
            return copied.message_id
        if isinstance(part, TextPart):
            message: Message = await self.bot.send_message(
                chat_id, part.text, reply_markup=part.reply_markup, allow_paid_broadcast=self._paid
            )
            return message.message_id
        return await self._send_file(chat_id, part)

    async def _send_file(self, chat_id: int, part: DocumentPart | PhotoPart) -> int:
        file_id = self._file_ids.get(part.file_key)
        if file_id is not None:
            return await self._post_file(chat_id, part, file_id)
        lock = self._upload_locks.setdefault(part.file_key, asyncio.Lock())
        async with lock:  # the first send uploads; the others then reuse Telegram's file id
            file_id = self._file_ids.get(part.file_key)
            if file_id is not None:
                return await self._post_file(chat_id, part, file_id)
            stored = await self.files.get(part.file_key)
            if stored is None:
                raise _Gone(f"file {part.file_key} is not stored")
            if stored.telegram_file_id:
                self._file_ids[part.file_key] = stored.telegram_file_id
                return await self._post_file(chat_id, part, stored.telegram_file_id)
            upload = BufferedInputFile(stored.content, filename=stored.filename)
            message = await self._post(chat_id, part, upload)
            uploaded = _file_id(message)
            if uploaded:
                self._file_ids[part.file_key] = uploaded
                try:
                    await self.files.remember_file_id(part.file_key, uploaded)
                except Exception:  # it was delivered; the next start uploads once more
                    log.exception("could not remember the file id of %s", part.file_key)
            return message.message_id

    async def _post_file(self, chat_id: int, part: DocumentPart | PhotoPart, file_id: str) -> int:
        return (await self._post(chat_id, part, file_id)).message_id

    async def _post(
        self, chat_id: int, part: DocumentPart | PhotoPart, media: str | BufferedInputFile
    ) -> Message:
        post = self.bot.send_document if isinstance(part, DocumentPart) else self.bot.send_photo
        return await post(
            chat_id,
            media,
            caption=part.caption,
            reply_markup=part.reply_markup,
            allow_paid_broadcast=self._paid,
        )

    # --- results ----------------------------------------------------------------------------

    async def _flusher(self) -> None:
        while not self._stopping.is_set():
            await self.clock.wait(self._flush_now, self.config.flush_interval)
            self._flush_now.clear()
            try:
                await self._flush()
            except Exception:
                log.exception("could not store delivery results; keeping them for the next try")

    async def _flush(self) -> None:
        if not self._results:
            return
        batch, self._results = self._results, []
        try:
            finished = await self.repo.record(batch, now=self.clock.now())
        except BaseException:
            self._results[:0] = batch
            raise
        for result in batch:
            self.claimed.pop(result.delivery_id, None)
        self.pacer.forget_idle_chats()
        self._flushed.set()
        self._flushed = asyncio.Event()
        for job_id in finished:
            self._finished(job_id)

    def _finished(self, job_id: int) -> None:
        """Run the after-delivery steps (the report) on their own: a slow edit must not hold
        up storing results or claiming the next recipients."""
        self._jobs.pop(job_id, None)
        task = asyncio.create_task(self._after(job_id))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _after(self, job_id: int) -> None:
        for callback in self.on_finished:
            try:
                await callback(job_id)
            except Exception:
                log.exception("after-delivery step for job %s failed", job_id)
