"""Send pacing: evenly spaced slots for the global rate, one message a second per chat."""

from __future__ import annotations

import asyncio


class Pacer:
    """At most `rate` sends per second, evenly spaced (no bursts, so a sliding one-second
    window never sees more than `rate` + 1). A 429 pauses every sender for `retry_after`."""

    def __init__(self, rate: float, per_chat_interval: float = 1.0) -> None:
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_last: dict[int, float] = {}

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def slot(self, chat_id: int) -> None:
        """Wait for this chat's spacing, then for a global slot (and out any pause)."""
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = last + self.per_chat_interval - self._now()
            if wait > 0:
                await asyncio.sleep(wait)
        while True:
            now = self._now()
            at = max(now, self._next, self._paused_until)
            self._next = at + self.interval
            if at > now:
                await asyncio.sleep(at - now)
            if self._paused_until <= self._now():
                break  # a pause that began while we slept sends us back into the queue
        self._chat_last[chat_id] = self._now()

    def pause(self, seconds: float) -> None:
        until = self._now() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next = max(self._next, self._paused_until)

    @property
    def paused(self) -> bool:
        return self._paused_until > self._now()

    def forget_idle_chats(self) -> None:
        """Drop per-chat times that no longer matter (keeps memory flat on big sends)."""
        horizon = self._now() - self.per_chat_interval
        if len(self._chat_last) > 4096:
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}
