"""City contacts: invites from staff, requests approved or rejected, the list, removal."""

from __future__ import annotations

import functools
import operator
import re
from datetime import timedelta

import pytest

from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import ManualClock, add_staff, tries_staff_command

STAFF = 200


def invite_payload(staff: FakeUser) -> str:
    text = staff.last_message().plain_text
    match = re.search(r"https://t\.me/union_test_bot\?start=(inv_[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def test_invite_link_makes_a_contact_and_tells_the_staff(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    ivan = tg.user(1001, first_name="Иван", username="ivan")
    async with run_owned() as app:
        await owner.send("/invite вологда")
        created = owner.last_message().plain_text
        assert "Приглашение для контактного лица города Вологда" in created
        assert "30 ноября 2026 г., 12:00 МСК" in created  # 7 days after the test clock's now
        payload = invite_payload(owner)
        assert len(payload) <= 64

        await ivan.send(f"/start {payload}")
        assert "Теперь Вы — контактное лицо города <b>Вологда</b>" in ivan.texts()[0]
        assert "Вы — контактное лицо города" in ivan.last_text()  # welcome knows the role
        note = owner.last_message().plain_text
        assert note.startswith("Приглашение использовано: Иван (@ivan)")
        assert "Вологда" in note
        rows = await app.db.fetchall(
            "SELECT c.name, cc.via FROM city_contacts cc JOIN cities c ON c.id = cc.city_id "
            "WHERE cc.person_id = 1001"
        )
        assert [tuple(r) for r in rows] == [("Вологда", "invite")]

        other = tg.user(1002, first_name="Мария")
        await other.send(f"/start {payload}")
        assert other.texts()[0].startswith("Это приглашение уже использовано.")
        assert (
            await app.db.fetchval("SELECT count(*) FROM city_contacts WHERE person_id = 1002") == 0
        )


async def test_expired_and_unknown_invites(
    owner: FakeUser, ivan: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned() as app:
        await owner.send("/invite Кострома")
        payload = invite_payload(owner)
        clock.advance(timedelta(days=7, seconds=1))
        await ivan.send(f"/start {payload}")
        assert ivan.texts()[0].startswith("Срок действия приглашения истёк.")
        await ivan.send("/start inv_doesnotexist")
        assert ivan.texts()[-2].startswith("Приглашение не найдено.")
        assert await app.db.fetchval("SELECT count(*) FROM city_contacts") == 0


async def test_invite_without_a_city_offers_the_list(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned():
        await owner.send("/invite")
        assert owner.last_text() == "Для какого города нужна ссылка-приглашение?"
        assert len(functools.reduce(operator.iadd, owner.last_message().buttons(), [])) == 30
        await owner.send("/invite Вели")
        assert owner.last_text().startswith("По запросу «Вели» найдено несколько городов.")
        assert sorted(functools.reduce(operator.iadd, owner.last_message().buttons(), [])) == [
            "Великие Луки",
            "Великий Новгород",
            "Великий Устюг",
        ]
        await owner.press("Великий Устюг")
        assert "Великий Устюг" in owner.last_message().plain_text
        invite_payload(owner)
        await owner.send("/invite Атлантида")
        assert owner.last_text().startswith("Город «Атлантида» не найден")


async def test_request_approved_by_one_staff_member_updates_everyone(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    ivan = tg.user(1001, first_name="Иван", username="ivan")
    async with run_owned() as app:
        staff = await add_staff(tg, owner, STAFF, username="petr")
        await ivan.send("/start")
        await ivan.send("🏙 Мой город")
        assert "Контактным лицом какого города Вы хотите стать?" in ivan.last_text()
        await ivan.press("Череповец")
        assert ivan.last_text().startswith("Город: <b>Череповец</b>. Укажите, пожалуйста")
        await ivan.send_photo()
        assert ivan.last_text().startswith("Пожалуйста, ответьте текстом")
        await ivan.send("Начальник отдела экономики")
        assert ivan.last_text().startswith("Укажите организацию, в которой Вы работаете")
        await ivan.send("Администрация города Череповца")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Череповец</b>.")

        for member in (owner, staff):
            request = member.last_message()
            assert "Иван (@ivan) просит назначить контактным лицом города Череповец" in (
                request.plain_text
            )
            assert "Должность: Начальник отдела экономики" in request.plain_text
            assert "Организация: Администрация города Череповца" in request.plain_text
            assert request.buttons() == [["✅ Одобрить", "❌ Отклонить"]]
        owner_request = owner.last_message().message_id

        await staff.press("✅ Одобрить")
        assert staff.alerts()[-1] == "Заявка одобрена."
        assert ivan.last_text().startswith("Заявка одобрена: теперь Вы — контактное лицо")
        for member in (owner, staff):
            decided = member.last_message()
            assert "✅ Одобрена (Пётр)" in decided.plain_text
            assert "Начальник отдела экономики, Администрация города Череповца" in (
                decided.plain_text
            )
            assert decided.buttons() == []
        assert (
            await app.db.fetchval("SELECT via FROM city_contacts WHERE person_id = 1001")
            == "request"
        )

        # The owner's copy was edited; a stale press on it changes nothing.
        await owner.press_data("rq:1:0", message_id=owner_request)
        assert owner.alerts()[-1] == "Заявка уже одобрена."
        assert await app.db.fetchval("SELECT count(*) FROM city_contacts") == 1
        audit = await app.db.fetchall("SELECT actor_id, action FROM audit_log ORDER BY id")
        assert (STAFF, "contact.approve") in [tuple(row) for row in audit]


async def test_request_rejected_and_duplicate_requests(
    owner: FakeUser, ivan: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await ivan.send("/start")
        await ivan.send("/city")
        await ivan.send("псков")  # typed instead of pressed
        await ivan.send("Специалист")
        await ivan.send("Администрация")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Псков</b>.")
        await ivan.send("/city")
        await ivan.press("Псков")  # told at once, not asked for the position again
        assert ivan.last_text().startswith("Ваша заявка по городу <b>Псков</b> уже на рассмотрении")
        assert len([m for m in owner.messages() if "просит назначить" in m.plain_text]) == 1

        await owner.press("❌ Отклонить")
        assert owner.alerts()[-1] == "Заявка отклонена."
        assert ivan.last_text().startswith("Исполнительная дирекция отклонила заявку")
        assert "❌ Отклонена (Ольга)" in owner.last_message().plain_text
        assert await app.db.fetchval("SELECT count(*) FROM city_contacts") == 0


async def test_typed_city_that_does_not_exist_keeps_the_dialog(
    ivan: FakeUser, run_ivan: RunBot
) -> None:
    async with run_ivan():
        await ivan.send("/city")
        await ivan.send("Атлантида")
        assert ivan.last_text().startswith("Город «Атлантида» не найден")
        await ivan.send_photo()
        assert ivan.last_text().startswith("Напишите название города текстом")
        await ivan.send("Тихвин")
        await ivan.send("Специалист")
        await ivan.send("Администрация")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Тихвин</b>.")


async def test_contacts_list_and_removal_with_confirmation(
    owner: FakeUser, ivan: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await owner.send("/invite Вологда")
        await ivan.send(f"/start {invite_payload(owner)}")

        await owner.send("/contacts")
        overview = owner.last_message()
        assert "Контакт есть у 1 из 30 городов." in overview.plain_text
        assert "• Вологда — Иван" in overview.plain_text
        assert "• Кострома — нет контакта" in overview.plain_text
        assert overview.buttons() == [["Вологда"]]
        await owner.press("Вологда")
        assert owner.last_message().buttons() == [["✖ Иван"]]
        await owner.press("✖ Иван")
        assert owner.last_text().startswith("Удалить контактное лицо города <b>Вологда</b> — Иван?")
        await owner.press("Нет")
        assert owner.last_text() == "Контактное лицо остаётся."
        assert await app.db.fetchval("SELECT count(*) FROM city_contacts") == 1

        await owner.press("✖ Иван")
        await owner.press("Да, удалить")
        assert owner.last_text() == "Иван больше не контактное лицо города <b>Вологда</b>."
        assert ivan.last_text() == "Вы больше не контактное лицо города <b>Вологда</b>."
        assert await app.db.fetchval("SELECT count(*) FROM city_contacts") == 0


@pytest.mark.parametrize(
    "command",
    [
        "/invite Вологда",
        "/contacts",
        "/cities",
        "/staff",
        "/staff add 5",
        "/staff remove 5",
        "/broadcast",
        "/broadcasts",
    ],
)
async def test_non_staff_gets_the_unknown_command_answer_and_is_logged(
    ivan: FakeUser, run_bot: RunBot, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    async with run_bot():
        await tries_staff_command(ivan, command, caplog)
    name = command.split()[0][1:]
    assert f"person 1001 (not staff) tried the staff command /{name}" in caplog.text


async def test_staff_only_buttons_from_others_change_nothing(
    tg: FakeTelegram, owner: FakeUser, ivan: FakeUser, run_owned: RunBot
) -> None:
    mallory = tg.user(1666, first_name="Mallory")
    async with run_owned() as app:
        await ivan.send("/start")
        await mallory.send("/start")
        await ivan.send("/city")
        await ivan.press("Тверь")
        await ivan.send("Специалист")
        await ivan.send("Администрация")
        await mallory.press_data("rq:1:1")  # forged approval of Ivan's request
        assert mallory.alerts() == ["Эта кнопка устарела. Откройте раздел заново."]
        assert await app.db.fetchval("SELECT status FROM contact_requests") == "pending"
