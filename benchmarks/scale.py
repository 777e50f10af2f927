"""Scale benchmark: how the bot behaves as the union's history grows.

    .venv/bin/python benchmarks/scale.py                 # 1 000 and 10 000 subscribers x
                                                         # 200 and 1 000 resolutions (~6 min)
    .venv/bin/python benchmarks/scale.py --quick         # 300 subscribers, 50 resolutions
    .venv/bin/python benchmarks/scale.py --sizes 10000x1000 --repeat 3

For each size a database is built through the bot's own services (in this process,
against the fake Bot API server on 127.0.0.1): the archive of R resolutions of 10 000
characters, 50 events with their reminders, N subscribers (each on two or three topics),
30 member cities with 3 contacts each (invited and joined), 20 city surveys answered in
full by every city. Then the real bot runs as its own process on that database:

- start-up: from starting the process to its first long poll;
- RSS of the bot after the queries (and the peak);
- `/resolutions <words>`: 100 Russian queries, one at a time, from the update to the
  bot's answer at the fake server (p50, p99); the same search through the service alone;
- `/events`: 100 times, p99 from the update to the answer;
- enqueueing a staff broadcast to all subscribers (in this process, after the bot stopped);
- the database size, and what a subscriber and a broadcast recipient add to it; after
  the daily maintenance with everything past its retention (the broadcast pruned to
  counts), what is left.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import bot_env  # noqa: E402
from bot.app import App  # noqa: E402
from bot.broadcasts.service import Audience, AudienceKind  # noqa: E402
from bot.resolutions.search import Found  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from storage.events import EventDraft  # noqa: E402
from storage.people import TelegramUser  # noqa: E402
from storage.resolutions import NewResolution  # noqa: E402
from storage.values import EventFormat, EventKind, ResolutionStatus  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.support import OWNER, TOKEN  # noqa: E402

FIRST = 100_000
TOPICS = ("assemblies", "sections", "conferences", "contests", "sport", "surveys")

# Words of municipal life, each with a few of its forms (written for this benchmark).
LEXICON = """
город города городов городам городах | собрание собрания собранию собраний
союз союза союзу | решение решения решений решением | тариф тарифы тарифов тарифах
транспорт транспорта транспортом | автобус автобусы автобусов | дорога дороги дорог дорогах
ремонт ремонта ремонту | мост моста мосты мостов | улица улицы улиц | освещение освещения
отопление отопления | водоснабжение водоснабжения | теплоснабжение теплоснабжения
бюджет бюджета бюджетов бюджетах | налог налоги налогов | доход доходы доходов
расход расходы расходов | школа школы школ школам | детский детских | сад сады садов
учитель учителя учителей | врач врачи врачей | поликлиника поликлиники поликлиник
больница больницы больниц | библиотека библиотеки библиотек | музей музея музеи музеев
культура культуры культуре | спорт спорта | спартакиада спартакиады | стадион стадиона
площадка площадки площадок | парк парки парков | сквер скверы скверов | двор дворы дворов
благоустройство благоустройства | мусор мусора | отходы отходов | экология экологии
молодёжь молодёжи | молодёжный молодёжные молодёжных | совет советы советов
программа программы программ | проект проекта проекты проектов | закон закона законов
администрация администрации | глава главы главам | депутат депутаты депутатов
дума думы | район района районов | область области | поселение поселения поселений
туризм туризма | турист туристы туристов | фестиваль фестиваля фестивалей
конкурс конкурса конкурсов | конференция конференции | секция секции секций
жильё жилья | жилищный жилищного | фонд фонда фондов | аварийный аварийного аварийных
переселение переселения | капитальный капитального | коммунальный коммунальные
услуга услуги услуг | цена цены цен | платёж платежи платежей | учёт учёта
счётчик счётчики счётчиков | газ газа | газификация газификации | связь связи
интернет интернета | цифровой цифровые цифровых | сервис сервисы сервисов
обращение обращения обращений | гражданин граждане граждан | житель жители жителей
население населения | занятость занятости | предприятие предприятия предприятий
инвестиция инвестиции инвестиций | промышленность промышленности | торговля торговли
сельский сельского | хозяйство хозяйства | лес леса лесов | река реки рек | озеро озера
набережная набережной | вокзал вокзала | аэропорт аэропорта | маршрут маршруты маршрутов
пассажир пассажиры пассажиров | льгота льготы льгот | пенсионер пенсионеры пенсионеров
ветеран ветераны ветеранов | память памяти | памятник памятника памятников
юбилей юбилея | праздник праздника праздников | день дня дней | год года годов лет
опыт опыта | обмен обмена | сведения сведений | доклад доклада докладов
поручить поручает | рекомендовать рекомендует | одобрить одобряет | принять принимает
провести проводит | подготовить подготовка | направить направляет | учесть учитывает
обеспечить обеспечение | развитие развития | поддержка поддержки | сохранение сохранения
""".strip()
FILLER = [
    "и", "в", "на", "по", "о", "для", "с", "при", "к", "от", "до", "за", "через", "из", "об",
    "также", "а", "не", "что", "как", "это", "все",
]  # fmt: skip


def lexicon() -> list[list[str]]:
    return [group.split() for group in LEXICON.replace("\n", " | ").split("|") if group.strip()]


WORDS = lexicon()
_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(WORDS))]  # Zipf-like


def sentence(rng: random.Random) -> str:
    out = []
    for i in range(rng.randint(6, 16)):
        if i % 3 == 1:
            out.append(rng.choice(FILLER))
        else:
            out.append(rng.choice(rng.choices(WORDS, _WEIGHTS)[0]))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, size: int = 10_000) -> str:
    paragraphs, length, number = [], 0, 1
    while length < size:
        text = f"{number}. " + " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        paragraphs.append(text)
        length += len(text) + 1
        number += 1
    return "\n".join(paragraphs)[:size]


def queries(rng: random.Random, count: int = 100) -> list[str]:
    """What people type: mostly one word, some two or three, any form, any case."""
    out = []
    for _ in range(count):
        words = [
            rng.choice(rng.choice(WORDS)) for _ in range(rng.choices([1, 2, 3], [70, 25, 5])[0])
        ]
        out.append(" ".join(w.capitalize() if rng.random() < 0.2 else w for w in words))
    return out


SURVEY = """\
id: bench-{n}
title: Информационный обмен № {n}
audience: cities
share_results: participants
questions:
  - key: tariff
    text: Тариф на холодную воду
    type: number
    min: 0
    max: 1000
  - key: months
    text: Сколько месяцев длится отопительный сезон?
    type: integer
    min: 1
    max: 12
  - key: smart
    text: Участвует ли город в проекте «Умный город»?
    type: choice
    options: [да, нет, планирует]
  - key: areas
    text: Какие решения уже работают?
    type: multi
    options: [транспорт, ЖКХ, освещение, безопасность]
  - key: metering
    text: Есть ли приборы учёта во всех домах?
    type: yesno
  - key: quality
    text: Оцените качество коммунальных услуг
    type: scale
    min: 1
    max: 5
  - key: comment
    text: Что ещё важно знать?
    type: text
    max_length: 500
"""


@dataclass
class Result:
    size: str
    build_s: float = 0.0
    startup_s: float = 0.0
    rss_mib: float = 0.0
    peak_rss_mib: float = 0.0
    search_ms: list[float] = field(default_factory=list)
    search_service_ms: list[float] = field(default_factory=list)
    events_ms: list[float] = field(default_factory=list)
    enqueue_s: float = 0.0
    db_mib: float = 0.0
    per_subscriber_b: float = 0.0
    per_recipient_b: float = 0.0
    after_prune_mib: float = 0.0


def settings_for(db: Path, tg: FakeTelegram, **extra: object) -> Settings:
    return load_settings(
        Settings,
        _env_file=None,
        bot_token=TOKEN,
        admin_ids=str(OWNER),
        database_path=db,
        telegram_api_base=tg.base_url,
        maintenance_time="off",
        **extra,
    )


def size_of(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


async def used_bytes(app: App) -> int:
    await app.db.fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    return await app.maintenance.repo.size()


async def build(db: Path, tg: FakeTelegram, people: int, resolutions: int, out: Result) -> None:
    """Everything through the services, as the bot's dialogs would store it."""
    rng = random.Random(7)
    started = time.perf_counter()
    app = App(settings_for(db, tg))
    await app.setup()
    try:
        s = app.services
        await s.people.register(TelegramUser(id=OWNER, first_name="Ольга", language_code="ru"))
        staff = await s.people.viewer_of(OWNER)
        cities = [c.city for c in await s.cities.overview()]
        # the archive first: texts adopted before today's subscribers joined
        for n in range(resolutions):
            city = cities[n % len(cities)]
            title = " ".join(rng.choice(rng.choice(WORDS)) for _ in range(5)).capitalize()
            await s.resolutions.publish(
                staff,
                NewResolution(
                    status=ResolutionStatus.ADOPTED if n % 3 else ResolutionStatus.DRAFT,
                    assembly_date=date(2015 + n % 11, 1 + n % 12, 1 + n % 28),
                    city_id=city.id,
                    city_name=city.name,
                    title=f"О {title}",
                    body=body(rng),
                ),
            )
        now = datetime.now(UTC)
        kinds = list(EventKind)
        for n in range(50):
            city = cities[n % len(cities)]
            await s.events.publish(
                staff,
                EventDraft(
                    kind=kinds[n % len(kinds)],
                    title=f"Мероприятие № {n + 1}: {rng.choice(rng.choice(WORDS))}",
                    city_id=city.id,
                    city_name=city.name,
                    starts_at=now + timedelta(days=3 + n * 2, hours=n % 8),
                    ends_at=None,
                    format=EventFormat.IN_PERSON,
                    place=f"{city.name}, ул. Советская, {n + 1}",
                    link=None,
                    description=sentence(rng),
                ),
            )
        before = await used_bytes(app)
        for n in range(people):
            pid = FIRST + n
            await s.people.register(
                TelegramUser(id=pid, first_name=f"Житель{n}", language_code="ru")
            )
            for topic in rng.sample(TOPICS, rng.randint(2, 3)):
                await s.subscriptions.toggle(pid, topic)
        out.per_subscriber_b = (await used_bytes(app) - before) / max(1, people)
        contacts: dict[int, list[int]] = {}
        for i, city in enumerate(cities):
            for k in range(3):
                pid = FIRST + (i * 3 + k) % people
                invite = await s.contacts.create_invite(staff, city)
                await s.contacts.redeem(await s.people.viewer_of(pid), invite.payload)
                contacts.setdefault(city.id, []).append(pid)
        for n in range(20):
            survey, _replaced = await s.surveys.import_file(SURVEY.format(n=n + 1), OWNER)
            opened = await s.surveys.open(staff, survey, now + timedelta(days=30 + n))
            assert opened is not None
            for city_id, pids in contacts.items():
                viewer = await s.people.viewer_of(pids[0])
                answers: dict[str, object] = {
                    "tariff": round(rng.uniform(20, 90), 2),
                    "months": rng.randint(6, 9),
                    "smart": rng.choice(["да", "нет", "планирует"]),
                    "areas": ["транспорт", "освещение"],
                    "metering": rng.random() < 0.5,
                    "quality": rng.randint(1, 5),
                    "comment": sentence(rng),
                }
                for key, value in answers.items():
                    await s.surveys.answer(viewer, opened.id, city_id, key, value)  # type: ignore[arg-type]
                done = await s.surveys.submit(viewer, opened.id, city_id)
                assert getattr(done, "done", False), done
        # what the build queued (survey invitations) is not what is measured: stop it
        for job in await app.outbox.repo.running():
            await app.outbox.cancel(job.id)
    finally:
        await app.close()
    out.build_s = time.perf_counter() - started


def rss_mib(pid: int, key: str = "VmRSS:") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


async def ask(tg: FakeTelegram, user_id: int, text: str) -> float:
    """Seconds from sending the update to the bot's answer in that chat."""
    user = tg.user(user_id)
    mark = len(tg.calls)
    started = time.perf_counter()
    await user.send(text, wait=False)
    while True:
        for call in tg.calls[mark:]:
            if call.method == "sendMessage" and call.chat_id == user_id and call.ok:
                return time.perf_counter() - started
        mark = max(mark, len(tg.calls) - 1)
        await tg._wait_changed(5.0)


async def measure_bot(
    db: Path, tg: FakeTelegram, people: int, out: Result, profile: Path | None = None
) -> None:
    env = bot_env(db, tg.base_url, MAINTENANCE_TIME="off")
    for pid in range(FIRST, FIRST + people):
        tg.user(pid)
    mark = len(tg.calls)
    started = time.perf_counter()
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=db.parent, env=env
    )
    try:
        await tg.wait_for(
            lambda c: c.method == "getUpdates" and tg.calls.index(c) >= mark, timeout=120
        )
        out.startup_s = time.perf_counter() - started
        rng = random.Random(11)
        spy = None
        if profile is not None:  # py-spy (pip install py-spy) samples the bot while searching
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(bot.pid),
                "--format", "raw", "--rate", "500", "--output", str(profile),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1)
        # The fake server is the measuring instrument: its garbage collector walking the
        # thousands of users and calls it holds would stall it (as in broadcast.py).
        gc.collect()
        gc.freeze()
        gc.disable()
        for n, words in enumerate(queries(rng)):
            out.search_ms.append(1000 * await ask(tg, FIRST + n % people, f"/resolutions {words}"))
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await spy.wait()
        for n in range(100):
            out.events_ms.append(1000 * await ask(tg, FIRST + (n * 7) % people, "/events"))
        gc.enable()
        out.rss_mib = rss_mib(bot.pid)
        out.peak_rss_mib = rss_mib(bot.pid, "VmHWM:")
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()


async def measure_inside(db: Path, tg: FakeTelegram, people: int, out: Result) -> None:
    """The search through the service alone; a broadcast to everyone enqueued; then the
    daily maintenance with everything past retention."""
    app = App(settings_for(db, tg, delivery_retention="1s"))
    await app.setup()
    try:
        rng = random.Random(11)
        found: list[Found] = []
        for words in queries(rng):
            started = time.perf_counter()
            found = await app.services.resolutions.search(words)
            out.search_service_ms.append(1000 * (time.perf_counter() - started))
        assert found is not None
        staff = await app.services.people.viewer_of(OWNER)
        before = await used_bytes(app)
        started = time.perf_counter()
        job_id = await app.services.broadcasts.send_now(
            staff, OWNER, 1, Audience(AudienceKind.SUBSCRIBERS)
        )
        out.enqueue_s = time.perf_counter() - started
        total = (await app.outbox.repo.get(job_id)).total  # type: ignore[union-attr]
        out.per_recipient_b = (await used_bytes(app) - before) / max(1, total)
        await app.outbox.cancel(job_id)
        out.db_mib = await used_bytes(app) / 2**20
        await asyncio.sleep(1.1)  # past the 1 s retention of this run
        await app.maintenance.run()
        out.after_prune_mib = await used_bytes(app) / 2**20
    finally:
        await app.progress.stop()  # the broadcast's progress watcher
        await app.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def one(people: int, resolutions: int, profile: Path | None = None) -> Result:
    out = Result(f"{people} × {resolutions}")
    work = Path(tempfile.mkdtemp(prefix="scale-"))
    db = work / "bot.sqlite3"
    async with FakeTelegram() as tg:
        tg.user(OWNER, first_name="Ольга")
        await build(db, tg, people, resolutions, out)
        await measure_bot(db, tg, people, out, profile)
        await measure_inside(db, tg, people, out)
    return out


def table(results: list[Result]) -> str:
    rows: list[tuple[str, Callable[[Result], str]]] = [
        ("build (s)", lambda r: f"{r.build_s:.0f}"),
        ("start-up (s)", lambda r: f"{r.startup_s:.2f}"),
        ("RSS / peak (MiB)", lambda r: f"{r.rss_mib:.0f} / {r.peak_rss_mib:.0f}"),
        (
            "search p50 / p99 (ms)",
            lambda r: f"{pct(r.search_ms, 0.5):.1f} / {pct(r.search_ms, 0.99):.1f}",
        ),
        (
            "  service p50 / p99 (ms)",
            lambda r: f"{pct(r.search_service_ms, 0.5):.1f} / {pct(r.search_service_ms, 0.99):.1f}",
        ),
        (
            "/events p50 / p99 (ms)",
            lambda r: f"{pct(r.events_ms, 0.5):.1f} / {pct(r.events_ms, 0.99):.1f}",
        ),
        ("enqueue to all (s)", lambda r: f"{r.enqueue_s:.3f}"),
        ("database (MiB)", lambda r: f"{r.db_mib:.1f}"),
        ("  per subscriber (bytes)", lambda r: f"{r.per_subscriber_b:.0f}"),
        ("  per broadcast recipient (bytes)", lambda r: f"{r.per_recipient_b:.0f}"),
        ("  after pruning (MiB)", lambda r: f"{r.after_prune_mib:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{'subscribers × resolutions':<{width}}  " + "  ".join(f"{r.size:>14}" for r in results)
    ]
    for name, cell in rows:
        lines.append(f"{name:<{width}}  " + "  ".join(f"{cell(r):>14}" for r in results))
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small numbers, a smoke run")
    parser.add_argument("--sizes", nargs="*", help="e.g. 1000x200 10000x1000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="py-spy samples of the bot's searches")
    args = parser.parse_args()
    if args.sizes:
        sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes]
    elif args.quick:
        sizes = [(300, 50)]
    else:
        sizes = [(1000, 200), (1000, 1000), (10_000, 200), (10_000, 1000)]
    results = []
    for _ in range(args.repeat):
        for people, resolutions in sizes:
            results.append(await one(people, resolutions, args.profile))
            print(table(results[-1:]), flush=True)
            print(flush=True)
    print(table(results))
    if len(results) > 1:
        p99 = [pct(r.search_ms, 0.99) for r in results]
        print(
            f"\nsearch p99 over runs: {min(p99):.1f}–{max(p99):.1f} ms"
            f" (median {statistics.median(p99):.1f})"
        )


if __name__ == "__main__":
    asyncio.run(main())
