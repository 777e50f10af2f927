"""The annual digest: its figures against the data, as a message, .docx, Markdown, and CLI."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.app import App
from bot.cli import main
from storage.events import EventDraft
from storage.values import EventFormat, EventKind
from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import OWNER, ManualClock
from tests.test_resolutions import publish_direct

MSK = ZoneInfo("Europe/Moscow")


async def seed(app: App, year: int) -> None:
    """Events and resolutions put in through the services the dialogs use."""
    staff = await app.services.people.viewer_of(OWNER)
    events = app.services.events

    async def event(kind: EventKind, title: str, city: str, day: date) -> int:
        draft = EventDraft(
            kind=kind,
            title=title,
            city_id=None,
            city_name=city,
            starts_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=MSK),
            ends_at=None,
            format=EventFormat.IN_PERSON,
            place=None,
            link=None,
            description="",
        )
        return int((await events.publish(staff, draft)).event.id)

    await event(EventKind.CONFERENCE, "Цифровой город", "Вологда", date(year, 12, 1))
    await event(EventKind.CONFERENCE, "Городская среда", "Вологда", date(year, 12, 5))
    await event(EventKind.SPORT, "Спартакиада", "Кострома", date(year, 12, 10))
    cancelled = await event(EventKind.SECTION, "Секция культуры", "Вологда", date(year, 12, 12))
    await events.cancel(staff, cancelled)
    await event(EventKind.ASSEMBLY, "Общее собрание", "Псков", date(year + 1, 1, 15))

    async def resolution(status: str, day: date, title: str) -> None:
        await publish_direct(app, title, "1. Пункт решения.", day, status)

    await resolution("adopted", date(year, 3, 12), "О городском транспорте")
    await resolution("draft", date(year, 6, 1), "О молодёжной политике")
    await resolution("adopted", date(year, 10, 20), "Об итогах информационных обменов")
    await resolution("adopted", date(year - 1, 10, 20), "О прошлогоднем вопросе")


async def test_digest_figures_match_the_data(
    owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned() as app:
        await seed(app, 2026)
        await app.sender.wait_idle()
        clock.moment = datetime(2027, 1, 10, 12, 0, tzinfo=MSK)
        await owner.send("/digest 2026")
        message, docx, markdown = owner.messages()[-3:]

        await owner.send("/digest 2031")
        assert "Укажите год цифрами, не позже текущего" in owner.last_text()
        await owner.send("/digest двадцать")
        assert "/digest 2027" in owner.last_message().plain_text

    text = message.plain_text
    assert "Итоги работы Союза за 2026 год" in text
    assert "проведено 3 мероприятия" in text  # the cancelled and the 2027 one are not counted
    assert "• Конференция — 2" in text
    assert "• Спортивное мероприятие — 1" in text
    assert "Заседание секции" not in text
    assert "• Вологда — 2" in text
    assert "• Кострома — 1" in text
    assert "1. 12 марта 2026 г., Псков: «О городском транспорте»" in text
    assert "2. 20 октября 2026 г., Псков: «Об итогах информационных обменов»" in text
    assert "молодёжной" not in text  # a draft is not an adopted resolution
    assert "прошлогоднем" not in text
    assert "Информационные обмены\nСведений за этот год нет." in text

    upload = docx.document
    assert upload is not None
    assert not isinstance(upload, str)
    assert upload.filename == "Сводка 2026.docx"
    document = Document(io.BytesIO(upload.content))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings == [
        "Итоги работы Союза за 2026 год",
        "Мероприятия",
        "Информационные обмены",
        "Решения Общего Собрания",
    ]
    kinds, cities, listing = (
        [[c.text for c in row.cells] for row in t.rows] for t in document.tables
    )
    assert kinds == [["Вид", "Количество"], ["Конференция", "2"], ["Спортивное мероприятие", "1"]]
    assert cities == [["Город", "Количество"], ["Вологда", "2"], ["Кострома", "1"]]
    assert [row[1] for row in listing[1:]] == ["Цифровой город", "Городская среда", "Спартакиада"]
    assert listing[1][0] == "1 декабря 2026 г."
    numbered = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "List Number"
    ]
    assert numbered == [
        "12 марта 2026 г., Псков: О городском транспорте",
        "20 октября 2026 г., Псков: Об итогах информационных обменов",
    ]

    upload = markdown.document
    assert upload is not None
    assert not isinstance(upload, str)
    md = upload.content.decode("utf-8")
    assert md.startswith("# Итоги работы Союза за 2026 год")
    assert "| Конференция | 2 |" in md
    assert "| 5 декабря 2026 г. | Городская среда | Вологда |" in md


async def test_digest_from_the_command_line(
    tg: FakeTelegram,
    run_bot: RunBot,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with run_bot() as app:
        await seed(app, 2024)  # a past year by the wall clock, which the command line uses
        await app.sender.wait_idle()
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    assert await asyncio.to_thread(main, ["digest", "2024"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Итоги работы Союза за 2024 год")
    assert "Проведено: 3 мероприятия." in printed
    target = tmp_path / "out" / "digest.docx"
    assert await asyncio.to_thread(main, ["digest", "2024", "-o", str(target), "--lang", "en"]) == 0
    document = Document(str(target))
    assert document.paragraphs[0].text == "The Union's year 2024"
