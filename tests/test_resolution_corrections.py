"""Corrections of published resolutions: edit, withdraw, versions, the duplicate question,
a draft's comments on its card, dates typed in words."""

from __future__ import annotations

from datetime import date

from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER
from tests.test_resolutions import add_contact, add_people, begin, publish_direct

TITLE = "О благоустройстве набережных"
NEW_TITLE = "О благоустройстве набережных и скверов"


async def test_a_correction_reaches_everyone_who_received_it(
    tg: FakeTelegram, owner: FakeUser, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        app.sender.pacer.per_chat_interval = 0
        await owner.send("/start")
        readers = await add_people(app, tg, [4001, 4002])
        await begin(owner, "✅ Принятое решение", "12 марта 2026", "Вологда", TITLE)
        await owner.send("1. Провести конкурс проектов набережных.")
        await owner.press("✅ Готово, это весь текст")
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        assert await app.db.fetchval("SELECT assembly_date FROM resolutions") == "2026-03-12"

        await owner.send("/resolutions")
        await owner.press(f"1. {TITLE}")
        await owner.press("✏️ Исправить")
        assert f"Что исправить в документе «{TITLE}»?" in owner.last_text()
        await owner.press("Заголовок")
        await owner.send(NEW_TITLE)
        await owner.press("✏️ Изменить ещё")
        await owner.press("Текст или файл")
        await owner.send("1. Провести конкурс проектов набережных и скверов до 1 июня.")
        await owner.press("✅ Готово, это весь текст")
        preview = owner.last_message().plain_text
        assert f"Заголовок: {TITLE} → {NEW_TITLE}" in preview
        assert "Текст: исправлен" in preview
        await owner.press("✅ Сохранить исправление")
        assert owner.last_text().startswith("✅ Исправление сохранено (редакция 2).")
        assert "Уведомление отправляется: 3 получателя." in owner.last_text()  # and Olga
        await app.sender.wait_idle()

        for reader in readers:
            notice, header, text = (m.plain_text for m in reader.messages()[-3:])
            assert notice.startswith("✏️ Исправление: решение Общего Собрания")
            assert f"Заголовок: {TITLE} → {NEW_TITLE}" in notice
            assert NEW_TITLE in header
            assert "и скверов до 1 июня" in text

        # The archive, search and digest know the current version only.
        await readers[0].send("/resolutions")
        listing = readers[0].last_message().plain_text
        assert NEW_TITLE in listing
        assert listing.count("О благоустройстве") == 1
        await readers[0].send("/resolutions скверов")
        assert NEW_TITLE in readers[0].last_message().plain_text
        adopted = await app.services.digests.resolutions.adopted_in(2026)
        assert [r.title for r in adopted] == [NEW_TITLE]

        # Staff see the earlier version and who replaced it; the audit log too.
        await owner.send("/resolutions")
        await owner.press(f"1. {NEW_TITLE}")
        card = owner.last_message()
        assert "Редакция 2, исправлено 23 ноября 2026 г." in card.plain_text
        await owner.press("🕘 Прежние редакции (1)")
        versions = owner.last_message().plain_text
        assert "Редакция 1, заменена 23 ноября 2026 г., 12:00 МСК (Ольга)" in versions
        assert f"«{TITLE}»" in versions
        row = await app.db.fetchone(
            "SELECT actor_id, details FROM audit_log WHERE action = 'resolution.correct'"
        )
        assert row is not None
        assert row[0] == OWNER

        # Withdrawn: everyone who got it is told, and it leaves the archive.
        await owner.press("❌ Отозвать")
        asked = owner.message(card.message_id).plain_text
        assert "Уведомление об отзыве получат все, кому он был отправлен: 3 получателя" in asked
        await owner.press("Да, отозвать")
        done = owner.message(card.message_id).plain_text
        assert "Уведомление отправляется: 3 получателя." in done
        await app.sender.wait_idle()
        for reader in readers:
            notice = reader.last_message().plain_text
            assert notice.startswith("❌ Решение Общего Собрания отозвано")
        await readers[0].send("/resolutions")
        assert "Архив решений пока пуст." in readers[0].last_text()
        await readers[0].send("/resolutions скверов")
        assert "ничего не найдено" in readers[0].last_message().plain_text
        assert await app.services.digests.resolutions.adopted_in(2026) == []
        assert (
            await app.db.fetchval(
                "SELECT actor_id FROM audit_log WHERE action = 'resolution.withdraw'"
            )
            == OWNER
        )


async def test_publishing_the_same_title_and_date_asks_first(
    owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await publish_direct(app, TITLE, "1. Пункт.", date(2026, 3, 12))
        await begin(owner, "✅ Принятое решение", "12.03.2026", "Вологда", f"  {TITLE.upper()} ")
        await owner.send("1. Пункт.")
        await owner.press("✅ Готово, это весь текст")
        await owner.press("✅ Опубликовать")
        question = owner.last_message().plain_text
        assert "Решение с тем же заголовком и датой Собрания (12 марта 2026 г.)" in question
        assert "уже опубликовано 23 ноября 2026 г.\n" in question
        assert "Всё равно опубликовать ещё раз?" in question
        assert await app.db.fetchval("SELECT count(*) FROM resolutions") == 1
        await owner.press("Да, опубликовать ещё раз")
        assert "опубликовано" in owner.last_text()
        assert await app.db.fetchval("SELECT count(*) FROM resolutions") == 2


async def test_a_drafts_card_shows_staff_its_comments(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        first = await add_contact(app, tg, 4101, "Кострома")
        second = await add_contact(app, tg, 4102, "Вологда")
        await publish_direct(app, TITLE, "1. Пункт.", date(2026, 12, 10), status="draft")
        await app.sender.wait_idle()
        for person, words in ((first, "Добавить скверы."), (second, "Согласны.")):
            await person.press("💬 Отправить замечания")
            await person.send(words)
        await owner.press("↩️ Ответить")  # the newest: from Vologda
        await owner.send("Спасибо!")

        await owner.send("/resolutions")
        await owner.press(f"1. {TITLE}")
        card = owner.last_message()
        assert "💬 Замечания: 2, без ответа — 1." in card.plain_text
        await owner.press("💬 Замечания (2)")
        listing = owner.last_message()
        assert "1. Контакт Кострома (@c4101), Кострома — 23 ноября 2026 г." in listing.plain_text
        assert "⏳ без ответа" in listing.plain_text
        assert "2. Контакт Вологда (@c4102), Вологда — 23 ноября 2026 г." in listing.plain_text
        assert "✅ есть ответ" in listing.plain_text
        assert listing.buttons() == [["↩️ Ответить на 1"]]
        await first.send("/resolutions")
        await first.press(f"1. {TITLE}")
        assert "Замечания:" not in first.last_message().plain_text  # staff only


async def test_an_ambiguous_date_is_asked_back(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned():
        await owner.send("/resolution_new")
        await owner.press("📝 Проект решения")
        await owner.send("27 июня")
        assert "Какой год имеется в виду: 27 июня 2026 г. или 27 июня 2027 г.?" in (
            owner.last_message().plain_text
        )
        await owner.send("27 июня 2027")
        assert "В каком городе" in owner.last_text()


async def test_a_card_opened_from_search_goes_back_to_the_results(
    ivan: FakeUser, run_ivan: RunBot
) -> None:
    async with run_ivan() as app:
        await publish_direct(app, TITLE, "1. Ещё раз обсудить набережные.", date(2026, 3, 12))
        await publish_direct(app, "О скверах", "1. Скверы и набережные.", date(2026, 3, 12))
        await app.sender.wait_idle()
        await ivan.send("/resolutions набережные")
        results = ivan.last_message()
        assert "<b>Ещё</b>" not in results.raw_text  # the text as written: ё kept
        assert "Ещё раз обсудить" in results.plain_text
        await ivan.press(f"1. {TITLE}")
        card = ivan.message(results.message_id)
        assert card.buttons()[-1] == ["← К результатам"]
        await ivan.press("← К результатам")
        again = ivan.message(results.message_id)
        assert again.plain_text == results.plain_text
        assert again.buttons() == results.buttons()
