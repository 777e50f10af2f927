"""The person behind the current update, as every layer sees them (no Telegram types)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.texts import Texts
from storage.people import Person


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is talking: their roles, their cities and their language."""

    id: int
    texts: Texts
    person: Person | None = None
    is_owner: bool = False
    is_staff_member: bool = False
    city_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_registered(self) -> bool:
        return self.person is not None

    @property
    def is_staff(self) -> bool:
        return self.is_owner or self.is_staff_member

    @property
    def is_contact(self) -> bool:
        return bool(self.city_ids)

    @property
    def locale(self) -> str:
        return self.texts.locale
