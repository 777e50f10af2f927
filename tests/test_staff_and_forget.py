"""Owners manage staff; /cities for staff; /forget deletes a person's data."""

from __future__ import annotations

from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER


async def test_owner_adds_and_removes_staff(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    petr = tg.user(200, first_name="Пётр")
    async with run_owned() as app:
        await petr.send("/start")
        await petr.send("/contacts")
        assert petr.last_text() == "Такой команды нет. Список команд — /help."

        await owner.send("/staff add 200")
        assert owner.last_text().startswith("Пользователь 200 теперь сотрудник.")
        assert petr.last_text().startswith("Вас добавили в сотрудники")
        staff_menu = [c["command"] for c in tg.commands({"type": "chat", "chat_id": 200})]
        assert "contacts" in staff_menu
        assert "staff" not in staff_menu
        await petr.send("/contacts")
        assert "Контактные лица городов" in petr.last_text()
        await petr.send("/staff add 300")  # staff, but not an owner
        assert petr.last_text() == "Такой команды нет. Список команд — /help."

        await owner.send("/staff add 200")
        assert owner.last_text() == "Пользователь 200 уже сотрудник."
        await owner.send("/staff")
        assert "Пётр" in owner.last_message().plain_text
        await owner.send(f"/staff remove {OWNER}")
        assert owner.last_text().startswith("Владельца нельзя убрать командой")
        await owner.send("/staff remove 200")
        assert owner.last_text() == "Пользователь 200 больше не сотрудник."
        assert petr.last_text() == "Вы больше не сотрудник исполнительной дирекции в этом боте."
        await petr.send("/contacts")
        assert petr.last_text() == "Такой команды нет. Список команд — /help."
        assert tg.commands({"type": "chat", "chat_id": 200}) == []
        await owner.send("/staff promote 5")
        assert owner.last_text().startswith("/staff — список сотрудников")
        actions = [row[0] for row in await app.db.fetchall("SELECT action FROM audit_log")]
        assert actions == ["staff.add", "staff.remove"]


async def test_staff_edit_the_member_cities(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned() as app:
        await owner.send("/cities")
        listing = owner.last_message().plain_text
        assert listing.startswith("Города — члены Союза (30)")
        assert "1. Архангельск — нет контакта" in listing
        await owner.send("/cities add Вытегра / Vytegra")
        assert owner.last_text() == "Город <b>Вытегра</b> добавлен в список членов Союза."
        await owner.send("/cities add вытегра")
        assert owner.last_text() == "Город <b>Вытегра</b> уже в списке членов Союза."
        await owner.send("/cities remove Вытегра")
        await owner.press("Да, исключить")
        assert owner.last_text() == "Город <b>Вытегра</b> исключён из списка членов Союза."
        await owner.send("/cities remove Вели")
        assert "найдено несколько городов" in owner.last_text()
        await owner.send("/cities")
        assert owner.last_message().plain_text.startswith("Города — члены Союза (30)")
        actions = [row[0] for row in await app.db.fetchall("SELECT action FROM audit_log")]
        assert actions == ["city.add", "city.remove"]


async def test_forget_deletes_the_persons_data_after_confirmation(
    tg: FakeTelegram, owner: FakeUser, ivan: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await owner.send("/invite Вологда")
        payload = owner.last_message().plain_text.split("start=")[1].split()[0]
        await ivan.send(f"/start {payload}")
        await ivan.send("/language")
        await ivan.press("English")

        await ivan.send("/forget")
        assert "city contact role" in ivan.last_text()
        await ivan.press("No, keep it")
        assert ivan.last_text() == "Fine, your data stays."
        assert await app.db.fetchval("SELECT count(*) FROM people WHERE id = 1001") == 1

        await ivan.send("/forget")
        await ivan.press("Yes, delete")
        assert "Your data has been deleted." in ivan.texts()
        for table, column in [
            ("people", "id"),
            ("subscriptions", "person_id"),
            ("city_contacts", "person_id"),
            ("fsm", "user_id"),
        ]:
            count = await app.db.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = 1001")
            assert count == 0, table
        assert tg.commands({"type": "chat", "chat_id": 1001}) == []
        await ivan.send("/subscribe")
        assert ivan.last_text() == "Чтобы начать, отправьте /start."  # Telegram says ru


async def test_owner_who_forgets_stays_owner(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned() as app:
        await owner.send("/forget")
        await owner.press("Да, удалить")
        assert owner.last_text().startswith("Ваши данные удалены. Права владельца сохраняются")
        assert await app.db.fetchval("SELECT count(*) FROM people") == 0
        await owner.send("/cities")
        assert owner.last_message().plain_text.startswith("Города — члены Союза")


async def test_blocking_the_bot_marks_the_person_inactive(ivan: FakeUser, run_ivan: RunBot) -> None:
    async with run_ivan() as app:
        await ivan.send_update(
            {
                "my_chat_member": {
                    "chat": {"id": 1001, "type": "private", "first_name": "Иван"},
                    "from": {"id": 1001, "is_bot": False, "first_name": "Иван"},
                    "date": 0,
                    "old_chat_member": {
                        "status": "member",
                        "user": {"id": 777000001, "is_bot": True, "first_name": "Bot"},
                    },
                    "new_chat_member": {
                        "status": "kicked",
                        "until_date": 0,
                        "user": {"id": 777000001, "is_bot": True, "first_name": "Bot"},
                    },
                }
            }
        )
        assert await app.db.fetchval("SELECT is_active FROM people WHERE id = 1001") == 0
        await ivan.send("/help")  # writing again means they are back
        assert await app.db.fetchval("SELECT is_active FROM people WHERE id = 1001") == 1


async def test_staff_added_by_username(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    anna = tg.user(210, first_name="Анна", username="Anna_K")
    async with run_owned():
        await anna.send("/start")
        await owner.send("/staff add @anna_k")  # any case
        assert owner.last_text().startswith("Пользователь 210 теперь сотрудник.")
        assert anna.last_text().startswith("Вас добавили в сотрудники")
        await owner.send("/staff add @nobody_here")
        assert owner.last_text().startswith("Пользователь @nobody_here ещё не открывал бота")
        await owner.send("/staff add @x")
        assert owner.last_text().startswith("/staff — список сотрудников")
