"""Opening the database the way every entry point does."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.cities import CityRepo, member_cities_file
from storage.db import Database


async def open_database(path: Path | str, now: datetime) -> Database:
    """Connect, migrate, and on a fresh database load the shipped member-city list."""
    db = Database(path)
    await db.connect()
    try:
        applied = await db.migrate()
        if applied and applied[0].startswith("0001"):
            await CityRepo(db).seed(member_cities_file(), now=now)
        await db.reclaim_mode()
    except BaseException:
        await db.close()
        raise
    return db
