"""The one SQLite connection: WAL, foreign keys, versioned migrations.

aiosqlite runs every call on one worker thread, in order. A whole transaction is
handed to that thread as one function (`transaction`), so it costs one thread hop
and can never interleave with statements from other coroutines.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
_INCREMENTAL = 2  # PRAGMA auto_vacuum
Params = Sequence[Any] | dict[str, Any]


class SchemaTooNewError(Exception):
    """The database was migrated by a newer version of the bot."""


class DatabaseUnavailable(Exception):
    """The database file cannot be used (corrupt, not a database, no permission, a
    read-only folder): the message names the file and the problem."""


class DatabaseBusy(Exception):
    """Another process kept the database locked for longer than we wait (a write was not
    made; whoever asked for it should try again)."""


# Another process (a backup, a command-line job) may hold the write lock for a while.
# SQLite waits BUSY_TIMEOUT on the database thread; beyond that the write is retried from
# the event loop, so reads and everyone else's work go on meanwhile, for up to BUSY_PATIENCE.
BUSY_TIMEOUT_MS = 1000
BUSY_PATIENCE = 60.0


def _busy(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime | None) -> str | None:
    """Timestamps are stored as UTC ISO strings, so they sort and compare as text."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in storage/migrations."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


MIGRATIONS = _migrations()
SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 0


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def connect(self) -> None:
        """Open the file; DatabaseUnavailable says why it cannot be used (and nothing is
        left running: a half-opened connection would keep the process alive)."""
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(f"{self.path}: {error.strerror or error}") from None
        connecting = aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn = await connecting
        except (OSError, sqlite3.Error) as error:
            # aiosqlite has asked its thread to stop; let it finish while the loop still
            # runs (it reports back to the loop, and a process with it left would hang).
            await asyncio.to_thread(connecting._thread.join, 5.0)
            raise DatabaseUnavailable(f"{self.path}: {error}") from None
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Takes effect on a new database; an older one is switched by `reclaim_mode()`.
            await conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("SELECT count(*) FROM sqlite_master")  # a corrupt file fails here
        except (OSError, sqlite3.Error) as error:
            await conn.close()
            raise DatabaseUnavailable(f"{self.path}: {error}") from None
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- migrations -------------------------------------------------------------------------

    async def version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> list[str]:
        """Apply pending migrations in order; returns the names applied."""
        current = await self.version()
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"the database {self.path} has schema version {current}, this bot knows "
                f"up to {SCHEMA_VERSION}: upgrade the bot or restore an older backup"
            )
        pending = [m for m in MIGRATIONS if m[0] > current]

        def apply(conn: sqlite3.Connection) -> list[str]:
            for version, _name, sql in pending:
                try:
                    conn.executescript(
                        f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version={version};COMMIT;"
                    )
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            return [name for _v, name, _s in pending]

        return await self.run(apply)

    async def reclaim_mode(self) -> bool:
        """Make sure freed pages can be given back to the file system (incremental vacuum,
        see storage.maintenance). A database made before that setting needs one VACUUM to
        switch: done once, atomically (a crash leaves the old file as it was); if another
        connection holds the database, it is tried at the next start. True if switched."""
        if await self.fetchval("PRAGMA auto_vacuum") == _INCREMENTAL:
            return False
        try:
            await self.execute("PRAGMA auto_vacuum=INCREMENTAL")
            await self.execute("VACUUM")
        except sqlite3.OperationalError as error:
            log.warning("could not switch %s to incremental vacuum yet: %s", self.path, error)
            return False
        return True

    # --- queries ----------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        rows = await self.conn.execute_fetchall(sql, params)
        return cast(list[sqlite3.Row], list(rows))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own (auto-committed) transaction; returns rows changed."""

        def execute(conn: sqlite3.Connection) -> int:
            return conn.execute(sql, params).rowcount

        return await self.run(execute)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Returns the new row id."""

        def insert(conn: sqlite3.Connection) -> int:
            return int(conn.execute(sql, params).lastrowid or 0)

        return await self.run(insert)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        def many(conn: sqlite3.Connection) -> None:
            conn.executemany(sql, rows)

        await self.transaction(many)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the database thread: one hop, nothing interleaves.
        While another process holds the lock, `fn` is tried again (it must be safe to
        repeat: one statement, or a transaction that rolled back); DatabaseBusy after
        BUSY_PATIENCE seconds."""
        conn = self.conn
        waited, pause = 0.0, 0.05
        while True:
            try:
                # aiosqlite's documented extension point for running code on its thread.
                result = await conn._execute(fn, conn._conn)  # type: ignore[no-untyped-call]
                return cast(T, result)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                waited += BUSY_TIMEOUT_MS / 1000 + pause
                if waited > BUSY_PATIENCE:
                    raise DatabaseBusy(str(self.path)) from error
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), in one thread hop."""

        def wrapped(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        return await self.run(wrapped)

    async def backup(self, target: Path) -> None:
        """Online copy of the live database, safe while the bot runs: a compact copy made
        by a connection of its own in a worker thread (WAL: the bot keeps reading and
        writing meanwhile), written beside the target and renamed into place, so a file
        with the target's name is always a whole copy."""
        await asyncio.to_thread(copy_database, self.path, target)


class Repo:
    """A repository: its queries run on the one Database."""

    def __init__(self, db: Database) -> None:
        self.db = db


def copy_database(source: Path, target: Path) -> None:
    """`VACUUM INTO` a temporary file beside `target`, then rename it to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("VACUUM INTO ?", (str(partial),))
    finally:
        conn.close()
    os.replace(partial, target)
