"""Personal notices to a handful of people (staff, one contact), each in their own language.

A notice is rendered like an outbox message: by the renderer registered under its name
(see `bot.delivery.parts.Renderers`), so features keep their texts and buttons in their
messages module. Mass sends (broadcasts, announcements) do not come here: they go
through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)

from bot.clock import Clock
from bot.delivery.parts import Renderers, TextPart
from bot.texts import TextsOf
from storage.contacts import Notice

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Notifier:
    bot: Bot
    renderers: Renderers
    texts_of: TextsOf
    blocked: Callable[[int], Awaitable[None]]
    clock: Clock

    async def _render(self, person_id: int, name: str, args: dict[str, Any]) -> TextPart:
        texts = await self.texts_of(person_id)
        parts = self.renderers.render(name, texts, args)
        if len(parts) != 1 or not isinstance(parts[0], TextPart):
            raise ValueError(f"a notice is one text: {name!r} rendered {parts!r}")
        return parts[0]

    async def send(self, person_id: int, name: str, /, **args: Any) -> Notice | None:
        part = await self._render(person_id, name, args)
        for attempt in range(3):
            try:
                message = await self.bot.send_message(
                    person_id, part.text, reply_markup=part.reply_markup
                )
            except TelegramRetryAfter as error:
                await self.clock.sleep(error.retry_after)
            except TelegramForbiddenError:
                await self.blocked(person_id)
                log.info("person %s has blocked the bot; marked inactive", person_id)
                return None
            except TelegramBadRequest as error:
                log.warning("notice to %s refused: %s", person_id, error.message)
                return None
            except TelegramNetworkError as error:
                log.warning("notice to %s failed (attempt %d): %s", person_id, attempt + 1, error)
                await self.clock.sleep(0.5 * 2**attempt)
            else:
                return Notice(chat_id=person_id, message_id=message.message_id)
        return None

    async def send_with_copy(
        self,
        person_ids: Iterable[int],
        name: str,
        /,
        *,
        from_chat_id: int,
        message_id: int,
        **args: Any,
    ) -> list[Notice]:
        """A notice, then a copy of someone's message (text, photo or document as it was)
        under it; the notices are returned (their buttons and marks live there)."""
        notices = []
        for person_id in person_ids:
            notice = await self.send(person_id, name, **args)
            if notice is None:
                continue
            notices.append(notice)
            try:
                await self.bot.copy_message(person_id, from_chat_id, message_id)
            except (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError) as error:
                log.warning("could not copy message %s to %s: %s", message_id, person_id, error)
        return notices

    async def send_many(self, person_ids: Iterable[int], name: str, /, **args: Any) -> list[Notice]:
        notices = [await self.send(person_id, name, **args) for person_id in person_ids]
        return [notice for notice in notices if notice is not None]

    async def edit(self, notices: Iterable[Notice], name: str, /, **args: Any) -> None:
        """Rewrite messages sent earlier (e.g. a request someone else has decided)."""
        for notice in notices:
            part = await self._render(notice.chat_id, name, args)
            try:
                await self.bot.edit_message_text(
                    text=part.text,
                    chat_id=notice.chat_id,
                    message_id=notice.message_id,
                    reply_markup=part.reply_markup,
                )
            except (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError) as error:
                log.info("could not update notice %s: %s", notice, error)
