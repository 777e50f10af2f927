"""The tests' clock: waits in virtual time, in order, and never while work is under way."""

from __future__ import annotations

import asyncio
import time

from tests.support import ManualClock


async def test_sleepers_wake_in_order_at_their_moment_without_waiting() -> None:
    clock = ManualClock()
    woke: list[tuple[str, float]] = []

    async def nap(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    started = time.monotonic()
    await asyncio.gather(nap("long", 30), nap("short", 1), nap("middle", 2.5))
    assert woke == [("short", 1.0), ("middle", 2.5), ("long", 30.0)]
    assert time.monotonic() - started < 1  # thirty virtual seconds, no wall-clock wait


async def test_time_stands_still_while_work_is_under_way() -> None:
    clock = ManualClock()
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[None] = loop.create_future()

    async def request() -> float:
        with clock.busy():  # as a request to the fake server is
            await reply
        return clock.monotonic()

    napping = asyncio.create_task(clock.sleep(5))
    # The answer takes real time, with the loop idle meanwhile: no virtual time may pass.
    loop.call_later(0.02, reply.set_result, None)
    assert await request() == 0.0
    assert not napping.done()
    await napping
    assert clock.monotonic() == 5.0


async def test_wait_returns_on_the_event_or_at_the_timeout() -> None:
    clock = ManualClock()
    event = asyncio.Event()
    assert not await clock.wait(event, 3)
    assert clock.monotonic() == 3.0
    loop = asyncio.get_running_loop()
    loop.call_soon(event.set)
    assert await clock.wait(event, 10)
    assert clock.monotonic() == 3.0
