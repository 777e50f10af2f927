"""Events: the staff dialog, announcements, RSVP, calendar files, reminders, edits, cancels."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.app import App
from storage.events import EventDraft
from storage.values import EventFormat, EventKind
from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, ManualClock, add_people, add_staff, tries_staff_command

MSK = ZoneInfo("Europe/Moscow")
# The test clock starts on 23.11.2026 at 12:00 Moscow time.
STARTS = datetime(2026, 12, 15, 10, 0, tzinfo=MSK)


async def create_event(
    owner: FakeUser,
    *,
    kind: str = "Конференция",
    title: str = "Цифровой муниципалитет",
    city: str = "Вологда",
    start: str = "15.12 10:00",
    end: str | None = "18:00",
    form: str = "Очно",
    place: str | None = "Зал заседаний, ул. Ленина, 1",
    link: str | None = None,
    description: str | None = "Пленарное заседание и секции.",
) -> None:
    """Walk the /event_new dialog up to the preview. The city is pressed, or typed if it has
    no button (not a member city)."""
    await owner.send("/event_new")
    await owner.press(kind)
    await owner.send(title)
    buttons = [label for row in owner.last_message().buttons() for label in row]
    await (owner.press(city) if city in buttons else owner.send(city))
    await owner.send(start)
    await (owner.send(end) if end else owner.press("Пропустить"))
    await owner.press(form)
    if form != "По видеосвязи (ВКС)":
        await (owner.send(place) if place else owner.press("Пропустить"))
    if link is not None:
        await owner.send(link)
    await (owner.send(description) if description else owner.press("Пропустить"))


async def open_event(member: FakeUser, title: str = "Цифровой муниципалитет") -> None:
    """Open the card of the first event in /events, which is `title`."""
    await member.send("/events")
    await member.press(f"1. {title}")


async def remind_at(app: App, clock: ManualClock, moment: datetime) -> None:
    """Move the calendar to `moment`, run what falls due, and wait for it to go out."""
    clock.moment = moment
    await app.scheduler.run_due()
    await app.sender.wait_idle()


async def publish_event(app: App, owner: FakeUser, **fields: Any) -> int:
    await create_event(owner, **fields)
    await owner.press("✅ Опубликовать")
    await app.sender.wait_idle()
    return int(await app.db.fetchval("SELECT max(id) FROM events"))


async def event_with_attendee(
    app: App, tg: FakeTelegram, owner: FakeUser, ids: list[int]
) -> tuple[int, list[FakeUser]]:
    """People with these ids, the event announced to them, and the first says they will come."""
    people = await add_people(app, tg, ids)
    event_id = await publish_event(app, owner)
    await people[0].press("Я приду")
    return event_id, people


async def test_dialog_refuses_bad_dates_then_publishes_to_the_topic(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        people = await add_people(app, tg, [2001, 2002])
        await app.services.subscriptions.toggle(2002, "conferences")  # 2002 leaves the topic
        await owner.send("/event_new")
        assert "Выберите вид мероприятия" in owner.last_text()
        await owner.press("Круглый стол")
        await owner.send("Тарифы <ЖКХ> & бюджет")
        await owner.send("вологда")  # a member city typed rather than pressed
        assert "Когда начало?" in owner.last_text()

        await owner.send("завтра утром")
        assert "Не удалось разобрать дату" in owner.last_text()
        await owner.send("31.02 10:00")
        assert owner.last_text() == (
            "Такой даты или времени не бывает. Проверьте число, месяц и время."
        )
        await owner.send("20.11 10:00")  # three days ago
        assert owner.last_text() == "Это время уже прошло. Укажите дату и время в будущем."
        await owner.send("23.11.2026 11:59")
        assert "уже прошло" in owner.last_text()
        await owner.send_photo()
        assert owner.last_text() == "Пожалуйста, ответьте текстом."

        await owner.send("15.12 10:00")
        assert "Когда окончание?" in owner.last_text()
        await owner.send("09:00")
        assert owner.last_text().startswith("Окончание должно быть позже начала")
        await owner.send("13:30")
        await owner.press("Очно и по видеосвязи")
        await owner.send("Администрация города")
        await owner.send("не ссылка")
        assert "Это не похоже на ссылку" in owner.last_text()
        await owner.send("https://meet.example.org/union-15")
        await owner.press("Пропустить")

        preview = owner.last_message()
        assert "Так будет выглядеть анонс" in preview.plain_text
        assert "Тарифы <ЖКХ> & бюджет" in preview.plain_text  # escaped, shown as typed
        assert "&lt;ЖКХ&gt; &amp;" in preview.raw_text
        assert "15 декабря 2026 г., 10:00 МСК — 13:30 МСК" in preview.plain_text
        assert "Вологда, Администрация города" in preview.plain_text
        assert "https://meet.example.org/union-15" in preview.plain_text
        assert "Анонс получат: 2 (подписчики темы «Конференции и круглые столы»)" in (
            preview.plain_text
        )
        assert preview.buttons() == [["✅ Опубликовать"], ["✏️ Изменить"], ["✖ Отменить"]]
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        assert any("опубликовано. Анонс отправляется: 2 получателя" in m for m in owner.texts())

        row = await app.db.fetchone(
            "SELECT kind, title, city_name, city_id IS NOT NULL, starts_at, ends_at FROM events"
        )
        assert row is not None
        assert tuple(row) == (
            "round_table",
            "Тарифы <ЖКХ> & бюджет",
            "Вологда",
            1,
            "2026-12-15T07:00:00+00:00",
            "2026-12-15T10:30:00+00:00",
        )
    announcement = people[0].last_message()
    assert "Анонс мероприятия Союза" in announcement.plain_text
    assert announcement.buttons()[0] == ["🙋 Я приду", "🙅 Не приду"]
    assert people[1].messages() == []  # not subscribed to the topic
    assert any("Анонс мероприятия" in m.plain_text for m in owner.messages())  # subscribed


async def test_rsvp_toggles_and_counts(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        anna, boris = await add_people(app, tg, [2101, 2102])
        event_id = await publish_event(app, owner)

        await anna.press("Я приду")
        assert anna.alerts()[-1] == "Отмечено — Вы придёте. Напомним перед началом."
        assert anna.last_message().buttons()[0] == ["✅ Я приду · 1", "🙅 Не приду"]
        assert "придёт 1 человек" in anna.last_message().plain_text
        await boris.press("Я приду")
        assert boris.last_message().buttons()[0] == ["✅ Я приду · 2", "🙅 Не приду"]
        await anna.press("Я приду")  # again: taken back
        assert anna.alerts()[-1] == "Ответ снят."
        assert anna.last_message().buttons()[0] == ["🙋 Я приду · 1", "🙅 Не приду"]
        await anna.press("Не приду")
        assert anna.last_message().buttons()[0] == ["🙋 Я приду · 1", "✅ Не приду · 1"]
        await boris.press("Не приду")  # changes his mind
        assert boris.last_message().buttons()[0] == ["🙋 Я приду", "✅ Не приду · 2"]
        rows = await app.db.fetchall(
            "SELECT person_id, going FROM event_rsvps WHERE event_id = ? ORDER BY person_id",
            (event_id,),
        )
        assert [tuple(r) for r in rows] == [(2101, 0), (2102, 0)]

        await anna.press_data(f"ev:go:{event_id + 50}:-1")  # a forged or deleted event
        assert anna.alerts()[-1] == "Эта кнопка устарела. Откройте раздел заново."
        for forged in (
            f"ev:drop:{event_id}:-1",
            f"ev:edit:{event_id}:-1",
            f"ev:people:{event_id}:0",
        ):
            await anna.press_data(forged)  # staff buttons, forged by someone else
            assert anna.alerts()[-1] == "Эта кнопка устарела. Откройте раздел заново."
        assert await app.db.fetchval("SELECT status FROM events") == "published"

        await anna.send("/events")
        listing = anna.last_message()
        assert "Ближайшие мероприятия" in listing.plain_text
        assert "15 декабря 2026 г., 10:00 МСК" in listing.plain_text
        await anna.press("1. Цифровой муниципалитет")
        card = anna.last_message()
        assert card.buttons() == [
            ["🙋 Я приду", "✅ Не приду · 2"],
            ["📅 Добавить в календарь"],
            ["← К списку"],
        ]
        await anna.press("Я приду")
        assert anna.last_message().buttons()[-1] == ["← К списку"]
        await anna.press("← К списку")
        assert "Ближайшие мероприятия" in anna.last_message().plain_text


async def test_calendar_file_parses_with_the_right_time_zone(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        (anna,) = await add_people(app, tg, [2201])
        await publish_event(
            app, owner, form="По видеосвязи (ВКС)", link="https://vks.example.org/r/42", end=None
        )
        await anna.press("Добавить в календарь")
    upload = anna.documents()[-1].document
    assert not isinstance(upload, str)
    assert upload is not None
    assert upload.filename.endswith(".ics")
    calendar = Calendar.from_ical(upload.content)
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == STARTS
    assert start.astimezone(UTC) == datetime(2026, 12, 15, 7, 0, tzinfo=UTC)
    assert str(event["dtstart"].params["TZID"]) == "Europe/Moscow"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]
    assert str(event["summary"]) == "Цифровой муниципалитет"
    assert "https://vks.example.org/r/42" in str(event["location"])
    assert "dtend" not in event


async def test_staff_see_attendees_and_a_csv(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        anna, boris, vera = await add_people(app, tg, [2301, 2302, 2303])
        await publish_event(app, owner)
        await anna.press("Я приду")
        await boris.press("Я приду")
        await vera.press("Не приду")

        await open_event(anna)
        assert "👥 Участники" not in str(anna.last_message().buttons())

        await open_event(owner)
        assert owner.last_message().buttons()[2:] == [
            ["👥 Участники"],
            ["✏️ Изменить", "❌ Отменить мероприятие"],
            ["← К списку"],
        ]
        await owner.press("👥 Участники")
    text = owner.messages()[-2].plain_text
    assert "Придут 2 человека:" in text
    assert "Участник2301" in text
    assert "Участник2302" in text
    assert "Отметили «Не приду»: 1" in text
    upload = owner.documents()[-1].document
    assert upload is not None
    assert not isinstance(upload, str)
    assert upload.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Cyrillic
    rows = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["ФИО", "Telegram", "ID", "Город", "Ответ", "Время ответа"]
    assert sorted((r[2], r[4]) for r in rows[1:]) == [
        ("2301", "придёт"),
        ("2302", "придёт"),
        ("2303", "не придёт"),
    ]


async def test_reminders_go_to_attendees_at_their_offsets(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned() as app:
        event_id, (anna, boris) = await event_with_attendee(app, tg, owner, [2401, 2402])
        due = sorted(app.scheduler.armed().values())
        assert due == [STARTS - timedelta(hours=24), STARTS - timedelta(hours=1)]

        clock.moment = STARTS - timedelta(hours=24, seconds=1)
        await app.scheduler.run_due()
        assert "Напоминание" not in anna.last_message().plain_text
        await remind_at(app, clock, STARTS - timedelta(hours=24))
        reminder = anna.last_message().plain_text
        assert "Напоминание: мероприятие начнётся через 1 день." in reminder
        assert "Цифровой муниципалитет" in reminder
        assert "Напоминание" not in boris.last_message().plain_text  # he did not say he'd come

        await remind_at(app, clock, STARTS - timedelta(hours=1))
        assert "начнётся через 1 час" in anna.last_message().plain_text
        statuses = await app.db.fetchall(
            "SELECT ref, status FROM timed_actions WHERE kind = 'event_reminder' ORDER BY ref"
        )
        assert [tuple(r) for r in statuses] == [
            (f"{event_id}:3600", "done"),
            (f"{event_id}:86400", "done"),
        ]
        reminders = [m for m in anna.messages() if "Напоминание" in m.plain_text]
        assert len(reminders) == 2


async def test_subscribers_are_reminded_when_configured(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned(event_reminders="2h", event_reminders_to_subscribers=True) as app:
        anna, boris = await add_people(app, tg, [2451, 2452])
        await app.services.subscriptions.toggle(2452, "conferences")  # boris leaves the topic
        await publish_event(app, owner)
        await remind_at(app, clock, STARTS - timedelta(hours=2))
    assert "начнётся через 2 часа" in anna.last_message().plain_text
    assert all("Напоминание" not in m.plain_text for m in boris.messages())


async def test_a_reminder_due_during_downtime_is_sent_once_before_the_start_never_after(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, run_bot: RunBot, clock: ManualClock
) -> None:
    async with run_owned() as app:
        (anna,) = await add_people(app, tg, [2501])
        soon = await publish_event(app, owner, title="Скоро", start="15.12 10:00")
        later = await publish_event(app, owner, title="Позже", start="20.12 10:00")
        first, second = anna.messages()
        await anna.press("Я приду", message_id=first.message_id)
        await anna.press("Я приду", message_id=second.message_id)
        going = await app.db.fetchall("SELECT event_id FROM event_rsvps WHERE going = 1")
        assert sorted(r[0] for r in going) == [soon, later]

    # Down from before both 24-hour reminders of "Скоро" until 30 minutes before it starts.
    clock.moment = STARTS - timedelta(minutes=30)
    async with run_bot() as app:
        await app.sender.wait_idle()
        reminders = [m.plain_text for m in anna.messages() if "Напоминание" in m.plain_text]
        assert len(reminders) == 1  # the 24-hour one is not sent as well, late and redundant
        assert "Скоро" in reminders[0]
        assert "начнётся через 30 минут" in reminders[0]
    async with run_bot() as app:  # another restart sends nothing again
        await app.sender.wait_idle()
        assert len([m for m in anna.messages() if "Напоминание" in m.plain_text]) == 1

    # Down across the start of "Позже": its reminders are missed, nothing goes out after it.
    clock.moment = datetime(2026, 12, 20, 10, 5, tzinfo=MSK)
    async with run_bot() as app:
        await app.sender.wait_idle()
        statuses = await app.db.fetchall(
            "SELECT ref, status FROM timed_actions WHERE ref LIKE ? ORDER BY ref", (f"{later}:%",)
        )
        assert [tuple(r) for r in statuses] == [
            (f"{later}:3600", "missed"),
            (f"{later}:86400", "missed"),
        ]
    assert len([m for m in anna.messages() if "Напоминание" in m.plain_text]) == 1


async def test_editing_the_time_tells_attendees_and_moves_reminders(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        event_id, (anna, boris) = await event_with_attendee(app, tg, owner, [2601, 2602])
        boris_before = len(boris.messages())

        await open_event(owner)
        await owner.press("✏️ Изменить")
        assert "Что изменить" in owner.last_text()
        await owner.press("Начало")
        await owner.send("16.12 11:00")
        dropped, card, preview_message = owner.messages()[-3:]
        assert dropped.plain_text.startswith("Окончание было раньше нового начала")  # 18:00 15.12
        assert "📅 16 декабря 2026 г., 11:00 МСК\n" in card.plain_text
        preview = preview_message.plain_text
        assert (
            "Время: 15 декабря 2026 г., 10:00 МСК — 15 декабря 2026 г., 18:00 МСК"
            " → 16 декабря 2026 г., 11:00 МСК"
        ) in preview
        assert "Уведомление получат те, кто отметил «Я приду»: 1 участник" in preview
        await owner.press("✅ Сохранить")
        assert "сохранены" in owner.last_text()
        await app.sender.wait_idle()

        notice = anna.messages()[-2].plain_text
        assert "Изменения в мероприятии «Цифровой муниципалитет»" in notice
        assert "→ 16 декабря 2026 г., 11:00 МСК" in notice
        assert "16 декабря 2026 г., 11:00 МСК" in anna.last_message().plain_text
        assert len(boris.messages()) == boris_before  # he did not say he would come
        new_start = datetime(2026, 12, 16, 11, 0, tzinfo=MSK)
        assert sorted(app.scheduler.armed().values()) == [
            new_start - timedelta(hours=24),
            new_start - timedelta(hours=1),
        ]
        row = await app.db.fetchone("SELECT starts_at, ends_at, version FROM events")
        assert row is not None
        assert tuple(row) == ("2026-12-16T08:00:00+00:00", None, 2)
        assert event_id == 1


async def test_cancelling_asks_first_then_tells_attendees_and_drops_reminders(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        event_id, (anna, boris) = await event_with_attendee(app, tg, owner, [2701, 2702])
        await open_event(owner)
        await owner.press("❌ Отменить мероприятие")
        assert "Уведомление об отмене получат те, кто отметил «Я приду»: 1 участник" in (
            owner.last_message().plain_text
        )
        await owner.press("Нет, оставить")
        assert owner.last_text() == "Хорошо, мероприятие остаётся в силе."
        assert await app.db.fetchval("SELECT status FROM events") == "published"

        await owner.press("❌ Отменить мероприятие")
        await owner.press("Да, отменить и уведомить (1)")
        assert "отменено" in owner.last_text()
        await app.sender.wait_idle()
        assert "Мероприятие «Цифровой муниципалитет»" in anna.last_message().plain_text
        assert "отменено" in anna.last_message().plain_text
        assert "отменено" not in boris.last_message().plain_text
        assert app.scheduler.armed() == {}
        statuses = await app.db.fetchall(
            "SELECT status FROM timed_actions WHERE kind = 'event_reminder'"
        )
        assert {r[0] for r in statuses} == {"cancelled"}

        await boris.press("Я приду", message_id=boris.messages()[0].message_id)
        assert boris.alerts()[-1] == "Это мероприятие отменено."
        assert await app.db.fetchval("SELECT count(*) FROM event_rsvps WHERE person_id = 2702") == 0
        await owner.press_data(f"ev:drop:{event_id}:-1")  # pressed twice
        assert owner.alerts()[-1] == "Это мероприятие отменено."
        await boris.send("/events")
        assert "Ближайших мероприятий пока нет" in boris.last_text()


async def test_past_events_drop_out_of_the_list(
    tg: FakeTelegram, run_bot: RunBot, clock: ManualClock
) -> None:
    async with run_bot() as app:
        staff = await app.services.people.viewer_of(OWNER)
        for n in range(7):  # published before anyone subscribed: no announcements to wait for
            starts = datetime(2026, 12, 10 + n, 10, 0, tzinfo=MSK)
            draft = EventDraft(
                kind=EventKind.SECTION,
                title=f"Заседание {n + 1}",
                city_id=None,
                city_name="Череповец",
                starts_at=starts,
                ends_at=None,
                format=EventFormat.ONLINE,
                place=None,
                link="https://vks.example.org/s",
                description="",
            )
            await app.services.events.publish(staff, draft)
        (anna,) = await add_people(app, tg, [2801])
        await anna.send("/events")
        assert "(страница 1 из 2)" in anna.last_message().plain_text
        assert anna.last_message().buttons()[-1] == ["Вперёд ›"]
        await anna.press("1. Заседание 1")
        card = anna.last_message().message_id
        await anna.send("/events")
        await anna.press("Вперёд ›")
        assert "Заседание 7" in anna.last_message().plain_text
        assert "Заседание 1" not in anna.last_message().plain_text

        clock.moment = datetime(2026, 12, 11, 19, 0, tzinfo=MSK)  # 10.12 and 11.12 are over
        await anna.send("/events")
        text = anna.last_message().plain_text
        assert "Заседание 1" not in text
        assert "Заседание 2" not in text
        assert "Заседание 3" in text
        assert "(страница" not in text
        await anna.press("Я приду", message_id=card)
        assert anna.alerts()[-1] == "Это мероприятие уже прошло."
        assert await app.db.fetchval("SELECT count(*) FROM events") == 7  # kept for the digest


async def test_announcement_reaches_the_channel(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, run_bot: RunBot
) -> None:
    channel = tg.group(-1001234567890, title="Союз городов")
    async with run_owned(announce_channel_id=channel.chat_id) as app:
        await create_event(
            owner,
            kind="Другое мероприятие",
            title="Встреча в Москве",
            city="Москва",  # not a member city: typed, kept as typed
            end=None,
            form="По видеосвязи (ВКС)",
            link="https://vks.example.org/m",
            description=None,
        )
        assert "Анонс получат: 1 (все подписчики) и канал Союза." in owner.last_text()
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        row = await app.db.fetchone("SELECT city_name, city_id FROM events")
        assert row is not None
        assert tuple(row) == ("Москва", None)
    post = channel.last_message()
    assert "Анонс мероприятия Союза" in post.plain_text
    assert "📍 Москва" in post.plain_text
    assert post.reply_markup == {  # answers are personal: a link into the bot instead
        "inline_keyboard": [
            [{"text": "🗓 Открыть в боте", "url": "https://t.me/union_test_bot?start=ev_1"}]
        ]
    }
    guest = tg.user(2999, first_name="Гость")
    async with run_bot():
        await guest.send("/start ev_1")
        card = guest.last_message()
        assert "Встреча в Москве" in card.plain_text
        assert card.buttons()[0] == ["🙋 Я приду", "🙅 Не приду"]
        await guest.press("Я приду")
        assert guest.alerts()[-1] == "Отмечено — Вы придёте. Напомним перед началом."


@pytest.mark.parametrize("command", ["/event_new", "/resolution_new", "/digest 2026", "/digest"])
async def test_staff_commands_are_unknown_to_others(
    ivan: FakeUser, run_bot: RunBot, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    async with run_bot():
        await tries_staff_command(ivan, command, caplog)
    assert f"tried the staff command /{command.split()[0][1:]}" in caplog.text


async def test_english_speakers_get_it_in_english(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    john = tg.user(2901, first_name="John", language_code="en")
    async with run_owned() as app:
        await john.send("/start")
        await publish_event(app, owner)
        announcement = john.last_message()
        assert "An event of the Union" in announcement.plain_text
        assert "15 December 2026, 10:00 MSK — 18:00 MSK" in announcement.plain_text
        assert "📍 Vologda, Зал заседаний" in announcement.plain_text
        assert announcement.buttons()[0] == ["🙋 I will attend", "🙅 I will not"]
        await john.press("I will attend")
        assert john.alerts()[-1] == "Noted — you will attend. We will remind you before the start."
        await john.send("/events")
        assert "Upcoming events" in john.last_message().plain_text
        await john.send("/resolutions")
        assert john.last_text() == "The archive of resolutions is empty so far."


async def test_the_longest_event_allowed_still_fits_every_message(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    link = "https://vks.example.org/" + "к" * 470
    async with run_owned() as app:
        (anna,) = await add_people(app, tg, [2951])
        await create_event(
            owner,
            title="Ж" * 200,
            form="Очно и по видеосвязи",
            place="П" * 300,
            link=link,
            description="Описание & <подробности> " * 80,  # 2 000 characters
        )
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        await anna.press("Я приду")
        await owner.send("/events")
        await owner.press("1. ")
        await owner.press("✏️ Изменить")
        await owner.press("Описание")
        await owner.send("Другое & <описание> " * 100)
        await owner.press("✅ Сохранить")
        await app.sender.wait_idle()
        failed = await app.db.fetchval("SELECT count(*) FROM deliveries WHERE status <> 'sent'")
        assert failed == 0  # the fake refuses a message over 4096 characters with 400
    assert "Изменения в мероприятии" in anna.messages()[-2].plain_text
    assert "Описание: Описание & <подробности>" in anna.messages()[-2].plain_text


async def test_a_double_tap_on_an_old_keyboard_keeps_the_answer(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        (anna,) = await add_people(app, tg, [2601])
        event_id = await publish_event(app, owner)
        announcement = anna.last_message().message_id
        stale = f"ev:go:{event_id}:-1"  # both taps come from the keyboard before the first
        await anna.press_data(stale, message_id=announcement)
        await anna.press_data(stale, message_id=announcement)
        assert anna.alerts()[-2:] == ["Отмечено — Вы придёте. Напомним перед началом."] * 2
        assert await app.db.fetchval("SELECT going FROM event_rsvps") == 1


async def test_two_staff_editing_at_once_cannot_undo_each_other(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        petr = await add_staff(tg, owner, 200)
        await publish_event(app, owner)
        for member in (owner, petr):
            await open_event(member)
            await member.press("✏️ Изменить")
        await owner.press("Название")
        await owner.send("Новое название")
        await petr.press("Описание")
        await petr.send("Новое описание.")
        await owner.press("✅ Сохранить")
        await petr.press("✅ Сохранить")
        assert petr.alerts()[-1].startswith("Пока Вы правили, мероприятие изменил другой")
        row = await app.db.fetchone("SELECT title, description, version FROM events")
        assert row is not None
        assert tuple(row) == ("Новое название", "Пленарное заседание и секции.", 2)


async def test_an_edit_reaches_people_the_announcement_has_not_reached_yet(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=2) as app:  # slow: most copies are still queued
        people = await add_people(app, tg, [2701, 2702, 2703, 2704])
        await create_event(owner)
        await owner.press("✅ Опубликовать")
        await open_event(owner)
        await owner.press("✏️ Изменить")
        await owner.press("Название")
        await owner.send("Исправленное название")
        await owner.press("✅ Сохранить")
        await app.sender.wait_idle()
    titles = [p.messages()[0].plain_text for p in people]
    corrected = [t for t in titles if "Исправленное название" in t]
    assert len(corrected) >= 3, titles  # only a copy already on its way kept the old title
    assert all("Цифровой муниципалитет" in t or t in corrected for t in titles)


async def test_cancelling_stops_the_announcement_still_going_out(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned(broadcast_rate=2) as app:
        people = await add_people(app, tg, list(range(2801, 2811)))
        await create_event(owner)
        await owner.press("✅ Опубликовать")
        await tg.wait_calls(lambda c: c.method == "sendMessage" and (c.chat_id or 0) > 2800, 1)
        await open_event(owner)
        await owner.press("❌ Отменить мероприятие")
        await owner.press("Да, отменить")
        await app.sender.wait_idle()
        counts = dict(
            tuple(row)
            for row in await app.db.fetchall(
                "SELECT d.status, count(*) FROM deliveries d JOIN delivery_jobs j "
                "ON j.id = d.job_id WHERE j.kind = 'event_announce' GROUP BY d.status"
            )
        )
    assert counts.get("cancelled", 0) >= 5
    assert sum(1 for p in people if p.messages()) <= 5


async def test_those_who_will_not_come_get_no_reminder(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned(event_reminders="2h", event_reminders_to_subscribers=True) as app:
        anna, boris = await add_people(app, tg, [2901, 2902])
        await publish_event(app, owner)
        await boris.press("Не приду")
        await remind_at(app, clock, STARTS - timedelta(hours=2))
    assert "Напоминание" in anna.last_message().plain_text
    assert all("Напоминание" not in m.plain_text for m in boris.messages())


async def test_an_online_event_without_a_city_and_its_link_sent_later(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        anna, boris = await add_people(app, tg, [2601, 2602])
        await owner.send("/event_new")
        await owner.press("Заседание секции")
        await owner.send("Секция по культуре")
        await owner.press("💻 Без города — только по видеосвязи")
        await owner.send("в пятницу в 15:00")  # 27.11.2026, typed in words
        await owner.press("Пропустить")
        assert "Если ссылки ещё нет" in owner.last_text()  # no format, no place asked
        await owner.press("⏳ Ссылка будет позже")
        await owner.press("Пропустить")
        preview = owner.last_message().plain_text
        assert "27 ноября 2026 г., 15:00 МСК" in preview
        assert "💻 По видеосвязи (ВКС): ссылка будет позже" in preview
        assert "📍" not in preview
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        assert tuple(await app.db.fetchone("SELECT city_name, format, link FROM events") or ()) == (
            "",
            "online",
            None,
        )
        await anna.press("🙋 Я приду")
        await anna.send("/events")
        assert "Секция по культуре</b> — заседание секции, онлайн" in anna.last_text()

        await open_event(owner, "Секция по культуре")
        await owner.press("✏️ Изменить")
        await owner.press("Ссылка")
        await owner.send("https://meet.example.org/culture")
        assert "Ссылка: — → https://meet.example.org/culture" in owner.last_message().plain_text
        await owner.press("✅ Сохранить")
        await app.sender.wait_idle()

        notice, card = anna.messages()[-2:]
        assert notice.plain_text.startswith("🔗 Ссылка на видеоконференцию: «Секция по культуре»")
        assert "💻 По видеосвязи (ВКС): https://meet.example.org/culture" in card.plain_text
        assert card.buttons() == [
            ["✅ Я приду", "🙅 Не приду"],
            ["📅 Добавить в календарь"],
        ]
        assert "meet.example.org" not in boris.last_message().plain_text  # did not answer
