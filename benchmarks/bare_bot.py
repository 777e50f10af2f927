"""The baseline for benchmarks/survey_dialog.py: a bare aiogram bot, one handler that replies.

python benchmarks/bare_bot.py http://127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

TOKEN = "123456789:TEST-token-for-the-fake-telegram-server"


async def main(base: str) -> None:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def reply(message: Message) -> None:
        await message.answer("ok")

    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
