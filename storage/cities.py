"""Member cities of the union."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import yaml

from storage.db import Repo, to_db


@dataclass(frozen=True, slots=True)
class City:
    id: int
    name: str
    name_en: str | None
    is_member: bool

    def title(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


@dataclass(frozen=True, slots=True)
class CityRow:
    """A member city with how many contacts it has."""

    city: City
    contacts: int


def name_key(name: str) -> str:
    """Lookup key: case-insensitive for Cyrillic too, yo = ye, spaces and dashes tidied."""
    folded = " ".join(name.casefold().replace("\u0451", "\u0435").split())
    return folded.replace(" - ", "-")


def member_cities_file() -> list[tuple[str, str | None]]:
    """The member list shipped with the bot (storage/data/member_cities.yaml)."""
    text = resources.files("storage").joinpath("data/member_cities.yaml").read_text("utf-8")
    entries = yaml.safe_load(text)["cities"]
    return [(entry["name"], entry.get("en")) for entry in entries]


def _city(row: sqlite3.Row) -> City:
    return City(
        id=row["id"], name=row["name"], name_en=row["name_en"], is_member=bool(row["is_member"])
    )


class CityRepo(Repo):
    async def members(self) -> list[City]:
        rows = await self.db.fetchall(
            "SELECT id, name, name_en, is_member FROM cities WHERE is_member = 1 ORDER BY name_key"
        )
        return [_city(row) for row in rows]

    async def members_with_contacts(self) -> list[CityRow]:
        rows = await self.db.fetchall(
            """
            SELECT c.id, c.name, c.name_en, c.is_member, count(cc.person_id) AS contacts
              FROM cities c LEFT JOIN city_contacts cc ON cc.city_id = c.id
             WHERE c.is_member = 1
             GROUP BY c.id ORDER BY c.name_key
            """
        )
        return [CityRow(city=_city(row), contacts=row["contacts"]) for row in rows]

    async def get(self, city_id: int) -> City | None:
        row = await self.db.fetchone(
            "SELECT id, name, name_en, is_member FROM cities WHERE id = ?", (city_id,)
        )
        return None if row is None else _city(row)

    async def find(self, name: str) -> list[City]:
        """Member cities whose Russian or English name equals, else starts with, `name`."""
        key = name_key(name)
        if not key:
            return []
        rows = await self.db.fetchall(
            """
            SELECT id, name, name_en, is_member FROM cities
             WHERE is_member = 1 AND (name_key = ?1 OR lower(name_en) = ?1
                   OR name_key LIKE ?2 ESCAPE '\\' OR lower(name_en) LIKE ?2 ESCAPE '\\')
             ORDER BY (name_key = ?1 OR lower(name_en) = ?1) DESC, name_key
            """,
            (key, key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        )
        cities = [_city(row) for row in rows]
        exact = [c for c in cities if name_key(c.name) == key or name_key(c.name_en or "") == key]
        return exact or cities

    async def add(self, name: str, name_en: str | None, *, now: datetime) -> tuple[City, bool]:
        """Add a member city, or bring a removed one back; returns (city, changed)."""
        clean = " ".join(name.split())

        def add(conn: sqlite3.Connection) -> tuple[City, bool]:
            row = conn.execute(
                "SELECT id, name, name_en, is_member FROM cities WHERE name_key = ?",
                (name_key(clean),),
            ).fetchone()
            if row is not None and row["is_member"]:
                return _city(row), False
            if row is not None:
                conn.execute(
                    "UPDATE cities SET is_member = 1, name_en = coalesce(?, name_en) WHERE id = ?",
                    (name_en, row["id"]),
                )
                city_id = row["id"]
            else:
                city_id = conn.execute(
                    "INSERT INTO cities (name, name_en, name_key, created_at) VALUES (?, ?, ?, ?)",
                    (clean, name_en, name_key(clean), to_db(now)),
                ).lastrowid
            added = conn.execute(
                "SELECT id, name, name_en, is_member FROM cities WHERE id = ?", (city_id,)
            ).fetchone()
            return _city(added), True

        return await self.db.transaction(add)

    async def remove(self, city_id: int) -> bool:
        """Take a city off the member list; its history and contacts stay in the database."""
        changed = await self.db.execute(
            "UPDATE cities SET is_member = 0 WHERE id = ? AND is_member = 1", (city_id,)
        )
        return changed > 0

    async def seed(self, cities: list[tuple[str, str | None]], *, now: datetime) -> int:
        """Fill an empty city table from the shipped list; returns how many were added."""
        stamp = to_db(now)

        def seed(conn: sqlite3.Connection) -> int:
            if conn.execute("SELECT 1 FROM cities LIMIT 1").fetchone() is not None:
                return 0
            conn.executemany(
                "INSERT INTO cities (name, name_en, name_key, created_at) VALUES (?, ?, ?, ?)",
                [(name, en, name_key(name), stamp) for name, en in cities],
            )
            return len(cities)

        return await self.db.transaction(seed)
