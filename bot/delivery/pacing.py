"""Send pacing: one limit for every message the bot sends, one message a second per chat.

Telegram counts every message toward a bot's rate, not only broadcasts. Mass sends take
evenly spaced slots (`Pacer.turn`); everything else the bot sends (replies, notices) goes
out at once but is counted (`CountEverySend`), and the next slots wait so that no
one-second window holds more than the rate allows.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods.base import TelegramType

from bot.clock import Clock

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

# A send that starts late lets the next ones catch up by this share of an interval (or
# 5 ms, at high rates), so the average rate holds without sends bunching up.
CATCH_UP = 0.25
CATCH_UP_MIN = 0.005
WINDOW = 1.0
# Room left at the edge of the window: spaced at exactly the limit, a few milliseconds of
# jitter would put one send too many into Telegram's one-second window (measured: 9 429s
# in 300 sends at 30/s against a 30/s limit without it, none with it).
JITTER = 0.01

SENDING_METHODS = frozenset(
    {
        "sendMessage", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
        "sendDocument", "sendPhoto", "sendMediaGroup", "sendVideo", "sendAudio", "sendVoice",
        "sendAnimation", "sendSticker", "sendVideoNote", "sendLocation", "sendContact",
        "sendPoll", "sendDice", "sendVenue",
    }
)  # fmt: skip

_in_turn: ContextVar[bool] = ContextVar("in_paced_turn", default=False)


class Pacer:
    def __init__(
        self, rate: float, per_chat_interval: float = 1.0, *, clock: Clock | None = None
    ) -> None:
        self.clock = clock or Clock()
        self.interval = 1.0 / rate
        self.catch_up = max(CATCH_UP * self.interval, CATCH_UP_MIN)
        self.limit = max(1, math.floor(rate))  # sends in any one-second window
        self.per_chat_interval = per_chat_interval
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._recent: deque[float] = deque()
        self._chat_last: dict[int, float] = {}

    def _now(self) -> float:
        return self.clock.monotonic()

    def _window_opens(self, now: float) -> float:
        while self._recent and self._recent[0] <= now - WINDOW:
            self._recent.popleft()
        if len(self._recent) < self.limit:
            return now
        return self._recent[-self.limit] + WINDOW + JITTER

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for this chat's spacing and the next global slot; send inside the block."""
        # Reserve this chat's next moment before waiting, so two sends to one chat that
        # arrive together are spaced too.
        now = self._now()
        last = self._chat_last.get(chat_id)
        mine = now if last is None else max(now, last + self.per_chat_interval)
        self._chat_last[chat_id] = mine
        if mine > now:
            await self.clock.sleep(mine - now)
        async with self._lock:
            while True:
                now = self._now()
                at = max(now, self._next, self._paused_until, self._window_opens(now))
                if at > now:
                    await self.clock.sleep(at - now)
                now = self._now()
                if self._paused_until <= now and self._window_opens(now) <= now:
                    break  # a pause or other sends came up while we waited
            self._next = max(at, now - self.catch_up) + self.interval
            self._recent.append(now)
        self._chat_last[chat_id] = max(self._chat_last.get(chat_id, now), now)
        token = _in_turn.set(True)
        try:
            yield
        finally:
            _in_turn.reset(token)

    def count(self) -> None:
        """A message sent outside `turn` (a reply): it uses up room in the window."""
        if not _in_turn.get():
            self._recent.append(self._now())

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends for `seconds`."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def forget_idle_chats(self) -> None:
        """Drop per-chat times that no longer matter (keeps memory flat on big sends)."""
        horizon = self._now() - self.per_chat_interval
        if len(self._chat_last) > 4096:
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}


class CountEverySend(BaseRequestMiddleware):
    """Session middleware: every message the bot sends counts against the pacer."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ in SENDING_METHODS:
            self.pacer.count()
        return await make_request(bot, method)
