"""Fixtures: a fake Telegram, settings pointing at it, and the real bot run against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.settings import Settings, load_settings
from tests.fake_telegram import FakeTelegram
from tests.support import OWNER, TOKEN, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
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
