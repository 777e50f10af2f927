"""Whatever anyone sends, the bot answers clearly, stays up for everyone else, loses nothing.

A corpus of bad input, each item generated here (no bombs are checked in): hostile files
(a zip bomb, YAML "billion laughs", deep nesting, huge numbers), text files in the
encodings Russian text really comes in, oversize and control-character input, and faults
around the bot (a database locked by another process, a corrupt one, Telegram out of
reach, a webhook posting garbage). Each test asserts what a person sees.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from aiohttp import web
from docx import Document

from bot.app import App
from bot.resolutions.files import MAX_INFLATED, UnreadableFile, read_docx, read_txt
from bot.surveys.definition import DefinitionError
from bot.surveys.export import sheet_title
from bot.surveys.loader import parse_definition
from storage import db as db_module
from storage.people import TelegramUser
from tests.conftest import RunBot, SettingsFactory
from tests.fake_telegram import ApiCall, FakeTelegram, FakeUser, UploadedFile
from tests.processes import BOT_RUN
from tests.processes import bot_env as process_env
from tests.support import OWNER, TOKEN, ManualClock
from tests.test_config import run_cli
from tests.test_lifecycle import free_port
from tests.test_resolutions import begin
from tests.test_surveys import EXAMPLE

RUSSIAN = "Собрание Союза городов решило:\n1. Рекомендовать городам обновить транспорт.\n"
HELPER = 5005  # someone else, who must keep getting answers


async def still_answers(tg: FakeTelegram) -> None:
    """Another person's /help is answered: the bot is up for everyone else."""
    other = tg.user(HELPER, first_name="Другой")
    await other.send("/help")
    assert "Что умеет бот" in other.last_text()


async def invite_anna(
    tg: FakeTelegram, owner: FakeUser, filename: str, survey: bytes, title: str
) -> FakeUser:
    """Анна, a subscriber, once the owner has opened the subscribers' `survey` until
    1 December, 12:00 and Анна has got its invitation (which names `title`)."""
    anna = tg.user(2001, first_name="Анна")
    await anna.send("/start")
    await owner.send_document(filename, survey)
    await owner.press("🟢 Открыть")
    await owner.send("01.12 12:00")
    await owner.press("✅ Открыть")
    await tg.wait_for(lambda c: c.chat_id == 2001 and title in (c.text or ""))
    return anna


# --- files: generated hostile input ------------------------------------------------------------


def zip_bomb(inflated: int) -> bytes:
    """A .docx-shaped archive whose document.xml inflates to `inflated` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = bytes(1 << 20)
            for _ in range(inflated >> 20):
                part.write(chunk)
    return out.getvalue()


def billion_laughs(levels: int = 9) -> str:
    lines = ["id: lol", "title: LOL", "questions:", '  - {key: a, text: &a0 "lol", type: text}']
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines)


def test_a_zip_bomb_is_refused_before_it_inflates_in_bounded_memory(tmp_path: Path) -> None:
    """In a child process with 600 MB of address space: the check must not inflate."""
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bomb(MAX_INFLATED + (64 << 20)))
    assert bomb.stat().st_size < 2 << 20  # small on the wire
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))\n"
        "from bot.resolutions.files import UnreadableFile, read_docx\n"
        f"data = open({str(bomb)!r}, 'rb').read()\n"
        "try:\n    read_docx(data)\nexcept UnreadableFile as e:\n    print('refused', e.key)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "refused too_big_inside", done.stderr
    assert time.monotonic() - started < 20


async def test_a_zip_bomb_in_the_resolution_dialog_gets_a_clear_reply(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", "О транспорте")
        await owner.send_document("bomb.docx", zip_bomb(MAX_INFLATED + (16 << 20)))
        assert "слишком много данных" in owner.last_text()
        assert await app.db.fetchval("SELECT count(*) FROM files") == 0  # nothing kept
        await still_answers(tg)
        await owner.send_document("text.txt", RUSSIAN.encode())  # the dialog goes on
        assert "Рекомендовать городам" in owner.messages()[-2].plain_text


def number_with(bound: str) -> str:
    return f"id: x\ntitle: T\nquestions:\n  - {{key: a, text: A, type: number, {bound}}}"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (billion_laughs(), "якоря и ссылки"),
        ("id: x\ntitle: " + "[" * 1000 + "]" * 1000, "слишком глубокая вложенность"),
        ("id: x\ntitle: T\nid: y\nquestions: []", "уже задано выше"),
        (number_with("max: " + "9" * 5000), "слишком длинное число"),
        (number_with("max: .inf"), "нужно число"),
        (number_with("min: .nan"), "нужно число"),
        (number_with("max: 1" + "0" * 400), "нужно число"),
        (number_with("max: 1e400"), "нужно число"),
    ],
)
async def test_hostile_survey_files_are_refused_clearly_and_fast(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, source: str, problem: str
) -> None:
    async with run_owned() as app:
        before = len(owner.messages())
        started = time.monotonic()
        await owner.send_document("survey.yaml", source.encode())
        assert time.monotonic() - started < 5
        replies = owner.messages()[before:]
        assert 1 <= len(replies) <= 3
        assert "Файл не загружен" in replies[0].plain_text
        assert problem in " ".join(r.plain_text for r in replies)
        assert await app.db.fetchval("SELECT count(*) FROM surveys") == 0
        await still_answers(tg)


def test_a_billion_laughs_file_does_not_expand() -> None:
    started = time.monotonic()
    with pytest.raises(DefinitionError) as refused:
        parse_definition(billion_laughs(12))
    assert [p.code for p in refused.value.problems] == ["yaml_alias"]
    assert time.monotonic() - started < 1


async def test_thousands_of_problems_come_as_a_few_valid_messages(
    owner: FakeUser, run_owned: RunBot
) -> None:
    questions = "\n".join(
        f"  - {{key: 'Q&{i}<b>', text: '', type: 'kind&amp;{i}' }}" for i in range(3000)
    )
    async with run_owned():
        before = len(owner.messages())
        await owner.send_document("many.yaml", f"id: x\ntitle: T\nquestions:\n{questions}".encode())
        replies = owner.messages()[before:]
        assert 1 <= len(replies) <= 4  # every one accepted by the (HTML-checking) fake server
        text = "\n".join(r.plain_text for r in replies)
        assert text.count("• ") == 20
        assert "…и ещё 8\xa0981 ошибка: исправьте показанные" in text


# --- text files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        RUSSIAN.encode("utf-8"),
        RUSSIAN.encode("utf-8-sig"),
        RUSSIAN.encode("utf-16"),  # Notepad's "Unicode": a BOM, then UTF-16 LE
        RUSSIAN.encode("utf-16-be"),
        RUSSIAN.encode("cp1251"),
        RUSSIAN.encode("koi8_r"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be-no-bom", "cp1251", "koi8-r"],
)
def test_txt_in_every_encoding_russian_text_comes_in(encoded: bytes) -> None:
    assert read_txt(encoded) == [
        "Собрание Союза городов решило:",
        "1. Рекомендовать городам обновить транспорт.",
    ]


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + os.urandom(4000), b"\x00\x01\x02" * 500],
    ids=["all-bytes", "png", "nul"],
)
def test_a_file_that_is_not_russian_text_is_refused(content: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_txt(content)
    assert refused.value.key == "not_text"


async def test_txt_upload_is_published_readable_and_only_accepted_files_are_kept(
    owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        await begin(owner, "📝 Проект решения", "12.03.2026", "Вологда", "О транспорте")
        await owner.send_document("long.txt", ("Слово " * 70_000).encode("cp1251"))
        assert "слишком длинный" in owner.last_text() or "не длиннее" in owner.last_text()
        await owner.send_document("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(3000))
        assert "не удалось прочитать как русский текст" in owner.last_text()
        assert await app.db.fetchval("SELECT count(*) FROM files") == 0
        await owner.send_document("koi8.txt", RUSSIAN.encode("koi8_r"))
        assert "Рекомендовать городам обновить транспорт" in owner.messages()[-2].plain_text
        assert await app.db.fetchval("SELECT count(*) FROM files") == 1
        await owner.press("📄 Заменить текст")
        await owner.send_document(
            "utf16.txt", RUSSIAN.replace("транспорт", "дороги").encode("utf-16")
        )
        assert "обновить дороги" in owner.messages()[-2].plain_text
        names = await app.db.fetchall("SELECT filename FROM files")
        assert [row[0] for row in names] == ["utf16.txt"]  # the replaced one is not kept


def test_docx_reading_still_works_after_the_check() -> None:
    document = Document()
    document.add_paragraph("Пункт первый.")
    out = io.BytesIO()
    document.save(out)
    assert read_docx(out.getvalue()) == ["Пункт первый."]


# --- spreadsheets and charts --------------------------------------------------------------------

SLASH_SURVEY = b"""
id: tariffs-27
title: "Tarify 2026/2027: [draft]"
audience: subscribers
questions:
  - {key: share, text: "Share of the poor", type: number, unit: "< 50% & more"}
  - {key: note, text: "Anything else?", type: text, max_length: 4000, required: false}
"""


async def test_export_and_charts_with_characters_excel_and_html_refuse(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned():
        anna = await invite_anna(tg, owner, "t.yaml", SLASH_SURVEY, "Tarify")
        await anna.press("▶️ Начать")
        await anna.send("12,5")
        long_answer = "Очень подробный ответ. " * 174  # 4 002 characters
        await anna.send(long_answer[:4000])
        review = anna.last_message()
        assert "✅ Отправить ответ" in str(review.buttons())  # the review fits a message
        assert "…" in review.plain_text
        await anna.press("✅ Отправить ответ")
        await owner.send("/surveys")
        await owner.press("1")
        await owner.press("📊 XLSX")
        document = owner.last_message().document
        assert isinstance(document, UploadedFile)
        sheet = openpyxl.load_workbook(io.BytesIO(document.content))
        assert sheet.sheetnames == ["Tarify 2026-2027- -draft-"]
        await owner.press("📈 Графики")
        chart = owner.last_message()
        assert chart.photo is not None
        assert chart.plain_text == "Share of the poor, < 50% & more"


def test_sheet_titles_excel_accepts() -> None:
    assert sheet_title("Тарифы ЖКХ 2026/2027") == "Тарифы ЖКХ 2026-2027"
    assert len(sheet_title("Ж" * 50)) == 31
    assert sheet_title("'?*'") == "--"
    assert sheet_title("") == "Survey"


async def test_cli_export_of_a_title_with_a_slash(
    tg: FakeTelegram, make_settings: SettingsFactory, tmp_path: Path, clock: ManualClock
) -> None:
    settings = make_settings()
    app = App(settings, clock=clock)
    await app.setup()
    try:
        await app.services.surveys.import_file(SLASH_SURVEY.decode(), None)
    finally:
        await app.close()
    out = tmp_path / "out.xlsx"
    done = run_cli(
        tmp_path,
        {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(settings.database_path)},
        "survey", "export", "tariffs-27", "--format", "xlsx", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["Tarify 2026-2027- -draft-"]


# --- messages -------------------------------------------------------------------------------


async def test_an_unhandled_error_gets_an_apology_logged_once(
    tg: FakeTelegram,
    run_bot: RunBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with run_bot() as app:
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(app.services.subscriptions, "topics_of", broken)
        with caplog.at_level(logging.ERROR):
            await ivan.send("/subscribe")
        assert ivan.last_text().startswith("Что-то пошло не так")
        assert sum("a bug" in (r.exc_text or str(r.exc_info)) for r in caplog.records) == 1
        monkeypatch.setattr(app.services.subscriptions, "toggle", broken)
        await ivan.press_data("tp:sport")
        assert ivan.alerts()[-1].startswith("Что-то пошло не так")
        await still_answers(tg)


async def test_staff_commands_answer_exactly_like_unknown_ones_for_strangers(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot():
        stranger = tg.user(3003, first_name="Чужой")  # never sent /start
        answers = []
        for command in ("/nosuchcommand", "/broadcast", "/survey_new", "/staff add 5"):
            await stranger.send(command)
            answers.append(stranger.last_text())
        assert len(set(answers)) == 1, answers
        await stranger.send("/start")
        answers = []
        for command in ("/nosuchcommand", "/broadcast", "/inbox_nope", "/digest 2026"):
            await stranger.send(command)
            answers.append(stranger.last_text())
        assert len(set(answers)) == 1, answers


async def test_one_pending_contact_request_at_a_time(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")
        await ivan.send("/city")
        await ivan.press("Вологда")
        await ivan.send("Специалист")
        await ivan.send("Администрация города")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Вологда</b>.")
        for city in ("Кострома", "Тверь"):
            await ivan.send("/city")
            await ivan.press(city)
            assert "заявка по городу <b>Вологда</b> уже на рассмотрении" in ivan.last_text()
        assert await app.db.fetchval("SELECT count(*) FROM contact_requests") == 1
        assert sum("Вологда" in m.plain_text for m in owner.messages()) == 1


SCALE_SURVEY = b"""
id: mood
title: "Mood"
audience: subscribers
questions:
  - {key: mood, text: "How is it?", type: scale, min: 0, max: 4}
  - {key: why, text: "Why?", type: text}
"""


async def test_a_scale_from_zero_and_control_characters_in_answers(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    async with run_owned() as app:
        anna = await invite_anna(tg, owner, "m.yaml", SCALE_SURVEY, "Mood")
        await anna.press("▶️ Начать")
        assert ["0", "1", "2", "3", "4"] in anna.last_message().buttons()
        await anna.press("0")
        await anna.send("Всё\x00 хорошо\x07")
        stored = await app.db.fetchall("SELECT question, value FROM answers ORDER BY question")
        assert [tuple(r) for r in stored] == [("mood", "0"), ("why", '"Всё хорошо"')]


async def test_a_date_of_year_one_is_not_a_date(owner: FakeUser, run_owned: RunBot) -> None:
    async with run_owned():
        await owner.send("/resolution_new")
        await owner.press("📝 Проект решения")
        await owner.send("01.01.0001")
        assert "Такой даты не бывает" in owner.last_text()
        await owner.send("12.03.2026")
        assert "В каком городе" in owner.last_text()


# --- faults around the bot ----------------------------------------------------------------------


async def test_a_locked_database_is_waited_for_and_nothing_is_lost(
    tg: FakeTelegram, run_bot: RunBot, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    """Another process holds the write lock: a write waits (others are answered meanwhile);
    held beyond the patience, the person is asked to send it again."""
    monkeypatch.setattr(db_module, "BUSY_PATIENCE", 2.0)
    async with run_bot() as app:
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")
        other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        released = threading.Event()

        def hold(seconds: float) -> None:
            other.execute("BEGIN IMMEDIATE")
            released.wait(seconds)
            other.execute("COMMIT")

        holder = threading.Thread(target=hold, args=(0.8,))
        holder.start()
        await asyncio.sleep(0.1)
        await ivan.send("/language")
        await ivan.press("English")  # a write while locked: waits, then goes through
        holder.join()
        assert await app.db.fetchval("SELECT language FROM people WHERE id = 1001") == "en"

        holder = threading.Thread(target=hold, args=(30,))
        holder.start()
        await asyncio.sleep(0.1)
        try:
            await ivan.send("/language")
            await ivan.press("Русский")
            assert ivan.alerts()[-1].startswith("The database is busy")
        finally:
            released.set()
            holder.join()
            other.close()
        assert await app.db.fetchval("SELECT language FROM people WHERE id = 1001") == "en"
        await still_answers(tg)


async def test_a_server_without_webhooks_is_polled_anyway(
    tg: FakeTelegram, run_bot: RunBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A local Bot API or test server that refuses deleteWebhook (404 or 400) is still a
    server that answers: the bot polls at once instead of waiting for it to change."""
    tg.fail_next("deleteWebhook", status=404, description="Not Found: method not found")
    async with run_bot():
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")
        assert "Здравствуйте" in ivan.last_text()
    assert [c.status for c in tg.calls_of("deleteWebhook")] == [404]  # asked once, not again
    assert "deleteWebhook refused (Not Found: method not found); polling anyway" in caplog.text


async def test_files_from_a_local_bot_api_server_are_read_from_its_disk(
    tg: FakeTelegram, run_owned: RunBot, owner: FakeUser, tmp_path: Path
) -> None:
    """`telegram-bot-api --local` answers getFile with a path on its disk (and serves no
    file over HTTP): the bot, running beside it, reads the file there."""
    tg.local_files = tmp_path / "bot-api"
    async with run_owned():
        await owner.send_document("tariffs-2026.yaml", EXAMPLE)
        assert "Опрос загружен как черновик" in owner.last_text()
    (path,) = [c.result["file_path"] for c in tg.calls_of("getFile")]
    assert path.startswith(str(tg.local_files.resolve()))


@pytest.mark.process
@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "cannot start: Telegram refused BOT_TOKEN (check the token)"),
        (
            404,
            "cannot start: the Bot API server refused getMe: Not Found (check TELEGRAM_API_BASE)",
        ),
    ],
)
async def test_a_refusal_at_start_is_one_line_and_exit_2(
    tg: FakeTelegram, tmp_path: Path, status: int, says: str
) -> None:
    """A refused token or a server that is no Bot API answers at once; waiting would not
    change the answer, so the bot says so in one line instead of retrying for ever."""
    tg.fail_next("getMe", status=status)
    process = await asyncio.create_subprocess_exec(
        *BOT_RUN, cwd=tmp_path, env=process_env(tmp_path / "bot.sqlite3", tg.base_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2, err
    assert err.decode().strip().splitlines()[-1] == says
    assert "Traceback" not in (out + err).decode()
    assert [c.method for c in tg.calls] == ["getMe"]


NOT_UPDATES = [
    b"",
    b"{not json",
    b"[]",
    b"null",
    b'{"message": {}}',
    b'{"update_id": "1"}',
    b'{"update_id": 5, "message": {"text": 7}}',
]


async def test_webhook_refuses_what_is_not_an_update(
    tg: FakeTelegram,
    make_settings: SettingsFactory,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    app = App(
        make_settings(
            mode="webhook", webhook_url=url, webhook_secret="s3cret",
            webhook_host="127.0.0.1", webhook_port=port,
        ),
        clock=clock,
    )  # fmt: skip
    await app.setup()
    serving = asyncio.create_task(app.run_webhook(handle_signals=False))
    tg.on_delivered = app.tracker.wait_handled
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}
    try:
        await tg.wait_for(lambda call: call.method == "setWebhook")
        async with aiohttp.ClientSession() as http:
            for body in NOT_UPDATES:
                with caplog.at_level(logging.WARNING):
                    async with http.post(url, data=body, headers=headers) as response:
                        assert response.status == 400, body
        assert "Traceback" not in caplog.text
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")  # real updates still work
        assert ivan.last_text().startswith("Здравствуйте, Иван!")
    finally:
        tg.on_delivered = None
        app.stop()
        await serving
        await app.close()


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": str(OWNER),
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        **extra,
    }


@pytest.mark.process
@pytest.mark.parametrize("damage", ["corrupt", "a folder in its place", "a place nobody may write"])
def test_a_database_that_cannot_be_opened_is_one_line_and_exit_2(
    tmp_path: Path, damage: str
) -> None:
    """(Tests run as root here, so a read-only folder is made with a place no one may
    write to: sysfs refuses even root.)"""
    path = tmp_path / "data" / "bot.sqlite3"
    if damage == "corrupt":
        path.parent.mkdir()
        path.write_bytes(b"this is not a database, " * 400)
    elif damage == "a folder in its place":
        path.mkdir(parents=True)
    else:
        path = Path("/sys/unionbot-test/bot.sqlite3")
        if os.access("/sys", os.W_OK) and not path.parent.exists():
            try:
                path.parent.mkdir()
            except OSError:
                pass
            else:
                path.parent.rmdir()
                pytest.skip("/sys is writable here")
    env = bot_env(tmp_path, TELEGRAM_API_BASE="http://127.0.0.1:9", DATABASE_PATH=str(path))
    started = time.monotonic()
    done = run_cli(tmp_path, env, "run")
    assert time.monotonic() - started < 15
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"cannot open the database {path}")
    assert "Traceback" not in done.stderr


@pytest.mark.process
async def test_telegram_out_of_reach_at_start_is_retried_and_sigterm_stops_at_once(
    tmp_path: Path,
) -> None:
    """A server that answers with an error page echoing the URL (token in it, raw and
    percent-encoded): one masked line per attempt, no traceback; SIGTERM ends it."""

    async def error_page(request: web.Request) -> web.Response:
        return web.Response(status=502, text=f"Bad gateway for {request.url} {request.raw_path}")

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", error_page)
    runner = web.AppRunner(server)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(bot_env(tmp_path, TELEGRAM_API_BASE=f"http://127.0.0.1:{port}"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert b"Telegram is not reachable" in line
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)  # a second try
        assert b"Telegram is not reachable" in line
        assert process.returncode is None  # still trying
        process.terminate()
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=10)
        code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await runner.cleanup()
    output = (line + rest).decode()
    assert code == 0, output
    assert "Traceback" not in output
    assert TOKEN not in output
    assert TOKEN.replace(":", "%3A") not in output
    assert TOKEN.split(":")[1] not in output


def test_the_token_is_masked_in_every_form() -> None:
    from bot.logs import masked

    quoted = TOKEN.replace(":", "%3A")
    text = f"GET /bot{TOKEN}/getMe and /bot{quoted}/getMe"
    assert masked(text, [TOKEN]) == "GET /bot***/getMe and /bot***/getMe"


async def test_broadcast_progress_survives_a_failed_send_and_the_report_always_comes(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot
) -> None:
    def finished(call: ApiCall) -> bool:
        return "Рассылка завершена" in (call.text or "")

    async with run_owned(broadcast_rate=1000) as app:
        for person_id in range(2001, 2011):
            tg.user(person_id, first_name=f"P{person_id}")
            await app.services.people.register(TelegramUser(person_id, f"P{person_id}"))
        tg.fail_next("sendMessage", status=502, chat_id=OWNER)  # one bad gateway
        await owner.send("/broadcast")
        await owner.send("Первая рассылка")
        await owner.press("👥 Всем подписчикам")
        await owner.press("✅ Отправить сейчас")
        report = await tg.wait_for(finished, timeout=30)
        assert "Доставлено: 11 из 11" in (report.text or "")
        progress = [c for c in tg.sent_to(OWNER) if "Рассылка:" in (c.text or "") and c.ok]
        assert len(progress) == 1  # shown after the retry, then edited into the report

        await owner.send("/broadcast")
        await owner.send("Вторая рассылка")
        await owner.press("👥 Всем подписчикам")
        tg.fail_next("sendMessage", status=502, chat_id=OWNER, count=5)  # never shown
        await owner.press("✅ Отправить сейчас")
        reports = await tg.wait_calls(lambda c: finished(c) and c.ok, 2, timeout=60)
        assert reports[-1].method == "sendMessage"  # the report, as a message of its own
        assert "Доставлено: 11 из 11" in (reports[-1].text or "")
        await app.sender.wait_idle()
        late = [c for c in tg.sent_to(OWNER) if c.ok and "Рассылка:" in (c.text or "")]
        assert len(late) == 1  # no progress message after the report of the second one
        assert len([c for c in tg.calls if finished(c) and c.ok]) == 2


async def test_a_full_disk_is_an_apology_and_nothing_half_written(
    tg: FakeTelegram, run_bot: RunBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full" on a write (simulated: a real full disk cannot be
    made here); the bot apologises, stays up, and works again once there is room."""
    async with run_bot() as app:
        ivan = tg.user(1001, first_name="Иван")
        await ivan.send("/start")
        run = app.db.run

        async def full(fn: object) -> object:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(app.db, "run", full)
        await ivan.send("/city")
        await ivan.send("Вологда")
        assert ivan.last_text().startswith("Что-то пошло не так")
        monkeypatch.setattr(app.db, "run", run)
        assert await app.db.fetchval("SELECT count(*) FROM contact_requests") == 0
        await still_answers(tg)
        await ivan.send("/city")
        await ivan.send("Вологда")
        await ivan.send("Специалист")
        await ivan.send("Администрация")
        assert ivan.last_text().startswith("Заявка отправлена: <b>Вологда</b>.")
