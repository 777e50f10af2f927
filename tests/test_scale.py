"""Scale and operations: search pieces cut for the hits shown, the search index following
edits, old delivery rows pruned to counts, the daily maintenance, backups, the health
check, and paid broadcasts."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from bot.app import App
from bot.resolutions.search import Marker, search_terms
from storage.resolutions import MATCH_END, MATCH_START, NewResolution
from storage.values import ResolutionStatus
from tests.conftest import RunBot
from tests.fake_telegram import ApiCall, FakeTelegram, FakeUser
from tests.support import OWNER, ManualClock
from tests.test_broadcasts import SEND_NOW, add_subscribers, begin, finished
from tests.test_city_contacts import invite_payload
from tests.test_config import run_cli
from tests.test_resolutions import publish_direct

FILLER = " ".join(f"Пункт {n} о разном." for n in range(1, 60))


def shown(piece: str) -> str:
    return piece.replace(MATCH_START, "[").replace(MATCH_END, "]")


def test_the_piece_shown_holds_the_most_different_words_found() -> None:
    text = (
        "Тарифы обсуждались в начале. "
        + FILLER
        + " Здесь тарифы на воду и ещё раз тарифах. "
        + FILLER
        + " Ёлки, тарифы на воду и тепло для городов Союза."
    )
    marker = Marker(search_terms("тариф вода тепло"))
    piece = shown(marker.snippet(text))
    assert piece.startswith("…"), piece
    assert not piece.endswith("…"), piece
    assert "[тарифы] на [воду] и [тепло] для городов Союза." in piece  # all three words
    assert "Ёлки" in piece  # letters as written
    assert len(piece.split()) <= 16 + 1

    one = shown(Marker(search_terms("тариф")).snippet(text))  # one word: most found
    assert "Здесь [тарифы] на воду и ещё раз [тарифах]." in one, one
    first = shown(Marker(search_terms("обсуждались")).snippet(text))
    assert first.startswith("Тарифы [обсуждались] в начале."), first
    assert first.endswith("…"), first
    short = shown(Marker(search_terms("ещё")).snippet("Учесть ещё раз."))
    assert short == "Учесть [ещё] раз."  # a short text whole, without "…"
    none = shown(Marker(search_terms("мост")).snippet(FILLER))  # found in the title only
    assert none.startswith("Пункт 1 о разном.")
    assert none.endswith("…")
    assert shown(Marker(search_terms("молодежь")).highlight("О молодёжи")) == "О [молодёжи]"


async def test_search_index_follows_edited_and_deleted_texts(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        await publish_direct(app, "О мостах", "Ремонт мостов через реку.", date(2026, 3, 12))
        await publish_direct(app, "О парках", "Благоустройство парков.", date(2026, 3, 12))
        service = app.services.resolutions
        assert [f.resolution.title for f in await service.search("мост")] == ["О мостах"]

        # no feature edits or deletes a text yet; the index must follow when one does
        await app.db.execute(
            "UPDATE resolutions SET title = 'О дорогах', body = 'Ремонт дорог.' "
            "WHERE title = 'О мостах'"
        )
        assert await service.search("мост") == []
        found = await service.search("дорога")
        assert [shown(f.snippet) for f in found] == ["Ремонт [дорог]."]
        await app.db.execute("DELETE FROM resolutions WHERE title = 'О парках'")
        assert await service.search("парк") == []
        assert [f.resolution.title for f in await service.search("ремонт")] == ["О дорогах"]


async def test_an_archive_indexed_before_the_prefixes_is_found_after_the_upgrade(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    long_word = "Электроэнергоснабжающих организаций."  # a term longer than any prefix kept
    async with run_bot() as app:
        await publish_direct(app, "О молодёжи", "Поддержка молодёжных советов.", date(2025, 5, 6))
        await publish_direct(app, "О сетях", long_word, date(2025, 5, 6))
        path = app.settings.database_path
    with sqlite3.connect(path) as conn:  # the index as schema 7 had it: no prefixes
        conn.executescript(
            "DROP TABLE resolutions_fts;"
            "CREATE VIRTUAL TABLE resolutions_fts USING fts5("
            "    title, body, content = '', tokenize = 'unicode61');"
            "INSERT INTO resolutions_fts (rowid, title, body)"
            "    SELECT id, replace(title, 'ё', 'е'), replace(body, 'ё', 'е') FROM resolutions;"
            "PRAGMA user_version = 7;"
        )
    async with run_bot() as app:
        assert await app.db.version() > 7
        service = app.services.resolutions
        for words, title in (
            ("молодежь", "О молодёжи"),  # a prefix of 6 letters, yo typed as ye
            ("сов", "О молодёжи"),  # of 3
            ("электроэнергоснабжающие", "О сетях"),  # of 21: beyond the prefixes kept
            ("сети", "О сетях"),
        ):
            assert [f.resolution.title for f in await service.search(words)] == [title], words
        await publish_direct(app, "О мостах", "Ремонт мостов.", date(2026, 1, 1))
        assert [f.resolution.title for f in await service.search("мосты")] == ["О мостах"]


async def run_daily(app: App, clock: ManualClock, days: int) -> None:
    """Let `days` days pass, one at a time, firing what falls due (the maintenance at
    04:00 МСК among it)."""
    for _ in range(days):
        clock.advance(timedelta(days=1))
        await app.scheduler.run_due()


async def test_old_delivery_rows_become_counts_and_the_space_is_given_back(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    async with run_owned(broadcast_rate=1000, maintenance_time="04:00") as app:
        await add_subscribers(app, tg, range(3001, 3301))
        for person_id in range(3001, 3011):
            tg.block(person_id)
        await begin(owner, "Первая рассылка.", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_for(finished, timeout=20)
        await owner.send("/broadcasts")
        before = owner.last_message().plain_text
        assert "доставлено 291 из 301" in before
        assert await app.db.fetchval("SELECT auto_vacuum FROM pragma_auto_vacuum") == 2

        await run_daily(app, clock, 60)
        await begin(owner, "Вторая рассылка.", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_for(lambda c: finished(c) and "из 291" in (c.text or ""), timeout=20)
        assert await app.db.fetchval("SELECT count(*) FROM deliveries") == 301 + 291
        await run_daily(app, clock, 31)  # the first is 91 days old, the second 31

        first, second = await app.db.fetchall(
            "SELECT id, counts, pruned_at IS NOT NULL FROM delivery_jobs "
            "WHERE kind = 'broadcast' ORDER BY id"
        )
        assert json.loads(first[1]) == {"sent": 291, "blocked": 10}
        assert first[2] == 1
        assert second[2] == 0  # younger than DELIVERY_RETENTION: rows kept
        kept = await app.db.fetchall("SELECT DISTINCT job_id FROM deliveries")
        assert [row[0] for row in kept] == [second[0]]
        report = json.loads(
            await app.db.fetchval("SELECT value FROM bot_status WHERE key = 'maintenance'")
        )
        assert report["jobs"] == 1
        assert report["deliveries"] == 301
        assert report["freed"] > 0  # pages given back to the file system
        await owner.send("/broadcasts")
        after = owner.last_message().plain_text
        assert after.count("доставлено 291 из 301") == 1  # the first, from its counts
        assert "доставлено 291 из 291" in after
        done = await app.db.fetchall(
            "SELECT ref, status FROM timed_actions WHERE kind = 'maintenance' ORDER BY due_at"
        )
        assert [row[1] for row in done] == ["done"] * 91 + ["pending"]


async def test_expired_invitations_dialogs_of_people_gone_and_unused_files_are_pruned(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, clock: ManualClock
) -> None:
    ivan, olga = tg.user(1001, first_name="Иван"), tg.user(1002, first_name="Ольга")
    async with run_owned(maintenance_time="04:00") as app:
        await owner.send("/invite Кострома")
        used = invite_payload(owner)
        await owner.send("/invite Вологда")  # never used
        await ivan.send(f"/start {used}")
        for person in (ivan, olga):
            await person.send("/city")  # a dialog left open
        await app.services.people.deactivate(olga.id)  # then she blocked the bot
        resolutions = app.services.resolutions
        kept = await resolutions.keep_file("u1", "решение.docx", b"docx", None, "file-1")
        await resolutions.keep_file("u2", "черновик.docx", b"docx", None, "file-2")
        staff = await app.services.people.viewer_of(OWNER)
        await resolutions.publish(
            staff,
            NewResolution(
                status=ResolutionStatus.ADOPTED,
                assembly_date=date(2026, 3, 12),
                city_id=None,
                city_name="Псков",
                title="О тарифах",
                body="Текст.",
                file_key=kept,
                file_name="решение.docx",
            ),
        )
        await app.sender.wait_idle()
        await run_daily(app, clock, 6)
        assert await app.db.fetchval("SELECT count(*) FROM files") == 2
        await run_daily(app, clock, 32)  # the unused invitation expired 31 days ago

        invites = await app.db.fetchall("SELECT used_by FROM invites")
        assert [row[0] for row in invites] == [ivan.id]
        dialogs = await app.db.fetchall("SELECT user_id FROM fsm")
        assert [row[0] for row in dialogs] == [ivan.id]
        files = await app.db.fetchall("SELECT key FROM files")
        assert [row[0] for row in files] == [kept]
        await ivan.send("/cancel")  # his dialog is still there to leave
        assert ivan.last_text().startswith("Диалог прерван")


async def test_daily_backups_are_rotated_and_restorable(
    owner: FakeUser, run_owned: RunBot, clock: ManualClock, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    async with run_owned(maintenance_time="04:00", backup_dir=folder, backup_keep=2) as app:
        await run_daily(app, clock, 3)
        made = sorted(p.name for p in folder.iterdir())
        assert made == ["backup-20261125-090000.sqlite3", "backup-20261126-090000.sqlite3"]
        (folder / "notes.txt").write_text("not a backup")
        await run_daily(app, clock, 1)
        assert sorted(p.name for p in folder.iterdir()) == [
            "backup-20261126-090000.sqlite3",
            "backup-20261127-090000.sqlite3",
            "notes.txt",
        ]
    with sqlite3.connect(folder / "backup-20261127-090000.sqlite3") as copy:
        assert copy.execute("SELECT id FROM people").fetchall() == [(OWNER,)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_health_check_and_backup_command(
    tg: FakeTelegram, run_bot: RunBot, db_path: Path, tmp_path: Path
) -> None:
    env = {
        "DATABASE_PATH": str(db_path),
        "BACKUP_DIR": str(tmp_path / "copies"),
        "DEFAULT_LOCALE": "en",
    }
    missing = run_cli(tmp_path, env, "health")
    assert missing.returncode == 1
    assert missing.stdout == f"unhealthy: cannot read the database: no database at {db_path}\n"
    async with run_bot():
        await tg.user(OWNER).send("/start")  # handled: a poll came back
        healthy = run_cli(tmp_path, env, "health")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert re.fullmatch(r"ok: database at schema \d+, last poll \d+ s ago\n", healthy.stdout)
        stale = run_cli(tmp_path, env, "health", "--max-age", "-1")
        assert stale.returncode == 1
        assert re.fullmatch(r"unhealthy: last poll \d+ s ago \(more than -1 s\)\n", stale.stdout)
        made = run_cli(tmp_path, env, "backup")  # into BACKUP_DIR, while the bot runs
        assert made.returncode == 0, made.stderr
    copies = list((tmp_path / "copies").iterdir())
    assert len(copies) == 1
    assert re.fullmatch(r"backup-\d{8}-\d{6}\.sqlite3", copies[0].name)
    with sqlite3.connect(copies[0]) as copy:
        assert copy.execute("SELECT count(*) FROM cities").fetchone() == (30,)
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 4")
    older = run_cli(tmp_path, env, "health")
    assert older.returncode == 1
    assert older.stdout.startswith("unhealthy: database schema 4, this bot needs ")


async def broadcast_at(tg: FakeTelegram, run_bot: RunBot, rate: float) -> list[ApiCall]:
    """A broadcast to 20 subscribers and the owner at this rate: every call it took."""
    owner = tg.user(OWNER, first_name="Ольга")
    async with run_bot(broadcast_rate=rate) as app:
        await owner.send("/start")
        await add_subscribers(app, tg, range(4001, 4021))
        mark = len(tg.calls)
        await begin(owner, f"Рассылка при {rate} в секунду.", "👥 Всем подписчикам")
        await owner.press(SEND_NOW)
        await tg.wait_for(lambda _: any(finished(c) for c in tg.calls[mark:]), timeout=20)
        return tg.calls[mark:]


async def test_mass_sends_above_30_a_second_are_paid_broadcasts(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    for rate, paid in ((30, None), (100, True)):
        calls = await broadcast_at(tg, run_bot, rate)
        sent = [
            c
            for c in calls
            if c.method == "copyMessage" and not c.params.get("disable_notification")
        ]
        assert len(sent) == 21
        assert {c.params.get("allow_paid_broadcast") for c in sent} == {paid}
        others = [c for c in calls if c not in sent]
        assert len(others) > 5  # the preview, prompts, progress: never paid
        assert all("allow_paid_broadcast" not in c.params for c in others)
