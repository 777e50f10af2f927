"""What the benchmarks that run the real bot process share: the people seeded straight into
its database, and the environment it starts with."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from tests import processes
from tests.support import OWNER, START


async def seed_subscribers(
    database: Database, first: int, count: int, *, language: str, topic: str
) -> None:
    """The owner and `count` people from id `first` on, all subscribed to `topic` (the
    benchmarks measure the bot at work, not /start)."""
    stamp = START.isoformat(timespec="seconds")
    people = [(OWNER, "Owner"), *((first + i, f"P{i}") for i in range(count))]
    await database.executemany(
        "INSERT INTO people (id, first_name, tg_language, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(pid, name, language, stamp, stamp) for pid, name in people],
    )
    await database.executemany(
        "INSERT INTO subscriptions (person_id, topic) VALUES (?, ?)",
        [(pid, topic) for pid, _ in people],
    )


def bot_env(db: Path, api_base: str, **settings: str) -> dict[str, str]:
    """The environment of `python -m bot run` in the tests (tests/processes.py), logging
    only warnings, with `settings` on top."""
    return processes.bot_env(db, api_base, LOG_LEVEL="WARNING", **settings)
