"""The one source of "now" and of waiting: services ask the clock, so tests can move time.

Two kinds of time: `now()` is the calendar (due times, deadlines, what a person reads);
`monotonic()`, `sleep()` and `wait()` measure and wait out intervals (send pacing, 429
pauses, retry naps, polling). A test clock keeps both virtual, so nothing waits for real.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds on a clock that only moves forward (the event loop's)."""
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `event` is set (True) or `timeout` seconds have passed (False)."""
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return event.is_set()
