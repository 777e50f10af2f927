"""Constants and helpers shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import Clock

TOKEN = "123456789:TEST-token-for-the-fake-telegram-server"
OWNER = 100  # in ADMIN_IDS
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class ManualClock(Clock):
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta
