"""Small message helpers shared by the feature routers (no router here)."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message, User

from bot.split import split_lines
from storage.people import TelegramUser


async def show(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit a message in place; one already showing exactly this is fine."""
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_text(text, reply_markup=markup)


async def drop_buttons(message: Message) -> None:
    """Take a message's buttons away; one that has none already is fine."""
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)


async def answer_long(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A text that may not fit one message: in as many as it needs (whole lines), the
    buttons under the last."""
    chunks = split_lines(text)
    for number, chunk in enumerate(chunks, 1):
        await message.answer(chunk, reply_markup=markup if number == len(chunks) else None)


def telegram_user(user: User) -> TelegramUser:
    """The sender as storage keeps them."""
    return TelegramUser(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )
