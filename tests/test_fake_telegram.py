"""Tests of the fake Telegram server itself, driven by a real aiogram Bot (and raw aiohttp)."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiohttp import ClientSession, web

from tests.fake_telegram import TINY_PNG, FakeTelegram, HtmlParseError, parse_html
from tests.support import FastAiohttpSession

ALICE = 1001


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    session = FastAiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    client = Bot(token=fake.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield client
    await client.session.close()


def yes_no() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Yes", callback_data="vote:yes"),
                InlineKeyboardButton(text="No", callback_data="vote:no"),
            ]
        ]
    )


# ---- basics ---------------------------------------------------------------------------------


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (fake.bot_id, True, "union_test_bot")
    assert me.id == bot.id
    assert fake.calls_of("getme")[0].method == "getMe"


async def test_send_edit_and_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE, first_name="Alice")
    sent = await bot.send_message(ALICE, "Hello, <b>Alice</b> &amp; co", reply_markup=yes_no())
    assert sent.message_id == 1
    assert sent.text == "Hello, Alice & co"
    assert sent.entities is not None
    assert sent.entities[0].type == "bold"
    assert alice.last_text() == "Hello, <b>Alice</b> &amp; co"  # as sent
    assert alice.last_message().plain_text == "Hello, Alice & co"  # as shown
    assert alice.last_message().buttons() == [["Yes", "No"]]
    assert alice.last_message().button_data("No") == "vote:no"

    edited = await bot.edit_message_text(
        "Bye", chat_id=ALICE, message_id=sent.message_id, reply_markup=yes_no()
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert alice.texts() == ["Bye"]
    assert alice.last_message().edited

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Bye", chat_id=ALICE, message_id=sent.message_id, reply_markup=yes_no()
        )
    # Editing the text without reply_markup removes the inline keyboard, like Telegram.
    await bot.edit_message_text("Bye!", chat_id=ALICE, message_id=sent.message_id)
    assert alice.last_message().buttons() == []
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=99)


async def test_length_limits_count_parsed_text(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "😀" * 2049)  # 4098 UTF-16 code units
    await bot.send_message(ALICE, "<b>" + "я" * 4096 + "</b>")  # tags are not counted
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, "<b> </b>")
    doc = BufferedInputFile(b"x", filename="x.txt")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(ALICE, doc, caption="c" * 1025)


async def test_bad_html_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "blink" at byte offset 4'):
        await bot.send_message(ALICE, "Hi! <blink>x</blink>")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding to start tag"):
        await bot.send_message(ALICE, "<b>bold")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "Tom & Jerry")
    await bot.send_message(ALICE, "Tom & Jerry", parse_mode=None)
    assert fake.counters["400"] == 3


def test_parse_html_entities_and_errors() -> None:
    text, entities = parse_html(
        '<b>bold</b> <a href="https://x.y/?a=1&amp;b=2">link</a> 😀<i>i</i>'
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote> &lt;&#33;&#x41;&quot;"
    )
    assert text == 'bold link 😀ix = 1q <!A"'
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 5, "length": 4, "url": "https://x.y/?a=1&b=2"},
        {"type": "italic", "offset": 12, "length": 1},  # the emoji is 2 UTF-16 units
        {"type": "pre", "offset": 13, "length": 5, "language": "python"},
        {"type": "expandable_blockquote", "offset": 18, "length": 1},
    ]
    for bad, message in [
        ("привет <x>", 'Unsupported start tag "x" at byte offset 13'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>a</i>", 'expected "</b>", found "</i>"'),
        ("a</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("fish & chips", 'Unescaped "&" at byte offset 5'),
    ]:
        with pytest.raises(HtmlParseError, match=message):
            parse_html(bad)
    assert parse_html("fish & chips", strict_ampersand=False) == ("fish & chips", [])


async def test_inline_keyboard_validation(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)

    def markup(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            ALICE, "x", reply_markup=markup(InlineKeyboardButton(text="a", callback_data="d" * 65))
        )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):  # 66 bytes in UTF-8
        await bot.send_message(
            ALICE, "x", reply_markup=markup(InlineKeyboardButton(text="a", callback_data="ж" * 33))
        )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(ALICE, "x", reply_markup=markup(InlineKeyboardButton(text="a")))
    many = [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(101)]
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(ALICE, "x", reply_markup=markup(*many))
    ok = markup(InlineKeyboardButton(text="a", callback_data="d" * 64))
    await bot.send_message(ALICE, "x", reply_markup=ok)


async def test_blocked_missing_and_unknown_chats(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    fake.block(ALICE)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "hi")
    fake.unblock(ALICE)
    await bot.send_message(ALICE, "hi")
    fake.mark_missing(ALICE)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(ALICE, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "nobody ever wrote to the bot from here")
    assert [c.status for c in fake.calls_of("sendMessage")] == [403, 200, 400, 400]
    assert len(fake.sent_to(ALICE)) == 1


async def test_random_403_keeps_chat_blocked(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    fake.set_random_errors(0.0, 1.0, seed=7)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(ALICE, "hi")
    fake.set_random_errors(0.0, 0.0)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(ALICE, "hi")
    assert fake.counters["403"] == 2


# ---- flood control and injected failures ----------------------------------------------------


async def test_global_rate_limit(fake: FakeTelegram, bot: Bot) -> None:
    fake.rate_limit = 5
    people = [fake.user(i) for i in range(1, 11)]
    results = await asyncio.gather(
        *(bot.send_message(p.id, "news") for p in people), return_exceptions=True
    )
    flooded = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(flooded) == 5
    assert all(r.retry_after >= 1 for r in flooded)
    assert sum(isinstance(r, Message) for r in results) == 5
    assert fake.counters["429"] == 5


async def test_per_chat_rate_and_fixed_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(1)
    fake.user(2)
    fake.per_chat_rate = 1
    fake.retry_after = 3
    await bot.send_message(1, "one")
    with pytest.raises(TelegramRetryAfter) as err:
        await bot.send_message(1, "two")
    assert err.value.retry_after == 3
    await bot.send_message(2, "other chat is fine")
    await bot.edit_message_text("edits are not limited", chat_id=1, message_id=1)


async def test_fail_next(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(1)
    fake.user(2)
    fake.fail_next("sendMessage", status=500, description="Internal Server Error")
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "x")
    fake.fail_next("sendMessage", status=0)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1, "x")
    await bot.send_message(1, "recovered")
    assert [c.status for c in fake.calls_of("sendMessage")] == [500, 0, 200]

    fake.fail_next("sendmessage", status=429, retry_after=7, chat_id=2, count=2)
    await bot.send_message(1, "chat 1 is not affected")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as err:
            await bot.send_message(2, "x")
        assert err.value.retry_after == 7
    await bot.send_message(2, "third time lucky")
    assert fake.counters == {"500": 1, "0": 1, "429": 2}


# ---- files ----------------------------------------------------------------------------------


async def test_send_document_multipart(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    payload = b"%PDF-1.4 fake report \x00\xff"
    sent = await bot.send_document(
        ALICE, BufferedInputFile(payload, filename="report.pdf"), caption="<b>Q3</b> report"
    )
    call = fake.calls_of("sendDocument")[0]
    assert call.files["document"].content == payload
    assert call.files["document"].filename == "report.pdf"
    assert sent.document is not None
    assert sent.document.file_name == "report.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.caption == "Q3 report"
    (doc,) = alice.documents()
    assert doc.kind == "document"
    assert doc.plain_text == "Q3 report"
    assert doc.document is not None
    assert not isinstance(doc.document, str)
    assert doc.document.content == payload
    downloaded = await bot.download(sent.document.file_id)
    assert downloaded is not None
    assert downloaded.read() == payload

    again = await bot.send_document(ALICE, sent.document.file_id)  # re-send by file_id
    assert again.document is not None
    assert again.document.file_id == sent.document.file_id
    assert fake.file(sent.document.file_id).content == payload


async def test_user_files_can_be_downloaded(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    await alice.send_document("cities.csv", b"name\nTver\n", caption="list", wait=False)
    await alice.send_photo(wait=False)
    updates = await bot.get_updates(timeout=0)
    message = updates[0].message
    assert message is not None
    assert message.document is not None
    assert (message.document.file_name, message.document.mime_type) == ("cities.csv", "text/csv")
    assert message.caption == "list"
    file = await bot.get_file(message.document.file_id)
    assert file.file_path is not None
    data = await bot.download(message.document.file_id)
    assert data is not None
    assert data.read() == b"name\nTver\n"
    photo_message = updates[1].message
    assert photo_message is not None
    assert photo_message.photo is not None
    largest = photo_message.photo[-1]
    photo = await bot.download(largest.file_id)
    assert photo is not None
    assert photo.read() == TINY_PNG
    with pytest.raises(TelegramBadRequest, match="wrong file_id"):
        await bot.get_file("nope")


async def test_copy(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    board = fake.group(-1001234567890, "Board")
    await alice.send_document("minutes.txt", b"resolved", caption="Minutes", wait=False)
    (update,) = fake.pending_updates()
    mid = update["message"]["message_id"]
    assert mid == 1

    copied = await bot.copy_message(chat_id=board.id, from_chat_id=ALICE, message_id=mid)
    copy = board.last_message()
    assert copied.message_id == copy.message_id
    assert (copy.kind, copy.copied_from, copy.plain_text) == ("copy", (ALICE, mid), "Minutes")
    assert copy.document is not None
    assert not isinstance(copy.document, str)
    assert copy.document.content == b"resolved"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(chat_id=board.id, from_chat_id=ALICE, message_id=77)

    mine = await bot.send_message(ALICE, "<i>A</i>")
    again = await bot.copy_message(ALICE, from_chat_id=ALICE, message_id=mine.message_id)
    assert again.message_id == 3  # ids are shared with the user's message
    assert [m.plain_text for m in alice.messages()] == ["A", "A"]
    assert len(fake.sent_to(ALICE)) == 2
    assert len(fake.sent_to(board.id)) == 1


# ---- updates: long polling, dispatcher, webhook ---------------------------------------------


async def test_get_updates_long_poll_and_confirmation(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for("getUpdates")
    loop = asyncio.get_running_loop()
    started = loop.time()
    update_id = await alice.send("hello", wait=False)
    updates = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 1
    assert [u.update_id for u in updates] == [update_id] == [1]
    assert updates[0].message is not None
    assert updates[0].message.text == "hello"

    # Not confirmed yet: served again; confirmed by a later offset.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    confirmed = asyncio.create_task(fake.wait_polled(update_id))
    await asyncio.sleep(0)
    assert not confirmed.done()
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == []
    await asyncio.wait_for(confirmed, 1)
    assert fake.pending_updates() == []
    assert fake.calls_of("getUpdates")[-1].params["offset"] == update_id + 1


async def test_second_get_updates_conflicts_first(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for("getUpdates")
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)


async def test_allowed_updates_filter_drops_updates(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    await bot.send_message(ALICE, "pick", reply_markup=yes_no())
    pressed = await alice.press("Yes", wait=False)
    sent = await alice.send("/start", wait=False)
    updates = await bot.get_updates(allowed_updates=["message"], timeout=0)
    assert [u.update_id for u in updates] == [sent]
    assert "callback_query" in fake.dropped_updates[pressed]


async def test_group_updates(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE, first_name="Alice", username="alice")
    board = fake.group(-1001234567890, "Board")
    await board.send("/vote@union_test_bot now", alice, wait=False)
    (update,) = await bot.get_updates(timeout=0)
    message = update.message
    assert message is not None
    assert message.chat.type == "supergroup"
    assert message.chat.title == "Board"
    assert message.from_user is not None
    assert message.from_user.username == "alice"
    assert message.entities is not None
    assert message.entities[0].length == 20


async def test_dispatcher_polling_end_to_end(fake: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        builder = InlineKeyboardBuilder()
        builder.button(text="Yes 👍", callback_data="vote:yes")
        builder.button(text="No", callback_data="vote:no")
        name = html.escape(message.from_user.first_name)
        await message.answer(f"Hello, <b>{name}</b>!", reply_markup=builder.as_markup())

    @router.callback_query(F.data.startswith("vote:"))
    async def vote(query: CallbackQuery) -> None:
        assert query.data is not None
        assert isinstance(query.message, Message)
        await query.answer("Saved", show_alert=True)
        await query.message.edit_text(f"You voted {query.data.removeprefix('vote:')}")

    dp = Dispatcher()
    dp.include_router(router)
    fake.track_dispatcher(dp)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        alice = fake.user(ALICE, first_name="Alice & <Co>")
        await alice.send("/start")
        assert alice.last_text() == "Hello, <b>Alice &amp; &lt;Co&gt;</b>!"
        assert alice.last_message().plain_text == "Hello, Alice & <Co>!"
        assert alice.last_message().buttons() == [["Yes 👍", "No"]]
        await alice.press("Yes")  # substring match
        assert alice.alerts() == ["Saved"]
        assert alice.callback_answers()[0].show_alert
        assert alice.texts() == ["You voted yes"]
        await alice.press_data("vote:maybe")  # forged data on the last message
        assert alice.texts() == ["You voted maybe"]
        with pytest.raises(AssertionError, match="no inline button 'Yes'"):
            await alice.press("Yes")  # the edit removed the keyboard
    finally:
        await dp.stop_polling()
        await polling


async def test_handler_errors_surface_in_the_test(fake: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message()
    async def broken(message: Message) -> None:
        raise RuntimeError("storage is down")

    dp = Dispatcher()
    dp.include_router(router)
    fake.track_dispatcher(dp)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        alice = fake.user(ALICE)
        with pytest.raises(AssertionError, match="storage is down"):
            await alice.send("hi")
        fake.raise_handler_errors = False
        await alice.send("again")
        assert [str(e) for _, e in fake.handler_errors] == ["storage is down"] * 2
    finally:
        await dp.stop_polling()
        await polling


async def test_webhook_mode(fake: FakeTelegram, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        if len(received) == 2:  # answer with a method call, as aiogram can do
            return web.json_response({"method": "sendMessage", "chat_id": ALICE, "text": "pong"})
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cr3t")
        assert (fake.webhook_url, fake.webhook_secret) == (url, "s3cr3t")
        alice = fake.user(ALICE)
        first = await alice.send("hi")  # waits until the webhook answered 2xx
        assert received[0][0]["update_id"] == first
        assert received[0][0]["message"]["text"] == "hi"
        assert received[0][1] == "s3cr3t"
        await alice.send("ping")
        assert alice.last_text() == "pong"

        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)
        assert fake.pending_updates() == []

        assert await bot.delete_webhook()
        later = await alice.send("polling again", wait=False)
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == [later]
        assert len(received) == 2
    finally:
        await runner.cleanup()


# ---- misc -----------------------------------------------------------------------------------


async def test_commands_are_stored(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands(
        [
            BotCommand(command="start", description="Start"),
            BotCommand(command="help", description="Help"),
        ]
    )
    await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], language_code="ru"
    )
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Admin")],
        scope=BotCommandScopeChat(chat_id=ALICE),
    )
    assert [c["command"] for c in fake.commands()] == ["start", "help"]
    assert fake.commands(language_code="ru") == [{"command": "start", "description": "Начать"}]
    assert fake.commands({"type": "chat", "chat_id": ALICE})[0]["command"] == "admin"
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    await bot.delete_my_commands()
    assert fake.commands() == []


async def test_answer_callback_query_validation(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(ALICE)
    await bot.send_message(ALICE, "pick", reply_markup=yes_no())
    await alice.press("No", wait=False)
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None
    assert query.data == "vote:no"
    assert isinstance(query.message, Message)
    assert query.message.message_id == 1
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201)
    await bot.answer_callback_query(query.id)
    assert alice.alerts() == [""]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)  # answered twice
    with pytest.raises(AssertionError, match=r"available: \{1: \[\['Yes', 'No'\]\]\}"):
        await alice.press("Maybe")


async def test_raw_http_requests(fake: FakeTelegram) -> None:
    fake.user(ALICE)
    api = f"{fake.base_url}/bot{fake.token}"
    async with ClientSession() as http:
        async with http.post(f"{api}/SENDMESSAGE", data={"chat_id": "1001", "text": "raw"}) as r:
            body = await r.json()
            assert r.status == 200
            assert body["ok"]
            assert body["result"]["text"] == "raw"
        assert fake.calls[-1].method == "sendMessage"
        assert fake.calls[-1].params == {"chat_id": ALICE, "text": "raw"}
        async with http.post(f"{api}/sendMessage", json={"chat_id": 5, "text": "x"}) as r:
            body = await r.json()
            assert r.status == 400
            assert body == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        async with http.post(f"{api}/setChatMenuButton") as r:  # the bot does not use it
            assert r.status == 404
            assert (await r.json())["description"] == (
                "Not Found: FakeTelegram does not implement setChatMenuButton"
            )
        async with http.get(f"{fake.base_url}/file/bot{fake.token}/documents/none.txt") as r:
            assert r.status == 404


async def test_wait_for_reports_recent_calls(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    later = asyncio.create_task(fake.wait_for(lambda c: c.params["text"] == "second"))
    await bot.get_me()  # no "text": the predicate's KeyError = no match
    await bot.send_message(ALICE, "first")
    await bot.send_message(ALICE, "second")
    assert (await asyncio.wait_for(later, 1)).text == "second"
    assert len(await fake.wait_calls("sendMessage", 2, timeout=0.1)) == 2
    with pytest.raises(AssertionError, match="sendMessage chat=1001 -> 200 first"):
        await fake.wait_for(lambda c: c.method == "sendPhoto", timeout=0.05)


async def test_hold_keeps_a_call_unanswered_until_released(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ALICE)
    gate = fake.hold("sendMessage", chat_id=ALICE)
    sending = asyncio.create_task(bot.send_message(ALICE, "slow"))
    held = await gate.reached()
    assert held.text == "slow"
    assert not sending.done()
    assert fake.calls_of("sendMessage") == []  # recorded once answered
    gate.release()
    assert (await asyncio.wait_for(sending, 1)).text == "slow"
    await bot.send_message(ALICE, "not held any more")


async def test_user_send_times_out_without_a_bot(fake: FakeTelegram) -> None:
    fake.default_timeout = 0.05
    with pytest.raises(AssertionError, match="nobody has called getUpdates"):
        await fake.user(ALICE).send("anyone?")


async def test_stop_releases_a_pending_poll() -> None:
    fake = FakeTelegram()
    await fake.start()
    async with ClientSession() as http:

        async def poll() -> Any:
            url = f"{fake.base_url}/bot{fake.token}/getUpdates"
            async with http.post(url, data={"timeout": "30"}) as response:
                return await response.json()

        pending = asyncio.create_task(poll())
        await fake.wait_for("getUpdates")
        await fake.stop()
        assert await asyncio.wait_for(pending, 2) == {"ok": True, "result": []}
