"""A fake Telegram Bot API server for end-to-end tests of the bot.

The fake is a small aiohttp application on ``127.0.0.1`` (random port). A real
``aiogram.Bot`` talks to it exactly as to Telegram: point the session at
``fake.base_url`` (in-process) or set ``TELEGRAM_API_BASE=fake.base_url`` (subprocess).

Typical in-process test::

    async with FakeTelegram() as fake:
        api = TelegramAPIServer.from_base(fake.base_url)
        bot = Bot(fake.token, session=AiohttpSession(api=api),
                  default=DefaultBotProperties(parse_mode="HTML"))
        fake.track_dispatcher(dp)          # user.send() now waits until the bot handled it
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        alice = fake.user(1001, first_name="Alice")
        await alice.send("/start")         # message update -> getUpdates -> handler done
        assert "Welcome" in alice.last_text()
        await alice.press("Yes")           # callback_query for the inline button "Yes"
        assert alice.alerts() == ["Saved"]
        await dp.stop_polling()

What the fake offers:

* The Bot API methods the bot uses, no others (any other answers 404, so a new one shows
  up in the tests): getMe, getUpdates, setWebhook, deleteWebhook, sendMessage,
  sendDocument, sendPhoto, copyMessage, editMessageText, editMessageReplyMarkup,
  answerCallbackQuery, setMyCommands, deleteMyCommands, getFile.
* Telegram-shaped answers (``{"ok": true, "result": ...}`` / errors with the HTTP status equal
  to ``error_code``) and Telegram's validation: HTML parse errors, 4096/1024 length limits,
  inline keyboard checks, "message is not modified", unknown chats, callback query ids...
* Every request is recorded as an :class:`ApiCall` in ``fake.calls``; ``wait_for`` /
  ``wait_calls`` wait for calls without sleeping.
* People and chats: :meth:`FakeTelegram.user` / :meth:`FakeTelegram.group` return
  :class:`FakeUser` / :class:`FakeGroup` which send updates and show what the bot shows them
  (:class:`BotMessage`, edits applied).
* Error injection: ``block``, ``mark_missing``, ``rate_limit``, ``per_chat_rate``,
  ``fail_next`` (including status 0 = dropped connection), ``set_random_errors``;
  ``hold(method)`` keeps calls unanswered until the test releases them.
* Updates are served by long-polling ``getUpdates`` or POSTed to a webhook set by
  ``setWebhook``; files users send are downloadable via ``getFile`` + ``/file/bot<token>/...``.

Modules: ``server`` (FakeTelegram), ``chats`` (FakeUser, FakeGroup), ``records`` (ApiCall,
BotMessage, CallbackAnswer, UploadedFile), ``html_parser`` (parse_html, utf16_len).
"""

from tests.fake_telegram.chats import TINY_PNG, FakeGroup, FakeUser
from tests.fake_telegram.html_parser import HtmlParseError, parse_html, utf16_len
from tests.fake_telegram.records import ApiCall, BotMessage, CallbackAnswer, UploadedFile
from tests.fake_telegram.server import SENDING_METHODS, FakeTelegram, Gate, canonical_method

__all__ = [
    "SENDING_METHODS",
    "TINY_PNG",
    "ApiCall",
    "BotMessage",
    "CallbackAnswer",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "Gate",
    "HtmlParseError",
    "UploadedFile",
    "canonical_method",
    "parse_html",
    "utf16_len",
]
