"""Staff: /digest <year>, the annual digest as a message and as .docx and Markdown files."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.clock import Clock
from bot.filters import IsStaff, PrivateChat
from bot.services.digest import DigestService, digest_docx, digest_markdown, digest_message
from bot.settings import Settings
from bot.texts import Texts
from handlers.common import answer_long

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())

FIRST_YEAR = 1990


@router.message(Command("digest"))
async def digest(
    message: Message,
    command: CommandObject,
    t: Texts,
    digests: DigestService,
    clock: Clock,
    settings: Settings,
) -> None:
    this_year = clock.now().astimezone(settings.tz).year
    text = (command.args or "").strip()
    if not text:
        year = this_year
    elif text.isdigit() and FIRST_YEAR <= int(text) <= this_year:
        year = int(text)
    else:
        await message.answer(t("digest.bad_year", this_year=this_year))
        return
    result = await digests.build(year)
    await answer_long(message, digest_message(t, result))
    docx = await asyncio.to_thread(digest_docx, t, result)
    name = t.plain("digest.file_name", year=year)
    await message.answer_document(BufferedInputFile(docx, filename=f"{name}.docx"))
    markdown = digest_markdown(t, result).encode("utf-8")
    await message.answer_document(BufferedInputFile(markdown, filename=f"{name}.md"))
