"""Answer spreadsheet benchmark: a city's 30-question XLSX made, filled in and taken back.

    .venv/bin/python benchmarks/survey_sheet.py            # 40 files each way
    .venv/bin/python benchmarks/survey_sheet.py --files 10

In-process, on a fresh SQLite database: `answer_workbook` makes the city's spreadsheet
(every question, dropdowns, number formats); then `SurveyService.import_sheet` takes a
filled-in copy back as the bot does when a contact sends it: the file is opened read-only
and bounded, every answer cell is checked by the chat's rules, the valid answers are saved
in one transaction, and the review is planned. Prints milliseconds per file (wall clock
and CPU, the median of the runs).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import Clock  # noqa: E402
from bot.delivery.outbox import Outbox  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.services.people import PeopleService  # noqa: E402
from bot.surveys.loader import parse_definition  # noqa: E402
from bot.surveys.service import SurveyService  # noqa: E402
from bot.surveys.sheets import answer_workbook  # noqa: E402
from bot.texts import TextCatalog  # noqa: E402
from bot.viewer import Viewer  # noqa: E402
from storage.audit import AuditRepo  # noqa: E402
from storage.cities import CityRepo  # noqa: E402
from storage.contacts import ContactRepo  # noqa: E402
from storage.files import FileRepo  # noqa: E402
from storage.fsm import SQLiteStorage  # noqa: E402
from storage.people import PeopleRepo, TelegramUser  # noqa: E402
from storage.setup import open_database  # noqa: E402
from storage.staff import StaffRepo  # noqa: E402
from storage.subscriptions import SubscriptionRepo  # noqa: E402
from storage.surveys import ResponseRepo, SurveyRepo  # noqa: E402
from storage.timed import TimedActionRepo  # noqa: E402
from tests.support import START  # noqa: E402

QUESTIONS = 30
CONTACT = 300_001
KINDS = [
    ("number", "unit: руб./м³, decimals: 2, min: 0, max: 100000", 212.5),
    ("integer", "min: 0, max: 1000", 42),
    ("choice", "options: [да, нет, планирует]", "планирует"),
    ("multi", "options: [транспорт, ЖКХ, освещение]", "транспорт; ЖКХ"),
    ("yesno", "", "Да"),
    ("scale", "min: 1, max: 5", 4),
    ("text", "max_length: 500", "Тарифы утверждены региональной службой."),
    ("date", "", date(2026, 12, 1)),
]
SURVEY = "\n".join(
    [
        "id: bench-sheet",
        "title: Benchmark",
        "questions:",
        *(
            f"  - {{key: q{i}, text: 'Вопрос {i}', type: {kind}"
            + (f", {extra}" if extra else "")
            + "}"
            for i, (kind, extra, _) in ((i, KINDS[i % len(KINDS)]) for i in range(QUESTIONS))
        ),
    ]
)


async def service(database: Any, catalog: TextCatalog) -> SurveyService:
    clock = Clock()
    people = PeopleService(
        PeopleRepo(database), StaffRepo(database), catalog, SQLiteStorage(database), clock,
        frozenset(),
    )  # fmt: skip
    return SurveyService(
        SurveyRepo(database), ResponseRepo(database), CityRepo(database), ContactRepo(database),
        SubscriptionRepo(database), FileRepo(database), people, cast(Outbox, None),
        Scheduler(TimedActionRepo(database), clock, {}, paused=True), AuditRepo(database),
        clock, [timedelta(days=1)], yes_words={"да", "yes"}, no_words={"нет", "no"},
    )  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sheet-"))
    database = await open_database(work / "bot.sqlite3", START)
    try:
        await run(database, args.files)
    finally:
        await database.close()


async def run(database: Any, files: int) -> None:
    catalog = TextCatalog.load()
    t = catalog.get("ru")
    surveys = await service(database, catalog)
    city = (await CityRepo(database).members())[0]
    await PeopleRepo(database).register(TelegramUser(CONTACT, "Bench"), topics=(), now=START)
    await ContactRepo(database).add(city.id, CONTACT, via="cli", added_by=None, now=START)
    definition = parse_definition(SURVEY)
    row, _ = await SurveyRepo(database).save_draft(
        definition.slug, definition.title, "cities", definition.to_json(), SURVEY,
        created_by=None, now=START,
    )  # fmt: skip
    await SurveyRepo(database).open(row.id, START.replace(year=2100), now=START)
    survey = await surveys.get(row.id)
    assert survey is not None
    viewer = Viewer(CONTACT, t, city_ids=frozenset({city.id}))

    def make() -> bytes:
        return answer_workbook(
            t, survey_id=survey.id, slug=survey.row.slug, title=survey.title, owner="city",
            owner_id=city.id, owner_name=city.name, deadline=survey.deadline,
            questions=survey.definition.questions, answers={},
        )  # fmt: skip

    from openpyxl import load_workbook

    blank = make()
    book = load_workbook(io.BytesIO(blank))
    for index in range(QUESTIONS):
        book.worksheets[0].cell(5 + index, 3, KINDS[index % len(KINDS)][2])
    buffer = io.BytesIO()
    book.save(buffer)
    filled = buffer.getvalue()

    made, taken = [], []
    for _ in range(files):
        wall, cpu = time.perf_counter(), time.process_time()
        make()
        made.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    for number in range(files):
        await ResponseRepo(database).answer_many(
            survey.id, _owner(city.id), [(f"q{i}", None, True) for i in range(QUESTIONS)],
            person_id=CONTACT, now=START,
        )  # fmt: skip  # every answer gone: each file saves all 30 again
        wall, cpu = time.perf_counter(), time.process_time()
        result = await surveys.import_sheet(viewer, filled)
        taken.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        if number == 0:
            saved = getattr(result, "saved", None)
            problems = getattr(result, "problems", None)
            assert saved == QUESTIONS, (saved, problems)
            assert not problems, problems
    print(f"\nanswer spreadsheet, {QUESTIONS} questions, {files} files each way")
    for name, runs in (
        ("made (sent to a city)", made),
        ("taken back (read, checked, saved)", taken),
    ):
        print(
            f"{name:<36} {statistics.median(w for w, _ in runs):>7.1f} ms per file "
            f"(CPU {statistics.median(c for _, c in runs):.1f} ms)"
        )


def _owner(city_id: int) -> Any:
    from storage.surveys import Owner

    return Owner(city_id=city_id)


if __name__ == "__main__":
    asyncio.run(main())
