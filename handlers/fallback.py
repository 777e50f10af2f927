"""What nothing else handled: unknown commands, stray input, stale buttons, errors."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.buttons import Stale
from bot.commands import STAFF_COMMANDS
from bot.filters import IsCommand, PrivateChat
from bot.office.messages import offer_keyboard
from bot.texts import Texts
from bot.viewer import Viewer
from storage.db import DatabaseBusy

log = logging.getLogger(__name__)

router = Router(name=__name__)
router.message.filter(PrivateChat())
router.edited_message.filter(PrivateChat())


@router.message(IsCommand())
async def unknown_command(message: Message, t: Texts, viewer: Viewer) -> None:
    """Staff commands from others land here too and get exactly the same answer."""
    name = (message.text or "/").split()[0][1:].split("@")[0].lower()
    if name in STAFF_COMMANDS and not viewer.is_staff:
        log.warning("person %s (not staff) tried the staff command /%s", viewer.id, name)
    key = "errors.unknown_command" if viewer.is_registered else "errors.not_registered"
    await message.answer(t(key))


@router.message()
async def anything_else(message: Message, t: Texts, viewer: Viewer) -> None:
    """A message outside any dialog: the bot offers to pass it on to the office."""
    if not viewer.is_registered:
        await message.answer(t("errors.not_registered"))
        return
    await message.reply(t("office.offer"), reply_markup=offer_keyboard(t, message.message_id))


@router.edited_message()
async def edited(message: Message, t: Texts) -> None:
    """A person edited a text or caption already sent: the bot does not act on edits, so
    they are told to send the correction anew (instead of thinking it was seen). Other
    "edits" (a live location moving, changes Telegram reports on its own) get no reply."""
    author = message.from_user
    if (message.text or message.caption) and author is not None and not author.is_bot:
        await message.answer(t("errors.edited"))


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    """A button whose object is gone, or callback data that does not parse."""
    raise Stale


@router.errors()
async def on_error(event: ErrorEvent, t: Texts | None = None) -> None:
    """Logged once; a person who wrote gets an apology (under a button, the alert was
    already shown: see bot.middlewares.StaleButtons)."""
    log.error("error while handling update %s", event.update.update_id, exc_info=event.exception)
    message = event.update.message
    if t is None or message is None or message.chat.type != ChatType.PRIVATE:
        return
    busy = isinstance(event.exception, DatabaseBusy)
    try:
        await message.answer(t("errors.busy" if busy else "errors.internal"))
    except Exception:
        log.warning("could not tell the person about the error", exc_info=True)
