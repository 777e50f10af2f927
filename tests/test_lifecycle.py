"""Restarts, graceful shutdown on SIGTERM, and the webhook run mode."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from tests.conftest import RunBot, SettingsFactory
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.processes import bot_env, start_process
from tests.support import TOKEN, ManualClock


async def test_dialog_continues_after_a_restart(
    owner: FakeUser, ivan: FakeUser, run_owned: RunBot, run_bot: RunBot
) -> None:
    async with run_owned():
        await ivan.send("/start")
        await ivan.send("/city")
        assert "Контактным лицом какого города" in ivan.last_text()
    async with run_bot() as app:  # same database, a new process state
        await ivan.send("Кострома")
        await ivan.send("Специалист")
    async with run_bot() as app:  # again: the position was kept
        await ivan.send("Администрация")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Кострома</b>.")
        assert "Кострома" in owner.last_message().plain_text
        assert await app.db.fetchval("SELECT count(*) FROM contact_requests") == 1


async def test_updates_handled_before_a_stop_are_not_handled_again(
    ivan: FakeUser, run_ivan: RunBot, run_bot: RunBot
) -> None:
    async with run_ivan():
        await ivan.send("/help")
    replies = len(ivan.messages())
    async with run_bot():
        await ivan.send("/cancel")
    assert len(ivan.messages()) == replies + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_checks_the_secret_token(
    tg: FakeTelegram, make_settings: SettingsFactory, clock: ManualClock
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings = make_settings(
        mode="webhook",
        webhook_url=url,
        webhook_secret="right-secret",
        webhook_host="127.0.0.1",
        webhook_port=port,
    )
    app = App(settings, clock=clock)
    await app.setup()
    serving = asyncio.create_task(app.run_webhook(handle_signals=False))
    tg.on_delivered = app.tracker.wait_handled
    try:
        await tg.wait_for(lambda call: call.method == "setWebhook")
        assert tg.webhook_url == url
        assert tg.webhook_secret == "right-secret"

        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")  # delivered by POST with the right secret
        assert ivan.last_text().startswith("Здравствуйте, Иван!")

        update = {
            "update_id": 999,
            "message": {
                "message_id": 50,
                "date": 0,
                "text": "/help",
                "chat": {"id": 1001, "type": "private", "first_name": "Иван"},
                "from": {"id": 1001, "is_bot": False, "first_name": "Иван"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        before = len(tg.sent_to(1001))
        async with aiohttp.ClientSession() as http:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 401
        # A refused request is answered before anything is handed to the dispatcher.
        assert len(tg.sent_to(1001)) == before
        assert app.tracker.last_update_id != 999
    finally:
        tg.on_delivered = None
        app.stop()
        await serving
        await app.close()


async def read_until(process: asyncio.subprocess.Process, marker: bytes) -> bytes:
    assert process.stdout is not None
    seen = b""
    while marker not in seen:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line, f"the process ended before printing {marker!r}: {seen.decode()}"
        seen += line
    return seen


@pytest.mark.process
async def test_sigterm_finishes_in_flight_work_and_exits_cleanly(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """A real process: SIGTERM while a reply is on its way; the reply completes, exit 0."""
    env = bot_env(tmp_path / "bot.sqlite3", tg.base_url)
    process = await start_process(
        tg, env, tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        gate = tg.hold("sendMessage")
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start", wait=False)
        await gate.reached()  # the bot is waiting for Telegram's answer
        process.send_signal(signal.SIGTERM)
        seen = await read_until(process, b"Received SIGTERM signal")
        assert process.returncode is None  # still finishing the reply
        gate.release()
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        output = seen + rest
        code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0, output.decode()
    assert ivan.last_text().startswith("Здравствуйте, Иван!")
    log = output.decode()
    assert "Traceback" not in log
    assert TOKEN not in log
    # The handled update was confirmed before exit, so a restart will not repeat it.
    assert tg.pending_updates() == []
