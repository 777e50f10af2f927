"""A real process killed with SIGKILL mid-broadcast, then started again on the same database."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.app import App
from storage.people import TelegramUser
from tests.conftest import SettingsFactory
from tests.fake_telegram import FakeTelegram
from tests.processes import bot_env, broadcast_to_everyone, start_process
from tests.support import OWNER

pytestmark = pytest.mark.process

SUBSCRIBERS = range(8001, 8301)


async def start_bot(tg: FakeTelegram, db: Path, cwd: Path) -> asyncio.subprocess.Process:
    env = bot_env(db, tg.base_url, BROADCAST_RATE="60")
    devnull = asyncio.subprocess.DEVNULL
    return await start_process(tg, env, cwd, stdout=devnull, stderr=devnull)


def delivered(tg: FakeTelegram) -> Counter[int]:
    return Counter(
        c.chat_id or 0
        for c in tg.calls_of("copyMessage")
        if c.ok and not c.params.get("disable_notification")
    )


async def test_kill_mid_broadcast_resumes_without_losing_or_repeating(
    tg: FakeTelegram, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    world = App(make_settings(database_path=db))
    await world.setup()
    for person_id in (OWNER, *SUBSCRIBERS):
        tg.user(person_id, first_name=f"P{person_id}")
        await world.services.people.register(TelegramUser(id=person_id, first_name="P"))
    await world.close()

    owner = tg.user(OWNER)
    process = await start_bot(tg, db, tmp_path)
    try:
        await broadcast_to_everyone(
            tg, owner, "Итоги информационного обмена опубликованы.", "Получателей: 301"
        )
        await owner.press("✅ Отправить сейчас", wait=False)
        await tg.wait_for(lambda c: len(delivered(tg)) >= 100, timeout=30)
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    before_kill = delivered(tg)
    with sqlite3.connect(db) as conn:
        recorded = {
            row[0] for row in conn.execute("SELECT chat_id FROM deliveries WHERE status = 'sent'")
        }
    assert 100 <= sum(before_kill.values()) < 301, "the kill came too late to prove anything"

    process = await start_bot(tg, db, tmp_path)
    try:
        report = await tg.wait_for(
            lambda c: c.method == "editMessageText" and "Рассылка завершена" in (c.text or ""),
            timeout=30,
        )
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    counts = delivered(tg)
    assert set(counts) == {OWNER, *SUBSCRIBERS}, "somebody never got the message"
    twice = {chat for chat, n in counts.items() if n > 1}
    in_flight = sum(before_kill.values()) - len(recorded)
    assert not twice & recorded, "a message recorded as sent went out again"
    assert len(twice) <= in_flight
    assert all(n <= 2 for n in counts.values())
    assert "Доставлено: 301 из 301" in (report.text or "")
