"""The line to the executive office: the menu button, a stray message passed on, staff
copies with the sender's name, city and role, the answer, the "answered by" mark, /inbox."""

from __future__ import annotations

from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.test_resolutions import STAFF, add_people, staff_and_contact


async def test_a_message_to_the_office_and_its_answer(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        staff, contact = await staff_and_contact(app, tg, owner, 5001)
        (subscriber,) = await add_people(app, tg, [5002])

        # From the menu: a photo with a caption.
        await contact.send("/start")
        assert ["✉️ Написать в дирекцию"] in (contact.last_message().reply_keyboard() or [])
        await contact.send("✉️ Написать в дирекцию")
        assert "Напишите сообщение для исполнительной дирекции" in contact.last_text()
        await contact.send_photo(caption="Фото площадки для Спартакиады")
        assert contact.last_text().startswith("✅ Сообщение передано в исполнительную дирекцию")
        for member in (owner, staff):
            header, copy = member.messages()[-2:]
            assert header.plain_text.startswith("✉️ Сообщение в дирекцию (фото)")
            assert "От: Контакт Кострома (@c5001) — контактное лицо: Кострома" in header.plain_text
            assert header.buttons() == [["↩️ Ответить"]]
            assert copy.photo is not None
            assert copy.plain_text == "Фото площадки для Спартакиады"

        # A message outside any dialog is offered to be passed on.
        await subscriber.send("Когда следующее Собрание?")
        offer = subscriber.last_message()
        assert "Передать его в исполнительную дирекцию?" in offer.plain_text
        await subscriber.press("✉️ Да, передать в дирекцию")
        assert subscriber.last_text().startswith("✅ Сообщение передано")
        header, copy = owner.messages()[-2:]
        assert "Подписчик5002 — подписчик" in header.plain_text
        assert copy.plain_text == "Когда следующее Собрание?"
        await subscriber.send("Спасибо")
        await subscriber.press("Нет, не нужно")
        assert subscriber.last_text().startswith("Хорошо, сообщение никуда не отправлено.")

        await owner.send("/inbox")
        inbox = owner.last_message()
        assert "1. Контакт Кострома (@c5001), Кострома" in inbox.plain_text
        assert "Фото площадки для Спартакиады" in inbox.plain_text
        assert "2. Подписчик5002" in inbox.plain_text
        assert inbox.buttons() == [["↩️ Ответить на 1", "↩️ Ответить на 2"]]

        # Pyotr answers the contact; everyone's copy shows who answered.
        header_id = staff.messages()[-4].message_id
        await staff.press("↩️ Ответить", message_id=header_id)
        assert "бот передаст его автору (Контакт Кострома)" in staff.last_text()
        await staff.send("Площадка подходит, ждём заявку.")
        assert staff.last_text() == "✅ Ответ доставлен."
        answer = contact.last_message().plain_text
        assert answer.startswith("↩️ Ответ исполнительной дирекции на Ваше сообщение:")
        assert "Площадка подходит, ждём заявку." in answer
        assert "Ваше сообщение: Фото площадки для Спартакиады" in answer
        for member in (owner, staff):
            marked = [
                m
                for m in member.messages()
                if m.plain_text.startswith("✉️ Сообщение в дирекцию (фото)")
            ]
            assert "✅ Ответ дан: Пётр, 23 ноября 2026 г., 12:00 МСК" in marked[0].plain_text
        await owner.send("/inbox")
        assert "Кострома" not in owner.last_message().plain_text
        assert "1. Подписчик5002" in owner.last_message().plain_text
        assert (
            await app.db.fetchval("SELECT actor_id FROM audit_log WHERE action = 'office.answer'")
            == STAFF
        )

        await subscriber.send("/inbox")  # staff only
        assert subscriber.last_text() == "Такой команды нет. Список команд — /help."
