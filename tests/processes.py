"""The real bot as a process of its own against the fake Bot API (the `process` tests and
the benchmarks): its environment, its start, and a staff member driving it by chat."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, TOKEN

BOT_RUN = (sys.executable, "-m", "bot", "run")


def host_env() -> dict[str, str]:
    """The few variables of this process that a child process needs (PATH, HOME, LANG)."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}


def bot_env(db: Path, api_base: str, **settings: str) -> dict[str, str]:
    """The environment of `python -m bot run` against the fake Bot API: `host_env()`, the
    test token, the owner as admin, and `settings` on top."""
    return {
        **host_env(),
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": str(OWNER),
        "DATABASE_PATH": str(db),
        "TELEGRAM_API_BASE": api_base,
        **settings,
    }


async def start_process(
    tg: FakeTelegram,
    env: dict[str, str],
    cwd: Path,
    command: Sequence[str] = BOT_RUN,
    *,
    stdout: int | None = None,
    stderr: int | None = None,
    timeout: float = 30,  # noqa: ASYNC109 (a child's start, not a block to time)
) -> asyncio.subprocess.Process:
    """`command` (the bot by default) started; returns once it has polled the fake once
    more than before (a restart too). Killed if it has not polled within `timeout` seconds."""
    polls = len(tg.calls_of("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=env, stdout=stdout, stderr=stderr
    )
    try:
        await tg.wait_calls(lambda c: c.method == "getUpdates", polls + 1, timeout=timeout)
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process


async def answered(
    tg: FakeTelegram,
    user: FakeUser,
    words: str,
    timeout: float = 15,  # noqa: ASYNC109 (passed on to the fake's wait)
) -> None:
    """Until the bot (in its own process) has shown `user` a message containing `words`."""
    await tg.wait_for(
        lambda c: c.chat_id == user.id and c.ok and words in (c.text or ""), timeout=timeout
    )


async def broadcast_to_everyone(
    tg: FakeTelegram,
    owner: FakeUser,
    text: str,
    summary: str,
    timeout: float = 15,  # noqa: ASYNC109 (for each reply)
) -> None:
    """`owner` writes a broadcast of `text` to all subscribers, up to the summary before
    sending, which contains `summary`."""
    await owner.send("/broadcast", wait=False)
    await answered(tg, owner, "Новая рассылка", timeout)
    await owner.send(text, wait=False)
    await answered(tg, owner, "Кому отправить", timeout)
    await owner.press("👥 Всем подписчикам", wait=False)
    await answered(tg, owner, summary, timeout)
