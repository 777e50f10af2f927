"""Constants and helpers shared by the tests: the test clock, the bot's test session, and
steps that several test modules take the same way."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession

from bot.clock import Clock
from storage.people import TelegramUser

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import TelegramType

    from bot.app import App
    from tests.fake_telegram import FakeTelegram, FakeUser

TOKEN = "123456789:TEST-token-for-the-fake-telegram-server"
OWNER = 100  # in ADMIN_IDS
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# Turns of the event loop with nothing to run before virtual time may jump: each turn polls
# the sockets once, so bytes already on their way between the bot and the fake are read.
CALM_TURNS = 3


class ManualClock(Clock):
    """A clock the test moves by hand, with virtual time for every wait.

    The calendar (`now()`) moves only when the test says so (`advance`, `moment = ...`).
    Waits (`sleep`, `wait`: send pacing, 429 pauses, progress edits, retry naps) run on a
    virtual `monotonic()` instead of the wall clock: it jumps straight to the earliest
    wake-up once the program has nothing else to do, that is when no callback is ready to
    run and nothing marked `busy` is under way (a request of the bot to the fake server, a
    database call, a worker thread: see tests/conftest.py). So a one-second pause costs no
    wall-clock time, yet everything in the program happens in the order and at the
    (virtual) moments it would in real time. The fake server stamps calls and enforces its
    rate limits on the same virtual time, so tests assert pacing against it.
    """

    def __init__(self, now: datetime = START) -> None:
        self.moment = now
        self._virtual = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._driver: asyncio.Task[None] | None = None

    # --- the calendar ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta

    # --- virtual time ----------------------------------------------------------------------

    def monotonic(self) -> float:
        return self._virtual

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self._virtual + seconds, next(self._order), woken))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive(), name="virtual-time")
        await woken  # cancelling the sleep cancels `woken`; the driver skips it

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        if event.is_set():
            return True
        waiter = asyncio.ensure_future(event.wait())
        nap = asyncio.ensure_future(self.sleep(timeout))
        try:
            await asyncio.wait({waiter, nap}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            nap.cancel()
        return event.is_set()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Virtual time stands still while this block runs (work that takes real time).

        Only work on the tests' own thread counts: a command line run by the test in a
        worker thread has an event loop of its own, which this clock does not drive."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._begin()
        try:
            yield
        finally:
            self._end()

    def busy_until(self, future: asyncio.Future[Any]) -> None:
        """Virtual time stands still until `future` is done (a worker thread's job)."""
        if threading.current_thread() is threading.main_thread():
            self._begin()
            future.add_done_callback(lambda _: self._end())

    def _begin(self) -> None:
        self._busy += 1
        self._quiet.clear()

    def _end(self) -> None:
        self._busy -= 1
        if not self._busy:
            self._quiet.set()

    async def _drive(self) -> None:
        """Wake the sleepers in order of their wake-up times, each once all is calm."""
        while True:
            await self._settle()
            self._sleepers = [s for s in self._sleepers if not s[2].done()]
            if not self._sleepers:
                return
            heapq.heapify(self._sleepers)
            self._virtual = max(self._virtual, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self._virtual:
                woken = heapq.heappop(self._sleepers)[2]
                if not woken.done():
                    woken.set_result(None)

    async def _settle(self) -> None:
        """Until the event loop has nothing to run and nothing marked busy is under way."""
        ready = getattr(asyncio.get_running_loop(), "_ready", None)  # CPython's run queue
        calm = 0
        while calm < CALM_TURNS:
            if self._busy:
                await self._quiet.wait()
                calm = 0
                continue
            await asyncio.sleep(0)
            calm = 0 if self._busy or ready else calm + 1


class FastAiohttpSession(AiohttpSession):
    """AiohttpSession without the 250 ms grace sleep on close (no TLS on 127.0.0.1)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def session_for(clock: ManualClock) -> type[AiohttpSession]:
    """The bot's session in tests: no close sleep, and each request to the fake server marks
    `clock` busy (long polls excepted: they wait for the test, not for the fake)."""

    class TrackedSession(FastAiohttpSession):
        async def make_request(
            self,
            bot: Bot,
            method: TelegramMethod[TelegramType],
            timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
        ) -> TelegramType:
            if method.__api_method__ == "getUpdates":
                return await super().make_request(bot, method, timeout)
            with clock.busy():
                return await super().make_request(bot, method, timeout)

    return TrackedSession


async def tries_staff_command(
    person: FakeUser, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`person`, not staff, sends the staff `command` after /start and is answered as for a
    command that does not exist (the warning it logs is left to the caller to check)."""
    await person.send("/start")
    await person.send("/nosuchcommand")
    unknown = person.last_text()
    with caplog.at_level(logging.WARNING):
        await person.send(command)
    assert person.last_text() == unknown


async def add_people(
    app: App, tg: FakeTelegram, ids: list[int], name: str = "Участник"
) -> list[FakeUser]:
    """People who sent /start (every topic), registered through the bot's own service;
    each is called `name` followed by their id."""
    users = []
    for person_id in ids:
        users.append(tg.user(person_id, first_name=f"{name}{person_id}"))
        await app.services.people.register(
            TelegramUser(id=person_id, first_name=f"{name}{person_id}", language_code="ru")
        )
    return users


async def add_staff(
    tg: FakeTelegram,
    owner: FakeUser,
    person_id: int,
    first_name: str = "Пётр",
    username: str | None = None,
) -> FakeUser:
    """A member of staff: the owner sends /staff add for them, then they send /start."""
    staff = tg.user(person_id, first_name=first_name, username=username)
    await owner.send(f"/staff add {person_id}")
    await staff.send("/start")
    return staff
