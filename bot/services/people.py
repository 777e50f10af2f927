"""Who is talking to the bot: registration, roles, language, forgetting."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.texts import TextCatalog, Texts
from bot.topics import ALL_TOPICS
from bot.viewer import Viewer
from storage.fsm import SQLiteStorage
from storage.people import PeopleRepo, Person, Profile, TelegramUser
from storage.staff import StaffRepo


@dataclass(eq=False)
class PeopleService:
    people: PeopleRepo
    staff: StaffRepo
    catalog: TextCatalog
    fsm: SQLiteStorage
    clock: Clock
    owner_ids: frozenset[int]

    def viewer(
        self, user_id: int, profile: Profile | None, telegram_language: str | None
    ) -> Viewer:
        person = profile.person if profile else None
        return Viewer(
            id=user_id,
            texts=self.catalog.pick(person.language if person else None, telegram_language),
            person=person,
            is_owner=user_id in self.owner_ids,
            is_staff_member=bool(profile and profile.is_staff),
            city_ids=profile.city_ids if profile else frozenset(),
        )

    async def load_viewer(self, user_id: int, telegram_language: str | None) -> Viewer:
        """One query: the person, whether they are staff, the cities they represent."""
        return self.viewer(user_id, await self.people.profile(user_id), telegram_language)

    async def register(self, user: TelegramUser) -> tuple[Viewer, bool]:
        """Create or refresh the person (new people get every topic); returns the viewer."""
        _, created = await self.people.register(user, topics=ALL_TOPICS, now=self.clock.now())
        return await self.load_viewer(user.id, user.language_code), created

    async def reactivate(self, person_id: int) -> None:
        """They wrote to us, so they no longer block the bot."""
        await self.people.set_active([person_id], True, now=self.clock.now())

    async def deactivate(self, person_id: int) -> None:
        """Telegram says they blocked the bot: later sends skip them."""
        await self.people.set_active([person_id], False, now=self.clock.now())

    async def set_language(self, viewer: Viewer, locale: str) -> Viewer:
        await self.people.set_language(viewer.id, locale, now=self.clock.now())
        return await self.load_viewer(viewer.id, locale)

    async def viewer_of(self, person_id: int) -> Viewer:
        """A viewer for someone who is not the sender (to write to them in their language)."""
        return await self.load_viewer(person_id, None)

    async def texts_of(self, person_id: int) -> Texts:
        """The texts in someone's language (to write to them)."""
        return (await self.viewer_of(person_id)).texts

    async def by_username(self, username: str) -> Person | None:
        return await self.people.by_username(username)

    async def staff_ids(self) -> set[int]:
        """Owners and staff: everyone who handles requests."""
        return set(self.owner_ids) | await self.staff.ids()

    async def forget(self, person_id: int) -> bool:
        """Delete the person's data; an owner stays an owner (ADMIN_IDS is configuration)."""
        existed = await self.people.forget(person_id)
        self.fsm.forget_user(person_id)
        return existed
