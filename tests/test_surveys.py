"""Information exchanges end to end: import, open, answer, remind, close, export, share."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.app import App
from bot.callbacks import SurveyCb
from storage.people import TelegramUser
from tests.conftest import RunBot, opened_with
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, START, ManualClock

EXAMPLE = (Path(__file__).parents[1] / "examples" / "tariffs-2026.yaml").read_bytes()
DEADLINE = datetime.fromisoformat("2026-12-15T18:00+03:00")
VOLOGDA_1, VOLOGDA_2, TVER = 1001, 1002, 1003


async def world(app: App, tg: FakeTelegram) -> FakeUser:
    """The owner, two contacts of Вологда and one of Тверь, made through the services."""
    owner = tg.user(OWNER, first_name="Ольга")
    await owner.send("/start")
    names = {VOLOGDA_1: "Иван", VOLOGDA_2: "Мария", TVER: "Пётр"}
    cities = app.services.cities
    (vologda,) = await cities.find("Вологда")
    (tver,) = await cities.find("Тверь")
    for person_id, city in ((VOLOGDA_1, vologda), (VOLOGDA_2, vologda), (TVER, tver)):
        tg.user(person_id, first_name=names[person_id])
        await app.services.people.register(TelegramUser(person_id, names[person_id]))
        await app.services.contacts.contacts.add(
            city.id, person_id, via="cli", added_by=None, now=START
        )
    return owner


async def open_example(app: App, tg: FakeTelegram) -> FakeUser:
    """The world, and its owner, who opens the example survey to the cities."""
    owner = await world(app, tg)
    await owner.send_document("tariffs-2026.yaml", EXAMPLE)
    assert "Опрос загружен как черновик" in owner.last_text()
    await owner.press("🟢 Открыть")
    confirm = owner.last_message().plain_text
    assert "до 15 декабря 2026 г., 18:00 МСК" in confirm
    assert "Приглашения получат контактные лица городов: 3 контактных лица (2 города)" in confirm
    assert "Напоминания: за 3 дня, за 1 день до срока" in confirm
    await owner.press("✅ Открыть")
    assert owner.last_text().startswith("🟢 Опрос «Тарифы ЖКХ — 2026» открыт до 15 декабря 2026 г.")
    invited = {VOLOGDA_1, VOLOGDA_2, TVER}
    await tg.wait_calls(
        lambda c: c.chat_id in invited and "Информационный обмен" in (c.text or ""), 3
    )
    return owner


@pytest.fixture
def run_example(run_bot: RunBot, tg: FakeTelegram) -> RunBot:
    """`run_bot` whose block starts with the example survey open to the cities (open_example;
    the owner fixture is the one who opened it)."""
    return opened_with(run_bot, lambda app: open_example(app, tg))


async def move_to(app: App, clock: ManualClock, moment: datetime) -> None:
    """The calendar moves to `moment`; the bot does what fell due and sends all it has to."""
    clock.moment = moment
    await app.scheduler.run_due()
    await app.sender.wait_idle()


async def example_id(app: App) -> int:
    return int(await app.db.fetchval("SELECT id FROM surveys"))


def question(user: FakeUser) -> str:
    return user.last_message().plain_text


def says(text: str, opening: str, *lines: str) -> None:
    """`text` begins with `opening` and contains each of `lines`."""
    assert text.startswith(opening), text
    for line in lines:
        assert line in text, line


Step = str | tuple[str, ...]


async def talk(user: FakeUser, *steps: Step) -> None:
    """`user` answers in turn: each step is typed, or "[label]" presses that button. A step
    written (step, text, ...) then checks that the bot's last message contains each text."""
    for step in steps:
        reply, *says = (step,) if isinstance(step, str) else step
        if reply.startswith("[") and reply.endswith("]"):
            await user.press(reply[1:-1])
        else:
            await user.send(reply)
        for text in says:
            assert text in question(user), reply


async def test_a_city_answers_every_kind_of_question_and_staff_export_it(
    tg: FakeTelegram, owner: FakeUser, run_example: RunBot
) -> None:
    async with run_example():
        ivan = tg.user(VOLOGDA_1)
        invitation = ivan.last_message()
        assert "8 вопросов" in invitation.plain_text
        await talk(
            ivan, ("[▶️ Начать]", "Вопрос 1 из 8", "Тариф на холодную воду", "от 0 до 1\u00a0000")
        )

        for wrong, says in [
            ("abc", "Нужно число"),
            ("12,5,6", "Нужно число"),
            ("1e5", "Нужно число"),
            ("-5", "не может быть меньше 0"),
            ("1 234,56", "не может быть больше 1\u00a0000"),
            ("35 кг", "Нужно число в единицах «руб./м³», например 12,5; «кг» — не эти единицы"),
        ]:
            await ivan.send(wrong)
            assert says in question(ivan), wrong
            assert "Вопрос 1 из 8" in question(ivan)
        await ivan.send("35,40 руб.")  # the unit may follow the number
        assert question(ivan).startswith("✅ Записано: 35,40 руб./м³\n\n")  # read back at once
        assert "Вопрос 2 из 8" in question(ivan)
        await talk(
            ivan,
            ("7,5", "Нужно целое число"),
            ("13", "не может быть больше 12"),
            ("7", "Вопрос 3 из 8"),
        )

        await ivan.send_photo()
        assert "фото, стикеры и голосовые сообщения бот не принимает" in question(ivan)
        await ivan.send_sticker()
        assert "Вопрос 3 из 8" in question(ivan)
        await ivan.press("да")
        assert "Ответ: да" in ivan.messages()[-2].plain_text  # the answered question, settled

        assert "Вопрос 4 из 8" in question(ivan)
        await talk(ivan, ("транспорт", "Ответьте кнопками"), "[Готово (0)]")
        assert ivan.alerts()[-1] == "Отметьте хотя бы один вариант."
        await talk(ivan, "[транспорт]", "[освещение]")
        assert ["✓ транспорт"] in ivan.last_message().buttons()
        await talk(
            ivan,
            ("[Готово (2)]", "Вопрос 5 из 8"),
            ("да", "Вопрос 6 из 8"),
            ("[4]", "Вопрос 7 из 8"),
            ("31.02.2026", "Такой даты нет"),
            ("1.12.2026", "Вопрос 8 из 8", "необязательный"),
            "[Пропустить]",
        )

        review = question(ivan)
        assert review.startswith("Проверьте ответы — Тарифы ЖКХ — 2026, Вологда")
        assert "1. Тариф на холодную воду\n35,40 руб./м³" in review  # the digits as typed
        assert "4. Какие решения уже работают?\nтранспорт, освещение" in review
        assert "7. С какой даты действуют нынешние тарифы?\n1 декабря 2026 г." in review
        assert "8. Что ещё важно знать о тарифах Вашего города?\nпропущено" in review
        await talk(ivan, ("[✏️ 3]", "Сейчас: да"), "[нет]")  # the multi choice no longer applies
        review = question(ivan)
        assert "Какие решения" not in review
        assert "7. Что ещё важно знать" in review
        await ivan.press("✅ Отправить ответ")
        assert ivan.last_text().startswith("✅ Спасибо! Ответ города Вологда")

        await owner.send("/surveys")
        assert "ответил 1 из 30 городов" in owner.last_message().plain_text
        await owner.press("1")
        await owner.press("📊 XLSX")
        xlsx = owner.last_message()
        await owner.press("📄 CSV")
        csv_message = owner.last_message()

    assert xlsx.document is not None
    assert not isinstance(xlsx.document, str)
    assert xlsx.document.filename == "tariffs-2026.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.document.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Город", "Статус", "1. Тариф на холодную воду, руб./м³"]
    assert header[-3:] == ["Отправил(а)", "Время отправки", "Изменён после отправки"]
    rows = {r[0].value: [cell.value for cell in r] for r in sheet.iter_rows(min_row=2, max_row=31)}
    assert len(rows) == 30  # every member city, whatever its state
    row = rows["Вологда"]
    assert row[:10] == [
        "Вологда", "отправлен", 35.4, 7, "нет", None, "Да", 4,
        datetime(2026, 12, 1, 0, 0), None,
    ]  # fmt: skip
    assert rows["Тверь"][1:3] == ["не начат", None]
    assert rows["Архангельск"][1] == "нет контактного лица"
    assert isinstance(row[2], float)  # a number, not text
    assert sheet["C" + str(list(rows).index("Вологда") + 2)].number_format == "0.00"
    assert row[10] == "Иван"
    assert row[11] == datetime(2026, 11, 23, 12, 0)  # local time, МСК
    assert sheet["A33"].value == (
        "Отправили ответ: 1 из 30 городов; заполняют — 0; не начинали — 1; "
        "без контактного лица — 28"
    )
    assert sheet.column_dimensions["C"].width > 10

    assert csv_message.document is not None
    assert not isinstance(csv_message.document, str)
    raw = csv_message.document.content
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    by_city = {r[0]: r for r in table[1:31]}
    assert by_city["Вологда"][:10] == ["Вологда", "отправлен", "35,40", "7", "нет", "", "Да", "4",
                                       "01.12.2026", ""]  # fmt: skip
    assert table[-1][0].startswith("Отправили ответ: 1 из 30 городов;")


async def test_restart_in_the_middle_loses_nothing(
    tg: FakeTelegram, run_example: RunBot, run_bot: RunBot
) -> None:
    async with run_example():
        petr = tg.user(TVER)
        await talk(petr, "[▶️ Начать]", "41", ("8", "Вопрос 3 из 8"))
    async with run_bot():
        await talk(
            petr,
            ("нет", "Вопрос 4 из 7"),  # typed; the dialog continues where it was
            "/cancel",
            ("/surveys", "заполняется: 3 из 7"),
            ("[Тверь: Тарифы ЖКХ — 2026]", "Вопрос 4 из 7"),
        )


async def test_two_contacts_of_one_city_share_one_response(
    tg: FakeTelegram, run_example: RunBot
) -> None:
    async with run_example() as app:
        ivan, maria = tg.user(VOLOGDA_1), tg.user(VOLOGDA_2)
        await ivan.press("▶️ Начать")
        await maria.press("▶️ Начать")
        await ivan.send("30")
        await maria.send("31")  # the same question at once: the last write wins
        assert "Вопрос 2 из 8" in question(ivan)
        assert "Вопрос 2 из 8" in question(maria)
        await ivan.send("6")
        await talk(
            maria,
            "/cancel",
            "/surveys",
            ("[Вологда: Тарифы ЖКХ — 2026]", "Вопрос 3 из 8"),  # she continues after Ivan's answer
        )
        await talk(ivan, ("[нет]", "Вопрос 4 из 7"), "да")
        await talk(
            maria,
            ("[нет]", "Вопрос 5 из 7"),  # her screen still shows question 3: she answers it too;
            "[5]",  # Ivan answered question 4 meanwhile
            "01.07.2026",
            "[Пропустить]",
        )
        review = question(maria)
        assert "1. Тариф на холодную воду\n31,00 руб./м³" in review  # her write came last
        assert "2. Сколько месяцев длится отопительный сезон?\n6" in review  # Ivan's
        assert "4. Есть ли общедомовые приборы учёта во всех домах?\nДа" in review  # Ivan's
        await ivan.press("4")  # Ivan, still on question 5, changes Maria's answer
        review = question(ivan)
        assert "5. Оцените качество коммунальных услуг\n4" in review
        assert "6. С какой даты действуют нынешние тарифы?\n1 июля 2026 г." in review
        answers = await app.db.fetchval("SELECT count(*) FROM answers")
        assert answers == 7  # one row per question asked, whoever wrote it
        await maria.press("✅ Отправить ответ")
        assert maria.last_text().startswith("✅ Спасибо! Ответ города Вологда")
        await ivan.send("/surveys")
        assert "ответ отправлен" in ivan.last_message().plain_text


async def complete(user: FakeUser) -> None:
    """`user` starts the example survey, answers every question and submits."""
    await talk(user, "[▶️ Начать]", "12")
    await finish(user, "6", "нет", "3", "01.01.2026")


async def finish(user: FakeUser, months: str, meters: str, rating: str, since: str) -> None:
    """`user`, at question 2 of the example survey, answers the rest («Умный город»: no)
    and submits."""
    await talk(
        user, months, "[нет]", meters, f"[{rating}]", since, "[Пропустить]", "[✅ Отправить ответ]"
    )


async def test_reminders_go_only_to_cities_without_a_response(
    tg: FakeTelegram, owner: FakeUser, run_example: RunBot, clock: ManualClock
) -> None:
    async with run_example() as app:
        survey_id = await example_id(app)
        await complete(tg.user(VOLOGDA_1))
        armed = sorted(app.scheduler.armed().values())
        assert armed == [DEADLINE - timedelta(days=3), DEADLINE - timedelta(days=1), DEADLINE]

        await talk(
            owner,
            "/surveys",
            "[1]",
            ("[⏰ Напомнить]", "ещё не отправивших ответ: 1 контактное лицо (1 город)"),
            "[⏰ Да, напомнить]",
        )
        await tg.wait_for(lambda c: c.chat_id == TVER and "Напоминание" in (c.text or ""))

        clock.moment = DEADLINE - timedelta(days=3)
        await app.scheduler.run_due()
        await tg.wait_calls(lambda c: c.chat_id == TVER and "Напоминание" in (c.text or ""), 2)
        await app.sender.wait_idle()
    for person in (VOLOGDA_1, VOLOGDA_2):
        assert not [m for m in tg.user(person).texts() if "Напоминание" in m]
    reminders = [m for m in tg.user(TVER).texts() if "Напоминание" in m]
    assert len(reminders) == 2
    assert survey_id


async def test_the_deadline_closes_the_survey_and_results_go_to_participants(
    tg: FakeTelegram, run_example: RunBot, run_bot: RunBot, clock: ManualClock
) -> None:
    async with run_example() as app:
        await complete(tg.user(VOLOGDA_1))
        petr = tg.user(TVER)
        await petr.press("▶️ Начать")
        await petr.send("50")

    clock.moment = DEADLINE + timedelta(minutes=5)  # the bot was down at the deadline
    async with run_bot() as app:
        summary = await tg.wait_for(
            lambda c: c.chat_id == OWNER and "Информационный обмен завершён" in (c.text or "")
        )
        assert "Ответил 1 из 30 городов" in (summary.text or "")
        assert "Начали, но не отправили: Тверь (1 из 8). Их ответы сохранены" in (
            summary.text or ""
        )
        assert "Без контактного лица (опрос не получили): Архангельск, Боровичи" in (
            summary.text or ""
        )
        assert "Не начинали" not in (summary.text or "")  # every city with a contact started
        notice = await tg.wait_for(
            lambda c: c.chat_id == TVER and "Ответ Вашего города не был отправлен" in (c.text or "")
        )
        assert (notice.text or "").startswith("⏹ Приём ответов на «Тарифы ЖКХ — 2026» завершён.")
        await tg.wait_for(
            lambda c: c.chat_id == VOLOGDA_2 and "Итоги информационного обмена" in (c.text or "")
        )
        await tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == VOLOGDA_1)
        await app.sender.wait_idle()
        assert await app.db.fetchval("SELECT status FROM surveys") == "closed"

        await petr.send("8")  # a late answer in the middle of the dialog
        assert petr.last_text() == "Приём ответов на этот опрос завершён. Спасибо!"
        await petr.press_data(f"sv:go:1:{await _city(app, 'Вологда')}:-1:0")
        assert petr.alerts()[-1] == "Приём ответов на этот опрос завершён. Спасибо!"
        assert (
            await app.db.fetchval(
                "SELECT value FROM answers a JOIN responses r "
                "ON r.id = a.response_id WHERE r.status = 'draft'"
            )
            == "50.00"  # decimals: 2
        )
    results = [m for m in tg.user(VOLOGDA_1).messages() if "Итоги" in (m.text or "")]
    assert len(results) == 1
    assert "Участвовал 1 из 30 городов" in results[0].plain_text
    assert "Участвует ли город в проекте «Умный город»?" in results[0].plain_text
    photos = [m for m in tg.user(VOLOGDA_1).messages() if m.kind == "photo"]
    assert [m.caption for m in photos] == [
        "Тариф на холодную воду, руб./м³",
        "Сколько месяцев длится отопительный сезон?",
        "Оцените качество коммунальных услуг",
    ]
    assert not [m for m in tg.user(TVER).texts() if "Итоги" in m]  # Тверь did not answer


async def _city(app: App, name: str) -> int:
    (city,) = await app.services.cities.find(name)
    return int(city.id)


async def test_stale_and_foreign_buttons_change_nothing(
    tg: FakeTelegram, run_example: RunBot
) -> None:
    async with run_example() as app:
        survey_id = await example_id(app)
        petr = tg.user(TVER)
        vologda = await _city(app, "Вологда")
        await petr.press_data(f"sv:go:{survey_id}:{vologda}:-1:0")  # another city's dialog
        assert petr.alerts()[-1] == "Вы не контактное лицо этого города — ответить за него нельзя."
        await petr.press_data(f"sv:ch:{survey_id}:{vologda}:2:0")
        assert petr.alerts()[-1] == "Вы не контактное лицо этого города — ответить за него нельзя."
        await petr.press_data(f"sv:ch:{survey_id}:0:99:0")  # no such question
        assert petr.alerts()[-1] == "Эта кнопка устарела. Откройте раздел заново."
        await petr.press_data("sv:go:999:0:-1:0")
        assert petr.alerts()[-1] == "Этого опроса больше нет."
        assert await app.db.fetchval("SELECT count(*) FROM answers") == 0
        stranger = tg.user(4242, first_name="Гость")
        await stranger.send("/start")
        await stranger.press_data(f"sv:go:{survey_id}:0:-1:0")
        assert (
            stranger.alerts()[-1] == "Вы не контактное лицо этого города — ответить за него нельзя."
        )


async def test_an_invalid_file_lists_every_problem_and_imports_nothing(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    broken = (
        b"id: bad id\ntitle: X\nquestions:\n"
        b"  - {key: a, text: A, type: choice}\n"
        b"  - {key: a, text: B, type: number, min: 5, max: 1}\n"
        b"  - {key: c, text: C, type: rating}\n"
    )
    async with run_bot() as app:
        owner = tg.user(OWNER, first_name="Ольга")
        await owner.send("/start")
        await owner.send_document("bad.yaml", broken)
        says(
            owner.last_message().plain_text,
            "⚠️ Файл не загружен: 5 ошибок.",
            "• id: обязательно; строчные латинские буквы",
            "• questions[1].options: обязательно для типа choice",
            "• questions[2].key: ключ a уже есть у другого вопроса",
            "• questions[2]: min (5) больше max (1)",
            "• questions[3].type: неизвестный тип rating",
        )
        assert await app.db.fetchval("SELECT count(*) FROM surveys") == 0
        await owner.send_document("notes.yaml", b"\xff\xfe not utf-8")
        assert owner.last_text() == "Файл должен быть в кодировке UTF-8."


async def test_a_draft_can_be_replaced_an_opened_survey_cannot(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        owner = await world(app, tg)
        await owner.send("/survey_new")
        await owner.send("вот")
        assert owner.last_text().startswith("Нужен файл .xlsx или .yaml")
        await owner.send_document("tariffs-2026.yaml", EXAMPLE)
        await owner.send_document(
            "tariffs-2026.yaml", EXAMPLE.replace("Тарифы ЖКХ — 2026".encode(), b"New title")
        )
        assert "Черновик опроса заменён" in owner.last_text()
        assert await app.db.fetchval("SELECT title FROM surveys") == "New title"
        await owner.press("🟢 Открыть")
        await owner.press("✅ Открыть")
        await owner.send_document("tariffs-2026.yaml", EXAMPLE)
        assert owner.last_text().startswith("Опрос с таким id уже открывался")
        assert await app.db.fetchval("SELECT title FROM surveys") == "New title"


async def test_staff_close_early_and_reopen_with_a_new_deadline(
    tg: FakeTelegram, owner: FakeUser, run_example: RunBot, clock: ManualClock
) -> None:
    async with run_example() as app:
        await talk(
            owner,
            "/surveys",
            "[1]",
            ("[⏹ Закрыть досрочно]", "ещё не ответили 2 города"),
            "[⏹ Да, закрыть]",
        )
        assert any(text.startswith("⏹ Опрос «Тарифы ЖКХ — 2026» закрыт.") for text in owner.texts())
        assert app.scheduler.armed() == {}
        petr = tg.user(TVER)
        await petr.press("▶️ Начать")
        assert petr.alerts()[-1] == "Приём ответов на этот опрос завершён. Спасибо!"

        await talk(owner, "/surveys", "[1]", "[🔄 Открыть снова]", "20.11 10:00")
        assert owner.last_text().startswith("Это время уже прошло.")
        await talk(
            owner,
            (
                "20.12 18:00",
                "Открыть снова опрос «Тарифы ЖКХ — 2026» до 20 декабря 2026 г., 18:00 МСК",
            ),
            "[✅ Открыть]",
        )
        await tg.wait_for(lambda c: c.chat_id == TVER and "снова открыт" in (c.text or ""))
        await talk(petr, ("[▶️ Начать]", "Вопрос 1 из 8"))
        assert max(app.scheduler.armed().values()) == datetime.fromisoformat(
            "2026-12-20T18:00+03:00"
        )
    assert date(2026, 12, 20)


@pytest.mark.process
def test_the_command_line_imports_and_exports(tmp_path: Path) -> None:
    from tests.test_config import run_cli

    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    source = tmp_path / "tariffs.yaml"
    source.write_bytes(EXAMPLE)
    imported = run_cli(tmp_path, env, "survey", "import", str(source))
    assert imported.stdout.strip() == "Загружен черновик tariffs-2026: Тарифы ЖКХ — 2026"
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nquestions: [{key: a, type: choice, text: A}]\n", encoding="utf-8")
    refused = run_cli(tmp_path, env, "survey", "import", str(broken))
    assert refused.returncode == 1
    assert refused.stdout.splitlines() == [
        f"{broken}: 2 ошибки, ничего не загружено",
        "title: обязательно",
        "questions[1].options: обязательно для типа choice",
    ]
    from bot.surveys.loader import parse_definition
    from bot.surveys.template import template_workbook
    from bot.texts import TextCatalog

    book = openpyxl.load_workbook(
        io.BytesIO(
            template_workbook(TextCatalog.load().get("ru"), parse_definition(EXAMPLE.decode()))
        )
    )
    book["Опрос"]["B3"] = "tariffs-2027"
    book["Опрос"]["B8"] = "tariffs-2026"  # compare with last year's
    sheet_file = tmp_path / "Новый опрос.xlsx"
    book.save(sheet_file)
    from_sheet = run_cli(tmp_path, env, "survey", "import", str(sheet_file))
    assert from_sheet.stdout.strip() == "Загружен черновик tariffs-2027: Тарифы ЖКХ — 2026", (
        from_sheet.stdout
    )
    book["Вопросы"]["D3"] = "rating"
    book.save(sheet_file)
    refused = run_cli(tmp_path, env, "survey", "import", str(sheet_file))
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[1].startswith(
        "Вопросы!D3: неизвестный тип rating (допустимы: число, целое число,"
    )
    target = tmp_path / "out.xlsx"
    exported = run_cli(tmp_path, env, "survey", "export", "tariffs-2026", "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A1"].value == "Город"
    assert [sheet["A2"].value, sheet["B2"].value] == ["Архангельск", "нет контактного лица"]
    assert sheet["A33"].value.startswith("Отправили ответ: 0 из 30 городов; заполняют — 0;")
    missing = run_cli(tmp_path, env, "survey", "export", "nope", "-o", str(target))
    assert missing.returncode == 1


SUBSCRIBERS_SURVEY = b"""
id: city-day
title: Day of the city
audience: subscribers
share_results: everyone
questions:
  - {key: come, text: "Will you come?", type: yesno}
  - {key: guests, text: "How many guests?", type: integer, min: 0, max: 10, when: {come: yes}}
"""


async def open_to_subscribers(
    app: App, tg: FakeTelegram, invited: str, *others: FakeUser
) -> tuple[FakeUser, FakeUser]:
    """The world, Anna (in English) and `others` subscribed; the owner opens SUBSCRIBERS_SURVEY,
    told that `invited` get it, and Anna has her invitation. Returns the owner and Anna."""
    owner = await world(app, tg)
    anna = tg.user(2001, first_name="Anna", language_code="en")
    for person in (anna, *others):
        await person.send("/start")
    await owner.send_document("city-day.yaml", SUBSCRIBERS_SURVEY)
    await talk(
        owner,
        "[🟢 Открыть]",
        ("01.12 12:00", f"Приглашения получат подписчики: {invited}"),
        "[✅ Открыть]",
    )
    await tg.wait_for(lambda c: c.chat_id == 2001 and "Day of the city" in (c.text or ""))
    return owner, anna


async def test_a_survey_of_subscribers_has_one_response_per_person(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        owner, anna = await open_to_subscribers(app, tg, "5 человек")
        await talk(anna, ("[▶️ Start]", "Question 1 of 2"), "[Yes]", "3")
        assert anna.last_message().plain_text.startswith(
            "✅ Saved: 3\n\nCheck your answers — Day of the city"
        )
        await anna.press("✅ Submit the response")
        assert anna.last_text().startswith('✅ Thank you! The response to "Day of the city"')
        await owner.send("/surveys")
        staff_list, own_list = owner.messages()[-2:]
        assert (
            "ответы принимаются до 1 декабря 2026 г., 12:00 МСК; ответил 1" in staff_list.plain_text
        )
        assert "Day of the city\n⏳ ещё не начат" in own_list.plain_text  # she may answer too
        rows = await app.db.fetchall("SELECT person_id, city_id, status FROM responses")
        assert [tuple(r) for r in rows] == [(2001, None, "submitted")]


async def test_an_edit_after_submitting_shows_as_edited_to_staff(
    tg: FakeTelegram, owner: FakeUser, run_example: RunBot, clock: ManualClock
) -> None:
    async with run_example():
        ivan = tg.user(VOLOGDA_1)
        await complete(ivan)
        clock.advance(timedelta(hours=2))
        await talk(
            ivan,
            "/surveys",
            ("[Вологда: Тарифы ЖКХ — 2026]", "Ответ отправлен. Исправления сохраняются сразу"),
            "[✏️ 1]",
            ("13", "1. Тариф на холодную воду\n13,00 руб./м³"),
            "[✏️ 3]",
            ("[да]", "Вопрос 4 из 8"),  # now the multi choice applies: the response needs it
            "[ЖКХ]",
            ("[Готово (1)]", "Чтобы исправить ответ"),  # back in review, not submitted
            "[✅ Отправить ответ]",
        )
        await talk(
            owner,
            "/surveys",
            "[1]",
            ("[📋 Кто ответил]", "✅ Вологда — отправлен 23 ноября 2026 г., 14:00 МСК"),
        )
        ivan_edit = tg.user(VOLOGDA_2)
        await talk(ivan_edit, "[▶️ Начать]", "[✏️ 2]", "8")
        await talk(
            owner,
            ("[📋 Кто ответил]", "(изменён 23 ноября 2026 г., 14:00 МСК)", "⏳ Тверь — не начат"),
        )


async def test_the_digest_counts_the_cities_that_answered(
    tg: FakeTelegram, run_example: RunBot, clock: ManualClock
) -> None:
    from bot.services.digest import digest_message

    async with run_example() as app:
        await complete(tg.user(TVER))
        await move_to(app, clock, DEADLINE + timedelta(minutes=1))
        digest = await app.services.digests.build(2026)
        text = digest_message(app.catalog.get("ru"), digest)
        assert "• Тарифы ЖКХ — 2026 — 1 город из 30" in text
        assert await app.services.digests.build(2025) != digest


def test_typed_text_never_becomes_a_spreadsheet_formula() -> None:
    from zoneinfo import ZoneInfo

    from bot.surveys.export import build_table, to_csv, to_xlsx
    from bot.surveys.loader import parse_definition
    from bot.surveys.roster import build_roster
    from bot.texts import TextCatalog
    from storage.surveys import ResponseExport

    definition = parse_definition(EXAMPLE.decode())
    response = ResponseExport(
        city_id=1, city_name="Вологда", person_id=None, person_name=None, status="submitted",
        submitted_at=START, submitted_by="=HYPERLINK(\"x\")", edited_at=None,
        answers={"comment": "=1+2", "cold_water": -3.5},
    )  # fmt: skip
    roster = build_roster(definition, [response], by_cities=True)
    table = build_table(
        TextCatalog.load().get("ru"), definition, roster, ZoneInfo("Europe/Moscow"), closed=False
    )
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][2] == "-3,5"  # a number stays a number
    assert rows[1][9] == "'=1+2"
    assert rows[1][10] == '\'=HYPERLINK("x")'
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table, "T"))).active
    assert sheet["J2"].data_type == "s"
    assert sheet["J2"].value == "=1+2"


async def test_forgetting_a_contact_keeps_the_citys_response_without_their_name(
    tg: FakeTelegram, run_example: RunBot
) -> None:
    async with run_example() as app:
        ivan = tg.user(VOLOGDA_1)
        await complete(ivan)
        await ivan.send("/forget")
        await ivan.press("Да, удалить")
        row = await app.db.fetchone("SELECT status, submitted_by FROM responses")
        assert row is not None
        assert tuple(row) == ("submitted", None)
        assert (
            await app.db.fetchval("SELECT count(*) FROM answers WHERE answered_by IS NOT NULL") == 0
        )
        assert await app.db.fetchval("SELECT count(*) FROM answers") == 7


async def test_every_member_city_is_counted_and_one_without_a_contact_can_be_invited(
    tg: FakeTelegram, owner: FakeUser, run_example: RunBot, clock: ManualClock
) -> None:
    async with run_example() as app:
        ivan = tg.user(VOLOGDA_1)
        # the multi choice no longer applies: 7 questions
        await talk(ivan, "[▶️ Начать]", "30", "6", ("[нет]", "Вопрос 4 из 7"))

        await owner.send("/surveys")
        assert (
            "ответили 0 из 30 городов (в работе — 1, не начинали — 1, без контактного лица — 28)"
            in owner.last_message().plain_text
        )
        await owner.press("1")
        card = owner.last_message()
        assert "Участие: ответили 0 из 30 городов (в работе — 1" in card.plain_text
        await owner.press("📋 Кто ответил")
        status = owner.last_message()
        assert "✏️ Вологда — заполняется (3 из 7)" in status.plain_text  # as Ivan sees it
        assert "⏳ Тверь — не начат" in status.plain_text
        assert "🚫 Без контактного лица (28): Архангельск, Боровичи, Великие Луки" in (
            status.plain_text
        )
        assert "Пригласить контактное лицо: нажмите город ниже" in status.plain_text
        labels = [label for row in status.buttons() for label in row]
        assert "✉️ Архангельск" in labels
        assert "✉️ Вологда" not in labels
        assert labels[-1] == "⏰ Напомнить"
        await owner.press("✉️ Архангельск")
        invite = owner.last_message().plain_text
        assert invite.startswith("Приглашение для контактного лица города Архангельск:")
        link = next(word for word in invite.split() if "start=inv_" in word)

        await owner.press("⏰ Напомнить", message_id=status.message_id)
        confirm = owner.last_message().plain_text
        assert "ещё не отправивших ответ: 3 контактных лица (2 города)" in confirm
        assert "У 28 городов нет контактного лица — туда напоминание не придёт" in confirm
        await owner.press("⏰ Да, напомнить")
        await tg.wait_calls(lambda c: "Напоминание" in (c.text or ""), 3)
        await app.sender.wait_idle()
        for person, button in ((VOLOGDA_2, "▶️ Продолжить"), (TVER, "▶️ Начать")):
            reminder = tg.user(person).last_message()
            assert "Напоминание" in reminder.plain_text
            assert [button] in reminder.buttons(), person

        new = tg.user(1004, first_name="Анна")  # Архангельск's new contact
        await new.send(f"/start {link.split('start=')[1]}")
        assert "Теперь Вы — контактное лицо города <b>Архангельск</b>" in new.texts()[0]
        await owner.press("📋 Кто ответил", message_id=card.message_id)
        assert "⏳ Архангельск — не начат" in owner.last_message().plain_text

        await move_to(app, clock, DEADLINE + timedelta(minutes=1))
        from bot.services.digest import digest_message

        text = digest_message(app.catalog.get("ru"), await app.services.digests.build(2026))
        assert (
            "• Тарифы ЖКХ — 2026 — 0 городов из 30 "
            "(начали, но не отправили — 1; без контактного лица — 27)"
        ) in text


def filled(content: bytes, cells: dict[str, object]) -> bytes:
    """The spreadsheet the bot sent, with cells typed in (as Excel would save it)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    for where, value in cells.items():
        sheet[where] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_two_contacts_answer_partly_in_the_chat_and_partly_in_a_spreadsheet(
    tg: FakeTelegram, run_example: RunBot
) -> None:
    async with run_example() as app:
        ivan, maria, petr = tg.user(VOLOGDA_1), tg.user(VOLOGDA_2), tg.user(TVER)
        await ivan.press("▶️ Начать")
        assert ["📊 Заполнить в Excel"] in ivan.last_message().buttons()  # at the start
        await ivan.send("35,40")
        await ivan.send("7")

        await maria.press("📊 Заполнить в Excel")  # under the invitation
        sent = maria.last_message()
        assert sent.document is not None
        assert not isinstance(sent.document, str)
        assert sent.document.filename == "tariffs-2026-Vologda.xlsx"
        assert "Заполните жёлтые ячейки столбца «Ответ»" in (sent.caption or "")
        content = sent.document.content
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book.worksheets[0]
        assert sheet.title == "Анкета"
        assert sheet["A1"].value == "Тарифы ЖКХ — 2026 · Вологда"
        assert [sheet.cell(4, c).value for c in range(1, 6)] == [
            "№", "Вопрос", "Ответ", "Единицы", "Как отвечать",
        ]  # fmt: skip
        assert sheet["B5"].value == "Тариф на холодную воду"
        assert sheet["C5"].value == 35.4
        assert sheet["C5"].number_format == "#,##0.00"  # 35,40 as typed
        assert sheet["C6"].value == 7
        assert sheet["C7"].value is None
        assert sheet["D5"].value == "руб./м³"
        assert sheet["E5"].value == "Число от 0 до 1\u00a0000, 2 знака после запятой."
        assert "Только если ответ на вопрос 3 — «да»." in sheet["E8"].value
        assert sheet.protection.sheet
        assert not sheet["C7"].protection.locked
        assert sheet["B7"].protection.locked
        assert sheet.column_dimensions["J"].hidden
        lists = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
        assert lists["C7"].type == "list"  # a dropdown of the options
        assert [book["lists"].cell(r, 1).value for r in (1, 2, 3)] == ["да", "нет", "планирует"]
        assert lists["C9"].type == "list"  # Да / Нет
        assert lists["C10"].type == "list"  # the scale, 1 to 5
        assert [book["lists"].cell(r, 3).value for r in range(1, 6)] == [1, 2, 3, 4, 5]
        assert (lists["C6"].type, lists["C6"].formula1, lists["C6"].formula2) == (
            "whole", "1", "12",
        )  # fmt: skip
        assert book["unionbot"].sheet_state == "veryHidden"

        await talk(ivan, "/cancel", "/surveys", "[Вологда: Тарифы ЖКХ — 2026]", "[← Назад]")
        await ivan.send("8")  # Ivan changes question 2 after Maria got the spreadsheet

        bad = filled(
            content,
            {"C5": "abc", "C7": "нет", "C8": "транспорт", "C9": "может быть", "C10": 9,
             "C11": "31.02.2026", "C12": "—"},
        )  # fmt: skip
        await maria.send_document("tariffs-2026-Vologda.xlsx", bad)
        says(
            maria.messages()[-2].plain_text,
            "📊 Таблица прочитана: Тарифы ЖКХ — 2026, Вологда",
            "Сохранено ответов: 2; без изменений: 1.",  # C7 and C12; C6 as it was
            "• Анкета!C5: нужно число, например 12,5 или 1 234",
            "• Анкета!C9: ответьте «Да» или «Нет»",
            "• Анкета!C10: число не может быть больше 5",
            "• Анкета!C11: такой даты нет",
            "• Анкета!C8: вопрос 4 при Ваших ответах не задаётся — ответ не сохранён",
        )
        review = maria.last_message().plain_text
        assert review.startswith("Проверьте ответы — Тарифы ЖКХ — 2026, Вологда")
        assert "1. Тариф на холодную воду\n35,40 руб./м³" in review
        assert "2. Сколько месяцев длится отопительный сезон?\n8" in review  # Ivan's stays
        assert "3. Участвует ли город в проекте «Умный город»?\nнет" in review

        good = filled(
            content,
            {"C5": 41.5, "C7": "да", "C8": "транспорт; жкх", "C9": "Да", "C10": 4,
             "C11": datetime(2026, 12, 1), "C12": "—"},
        )  # fmt: skip
        await maria.send_document("tariffs-2026-Vologda.xlsx", good)
        report = maria.messages()[-2].plain_text
        assert "Сохранено ответов: 6; без изменений: 2." in report  # C12 came with the first file
        assert "Не сохранены" not in report
        assert "записан ответ из таблицы:\n• Анкета!C7: вопрос 3" in report  # her first file
        review = maria.last_message().plain_text
        assert "1. Тариф на холодную воду\n41,50 руб./м³" in review  # as the cell shows it
        assert "4. Какие решения уже работают?\nтранспорт, ЖКХ" in review
        assert "7. С какой даты действуют нынешние тарифы?\n1 декабря 2026 г." in review
        assert "8. Что ещё важно знать о тарифах Вашего города?\nпропущено" in review
        await maria.press("✅ Отправить ответ")
        assert maria.last_text().startswith("✅ Спасибо! Ответ города Вологда")
        by = await app.db.fetchall("SELECT question, answered_by FROM answers ORDER BY question")
        assert dict((r[0], r[1]) for r in by)["heating_months"] == VOLOGDA_1

        too_much = filled(content, {"C5": "35,405", "C12": "я" * 501})
        await maria.send_document("tariffs-2026-Vologda.xlsx", too_much)
        report = maria.messages()[-2].plain_text  # the reasons, not the apology
        assert "• Анкета!C5: не больше 2 знаков после запятой" in report
        assert "• Анкета!C12: ответ слишком длинный — 501 символ, можно не больше 500 символов" in (
            report
        )

        await petr.send_document("tariffs-2026-Vologda.xlsx", good)
        assert petr.last_text().startswith("Эта таблица — для города Вологда")
        assert await app.db.fetchval("SELECT count(*) FROM responses WHERE city_id != "
                                     f"{await _city(app, 'Вологда')}") == 0  # fmt: skip
        blank = io.BytesIO()
        openpyxl.Workbook().save(blank)
        await petr.send_document("мой.xlsx", blank.getvalue())
        assert petr.last_text().startswith("Это не таблица ответов на опрос.")
        await petr.send_document("broken.xlsx", b"PK\x03\x04 not really a zip")
        assert petr.last_text().startswith("Не получилось прочитать файл как таблицу Excel")


async def test_staff_write_a_survey_in_the_spreadsheet_template(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        owner = tg.user(OWNER, first_name="Ольга")
        await owner.send("/start")
        await owner.send("/survey_new")
        template, example, ask = owner.messages()[-3:]
        assert template.document is not None
        assert not isinstance(template.document, str)
        assert template.document.filename == "Новый опрос.xlsx"
        assert "Шаблон опроса в Excel" in (template.caption or "")
        assert example.document is not None
        assert not isinstance(example.document, str)
        assert example.document.filename == "tariffs-2026.yaml"
        assert example.document.content == EXAMPLE  # the file in examples/
        assert "Пришлите заполненный шаблон (.xlsx) или файл опроса (.yaml)" in ask.plain_text

        book = openpyxl.load_workbook(io.BytesIO(template.document.content))
        assert book.sheetnames[:2] == ["Опрос", "Вопросы"]
        about, questions = book["Опрос"], book["Вопросы"]
        assert [about["A2"].value, about["B2"].value] == ["Название", "Тарифы ЖКХ — 2026"]
        assert [c.value for c in questions[1]][:5] == [
            "№", "Ключ", "Вопрос", "Тип", "Варианты (через ;)",
        ]  # fmt: skip
        assert [questions["D4"].value, questions["E4"].value] == ["выбор", "да; нет; планирует"]
        assert questions["K5"].value == "smart_city = да"
        types = next(v for v in questions.data_validations.dataValidation if "D2" in str(v.sqref))
        assert types.type == "list"  # the type is picked from a dropdown
        assert [book["lists"].cell(r, 3).value for r in range(1, 9)][:3] == [
            "число", "целое число", "выбор",
        ]  # fmt: skip

        about["B2"] = "Цены на продукты — 2026"
        about["B3"] = "prices-2026"
        about["B4"] = datetime(2026, 12, 20, 18, 0)
        questions["B2"] = None  # an empty key becomes q1
        questions["H2"] = "руб."
        broken = io.BytesIO()
        book.save(broken)
        questions["E4"] = None  # a choice without options
        questions["F3"] = "много"  # min is not a number
        about["B3"] = "Prices 2026"  # not an id
        bad = io.BytesIO()
        book.save(bad)

        await owner.send_document("Новый опрос.xlsx", bad.getvalue())
        says(
            owner.last_message().plain_text,
            "⚠️ Файл не загружен:",
            "• Опрос!B3: обязательно; строчные латинские буквы",
            "• Вопросы!F3: нужно число",
            "• Вопросы!E4: обязательно для типа «выбор»",
        )
        assert await app.db.fetchval("SELECT count(*) FROM surveys") == 0

        await owner.send_document("Новый опрос.xlsx", broken.getvalue())
        assert "Опрос загружен как черновик" in owner.last_text()
        assert "Цены на продукты — 2026" in owner.last_message().plain_text
        assert "до 20 декабря 2026 г., 18:00 МСК" not in owner.last_message().plain_text
        survey = await app.services.surveys.find("prices-2026")
        assert survey is not None
        assert survey.definition.deadline == datetime.fromisoformat("2026-12-20T18:00+03:00")
        first, *_ = survey.definition.questions
        assert (first.key, first.unit, first.decimals) == ("q1", "руб.", 2)
        assert survey.definition.questions[3].when == {"smart_city": ("да",)}
        assert len(survey.definition.questions) == 8

        await owner.send_document("чужая.xlsx", bad.getvalue()[:100])
        assert owner.last_text().startswith("Не получилось прочитать файл как таблицу Excel")
        blank = io.BytesIO()
        openpyxl.Workbook().save(blank)
        await owner.send_document("пустая.xlsx", blank.getvalue())
        assert owner.last_text().startswith("Эта таблица — не шаблон опроса")


async def test_staff_try_a_draft_out_and_it_leaves_no_trace(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        owner = await world(app, tg)
        await owner.send_document("tariffs-2026.yaml", EXAMPLE)
        card = owner.last_message()
        assert card.buttons()[0] == ["🧪 Попробовать"]
        await owner.press("🧪 Попробовать")
        first = question(owner)
        assert first.startswith("🧪 Пробное прохождение: ответы никуда не записываются.")
        assert "Вопрос 1 из 8" in first
        await owner.send("много")
        assert "Нужно число" in question(owner)  # the same checks as for a city
        await owner.press("📊 Заполнить в Excel")  # the spreadsheet can be tried out too
        sheet = owner.last_message().document
        assert sheet is not None
        assert not isinstance(sheet, str)
        await owner.send_document("trial.xlsx", filled(sheet.content, {"C11": "01.12.2026"}))
        assert "Сохранено ответов: 1." in owner.messages()[-2].plain_text
        assert await app.db.fetchval("SELECT count(*) FROM survey_trials") == 1
        await owner.press("✏️ 1")
        await owner.send("35,4")
        assert question(owner).startswith("✅ Записано: 35,40 руб./м³")
        await talk(
            owner,
            "6",
            ("[да]", "Вопрос 4 из 8"),  # skip logic as a city sees it
            "[транспорт]",
            "[Готово (1)]",
            "[← Назад]",
            "[← Назад]",
            ("[нет]", "Вопрос 4 из 7"),
            "да",
            "[5]",  # the date came from the spreadsheet
            "[Пропустить]",
        )
        review = question(owner)
        assert "Проверьте ответы — Тарифы ЖКХ — 2026" in review
        assert "Какие решения" not in review
        assert await app.db.fetchval("SELECT count(*) FROM survey_trials") == 8  # kept apart
        await owner.press("✅ Отправить ответ")
        assert owner.last_text().startswith("🧪 Проба «Тарифы ЖКХ — 2026» завершена")
        for table in ("responses", "answers", "survey_trials"):
            assert await app.db.fetchval(f"SELECT count(*) FROM {table}") == 0, table

        await owner.press("🧪 Попробовать", message_id=card.message_id)
        await owner.send("12")
        petr = tg.user(TVER)
        survey_id = await example_id(app)
        await petr.send("/surveys")
        await petr.press_data(f"sv:go:{survey_id}:-1:-1:0")  # a city contact forging it
        assert petr.alerts()[-1] == "Вы не контактное лицо этого города — ответить за него нельзя."
        await owner.press("🟢 Открыть", message_id=card.message_id)
        await owner.press("✅ Открыть")
        assert await app.db.fetchval("SELECT count(*) FROM survey_trials") == 0
        await owner.send("/surveys")
        assert "ответили 0 из 30 городов (в работе — 0," in owner.last_message().plain_text
        await owner.press_data(f"sv:sk:{survey_id}:-1:7:0")  # a button of the try-out
        assert owner.alerts()[-1] == "Опрос уже открыт — проба закончена."


LAST_YEAR = (
    EXAMPLE.replace(b"id: tariffs-2026", b"id: tariffs-2025")
    .replace("Тарифы ЖКХ — 2026".encode(), "Тарифы ЖКХ — 2025".encode())
    .replace(b"deadline: 2026-12-15T18:00+03:00", b"deadline: 2025-12-15T18:00+03:00")
)
THIS_YEAR = EXAMPLE.replace(
    b"deadline: 2026-12-15", b"compare_with: tariffs-2025\ndeadline: 2026-12-15"
)


async def test_a_survey_that_repeats_last_years_shows_both_years(
    tg: FakeTelegram, run_bot: RunBot, clock: ManualClock
) -> None:
    async with run_bot() as app:
        owner = await world(app, tg)
        ivan, petr = tg.user(VOLOGDA_1), tg.user(TVER)
        clock.moment = datetime.fromisoformat("2025-11-20T10:00+03:00")
        await owner.send_document("tariffs-2025.yaml", LAST_YEAR)
        await owner.press("🟢 Открыть")
        await owner.press("✅ Открыть")
        await tg.wait_for(lambda c: c.chat_id == TVER and "2025" in (c.text or ""))
        await app.sender.wait_idle()
        await ivan.press("📊 Заполнить в Excel")
        old_sheet = ivan.last_message().document
        assert old_sheet is not None
        assert not isinstance(old_sheet, str)
        for user, water in ((ivan, "198,4"), (petr, "150")):
            await talk(user, "[▶️ Начать]", water)
            await finish(user, "7", "да", "3", "01.07.2025")
        await move_to(app, clock, datetime.fromisoformat("2025-12-15T18:01+03:00"))

        clock.moment = START
        await owner.send_document(
            "tariffs-2026.yaml", THIS_YEAR.replace(b"tariffs-2025", b"tariffs-2024")
        )
        assert "compare_with: опроса tariffs-2024 в боте нет" in owner.last_message().plain_text
        await owner.send_document("tariffs-2026.yaml", THIS_YEAR)
        await owner.press("🟢 Открыть")
        await owner.press("✅ Открыть")
        await tg.wait_for(lambda c: c.chat_id == VOLOGDA_1 and "2026" in (c.text or ""))
        await app.sender.wait_idle()
        await ivan.send_document("tariffs-2025-Vologda.xlsx", old_sheet.content)
        assert ivan.last_text() == (
            "Приём ответов на «Тарифы ЖКХ — 2025» завершён — таблица не принята."
        )  # last year's spreadsheet, sent by mistake
        await ivan.press("▶️ Начать")
        first = ivan.last_message()
        assert "📅 в 2025 году: 198,40 руб./м³" in question(ivan)  # last year's, as typed
        await ivan.send("212,5")
        assert "📅 в 2025 году: 7\n" in question(ivan)
        await ivan.press("📊 Заполнить в Excel", message_id=first.message_id)
        sheet_message = ivan.last_message()
        assert sheet_message.document is not None
        assert not isinstance(sheet_message.document, str)
        sheet = openpyxl.load_workbook(io.BytesIO(sheet_message.document.content)).worksheets[0]
        assert [sheet["F4"].value, sheet["F5"].value, sheet["F6"].value] == [
            "В 2025 году", "198,40 руб./м³", "7",
        ]  # fmt: skip
        await talk(ivan, "/surveys", "[Вологда: Тарифы ЖКХ — 2026]")
        await finish(ivan, "8", "да", "4", "01.07.2026")
        (review,) = [m for m in ivan.messages()[-3:] if "Проверьте ответы" in m.plain_text]
        assert "1. Тариф на холодную воду\n212,50 руб./м³\n📅 в 2025 году: 198,40 руб./м³" in (
            review.plain_text
        )
        assert (
            "6. С какой даты действуют нынешние тарифы?\n1 июля 2026 г.\n📅 в 2025 году: 1 июля"
            in (review.plain_text)
        )
        await complete(petr)

        await owner.send("/surveys")
        await owner.press("1")
        await owner.press("📊 XLSX")
        export = owner.last_message()
        assert export.document is not None
        assert not isinstance(export.document, str)
        table = openpyxl.load_workbook(io.BytesIO(export.document.content)).active
        header = [c.value for c in table[1]]
        assert header[2:6] == [
            "1. Тариф на холодную воду, руб./м³", "1. В 2025 году", "1. изменение, %",
            "2. Сколько месяцев длится отопительный сезон?",
        ]  # fmt: skip
        rows = {r[0].value: [c.value for c in r] for r in table.iter_rows(min_row=2, max_row=31)}
        assert rows["Вологда"][2:5] == [212.5, 198.4, 7.1]
        assert rows["Тверь"][2:5] == [12, 150, -92]
        await owner.press("📈 Графики", message_id=export.message_id - 1)
        photos = [m for m in owner.messages() if m.kind == "photo"]
        assert [m.caption for m in photos] == [  # one per numeric question, both years
            "Тариф на холодную воду, руб./м³",
            "Сколько месяцев длится отопительный сезон?",
            "Оцените качество коммунальных услуг",
        ]

        await move_to(app, clock, DEADLINE + timedelta(minutes=1))
        charts = await app.services.surveys.chart_data(
            await app.services.surveys.find("tariffs-2026")  # type: ignore[arg-type]
        )
        assert charts[0].previous == {"Вологда": 198.4, "Тверь": 150.0}
        assert (charts[0].year, charts[0].previous_year) == (2026, 2025)
    results = [
        m
        for m in ivan.messages()
        if "Итоги информационного обмена: Тарифы ЖКХ — 2026" in (m.text or "")
    ]
    assert len(results) == 1
    assert "медиана 112,25 (в 2025 году: 174,20; изменение -35,6\u00a0%)" in results[0].plain_text


async def test_a_subscriber_answers_in_a_spreadsheet_of_their_own(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        boris = tg.user(2002, first_name="Борис")
        _, anna = await open_to_subscribers(app, tg, "6 человек", boris)

        await anna.press("📊 Fill in with Excel")
        sent = anna.last_message()
        assert sent.document is not None
        assert not isinstance(sent.document, str)
        assert sent.document.filename == "city-day.xlsx"  # no city in a person's file
        assert (sent.caption or "").startswith('📊 The questionnaire "Day of the city".')
        content = sent.document.content
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        assert [sheet["B5"].value, sheet["E5"].value] == ["Will you come?", "Yes or No."]
        assert sheet["E6"].value == (
            'A whole number from 0 to 10. Only if the answer to question 1 is "Yes".'
        )

        await anna.send_document("city-day.xlsx", filled(content, {"C5": "Yes", "C6": 12}))
        report = anna.messages()[-2].plain_text
        assert report.startswith("📊 Spreadsheet read: Day of the city\nAnswers saved: 1.")
        assert "• Questionnaire!C6: the number cannot be greater than 10" in report
        assert "2. How many guests?\n— no answer" in anna.last_message().plain_text

        await boris.send_document("city-day.xlsx", filled(content, {"C5": "No"}))
        assert boris.last_text().startswith("Эта таблица — другого участника опроса")

        await anna.send_document("city-day.xlsx", filled(content, {"C5": "Yes", "C6": 3}))
        report = anna.messages()[-2].plain_text
        assert "Answers saved: 1; unchanged: 1." in report  # question 1 came with the first file
        assert "changed after the spreadsheet was made" not in report
        review = anna.last_message()
        assert "2. How many guests?\n3" in review.plain_text
        assert ["✅ Submit the response"] in review.buttons()
        await anna.press("✅ Submit the response")
        assert anna.last_text().startswith('✅ Thank you! The response to "Day of the city"')
        rows = await app.db.fetchall(
            "SELECT r.person_id, r.city_id, r.status, a.question, a.value"
            " FROM responses r JOIN answers a ON a.response_id = r.id ORDER BY a.question"
        )
        assert [tuple(r) for r in rows] == [
            (2001, None, "submitted", "come", "true"),
            (2001, None, "submitted", "guests", "3"),
        ]


async def test_a_contact_of_two_cities_picks_the_city_to_answer_for(
    tg: FakeTelegram, run_example: RunBot
) -> None:
    """A start button that names no city (c=0), pressed by a contact of two cities: the bot
    asks which city, in the member list's order, and answers for the one chosen."""
    async with run_example() as app:
        ivan = tg.user(VOLOGDA_1)
        tver = await _city(app, "Тверь")
        await app.services.contacts.contacts.add(
            tver, VOLOGDA_1, via="cli", added_by=None, now=START
        )
        survey_id = await example_id(app)
        await ivan.press_data(SurveyCb(a="go", s=survey_id, c=0).pack())
        pick = ivan.last_message()
        assert pick.plain_text == (
            "Вы — контактное лицо нескольких городов. За какой город отвечаете?"
        )
        assert pick.buttons() == [["Вологда", "Тверь"]]
        await ivan.press("Тверь")
        assert question(ivan).startswith("Тарифы ЖКХ — 2026 · Тверь\n\nВопрос 1 из 8")
