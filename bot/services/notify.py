"""Personal notices to a handful of people (staff, one contact), each in their own language.

Mass sends (broadcasts, announcements) do not come here: they go through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup

from bot.clock import Clock
from bot.services.people import PeopleService
from bot.texts import Texts
from storage.contacts import Notice
from storage.people import PeopleRepo

log = logging.getLogger(__name__)

Render = Callable[[Texts], tuple[str, InlineKeyboardMarkup | None]]


class Notifier:
    def __init__(self, bot: Bot, people: PeopleService, repo: PeopleRepo, clock: Clock) -> None:
        self.bot = bot
        self.people = people
        self.repo = repo
        self.clock = clock

    async def send(self, person_id: int, render: Render) -> Notice | None:
        texts = (await self.people.viewer_of(person_id)).texts
        text, markup = render(texts)
        for attempt in range(3):
            try:
                message = await self.bot.send_message(person_id, text, reply_markup=markup)
            except TelegramRetryAfter as error:
                await self.clock.sleep(error.retry_after)
            except TelegramForbiddenError:
                await self.repo.set_active([person_id], False, now=self.clock.now())
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

    async def send_many(self, person_ids: Iterable[int], render: Render) -> list[Notice]:
        notices = [await self.send(person_id, render) for person_id in person_ids]
        return [notice for notice in notices if notice is not None]

    async def edit(self, notices: Iterable[Notice], render: Render) -> None:
        """Rewrite messages sent earlier (e.g. a request someone else has decided)."""
        for notice in notices:
            texts = (await self.people.viewer_of(notice.chat_id)).texts
            text, markup = render(texts)
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=notice.chat_id,
                    message_id=notice.message_id,
                    reply_markup=markup,
                )
            except (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError) as error:
                log.info("could not update notice %s: %s", notice, error)
