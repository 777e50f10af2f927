"""A real process killed with SIGKILL mid-broadcast, then started again on the same database."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.app import App
from storage.people import TelegramUser
from tests.conftest import SettingsFactory
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, TOKEN

pytestmark = pytest.mark.process

SUBSCRIBERS = range(8001, 8301)


async def start_bot(tg: FakeTelegram, db: Path, cwd: Path) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": str(OWNER),
        "DATABASE_PATH": str(db),
        "TELEGRAM_API_BASE": tg.base_url,
        "BROADCAST_RATE": "60",
    }
    polls = len(tg.calls_of("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await tg.wait_calls(lambda c: c.method == "getUpdates", polls + 1, timeout=30)
    return process


async def answered(tg: FakeTelegram, user: FakeUser, words: str) -> None:
    """Until the bot has shown `user` a message containing `words`."""
    await tg.wait_for(
        lambda c: c.chat_id == user.id and c.ok and words in (c.text or ""), timeout=15
    )


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
        await owner.send("/broadcast", wait=False)
        await answered(tg, owner, "Новая рассылка")
        await owner.send("Итоги информационного обмена опубликованы.", wait=False)
        await answered(tg, owner, "Кому отправить")
        await owner.press("👥 Всем подписчикам", wait=False)
        await answered(tg, owner, "Получателей: 301")
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
