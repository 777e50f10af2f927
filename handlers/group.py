"""Group chats: /start points to the private chat; everything else is left alone."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, Message

from bot.filters import PrivateChat
from bot.texts import Texts

router = Router(name=__name__)
router.message.filter(PrivateChat(private=False))
router.callback_query.filter(PrivateChat(private=False))


@router.message(CommandStart())
async def point_to_private_chat(message: Message, bot: Bot, t: Texts) -> None:
    me = await bot.me()
    await message.reply(t("group.pointer", link=f"https://t.me/{me.username}"))


@router.message()
async def stay_silent(message: Message) -> None:
    """Dialogs happen in private chats only."""


@router.callback_query()
async def stale_in_group(query: CallbackQuery) -> None:
    """Answered with nothing (by the callback-answer middleware)."""
