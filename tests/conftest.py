"""Fixtures: a fake Telegram, settings pointing at it, and the real bot run against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

import bot.app
from bot.app import App
from bot.settings import Settings, load_settings
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, TOKEN, FastAiohttpSession, ManualClock, session_for


@pytest.fixture(autouse=True)
def fast_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bot built in the tests (App, the command line) closes its session at once."""
    monkeypatch.setattr(bot.app, "AiohttpSession", FastAiohttpSession)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, fast_session: None) -> ManualClock:
    """The bot's clock in the tests: the calendar moved by hand, waits in virtual time.

    Virtual time jumps only while nothing is under way; what takes real time outside the
    event loop is marked busy here: the bot's requests to the fake server, database calls
    (aiosqlite runs each on its own thread) and worker threads (asyncio.to_thread).
    """
    clock = ManualClock()
    monkeypatch.setattr(bot.app, "AiohttpSession", session_for(clock))

    execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def execute_busy(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with clock.busy():
            return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", execute_busy)

    run_in_executor = asyncio.BaseEventLoop.run_in_executor

    def run_in_executor_busy(
        loop: asyncio.BaseEventLoop, executor: Any, func: Any, *args: Any
    ) -> asyncio.Future[Any]:
        future = run_in_executor(loop, executor, func, *args)
        clock.busy_until(future)
        return future

    monkeypatch.setattr(asyncio.BaseEventLoop, "run_in_executor", run_in_executor_busy)
    return clock


@pytest.fixture
async def tg(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    """The fake Telegram server. It stamps calls and limits rates on the test clock's
    virtual time; for a bot in its own process (marked `process`), on the wall clock."""
    real_time = request.node.get_closest_marker("process") is not None
    async with FakeTelegram(monotonic=None if real_time else clock.monotonic) as fake:
        yield fake


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tg: FakeTelegram, db_path: Path) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "_env_file": None,
            "bot_token": TOKEN,
            "admin_ids": str(OWNER),
            "database_path": db_path,
            "telegram_api_base": tg.base_url,
            "maintenance_time": "off",  # tests that want the daily maintenance turn it on
        }
        values.update(overrides)
        return load_settings(Settings, **values)

    return make


RunBot = Callable[..., AbstractAsyncContextManager[App]]


@pytest.fixture
def run_bot(tg: FakeTelegram, make_settings: SettingsFactory, clock: ManualClock) -> RunBot:
    """`async with run_bot() as app:` runs the real bot (long polling) against the fake.

    Inside, `await tg.user(1001).send(...)` returns once the bot has handled the update.
    Leaving the block stops the bot gracefully; a second block is a restart on the same
    database.
    """

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[App]:
        app = App(make_settings(**overrides), clock=clock)
        await app.setup()
        polling = asyncio.create_task(app.run_polling(handle_signals=False))
        tg.on_delivered = app.tracker.wait_handled
        await asyncio.wait(
            {polling, asyncio.create_task(app.started.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
        if polling.done():
            await polling  # start-up failed: raise its error
        try:
            yield app
        finally:
            tg.on_delivered = None
            app.stop()
            await polling
            await app.close()

    return run


@pytest.fixture
def owner(tg: FakeTelegram) -> FakeUser:
    """The owner (in ADMIN_IDS), as the tests name her."""
    return tg.user(OWNER, first_name="Ольга")


@pytest.fixture
def ivan(tg: FakeTelegram) -> FakeUser:
    """A person who is not staff, the tests' usual would-be city contact."""
    return tg.user(1001, first_name="Иван")


def opened_with(run_bot: RunBot, opening: Callable[[App], Awaitable[object]]) -> RunBot:
    """`run_bot` whose block starts with `opening(app)` done (the tests' common openings)."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[App]:
        async with run_bot(**overrides) as app:
            await opening(app)
            yield app

    return run


@pytest.fixture
def run_owned(run_bot: RunBot, owner: FakeUser) -> RunBot:
    """`run_bot` whose block starts with the owner's /start handled (the staff tests' opening)."""
    return opened_with(run_bot, lambda _: owner.send("/start"))


@pytest.fixture
def run_ivan(run_bot: RunBot, ivan: FakeUser) -> RunBot:
    """`run_bot` whose block starts with Ivan's /start handled (the member tests' opening)."""
    return opened_with(run_bot, lambda _: ivan.send("/start"))
