"""The pacer's window, on virtual time: what Telegram would count, not how we count."""

from __future__ import annotations

import asyncio
import bisect

from bot.delivery.pacing import Pacer
from tests.support import ManualClock


def most_in_one_second(stamps: list[float]) -> int:
    """The most sends a one-second sliding window (Telegram's, the fake's) ever holds."""
    stamps = sorted(stamps)
    return max(
        bisect.bisect_right(stamps, at) - bisect.bisect_right(stamps, at - 1.0) for at in stamps
    )


async def test_a_slow_request_cannot_crowd_the_window_a_second_later(
    clock: ManualClock,
) -> None:
    """Telegram may count a send as late as its reply comes. Counted from its start only,
    the eleventh send would go at 1,01 s, into a window already holding ten."""
    pacer = Pacer(10, per_chat_interval=0, clock=clock)
    counted: list[float] = []  # when Telegram counts each send, at the latest: its reply

    async def send(chat_id: int, takes: float) -> None:
        async with pacer.turn(chat_id):
            await clock.sleep(takes)
            counted.append(clock.monotonic())

    await asyncio.gather(send(1, 0.5), *(send(chat, 0.001) for chat in range(2, 41)))

    assert len(counted) == 40
    assert most_in_one_second(counted) <= 10
    assert max(counted) < 4.3  # still about ten a second


async def test_replies_sent_between_slots_count_too(clock: ManualClock) -> None:
    pacer = Pacer(10, per_chat_interval=0, clock=clock)
    counted: list[float] = []

    async def send(chat_id: int) -> None:
        async with pacer.turn(chat_id):
            await clock.sleep(0.001)
            counted.append(clock.monotonic())

    async def reply() -> None:
        async with pacer.counted():
            await clock.sleep(0.3)  # a slow reply, counted until it comes back
            counted.append(clock.monotonic())

    await asyncio.gather(reply(), *(send(chat) for chat in range(2, 31)))

    assert most_in_one_second(counted) <= 10


async def test_a_steady_latency_costs_no_speed(clock: ManualClock) -> None:
    """Every reply takes 0,2 s: the sends still go at the rate, not 0,2 s per second slower
    (counted until their replies, forty sends would need 4,5 s)."""
    pacer = Pacer(10, per_chat_interval=0, clock=clock)
    started: list[float] = []

    async def send(chat_id: int) -> None:
        async with pacer.turn(chat_id):
            started.append(clock.monotonic())
            await clock.sleep(0.2)

    await asyncio.gather(*(send(chat) for chat in range(1, 41)))

    assert most_in_one_second(started) <= 10
    assert max(started) < 4.0
