"""/start, /help, /language, /subscribe, /cancel, group chats, unknown input."""

from __future__ import annotations

from aiogram.methods import SetMyCommands

from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER

TOPIC_LABELS_RU = [
    "Общие собрания и решения",
    "Заседания секций",
    "Конференции и круглые столы",
    "Конкурсы и фестивали",
    "Спорт и Спартакиада",
    "Итоги информационных обменов",
]


async def test_start_registers_greets_in_russian_and_subscribes_to_everything(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    ivan = tg.user(1001, first_name="Иван", language_code="ru")
    async with run_bot() as app:
        await ivan.send("/start")
        welcome = ivan.last_message()
        assert welcome.text is not None
        assert welcome.text.startswith("Здравствуйте, Иван!")
        assert "/city" in welcome.text
        assert welcome.reply_keyboard() == [
            ["📅 События", "📄 Решения"],
            ["✉️ Написать в дирекцию"],
            ["🔔 Подписки", "🏙 Мой город"],
            ["🌐 Язык", "❓ Помощь"],
        ]
        rows = await app.db.fetchall("SELECT topic FROM subscriptions WHERE person_id = 1001")
        assert len(rows) == 6
        person = await app.db.fetchone("SELECT first_name, is_active FROM people WHERE id = 1001")
        assert person is not None
        assert tuple(person) == ("Иван", 1)

        await ivan.send("/start")
        assert ivan.last_text().startswith("С возвращением, Иван!")
        assert len(await app.db.fetchall("SELECT 1 FROM subscriptions")) == 6


async def test_english_telegram_gets_english_and_unknown_languages_get_russian(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    anna = tg.user(1002, first_name="Anna", language_code="en")
    hans = tg.user(1003, first_name="Hans", language_code="de")
    async with run_bot():
        await anna.send("/start")
        await hans.send("/start")
    assert anna.last_text().startswith("Hello, Anna!")
    assert anna.last_message().reply_keyboard() == [
        ["📅 Events", "📄 Resolutions"],
        ["✉️ Write to the office"],
        ["🔔 Subscriptions", "🏙 My city"],
        ["🌐 Language", "❓ Help"],
    ]
    assert hans.last_text().startswith("Здравствуйте, Hans!")


async def test_a_name_with_markup_is_shown_literally(tg: FakeTelegram, run_bot: RunBot) -> None:
    tricky = tg.user(1004, first_name="<b>Ivan</b> & <i>", language_code="ru")
    async with run_bot():
        await tricky.send("/start")
    message = tricky.last_message()
    assert message.text is not None
    assert message.text.startswith("Здравствуйте, &lt;b&gt;Ivan&lt;/b&gt; &amp; &lt;i&gt;!")
    assert message.plain_text.startswith("Здравствуйте, <b>Ivan</b> & <i>!")


async def test_help_depends_on_roles(tg: FakeTelegram, owner: FakeUser, run_bot: RunBot) -> None:
    person = tg.user(1001, first_name="Иван")
    async with run_bot():
        await person.send("/help")
        await owner.send("/start")
        await owner.send("/help")
    assert "/subscribe" in person.last_text()
    assert "/invite" not in person.last_text()
    assert "/invite" in owner.last_text()
    assert "/staff" in owner.last_text()
    assert owner.last_message().reply_keyboard() == [
        ["📅 События", "📄 Решения"],
        ["📝 Опросы"],
        ["✉️ Написать в дирекцию"],
        ["🔔 Подписки", "🏙 Мой город"],
        ["🌐 Язык", "❓ Помощь"],
        ["👥 Контакты", "🏛 Города"],
    ]


async def test_subscribe_toggles_in_place(
    tg: FakeTelegram, ivan: FakeUser, run_ivan: RunBot
) -> None:
    async with run_ivan() as app:
        await ivan.send("🔔 Подписки")
        topics = ivan.last_message()
        assert [row[0] for row in topics.buttons()] == [
            *[f"✓ {label}" for label in TOPIC_LABELS_RU],
            "Готово",
        ]
        sent_before = len(tg.sent_to(1001))
        await ivan.press("✓ Спорт и Спартакиада")
        assert len(tg.sent_to(1001)) == sent_before  # edited, not re-sent
        edited = ivan.message(topics.message_id)
        assert ["Спорт и Спартакиада"] in edited.buttons()
        assert ivan.alerts()[-1] == "Вы отписались: Спорт и Спартакиада"
        rows = await app.db.fetchall("SELECT topic FROM subscriptions WHERE person_id = 1001")
        assert "sport" not in {row[0] for row in rows}
        assert len(rows) == 5

        await ivan.press("Спорт и Спартакиада")
        assert ["✓ Спорт и Спартакиада"] in ivan.message(topics.message_id).buttons()
        await ivan.press("Готово")
        summary = ivan.message(topics.message_id)
        assert summary.text is not None
        assert "Вы получаете анонсы по темам" in summary.text
        assert summary.buttons() == []


async def test_forged_topic_gets_an_alert_and_changes_nothing(
    ivan: FakeUser, run_ivan: RunBot, caplog
) -> None:
    async with run_ivan() as app:
        await ivan.send("/subscribe")
        await ivan.press_data("tp:nonsense")
        await ivan.press_data("garbage-that-parses-as-nothing")
        await ivan.press_data("rq:notanumber:1")
        assert ivan.alerts() == ["Эта кнопка устарела. Откройте раздел заново."] * 3
        assert len(await app.db.fetchall("SELECT 1 FROM subscriptions")) == 6
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_language_is_persisted_and_survives_restart(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    ivan = tg.user(1001, first_name="Иван", language_code="ru")
    async with run_bot():
        await ivan.send("/start")
        await ivan.send("/language")
        assert ivan.last_message().buttons() == [["✓ Русский", "English"]]
        await ivan.press("English")
        assert "The bot's language is English." in ivan.texts()
        assert ivan.last_message().reply_keyboard() == [
            ["📅 Events", "📄 Resolutions"],
            ["✉️ Write to the office"],
            ["🔔 Subscriptions", "🏙 My city"],
            ["🌐 Language", "❓ Help"],
        ]
    async with run_bot():
        await ivan.send("/help")
        assert ivan.last_text().startswith("<b>What the bot does</b>")
        await ivan.send("🌐 Language")
        assert ivan.last_message().buttons() == [["Русский", "✓ English"]]
    chat_menus = tg.commands({"type": "chat", "chat_id": 1001})
    assert chat_menus
    assert chat_menus[0]["description"] == "Main menu"


async def test_command_menus_per_language_and_for_staff(
    tg: FakeTelegram, owner: FakeUser, run_bot: RunBot
) -> None:
    async with run_bot():
        await owner.send("/start")
    everyone_ru = [c["command"] for c in tg.commands({"type": "all_private_chats"}, "ru")]
    everyone_en = tg.commands({"type": "all_private_chats"}, "en")
    assert everyone_ru == [
        *("start", "help", "events", "resolutions", "subscribe", "city", "language"),
        *("cancel", "forget"),
    ]
    assert everyone_en[0]["description"] == "Main menu"
    assert tg.commands({"type": "all_private_chats"}, "ru")[0]["description"] == "Главное меню"
    owner_menu = [c["command"] for c in tg.commands({"type": "chat", "chat_id": OWNER})]
    assert {"invite", "contacts", "cities", "staff"} <= set(owner_menu)
    set_calls = len(tg.calls_of(SetMyCommands.__api_method__))
    async with run_bot():  # unchanged menus are not sent again
        pass
    assert len(tg.calls_of(SetMyCommands.__api_method__)) == set_calls


async def test_cancel_leaves_a_dialog(ivan: FakeUser, run_ivan: RunBot) -> None:
    async with run_ivan():
        await ivan.send("/cancel")
        assert ivan.last_text() == "Сейчас нечего прерывать."
        await ivan.send("/city")
        await ivan.send("/cancel")
        assert ivan.last_text() == "Диалог прерван, заявка не отправлена."
        await ivan.send("Вологда")  # no longer in the dialog: not a city request
        assert "Передать его в исполнительную дирекцию?" in ivan.last_text()


async def test_cancel_says_which_dialog_it_left(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned():
        for opening, said in (
            ("/event_new", "Создание мероприятия отменено, ничего не опубликовано."),
            ("/resolution_new", "Публикация отменена, ничего не отправлено."),
            ("/broadcast", "Рассылка отменена, ничего не отправлено."),
            ("✉️ Написать в дирекцию", "Диалог прерван, сообщение не отправлено."),
        ):
            await owner.send(opening)
            await owner.send("/cancel")
            assert owner.last_text() == said, opening


async def test_group_chat_gets_a_pointer_and_nothing_else(
    tg: FakeTelegram, ivan: FakeUser, run_bot: RunBot
) -> None:
    group = tg.group(-5001, title="Союз городов")
    async with run_bot():
        await group.send("/start", from_user=ivan)
        assert "https://t.me/union_test_bot" in group.last_text()
        count = len(tg.sent_to(-5001))
        await group.send("/help", from_user=ivan)
        await group.send("/invite Вологда", from_user=ivan)
        await group.send("привет", from_user=ivan)
        assert len(tg.sent_to(-5001)) == count
    assert ivan.messages() == []


async def test_stray_input_gets_a_polite_answer(ivan: FakeUser, run_bot: RunBot) -> None:
    async with run_bot():
        await ivan.send("привет")
        assert ivan.last_text() == "Чтобы начать, отправьте /start."
        await ivan.send("/start")
        await ivan.send_sticker()
        assert "Передать его в исполнительную дирекцию?" in ivan.last_text()
        await ivan.send("/nosuchcommand")
        assert ivan.last_text() == "Такой команды нет. Список команд — /help."


async def test_the_menu_buttons_open_their_sections(ivan: FakeUser, run_ivan: RunBot) -> None:
    async with run_ivan():
        await ivan.send("📅 События")
        events = ivan.last_text()
        await ivan.send("/events")
        assert ivan.last_text() == events
        await ivan.send("📄 Решения")
        archive = ivan.last_text()
        await ivan.send("/resolutions")
        assert ivan.last_text() == archive
