"""Small message helpers shared by the feature routers (no router here)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Document, InlineKeyboardMarkup, Message, User

from bot.split import split_lines
from storage.people import TelegramUser


async def document_bytes(bot: Bot, document: Document) -> bytes:
    """A sent file's content. Telegram (and a local Bot API server) gives a path to fetch
    over HTTP; a local Bot API server run with --local gives a path on its own disk, which
    the bot then reads directly (it runs beside it, sharing the disk)."""
    file = await bot.get_file(document.file_id)
    path = file.file_path or ""
    if Path(path).is_absolute():
        return await asyncio.to_thread(Path(path).read_bytes)
    buffer = io.BytesIO()
    await bot.download_file(path, destination=buffer)
    return buffer.getvalue()


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
