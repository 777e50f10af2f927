"""The member-city list (used by the staff commands and the command line)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from storage.audit import AuditRepo
from storage.cities import City, CityRepo, CityRow, name_key


@dataclass(eq=False)
class CityService:
    cities: CityRepo
    audit: AuditRepo
    clock: Clock

    async def members(self) -> list[City]:
        return await self.cities.members()

    async def overview(self) -> list[CityRow]:
        return await self.cities.members_with_contacts()

    async def get(self, city_id: int) -> City | None:
        city = await self.cities.get(city_id)
        return city if city and city.is_member else None

    async def find(self, name: str) -> list[City]:
        return await self.cities.find(name)

    async def named(self, name: str) -> City | None:
        """The member city with exactly this name, Russian or English, in any case."""
        key = name_key(name)
        found = await self.cities.find(name)
        return next(
            (c for c in found if key in (name_key(c.name), name_key(c.name_en or ""))), None
        )

    async def add(self, actor_id: int | None, name: str, name_en: str | None) -> tuple[City, bool]:
        now = self.clock.now()
        city, changed = await self.cities.add(name, name_en, now=now)
        if changed:
            await self.audit.record(actor_id, "city.add", city.name, now=now)
        return city, changed

    async def remove(self, actor_id: int | None, city: City) -> bool:
        removed = await self.cities.remove(city.id)
        if removed:
            await self.audit.record(actor_id, "city.remove", city.name, now=self.clock.now())
        return removed
