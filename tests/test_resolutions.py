"""Resolutions: publishing from .docx/.txt/pasted text, splitting, drafts and comments,
draft -> adopted links, the archive and full-text search."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document

from bot.app import App
from bot.resolutions.files import UnreadableFile, read_docx, read_txt
from bot.split import split_paragraphs, telegram_length
from storage.people import TelegramUser
from storage.resolutions import NewResolution
from storage.values import ResolutionStatus
from tests import support
from tests.conftest import RunBot
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.support import OWNER, add_staff

STAFF = 200
PART_MARK = re.compile(r"^\(\d+/\d+\)\n")

# Sample text written for the tests (not from the union's documents).
TITLE = "О развитии общественного транспорта в городах Союза"
PREAMBLE = (
    "Заслушав доклады о работе городского транспорта, Собрание Союза городов отмечает:",
    "Обновление подвижного состава идёт неравномерно; в ряде городов износ автобусов "
    "превышает половину, а маршрутная сеть не успевает за ростом новых районов.",
    "Собрание Союза городов решило:",
)
DECISIONS = (
    "Рекомендовать администрациям городов подготовить программы обновления транспорта "
    "на 2027–2029 годы.",
    "Поручить исполнительной дирекции провести информационный обмен о тарифах на проезд.",
    "Направить настоящее решение в профильные министерства.",
)
SIGNATURE = "Председатель Союза городов\tИ. И. Петров"


def resolution_docx() -> bytes:
    document = Document()
    document.add_paragraph(TITLE)
    for paragraph in PREAMBLE:
        document.add_paragraph(paragraph)
    for decision in DECISIONS:
        document.add_paragraph(decision, style="List Number")
    document.add_paragraph(SIGNATURE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def add_people(app: App, tg: FakeTelegram, ids: list[int]) -> list[FakeUser]:
    """Subscribers of every topic, called Подписчик and their id."""
    return await support.add_people(app, tg, ids, name="Подписчик")


async def add_contact(app: App, tg: FakeTelegram, person_id: int, city: str) -> FakeUser:
    """A city contact, made through an invite as the staff would."""
    user = tg.user(person_id, first_name="Контакт", last_name=city, username=f"c{person_id}")
    people, contacts = app.services.people, app.services.contacts
    viewer, _ = await people.register(
        TelegramUser(id=person_id, first_name="Контакт", last_name=city, username=f"c{person_id}")
    )
    (found,) = await app.services.cities.find(city)
    invite = await contacts.create_invite(await people.viewer_of(OWNER), found)
    await contacts.redeem(viewer, invite.token)
    return user


async def staff_and_contact(
    app: App, tg: FakeTelegram, owner: FakeUser, contact_id: int
) -> tuple[FakeUser, FakeUser]:
    """Пётр, staff beside the owner, and a city contact of Кострома: the one who answers
    and the one who writes to the executive office."""
    return await add_staff(tg, owner, STAFF), await add_contact(app, tg, contact_id, "Кострома")


def texts_after(user: FakeUser, count: int) -> list[BotMessage]:
    return user.messages()[count:]


async def begin(owner: FakeUser, status: str, when: str, city: str, title: str) -> None:
    await owner.send("/resolution_new")
    await owner.press(status)
    if "Принятое" in status and "Без проекта" in str(owner.last_message().buttons()):
        return
    await owner.send(when)
    await owner.press(city)
    await owner.send(title)


# --- text extraction and splitting (units) -------------------------------------------------


def test_docx_text_keeps_paragraphs_and_word_numbering() -> None:
    paragraphs = read_docx(resolution_docx())
    assert paragraphs[0] == TITLE
    assert paragraphs[1:4] == list(PREAMBLE)
    assert paragraphs[4:7] == [f"{n}. {text}" for n, text in enumerate(DECISIONS, 1)]
    assert paragraphs[7] == "Председатель Союза городов И. И. Петров"


def test_broken_files_are_refused() -> None:
    with pytest.raises(UnreadableFile):
        read_docx(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile):
        read_txt(b"  \n\n ")
    assert read_txt("Решение\r\n\r\n1. Пункт".encode("cp1251")) == ["Решение", "1. Пункт"]
    assert read_txt("\ufeffРешение".encode()) == ["Решение"]


def test_split_keeps_numbers_headings_and_words() -> None:
    long = " ".join(f"Предложение номер {i} о развитии городов." for i in range(400))
    paragraphs = ["Вступление.", "решило:", "1.", "Первый пункт.", long, "2. Второй пункт."]
    chunks = split_paragraphs(paragraphs, 1000)
    assert all(telegram_length(c) <= 1000 for c in chunks)
    assert chunks[0] == "Вступление.\n\nрешило:\n\n1. Первый пункт."  # heading and number kept
    words = " ".join(paragraphs).replace("1. Первый", "1.  Первый").split()
    assert " ".join(chunks).split() == words
    assert chunks[-1].endswith("2. Второй пункт.")


def test_split_counts_what_telegram_counts() -> None:
    emoji = "🏙" * 3000  # two UTF-16 units each
    chunks = split_paragraphs(["Начало", emoji, "Конец"], 4096)
    assert all(telegram_length(c) <= 4096 for c in chunks)
    assert "".join(chunks).count("🏙") == 3000


# --- publishing ------------------------------------------------------------------------------


async def test_draft_from_docx_goes_to_topic_and_contacts_with_the_file(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    content = resolution_docx()
    async with run_owned() as app:
        (subscriber,) = await add_people(app, tg, [3001])
        contact = await add_contact(app, tg, 3002, "Вологда")
        await app.services.subscriptions.toggle(3002, "assemblies")  # the contact gets it anyway
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", TITLE)
        await owner.send_document("Проект решения.docx", content)
        preview = owner.messages()[-3:]
        assert "Проект решения Общего Собрания" in preview[0].plain_text
        assert "12 марта 2026 г., г. Вологда" in preview[0].plain_text
        assert "1. Рекомендовать администрациям" in preview[1].plain_text
        assert "с файлом «Проект решения.docx»" in preview[2].plain_text
        assert "все контактные лица городов: 3 получателя" in preview[2].plain_text
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        row = await app.db.fetchone(
            "SELECT status, assembly_date, city_name, title FROM resolutions"
        )
        assert row is not None
        assert tuple(row) == ("draft", "2026-03-12", "Вологда", TITLE)

    for person in (subscriber, contact):
        header, text, document = person.messages()[-3:]
        assert header.plain_text.startswith("📝 Проект решения Общего Собрания")
        assert TITLE in header.plain_text
        for number, decision in enumerate(DECISIONS, 1):
            assert f"{number}. {decision}" in text.plain_text
        assert "отмечает:" in text.plain_text
        upload = document.document
        assert upload is not None
        assert not isinstance(upload, str)
        assert upload.content == content
        assert upload.filename == "Проект решения.docx"
        assert document.buttons() == [["💬 Отправить замечания"]]


async def test_25000_characters_are_split_within_the_limit(
    tg: FakeTelegram, owner: FakeUser, run_bot: RunBot
) -> None:
    paragraphs = ["Собрание Союза городов <Центра> & Северо-Запада отмечает:"]
    n = 0
    while sum(len(p) + 1 for p in paragraphs) < 25_000:
        n += 1
        item = (
            f"Рекомендовать городам & их администрациям <продолжить> работу по пункту {n}: "
            + "подготовить предложения, обсудить их с жителями и направить в дирекцию. " * (n % 7)
        )
        if n % 13 == 0:  # the number on a line of its own, as some exports have it
            paragraphs += [f"{n}.", item]
        else:
            paragraphs.append(f"{n}. {item}")
        if n % 9 == 0:
            paragraphs.append("решило:")
    paragraphs.append("Очень длинный абзац. " * 300)  # longer than a message by itself
    text = "\n".join(paragraphs)
    assert len(text) >= 25_000
    async with run_bot() as app:
        app.sender.pacer.per_chat_interval = 0  # nine messages to one chat without the wait
        await owner.send("/start")
        await add_people(app, tg, [3101, 3102])
        await begin(owner, "✅ Принятое решение", "20.10.2026", "Калининград", "Итоги года")
        await owner.send_document("reshenie.txt", text.encode("utf-8"))
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        outcomes = await app.db.fetchall(
            "SELECT d.status, count(*) FROM deliveries d JOIN delivery_jobs j ON j.id = d.job_id "
            "WHERE j.kind = 'resolution' GROUP BY d.status"
        )
        assert [tuple(r) for r in outcomes] == [("sent", 3)]  # the fake refuses > 4096 with 400
    reader = tg.user(3101)
    messages = reader.messages()
    header, parts, document = messages[0], messages[1:-1], messages[-1]
    assert f"Текст — в {len(parts)} сообщениях ниже." in header.plain_text
    assert len(parts) >= 7
    assert document.document is not None
    shown = []
    for number, part in enumerate(parts, 1):
        plain = part.plain_text
        assert telegram_length(plain) <= 4096
        assert plain.startswith(f"({number}/{len(parts)})\n")
        body = PART_MARK.sub("", plain)
        assert not body.rstrip().endswith("решило:")  # a heading never ends a part
        assert re.search(r"(^|\n)\d+\.$", body) is None  # a number never ends a part alone
        shown.append(body)
    assert " ".join(shown).split() == " ".join(paragraphs).split()  # no word was cut
    assert "<Центра> & Северо-Запада" in parts[0].plain_text  # entities escaped, not cut
    assert any(re.search(r"(^|\n)13\. Рекомендовать городам", p) for p in shown)  # joined


async def test_comments_reach_staff_and_the_answer_reaches_the_person(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        staff, contact = await staff_and_contact(app, tg, owner, 3201)
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", TITLE)
        await owner.send("\n".join([*PREAMBLE, *DECISIONS]))
        await owner.press("✅ Готово, это весь текст")
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()

        await contact.press("💬 Отправить замечания")
        assert "Напишите замечания к проекту" in contact.last_text()
        await contact.send("Предлагаем в пункте 2 добавить <тарифы> на пригородные маршруты.")
        assert contact.last_text().startswith("Спасибо! Замечания переданы")
        for member in (owner, staff):
            note = member.last_message()
            assert f"Замечания к проекту «{TITLE}»" in note.plain_text
            assert "Контакт Кострома (@c3201) — контактное лицо: Кострома" in note.plain_text
            assert "добавить <тарифы> на пригородные" in note.plain_text
            assert note.buttons() == [["↩️ Ответить"]]
        row = await app.db.fetchone("SELECT person_id, city_names, text FROM resolution_comments")
        assert row is not None
        assert tuple(row)[:2] == (3201, "Кострома")

        await staff.press("↩️ Ответить")
        assert "Напишите ответ на замечания" in staff.last_text()
        await staff.send("Спасибо, учтём в редакции к Собранию.")
        assert staff.last_text() == "✅ Ответ доставлен."
        answer = contact.last_message().plain_text
        assert "Ответ исполнительной дирекции" in answer
        assert "Спасибо, учтём в редакции к Собранию." in answer
        assert (
            await app.db.fetchval("SELECT answer FROM resolution_comments")
            == "Спасибо, учтём в редакции к Собранию."
        )


async def test_adopting_a_draft_links_the_two(
    tg: FakeTelegram, owner: FakeUser, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        app.sender.pacer.per_chat_interval = 0  # texts in several parts, without the wait
        await owner.send("/start")
        contact = await add_contact(app, tg, 3301, "Вологда")
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", TITLE)
        await owner.send("1. Проектный пункт.")
        await owner.press("✅ Готово")
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()

        await owner.send("/resolution_new")
        await owner.press("✅ Принятое решение")
        assert "Это принятая редакция одного из проектов?" in owner.last_text()
        await owner.press(f"12 марта 2026 г. — {TITLE[:39]}")
        await owner.send("12.03.2026")
        await owner.press("Вологда")
        await owner.send(TITLE)
        await owner.send("1. Принятый пункт.")
        await owner.press("✅ Готово")
        assert f"Принятая редакция проекта «{TITLE}»" in owner.last_text()
        await owner.press("✅ Опубликовать")
        await app.sender.wait_idle()
        draft_id, adopted_id = (
            r[0] for r in await app.db.fetchall("SELECT id FROM resolutions ORDER BY id")
        )
        assert (
            await app.db.fetchval("SELECT adopted_id FROM resolutions WHERE id = ?", (draft_id,))
            == adopted_id
        )

        await contact.press("💬 Отправить замечания", message_id=contact.messages()[1].message_id)
        assert contact.alerts()[-1] == "Проект уже принят — отправить замечания больше нельзя."

        await contact.send("/resolutions")
        listing = contact.last_message().plain_text
        assert "Решения Общего Собрания — 2026 год" in listing
        assert "📝 проект (принят)" in listing
        assert "✅ принято" in listing
        await contact.press(f"2. {TITLE}")  # newest first: the draft was stored first
        card = contact.last_message()
        assert "✅ Принято 12 марта 2026 г." in card.plain_text
        assert ["✅ Принятая редакция"] in card.buttons()
        assert ["💬 Отправить замечания"] not in card.buttons()
        await contact.press("✅ Принятая редакция")
        card = contact.last_message()
        assert card.plain_text.startswith("📜 Решение Общего Собрания")
        assert ["📝 Проект"] in card.buttons()
        before = len(contact.messages())
        await contact.press("📄 Полный текст")
        await app.sender.wait_idle()
        sent = texts_after(contact, before)
        assert "Принятый пункт" in sent[-1].plain_text


async def test_two_staff_adopting_one_draft_the_second_is_told(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        staff = await add_staff(tg, owner, STAFF)
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", TITLE)
        await owner.send("1. Проектный пункт.")
        await owner.press("✅ Готово")
        await owner.press("✅ Опубликовать")

        for user in (owner, staff):  # both pick the same draft before either publishes
            await user.send("/resolution_new")
            await user.press("✅ Принятое решение")
            await user.press(f"12 марта 2026 г. — {TITLE[:39]}")
            await user.send("12.03.2026")
            await user.press("Вологда")
            await user.send(TITLE)
            await user.send(f"1. Пункт от {user.first_name}.")
            await user.press("✅ Готово")
        await owner.press("✅ Опубликовать")
        assert "⚠️" not in owner.last_text()
        await staff.press("✅ Опубликовать")
        assert "уже опубликовано" in staff.last_text()  # same title and date: asked first
        await staff.press("Да, опубликовать ещё раз")
        told = staff.last_text()
        assert told.startswith(f"✅ Решение «{TITLE}» опубликовано.")
        assert "Выбранный проект тем временем уже связан с другим принятым решением" in told

        rows = await app.db.fetchall("SELECT id, adopted_id FROM resolutions ORDER BY id")
        draft, first, second = (tuple(r) for r in rows)
        assert draft == (draft[0], first[0])  # the draft points at the first adopted text
        assert second[1] is None


async def publish_direct(
    app: App, title: str, body: str, day: date, status: str = "adopted"
) -> None:
    """Resolutions put in through the service the dialog uses."""
    staff = await app.services.people.viewer_of(OWNER)
    await app.services.resolutions.publish(
        staff,
        NewResolution(
            status=ResolutionStatus(status),
            assembly_date=day,
            city_id=None,
            city_name="Псков",
            title=title,
            body=body,
        ),
    )


async def test_search_finds_russian_word_forms_and_survives_any_input(
    ivan: FakeUser, run_ivan: RunBot
) -> None:
    async with run_ivan() as app:
        await publish_direct(
            app,
            "О жилищно-коммунальном хозяйстве",
            "Собрание отмечает:\nРост расходов на отопление.\n"
            "1. Провести обмен сведениями о ТАРИФАХ на тепло и воду.\n2. Учесть еще раз.",
            date(2026, 3, 12),
        )
        await publish_direct(
            app,
            "О молодёжной политике",
            "Собрание учитывает опыт городов, в которых ещё до принятия программ работали "
            "молодёжные советы при главах городов и студенческие объединения.\n"
            "1. Поддержать молодёжные советы.\n2. Обобщить опыт ещё раз через год "
            "и доложить на следующем Собрании Союза городов с учётом замечаний.",
            date(2025, 10, 2),
        )
        await app.sender.wait_idle()

        for query in ("тариф", "Тарифах", "ТАРИФЫ", "тарифы воду"):
            await ivan.send(f"/resolutions {query}")
            found = ivan.last_text()
            assert "О жилищно-коммунальном хозяйстве" in found, query
            assert "<b>ТАРИФАХ</b>" in found, query
            assert "молодёжной" not in found, query
        await ivan.send("/resolutions молодежные советы")
        assert "О молодёжной политике" in ivan.last_text()
        for short in ("тепла", "воды", "совет"):  # short words find their other forms too
            await ivan.send(f"/resolutions {short}")
            assert "ничего не найдено" not in ivan.last_message().plain_text, short
        await ivan.send("/resolutions ещё")  # yo and ye are one letter to the search
        assert "О жилищно-коммунальном хозяйстве" in ivan.last_text()
        assert "Учесть <b>еще</b> раз" in ivan.last_text()  # each text keeps its own letters
        await ivan.send("/resolutions поддержать")  # a piece from the middle of a long text
        piece = ivan.last_text().rsplit("\n", 1)[-1]
        assert piece.startswith("…"), piece
        assert piece.endswith("…"), piece
        assert "<b>Поддержать</b> молодёжные советы. 2. Обобщить опыт ещё раз" in piece
        for nasty in ('"тариф', "тариф*) OR (", "NEAR(a b", "-", "<b>&amp;", "AND OR NOT"):
            await ivan.send(f"/resolutions {nasty}")
            assert "Что-то пошло не так" not in ivan.last_text(), nasty
        assert "&lt;b&gt;&amp;amp;" in ivan.last_text() or "ничего не найдено" in ivan.last_text()
        await ivan.send("/resolutions <b>&amp;")
        assert "По запросу «<b>&amp;» ничего не найдено" in ivan.last_message().plain_text

        await ivan.send("/resolutions")
        listing = ivan.last_message()
        assert "— 2026 год" in listing.plain_text
        assert listing.buttons()[-1] == ["2025"]
        await ivan.press("2025")
        assert "О молодёжной политике" in ivan.last_message().plain_text
