"""Middlewares: who is talking (viewer and texts `t`), the message under a pressed button,
and which updates are still in flight."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.buttons import Stale, message_of
from bot.services.people import PeopleService
from bot.texts import Texts
from storage.db import DatabaseBusy

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateTracker(BaseMiddleware):
    """Counts updates being handled, so shutdown can wait for them to finish.

    It also remembers the newest update id (to confirm it to Telegram before exit)
    and lets tests wait until a given update has been handled.
    """

    def __init__(self, remember: int = 4096) -> None:
        self.in_flight = 0
        self.last_update_id: int | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._done: deque[int] = deque(maxlen=remember)
        self._done_set: set[int] = set()
        self._waiters: dict[int, asyncio.Event] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = event.update_id if isinstance(event, Update) else None
        if update_id is not None and (self.last_update_id or 0) < update_id:
            self.last_update_id = update_id
        self.in_flight += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()
            if update_id is not None:
                self._mark_done(update_id)

    def _mark_done(self, update_id: int) -> None:
        if len(self._done) == self._done.maxlen:
            self._done_set.discard(self._done[0])
        self._done.append(update_id)
        self._done_set.add(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None:
            waiter.set()

    async def wait_handled(self, update_id: int) -> None:
        if update_id in self._done_set:
            return
        waiter = self._waiters.setdefault(update_id, asyncio.Event())
        await waiter.wait()

    async def wait_idle(self, grace: float) -> bool:
        """True when nothing is in flight (any more); False if `grace` seconds passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("%d update(s) still in flight at shutdown", self.in_flight)
            return False
        return True


class ViewerMiddleware(BaseMiddleware):
    """Loads the sender (one query) as `viewer`, and their texts as `t`, for filters,
    handlers and the error handler (it runs on updates, so what it loads reaches them all)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        people: PeopleService = data["people"]
        if user is None or user.is_bot:
            data["t"] = people.catalog.get(None)
            return await handler(event, data)
        viewer = await people.load_viewer(user.id, user.language_code)
        if viewer.person is not None and not viewer.person.is_active:
            await people.reactivate(user.id)
        data["viewer"] = viewer
        data["t"] = viewer.texts
        return await handler(event, data)


class StaleButtons(BaseMiddleware):
    """Answers a `Stale` raised by a handler: an alert under a button, a message after a
    command or link. Any other failure under a button gets the apology alert (and goes on
    to the error handler, which logs it). Runs inside aiogram's CallbackAnswerMiddleware."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        texts: Texts = data["t"]
        try:
            return await handler(event, data)
        except Stale as stale:
            if isinstance(event, CallbackQuery):
                _alert(data, texts.plain(stale.key, **stale.values))
            elif isinstance(event, Message):
                await event.answer(texts(stale.key, **stale.values))
            return None
        except Exception as error:
            if isinstance(event, CallbackQuery):
                # What failed, when the handler says (flags={"failure": "text.key"}).
                failure = get_flag(data, "failure") or "errors.internal_alert"
                busy = isinstance(error, DatabaseBusy)
                _alert(data, texts.plain("errors.busy_alert" if busy else failure))
            raise


class ButtonMessage(BaseMiddleware):
    """Gives a button's handler that takes `message` the message the button is under; one
    too old for Telegram to show is stale (`message_of`), answered before the handler runs.
    Runs inside StaleButtons."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        target: HandlerObject = data["handler"]
        if isinstance(event, CallbackQuery) and "message" in target.params:
            data["message"] = message_of(event)
        return await handler(event, data)


def _alert(data: dict[str, Any], text: str) -> None:
    answer: CallbackAnswer | None = data.get("callback_answer")
    if answer is not None and not answer.answered:
        answer.text = text
        answer.show_alert = True
