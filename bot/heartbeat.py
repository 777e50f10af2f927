"""The bot's heartbeat for `unionbot health`: written (at most every `every` seconds) when a
long poll comes back from Telegram, when a webhook update arrives, and when Telegram
confirms the webhook is set to this bot's URL without a recent delivery error."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject

from storage.status import StatusRepo

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

    from bot.middlewares import Handler

log = logging.getLogger(__name__)

KEY = "heartbeat"
EVERY = 30.0  # seconds between writes, at most
WEBHOOK_CHECK = 60.0  # seconds between webhook checks (webhook mode)


class Heartbeat(BaseRequestMiddleware):
    """Session middleware (long polls) and update middleware (webhook updates)."""

    def __init__(self, status: StatusRepo, every: float = EVERY) -> None:
        self.status = status
        self.every = every
        self._last = -every

    async def beat(self, *, force: bool = False) -> None:
        moment = time.monotonic()
        if not force and moment - self._last < self.every:
            return
        self._last = moment
        try:
            # the wall clock, whatever clock the bot runs on: `unionbot health` compares it
            # with the wall clock
            await self.status.mark(KEY, "ok", now=datetime.now(UTC))
        except Exception:  # the health check will say so; the bot goes on
            log.exception("could not write the heartbeat")

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)  # raises if Telegram refused
        if method.__api_method__ == "getUpdates":
            await self.beat()
        return response

    async def on_update(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        await self.beat()
        return await handler(event, data)
