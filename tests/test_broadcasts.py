"""Staff broadcasts through the outbox: audiences, preview, limits, cancel, scheduling."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.dates import DateInputError, DateProblem, parse_when
from storage.people import TelegramUser
from tests.conftest import RunBot
from tests.fake_telegram import ApiCall, FakeTelegram, FakeUser
from tests.support import OWNER, START, ManualClock

SEND_NOW = "✅ Отправить сейчас"


async def add_subscribers(app: App, tg: FakeTelegram, ids: range | list[int]) -> None:
    """People who sent /start, registered through the same service the bot uses."""
    for person_id in ids:
        tg.user(person_id, first_name=f"P{person_id}")
        await app.services.people.register(TelegramUser(id=person_id, first_name=f"P{person_id}"))


async def begin(owner: FakeUser, text: str, *presses: str) -> None:
    await owner.send("/broadcast")
    await owner.send(text)
    for label in presses:
        await owner.press(label)


def finished(call: ApiCall) -> bool:
    return call.method == "editMessageText" and "Рассылка завершена" in (call.text or "")


def copies(tg: FakeTelegram) -> list[ApiCall]:
    """Messages the broadcast delivered (the preview is copied silently to the staff)."""
    return [
        c for c in tg.calls_of("copyMessage") if c.ok and not c.params.get("disable_notification")
    ]


async def test_broadcast_to_300_with_20_blocked(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, run_bot: RunBot
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, range(2001, 2301))
        for person_id in range(2001, 2021):
            tg.block(person_id)

        await begin(
            owner, "Собрание Союза переносится на <b>15 декабря</b>.", "👥 Всем подписчикам"
        )
        preview = owner.messages()[-2]
        assert preview.copied_from is not None
        assert preview.copied_from[0] == OWNER
        assert "Получателей: 301" in owner.last_message().plain_text
        assert "все подписчики" in owner.last_message().plain_text
        await owner.press(SEND_NOW)
        report = await tg.wait_for(finished, timeout=20)

    text = report.text or ""
    assert "Доставлено: 281 из 301" in text
    assert "Заблокировали бота: 20" in text
    assert "Ошибки: 0" in text
    delivered = [c.chat_id for c in copies(tg)]
    assert len(delivered) == len(set(delivered)) == 281
    async with run_bot() as app:
        inactive = await app.db.fetchall("SELECT id FROM people WHERE is_active = 0 ORDER BY id")
        assert [row[0] for row in inactive] == list(range(2001, 2021))
        audit = await app.db.fetchall("SELECT actor_id, action FROM audit_log")
        assert [tuple(row) for row in audit] == [(OWNER, "broadcast.send")]
        await owner.send("/broadcast")
        await owner.send("Второе сообщение")
        await owner.press("👥 Всем подписчикам")
        assert "Получателей: 281" in owner.last_message().plain_text  # the blocked are skipped


async def test_preview_is_the_copied_message_and_the_progress_is_one_message(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, range(3001, 3051))
        await owner.send("/broadcast")
        original = await owner.send_photo(caption="Фото с <i>Спартакиады</i>")
        assert original
        await owner.press("👥 Всем подписчикам")
        preview = owner.messages()[-2]
        assert preview.copied_from is not None
        assert preview.copied_from[0] == OWNER
        sent_before = len(tg.sent_to(OWNER))
        await owner.press(SEND_NOW)
        await tg.wait_for(finished, timeout=20)
        progress_messages = [
            c for c in tg.sent_to(OWNER)[sent_before:] if "Рассылка:" in (c.text or "")
        ]
        assert len(progress_messages) == 1
        copied = copies(tg)[-1]
        assert copied.params["from_chat_id"] == OWNER
        assert len({c.chat_id for c in copies(tg)}) == 51


async def test_429_pauses_every_send_and_nothing_is_lost_or_doubled(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=40) as app:
        await add_subscribers(app, tg, range(4001, 4060))
        tg.rate_limit = 20
        await begin(owner, "Проверка лимитов", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_for(finished, timeout=30)
    too_many = [c for c in tg.calls_of("copyMessage") if c.status == 429]
    assert too_many, "the fake never said 429: the test proves nothing"
    delivered = [c.chat_id or 0 for c in copies(tg)]
    assert sorted(delivered) == [OWNER, *range(4001, 4060)]
    for refusal in too_many:
        retry_after = int((refusal.description or "").rsplit(" ", 1)[-1])
        during_pause = [
            c for c in copies(tg) if refusal.at + 0.1 < c.at < refusal.at + retry_after - 0.1
        ]
        assert during_pause == [], "a message went out while Telegram asked to wait"


async def test_network_errors_are_retried_with_backoff_then_given_up(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, [5001, 5002, 5003])
        tg.fail_next("copyMessage", status=502, chat_id=5001)
        tg.fail_next("copyMessage", status=0, chat_id=5002)  # connection dropped
        tg.fail_next("copyMessage", status=500, chat_id=5003, count=10)
        await begin(owner, "Повторы", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_calls(lambda c: c.method == "copyMessage", 4)
        await app.sender.wait_idle()  # the failures are stored with their next attempt time
        for attempt, backoff in zip(range(2, 6), (2, 4, 8, 16), strict=True):
            clock.advance(timedelta(seconds=backoff - 1))  # not due yet: nothing goes out
            app.sender.wake()
            await app.sender.wait_idle()
            assert len(tg.calls_of("copyMessage", chat_id=5003)) == attempt - 1
            clock.advance(timedelta(seconds=1))  # due now: the retry goes out once
            app.sender.wake()
            await tg.wait_calls(lambda c: c.method == "copyMessage" and c.chat_id == 5003, attempt)
            await app.sender.wait_idle()
        report = await tg.wait_for(finished, timeout=10)
        rows = await app.db.fetchall(
            "SELECT chat_id, status, attempts FROM deliveries ORDER BY chat_id"
        )
    assert [tuple(r) for r in rows] == [
        (OWNER, "sent", 1),
        (5001, "sent", 2),
        (5002, "sent", 2),
        (5003, "failed", 5),
    ]
    assert "Ошибки: 1" in (report.text or "")
    assert len(tg.calls_of("copyMessage", chat_id=5003)) == 5


async def test_chat_not_found_fails_without_retry(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, [5101, 5102])
        tg.mark_missing(5101)
        await begin(owner, "Нет чата", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        report = await tg.wait_for(finished, timeout=10)
        status = await app.db.fetchval("SELECT status FROM deliveries WHERE chat_id = 5101")
    assert status == "failed"
    assert len(tg.calls_of("copyMessage", chat_id=5101)) == 1
    assert "Доставлено: 2 из 3" in (report.text or "")


async def test_cancel_stops_the_rest(tg: FakeTelegram, owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned(broadcast_rate=10) as app:
        await add_subscribers(app, tg, range(6001, 6041))
        await begin(owner, "Длинная рассылка", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_calls(lambda c: c.method == "copyMessage" and c.ok, 3)
        await owner.press("⏹ Остановить рассылку")
        assert owner.alerts()[-1] == "Рассылка остановлена."
        stopped = await tg.wait_for(
            lambda c: c.method == "editMessageText" and "Рассылка остановлена" in (c.text or "")
        )
        sent_at_cancel = len(copies(tg))
        await app.sender.stop()  # drain: nothing more may go out
        counts = dict(
            tuple(r)
            for r in await app.db.fetchall(
                "SELECT status, count(*) FROM deliveries GROUP BY status"
            )
        )
        app.sender.start()
    assert len(copies(tg)) == sent_at_cancel  # the report came after the last send
    assert counts.get("pending", 0) == 0
    assert counts["sent"] + counts["cancelled"] == 41
    assert counts["cancelled"] >= 30
    assert f"Доставлено: {counts['sent']} из 41" in (stopped.text or "")
    assert f"Отменено: {counts['cancelled']}" in (stopped.text or "")


@pytest.mark.parametrize(
    ("presses", "expected"),
    [
        (["👥 Всем подписчикам"], {OWNER, 7001, 7002, 7003, 7004}),
        (["🏷 Подписчикам темы", "Спорт и Спартакиада"], {OWNER, 7001, 7003, 7004}),
        (["🏙 Всем контактным лицам городов"], {7003, 7004}),
        (["📍 Контактным лицам выбранных городов", "Вологда", "Готово (1)"], {7003}),
        (["🧪 Только сотрудникам (проверка)"], {OWNER, 7002}),
    ],
)
async def test_each_audience_kind(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, presses: list[str], expected: set[int]
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, [7001, 7002, 7003, 7004])
        sport_fan = tg.user(7002)
        await sport_fan.send("/subscribe")
        await sport_fan.press("✓ Спорт и Спартакиада")  # 7002 leaves the sport topic
        await owner.send("/staff add 7002")
        contacts = app.services.contacts
        cities = app.services.cities
        (vologda,) = await cities.find("Вологда")
        (tver,) = await cities.find("Тверь")
        for person_id, city in ((7003, vologda), (7004, tver)):
            await contacts.contacts.add(city.id, person_id, via="cli", added_by=None, now=START)

        await begin(owner, "Для аудитории", *presses)
        assert f"Получателей: {len(expected)}" in owner.last_message().plain_text
        await owner.press(SEND_NOW)
        await tg.wait_for(finished, timeout=10)
    assert {c.chat_id for c in copies(tg)} == expected


async def test_cities_must_be_chosen_and_nobody_means_no_send_button(
    owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned():
        await begin(owner, "Текст", "📍 Контактным лицам выбранных городов")
        await owner.press("Готово (0)")
        assert owner.alerts()[-1] == "Выберите хотя бы один город."
        await owner.press("Тверь")
        await owner.press("✓ Тверь")  # toggled off again
        await owner.press("Кострома")
        assert "✓ Кострома ○" in str(owner.last_message().buttons())
        assert "○ — у города нет контактного лица" in owner.last_text()
        await owner.press("Готово (1)")
        summary = owner.last_message()
        assert "Получателей нет" in summary.plain_text
        assert "Нет контактного лица: Кострома — этот город рассылку не получит." in (
            summary.plain_text
        )
        assert SEND_NOW not in [label for row in summary.buttons() for label in row]
        await owner.press("✏️ Изменить аудиторию")
        await owner.press("✖ Отменить")
        assert owner.last_text() == "Рассылка отменена, ничего не отправлено."


async def test_schedule_rejects_bad_and_past_times(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await begin(owner, "Позже", "🧪 Только сотрудникам (проверка)")
        await owner.press("🕓 Запланировать")
        assert "Когда отправить?" in owner.last_text()
        await owner.send_sticker()
        assert owner.last_text().startswith("Не удалось разобрать дату.")
        for typed, reply in (
            ("завтра утром", "Не удалось разобрать дату."),
            ("31.02 10:00", "Такой даты или времени не бывает."),
            ("23.11 11:59", "Это время уже прошло."),  # the test clock says 23.11.2026 12:00 МСК
            ("23.11.2026 13:30", "🕓 Рассылка запланирована на 23 ноября 2026 г., 13:30 МСК"),
        ):
            await owner.send(typed)
            assert owner.last_text().startswith(reply), typed
        assert await app.db.fetchval("SELECT status FROM delivery_jobs") == "scheduled"
    assert copies(tg) == []


async def schedule_for_staff(owner: FakeUser, when: str) -> None:
    await begin(owner, "По расписанию", "🧪 Только сотрудникам (проверка)")
    await owner.press("🕓 Запланировать")
    await owner.send(when)
    assert owner.last_text().startswith("🕓 Рассылка запланирована")


async def sent_once(tg: FakeTelegram, run_bot: RunBot) -> None:
    """One more start sends nothing again: the owner (all the staff) has exactly one copy."""
    async with run_bot():
        pass
    assert [c.chat_id for c in copies(tg)] == [OWNER]


@pytest.fixture
async def due_at_13(owner: FakeUser, run_owned: RunBot) -> None:
    """A broadcast to staff scheduled for 23.11 13:00 (an hour after the test clock's now)
    by a bot that has stopped since."""
    async with run_owned():
        await schedule_for_staff(owner, "23.11 13:00")


@pytest.mark.usefixtures("due_at_13")
async def test_scheduled_broadcast_survives_a_restart_and_fires_once(
    tg: FakeTelegram, run_bot: RunBot, clock: ManualClock
) -> None:
    async with run_bot() as app:
        due = START + timedelta(hours=1)
        assert list(app.scheduler.armed().values()) == [due]
        clock.advance(timedelta(minutes=59))
        await app.scheduler.run_due()
        assert copies(tg) == []
        clock.advance(timedelta(minutes=1))
        await app.scheduler.run_due()
        await tg.wait_for(finished, timeout=10)
        await app.scheduler.run_due()
        assert app.scheduler.armed() == {}
    await sent_once(tg, run_bot)


@pytest.mark.usefixtures("due_at_13")
async def test_due_during_downtime_fires_once_at_start_within_grace(
    tg: FakeTelegram, run_bot: RunBot, clock: ManualClock
) -> None:
    clock.advance(timedelta(hours=2))  # an hour late; the grace is two hours
    async with run_bot():
        await tg.wait_for(finished, timeout=10)
    await sent_once(tg, run_bot)


@pytest.mark.usefixtures("due_at_13")
async def test_due_long_before_start_is_marked_missed(
    tg: FakeTelegram, owner: FakeUser, run_bot: RunBot, clock: ManualClock
) -> None:
    clock.advance(timedelta(hours=4))  # three hours late
    async with run_bot() as app:
        assert owner.last_text().startswith(
            "Рассылка, запланированная на 23 ноября 2026 г., 13:00 МСК, не отправлена"
        )
        assert await app.db.fetchval("SELECT status FROM delivery_jobs") == "missed"
        assert await app.db.fetchval("SELECT status FROM timed_actions") == "missed"
        await owner.send("/broadcasts")
        assert "не отправлена" in owner.last_message().plain_text
    assert copies(tg) == []


async def test_scheduled_broadcast_can_be_cancelled_from_the_list(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned() as app:
        await schedule_for_staff(owner, "24.11 10:00")
        await owner.send("/broadcasts")
        listing = owner.last_message()
        assert "запланирована на 24 ноября 2026 г., 10:00 МСК" in listing.plain_text
        assert "«По расписанию»" in listing.plain_text  # its first words
        await owner.press("✖ Отменить №1")
        assert owner.alerts()[-1] == "Рассылка остановлена."
        assert "отменена" in owner.last_message().plain_text
        assert owner.last_message().buttons() == []
        await owner.press_data("jb:cancel:1", message_id=listing.message_id)
        assert owner.alerts()[-1] == "Эта рассылка уже завершена или отменена."
        clock.advance(timedelta(days=1))
        await app.scheduler.run_due()
        statuses = await app.db.fetchall("SELECT status FROM timed_actions")
        assert [row[0] for row in statuses] == ["cancelled"]
    assert copies(tg) == []


def test_dates_are_read_the_russian_way() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Moscow")
    now = START  # 23.11.2026 12:00 МСК
    assert parse_when("25.12 10:00", now=now, tz=tz).isoformat() == "2026-12-25T07:00:00+00:00"
    assert parse_when("25.12.2026 10.00", now=now, tz=tz).isoformat() == (
        "2026-12-25T07:00:00+00:00"
    )
    assert parse_when("10.01 9:30", now=now, tz=tz).isoformat() == "2027-01-10T06:30:00+00:00"
    for text, problem in [
        ("25/12", DateProblem.NO_TIME),  # a day without a time is asked to give the time
        ("25.12.2026", DateProblem.NO_TIME),
        ("в понедельник", DateProblem.NO_TIME),
        ("через неделю 10:00", DateProblem.FORMAT),
        ("32.12 10:00", DateProblem.INVALID),
        ("25.12 24:00", DateProblem.INVALID),
        ("23.11 11:00", DateProblem.PAST),
        ("01.01.2020 10:00", DateProblem.PAST),
    ]:
        with pytest.raises(DateInputError) as caught:
            parse_when(text, now=now, tz=tz)
        assert caught.value.problem is problem, text


async def test_two_sends_to_one_chat_are_a_second_apart(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=1000) as app:
        await add_subscribers(app, tg, [9001, 9002])
        for round_ in range(2):
            await begin(owner, f"Сообщение {round_}", "👥 Всем подписчикам")
            await owner.press(SEND_NOW)
        await tg.wait_calls(lambda c: c.method == "copyMessage" and c.chat_id == 9002, 2)
    for chat in (OWNER, 9001, 9002):
        first, second = (c.at for c in copies(tg) if c.chat_id == chat)
        assert second - first >= 0.95, chat


async def test_a_scheduled_job_without_its_timer_gets_one_at_start(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, run_bot: RunBot, clock: ManualClock
) -> None:
    """The bot stopped between writing the job and its timed action: nothing is lost."""
    from bot.delivery.parts import copy_payload
    from storage.outbox import NewJob

    async with run_owned() as app:
        await owner.send("Сообщение без таймера")
        message_id = owner.last_message().message_id - 1
        audience: dict[str, object] = {"kind": "staff", "topic": None, "city_ids": []}
        await app.outbox.schedule(
            NewJob("broadcast", audience, copy_payload(OWNER, message_id), created_by=OWNER),
            START + timedelta(minutes=30),
        )
    async with run_bot() as app:
        assert list(app.scheduler.armed().values()) == [START + timedelta(minutes=30)]
        clock.advance(timedelta(minutes=30))
        await app.scheduler.run_due()
        await tg.wait_for(finished, timeout=10)
    assert [c.chat_id for c in copies(tg)] == [OWNER]
