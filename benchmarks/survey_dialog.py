"""Survey dialog benchmark: many people answering at once, through the whole stack.

    .venv/bin/python benchmarks/survey_dialog.py               # 200 people x 20 answers
    .venv/bin/python benchmarks/survey_dialog.py --people 50   # smaller

The bot runs as its own process (`python -m bot run`: dispatcher, middlewares, the SQLite
FSM, every answer saved, the next question sent) against the fake Bot API server in this
process. Each simulated person sends an answer, waits for the next question, and sends
the next answer, 20 times. Latency is measured from the moment an answer is handed to
the fake server until the bot's reply reaches it; CPU is the bot process's own time.

The baseline is a bare aiogram bot (benchmarks/bare_bot.py: one handler that replies)
under the same load, against the same fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import signal
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import bot_env, seed_subscribers  # noqa: E402
from storage.setup import open_database  # noqa: E402
from storage.surveys import SurveyRepo  # noqa: E402
from tests.fake_telegram import ApiCall, FakeTelegram  # noqa: E402
from tests.processes import host_env, start_process  # noqa: E402
from tests.support import OWNER, START  # noqa: E402

FIRST = 200_000
QUESTIONS = 20
SURVEY = "\n".join(
    [
        "id: bench",
        "title: Benchmark",
        "audience: subscribers",
        "questions:",
        *(
            f"  - {{key: q{i}, text: 'Question {i}', type: number, min: 0, max: 1000000}}"
            for i in range(QUESTIONS)
        ),
    ]
)


class Recorder(FakeTelegram):
    """The fake server, noting when each chat gets a reply (no scanning of all calls)."""

    def __init__(self) -> None:
        super().__init__()
        self.replied: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.reply_at: dict[int, float] = {}

    def _record(self, call: ApiCall) -> None:
        super()._record(call)
        if call.method in ("sendMessage", "editMessageText") and call.chat_id is not None:
            self.reply_at[call.chat_id] = time.perf_counter()
            self.replied[call.chat_id].set()


@dataclass
class Run:
    name: str
    answers: int
    seconds: float
    latencies: list[float]
    cpu: float

    @property
    def rate(self) -> float:
        return self.answers / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def prepare(db: Path, people: int) -> None:
    database = await open_database(db, START)
    await seed_subscribers(database, FIRST, people, language="en", topic="surveys")
    from bot.surveys.loader import parse_definition

    definition = parse_definition(SURVEY)
    repo = SurveyRepo(database)
    row, _ = await repo.save_draft(
        definition.slug, definition.title, "subscribers", definition.to_json(), SURVEY,
        created_by=OWNER, now=START,
    )  # fmt: skip
    await repo.open(row.id, START.replace(year=2030), now=START)
    await database.close()


async def drive(
    tg: Recorder, ids: list[int], answer: bool, think: tuple[float, float] | None
) -> tuple[list[float], float]:
    """Every person answers QUESTIONS times, each time waiting for the bot's reply, and
    (when `think` is given) reading and typing for a random while before the next answer."""
    latencies: list[float] = []
    rng = random.Random(7)

    async def person(pid: int) -> None:
        user = tg.user(pid)
        for i in range(QUESTIONS):
            if think is not None:
                await asyncio.sleep(rng.uniform(*think))
            event = tg.replied[pid]
            event.clear()
            sent = time.perf_counter()
            await user.send(str(1000 + i) if answer else "ping", wait=False)
            await asyncio.wait_for(event.wait(), 60)
            latencies.append(tg.reply_at[pid] - sent)

    # The fake server keeps every call it saw: its heap grows, and a full collection of it
    # would stall the fake (not the bot) for tens of milliseconds. Not what is measured.
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(person(pid) for pid in ids))
    finally:
        gc.enable()
    return latencies, time.perf_counter() - started


async def full_stack(
    people: int, think: tuple[float, float] | None, profile: Path | None = None
) -> Run:
    work = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    db = work / "bot.sqlite3"
    await prepare(db, people)
    ids = [FIRST + i for i in range(people)]
    async with Recorder() as tg:
        for pid in (OWNER, *ids):
            tg.user(pid, language_code="en")
        env = bot_env(db, tg.base_url)
        bot = await start_process(tg, env, work, timeout=60)
        try:
            for pid in ids:  # open the dialog: /surveys, then the button (not measured)
                user = tg.user(pid)
                tg.replied[pid].clear()
                await user.send("/surveys", wait=False)
                await asyncio.wait_for(tg.replied[pid].wait(), 60)
                tg.replied[pid].clear()
                await user.press("Benchmark", wait=False)
                await asyncio.wait_for(tg.replied[pid].wait(), 60)
            cpu_before = cpu_seconds(bot.pid)
            spy = None
            if profile is not None:  # py-spy samples the bot while the answers come in
                spy = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                    str(bot.pid), "--format", "raw", "--rate", "200", "-o", str(profile),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
            latencies, seconds = await drive(tg, ids, answer=True, think=think)
            cpu = cpu_seconds(bot.pid) - cpu_before
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
            reviews = sum(1 for c in tg.calls if "Check your answers" in (c.text or ""))
            assert reviews == people, f"{reviews} of {people} reached the review"
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        return Run(_name("full stack", think), len(latencies), seconds, latencies, cpu)


async def bare(people: int, think: tuple[float, float] | None) -> Run:
    ids = [FIRST + i for i in range(people)]
    async with Recorder() as tg:
        for pid in ids:
            tg.user(pid)
        script = str(ROOT / "benchmarks" / "bare_bot.py")
        command = [sys.executable, script, tg.base_url]
        bot = await start_process(tg, host_env(), ROOT, command, timeout=60)
        try:
            cpu_before = cpu_seconds(bot.pid)
            latencies, seconds = await drive(tg, ids, answer=False, think=think)
            cpu = cpu_seconds(bot.pid) - cpu_before
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        return Run(_name("bare handler", think), len(latencies), seconds, latencies, cpu)


def _name(what: str, think: tuple[float, float] | None) -> str:
    return f"{what}, {'people pace' if think else 'flat out'}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--profile", type=Path, help="write a py-spy profile of the bot here")
    args = parser.parse_args()
    pace = (0.5, 3.0)  # seconds a person takes to read a question and type the answer
    runs = [
        await bare(args.people, pace),
        await full_stack(args.people, pace),
        await bare(args.people, None),
        await full_stack(args.people, None, args.profile),
    ]
    print()
    print(
        f"{'run':<30} {'answers':>8} {'answers/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'CPU ms/answer':>14}"
    )
    for run in runs:
        print(
            f"{run.name:<30} {run.answers:>8} {run.rate:>10.0f} {run.percentile(50):>8.1f} "
            f"{run.percentile(99):>8.1f} {max(run.latencies) * 1000:>8.1f} "
            f"{run.cpu / run.answers * 1000:>14.2f}"
        )
    _paced_bare, paced_full, flat_bare, flat_full = runs
    ratio = (flat_full.cpu / flat_full.answers) / (flat_bare.cpu / flat_bare.answers)
    print(
        f"\nat people's pace: p99 {paced_full.percentile(99):.1f} ms (target <= 50); "
        f"flat out: {flat_full.rate:.0f} answers/s, CPU per answer {ratio:.2f} x the bare "
        f"handler's (target <= 3)"
    )


if __name__ == "__main__":
    asyncio.run(main())
