"""Send pacing: one limit for every message the bot sends, one message a second per chat.

Telegram counts every message toward a bot's rate, not only broadcasts. Mass sends take
evenly spaced slots (`Pacer.turn`); everything else the bot sends (replies, notices) goes
out at once but is counted (`CountEverySend`), and the next slots wait so that no
one-second window holds more than the rate allows.

A send reserves its slot at once (no lock, no await in between) and sleeps until it, so
many sends wake in one turn of the event loop: at 1 000 messages a second, handing one
lock from send to send held the rate near the loop's own pace.

Telegram counts a send when the request reaches it, somewhere between the moment we start
it and the moment its reply comes back. A send whose round trip took longer than the
fastest recent one may have reached Telegram that much later than it started; beyond the
room the window leaves anyway (`JITTER`), it counts from then. So a request held up on the
way (a busy loop, a slow connection) cannot let the send a second later crowd Telegram's
window, while a steady latency, or the usual few milliseconds of jitter, costs no speed.
At 1 000/s, counting from the start alone, one request delayed by 20 ms cost a 429 and a
second's pause in about half of the 10 000-recipient runs.
"""

from __future__ import annotations

import bisect
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
# A 429 although the window was kept means Telegram's clock saw our sends bunched (its own
# jitter, or ours): the room left doubles after each one, up to this, and halves again
# after a minute without one.
JITTER_MAX = 0.08
JITTER_RELAX = 60.0
LATE = 0.001  # a send this much later than its slot is counted at its real time
# The fastest round trip of the sends finished in this many seconds is the usual latency.
ROUND_TRIPS = 5.0
# Slots are reserved at most this far ahead (or two intervals, at low rates): a slot taken
# long before it comes cannot know about a reply or a late send in between.
HORIZON = 0.025
EPSILON = 1e-6

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
        self.horizon = max(HORIZON, 2 * self.interval)
        self._next = 0.0
        self._paused_until = 0.0
        self.jitter = JITTER
        self._jitter_since = 0.0
        self._recent: list[float] = []  # sends and reserved slots, sorted
        self._chat_last: dict[int, float] = {}
        # (finished at, round trip) of recent sends, round trips rising: the first is the
        # fastest (a sliding minimum)
        self._trips: deque[tuple[float, float]] = deque()

    def _now(self) -> float:
        return self.clock.monotonic()

    def _window_opens(self, now: float) -> float:
        gone = bisect.bisect_right(self._recent, now - WINDOW)
        if gone:
            del self._recent[:gone]
        if len(self._recent) < self.limit:
            return now
        if self.jitter > JITTER and now - self._jitter_since > JITTER_RELAX:
            self.jitter = max(JITTER, self.jitter / 2)
            self._jitter_since = now
        return self._recent[-self.limit] + WINDOW + self.jitter

    def _reserve(self, now: float) -> float:
        """The next free slot, taken (reserved slots count in the window)."""
        at = max(now, self._next, self._paused_until, self._window_opens(now))
        self._next = max(at, now - self.catch_up) + self.interval
        self._recent.append(at)  # slots only move forward: the list stays sorted
        return at

    def _release(self, at: float) -> None:
        i = bisect.bisect_left(self._recent, at)
        if i < len(self._recent) and self._recent[i] == at:  # else already out of the window
            del self._recent[i]

    def _restamp(self, stamp: float, started: float) -> None:
        """A send finished: it counts from as late as it may have reached Telegram (see the
        module's docstring)."""
        now = self._now()
        trip = now - started
        trips = self._trips
        while trips and trips[-1][1] >= trip:
            trips.pop()
        trips.append((now, trip))
        while trips[0][0] < now - ROUND_TRIPS:
            trips.popleft()
        # the room left in the window (`jitter`) already covers a delay up to its size
        late = started + trip - trips[0][1] - self.jitter
        if late > stamp + LATE:
            self._release(stamp)
            bisect.insort(self._recent, late)

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
        while True:
            now = self._now()
            ahead = self._next - now - self.horizon
            if ahead > EPSILON:  # (a rounding error is not worth a nap that moves no clock)
                await self.clock.sleep(ahead)
                continue
            at = self._reserve(now)
            if at > now:
                await self.clock.sleep(at - now)
            now = self._now()
            if self._paused_until <= now:
                break
            self._release(at)  # a 429 came while we waited: a new slot after the pause
        if now - at > LATE:
            # Woken late (a busy loop): the window counts when the send really goes, or
            # the slots taken a second from now would crowd Telegram's window.
            self._release(at)
            bisect.insort(self._recent, now)
            at = now
        self._chat_last[chat_id] = max(self._chat_last.get(chat_id, now), now)
        token = _in_turn.set(True)
        try:
            yield
        finally:
            _in_turn.reset(token)
            self._restamp(at, now)

    @asynccontextmanager
    async def counted(self) -> AsyncIterator[None]:
        """A message sent outside `turn` (a reply): it uses up room in the window."""
        if _in_turn.get():
            yield
            return
        stamp = self._now()
        bisect.insort(self._recent, stamp)  # before slots reserved ahead
        try:
            yield
        finally:
            self._restamp(stamp, stamp)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends for `seconds`, and more room is left in the
        window for a while (once per pause, however many sends were refused)."""
        now = self._now()
        if self._paused_until <= now:
            self.jitter = min(JITTER_MAX, self.jitter * 2)
            self._jitter_since = now
        self._paused_until = max(self._paused_until, now + seconds)

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
        if method.__api_method__ not in SENDING_METHODS:
            return await make_request(bot, method)
        async with self.pacer.counted():
            return await make_request(bot, method)
