"""The database: WAL, foreign keys, migrations, the shipped city list, the FSM, the CLI."""

from __future__ import annotations

import re
import sqlite3
from enum import StrEnum
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.surveys.definition import Audience
from storage.cities import CityRepo, member_cities_file
from storage.db import BUSY_TIMEOUT_MS, SCHEMA_VERSION, Database, SchemaTooNewError
from storage.fsm import SQLiteStorage
from storage.setup import open_database
from storage.values import (
    ActionStatus,
    EventFormat,
    EventKind,
    EventStatus,
    JobStatus,
    Outcome,
    RequestStatus,
    ResolutionStatus,
    SurveyStatus,
)
from tests.support import START
from tests.test_config import run_cli


async def test_fresh_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "new" / "bot.sqlite3", START)
    try:
        assert await db.version() == SCHEMA_VERSION
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA busy_timeout") == BUSY_TIMEOUT_MS  # then retried
        members = await CityRepo(db).members()
        assert len(members) == len(member_cities_file()) == 30
        assert "Вологда" in {city.name for city in members}
    finally:
        await db.close()


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await open_database(path, START)).close()
    db = await open_database(path, START)
    try:
        assert await db.migrate() == []
        assert len(await CityRepo(db).members()) == 30
    finally:
        await db.close()


async def test_removed_cities_are_not_seeded_again(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await open_database(path, START)
    repo = CityRepo(db)
    (vologda,) = await repo.find("вологда")
    assert await repo.remove(vologda.id)
    await db.close()
    db = await open_database(path, START)
    try:
        assert "Вологда" not in {c.name for c in await CityRepo(db).members()}
    finally:
        await db.close()


@pytest.mark.process
async def test_newer_database_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await open_database(path, START)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="upgrade the bot"):
        await open_database(path, START)
    result = run_cli(tmp_path, {"DATABASE_PATH": str(path)}, "migrate")
    assert result.returncode == 2
    assert "cannot start" in result.stderr
    assert "Traceback" not in result.stderr


async def test_city_lookup_ignores_case_and_yo(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3", START)
    try:
        repo = CityRepo(db)
        assert [c.name for c in await repo.find("ВЕЛИКИЙ НОВГОРОД")] == ["Великий Новгород"]
        assert [c.name for c in await repo.find("нарьян-мар")] == ["Нарьян-Мар"]
        assert [c.name for c in await repo.find("Vologda")] == ["Вологда"]
        assert {c.name for c in await repo.find("Вели")} == {
            "Великие Луки",
            "Великий Новгород",
            "Великий Устюг",
        }
        assert await repo.find("100%") == []
    finally:
        await db.close()


async def test_fsm_storage_survives_reconnect(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    key = StorageKey(bot_id=1, chat_id=1001, user_id=1001)
    db = await open_database(path, START)
    storage = SQLiteStorage(db)
    await storage.set_state(key, "CityRequest:choosing")
    await storage.update_data(key, {"page": 2, "name": "Вологда"})
    await db.close()

    db = await open_database(path, START)
    storage = SQLiteStorage(db)
    try:
        assert await storage.get_state(key) == "CityRequest:choosing"
        assert await storage.get_data(key) == {"page": 2, "name": "Вологда"}
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        assert await db.fetchval("SELECT count(*) FROM fsm") == 0
    finally:
        await db.close()


@pytest.mark.process
def test_cities_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3")}
    listed = run_cli(tmp_path, env, "cities", "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.strip().splitlines()) == 30
    added = run_cli(tmp_path, env, "cities", "add", "Вытегра", "--en", "Vytegra")
    assert added.stdout.strip() == "Город Вытегра добавлен в список членов Союза"
    again = run_cli(tmp_path, env, "cities", "add", "вытегра")
    assert again.stdout.strip() == "Город Вытегра уже в списке членов Союза"
    removed = run_cli(tmp_path, env, "cities", "remove", "Тверь")
    assert removed.stdout.strip() == "Город Тверь исключён из списка членов Союза"
    unclear = run_cli(tmp_path, env, "cities", "remove", "Вели")
    assert unclear.returncode == 1
    assert "найдено: Великие Луки, Великий Новгород" in unclear.stdout
    english = run_cli(tmp_path, {**env, "DEFAULT_LOCALE": "en"}, "cities", "add", "Вытегра")
    assert english.stdout.strip() == "Вытегра is a member city already"  # one language
    names = run_cli(tmp_path, env, "cities", "list").stdout
    assert "Вытегра (Vytegra)" in names
    assert "Тверь" not in names
    assert len(names.strip().splitlines()) == 30


@pytest.mark.process
def test_backup_while_the_database_is_open(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    env = {"DATABASE_PATH": str(source)}
    assert run_cli(tmp_path, env, "migrate").returncode == 0
    holder = sqlite3.connect(source)  # another open connection, as a running bot has
    holder.execute("BEGIN")
    result = run_cli(tmp_path, env, "backup", str(tmp_path / "copy.sqlite3"))
    holder.rollback()
    holder.close()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM cities").fetchone()[0] == 30


async def test_transactions_roll_back_as_a_whole(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.connect()
    await db.migrate()
    try:

        def broken(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO staff (person_id, added_by, added_at) VALUES (1, 1, 'x')")
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await db.transaction(broken)
        assert await db.fetchval("SELECT count(*) FROM staff") == 0
    finally:
        await db.close()


STORED_VALUES: list[tuple[type[StrEnum], str, str]] = [
    (RequestStatus, "contact_requests", "status"),
    (JobStatus, "delivery_jobs", "status"),
    (Outcome, "deliveries", "status"),
    (ActionStatus, "timed_actions", "status"),
    (SurveyStatus, "surveys", "status"),
    (EventKind, "events", "kind"),
    (EventFormat, "events", "format"),
    (EventStatus, "events", "status"),
    (ResolutionStatus, "resolutions", "status"),
    (Audience, "surveys", "audience"),  # the survey file's own field (bot.surveys.definition)
]
# Checked columns the code writes as literals only (SQL and one or two comparisons).
LITERAL_ONLY = {("responses", "status"), ("city_contacts", "via"), ("event_rsvps", "going")}


async def test_every_checked_column_has_its_value_set_in_the_code(tmp_path: Path) -> None:
    """Each CHECK (column IN (...)) of the schema is listed above, and each enum has exactly
    the values its column allows: a value added on one side only fails here."""
    db = await open_database(tmp_path / "bot.sqlite3", START)
    try:
        tables = await db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    finally:
        await db.close()
    checks = {
        (table, column): {word.strip().strip("'") for word in values.split(",")}
        for table, sql in tables
        for column, values in re.findall(r"CHECK \((\w+) IN \(([^)]*)\)\)", sql or "")
    }
    assert set(checks) == {(t, c) for _, t, c in STORED_VALUES} | LITERAL_ONLY
    for values, table, column in STORED_VALUES:
        assert checks[table, column] == {value.value for value in values}, values.__name__
        if values.__module__ == "storage.values":
            assert (values.__doc__ or "").startswith(f"{table}.{column}")
