"""Bot command menus per role and language (setMyCommands), and which commands are staff-only."""

from __future__ import annotations

import hashlib
import json
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeUnion,
)

from bot.services.people import PeopleService
from bot.texts import TextCatalog, Texts
from bot.viewer import Viewer
from storage.menus import MenuRepo

log = logging.getLogger(__name__)

EVERYONE = (
    "start", "help", "events", "resolutions", "subscribe", "city", "language", "cancel", "forget",
)  # fmt: skip
CONTACT: tuple[str, ...] = ("surveys",)
STAFF = (
    "surveys", "survey_new", "broadcast", "broadcasts", "event_new", "resolution_new", "digest",
    "invite", "contacts", "cities", "inbox",
)  # fmt: skip
OWNER = ("staff",)
GROUP = ("start",)

STAFF_COMMANDS = frozenset(STAFF + OWNER) - set(CONTACT)


def commands_for(viewer: Viewer) -> tuple[str, ...]:
    names = list(EVERYONE)
    if viewer.is_contact or viewer.is_staff:
        names += CONTACT
    if viewer.is_staff:
        names += STAFF
    if viewer.is_owner:
        names += OWNER
    return tuple(dict.fromkeys(names))


def _menu(texts: Texts, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(command=name, description=texts.plain(f"commands.{name}")) for name in names]


class CommandMenus:
    """Keeps Telegram's command menus in line with roles; unchanged menus are not re-sent."""

    def __init__(
        self, bot: Bot, catalog: TextCatalog, people: PeopleService, menus: MenuRepo
    ) -> None:
        self.bot = bot
        self.catalog = catalog
        self.people = people
        self.menus = menus

    async def _set(
        self,
        scope: BotCommandScopeUnion,
        key: str,
        commands: list[BotCommand],
        language: str | None = None,
    ) -> None:
        digest = hashlib.sha256(
            json.dumps([c.model_dump() for c in commands], ensure_ascii=False).encode()
        ).hexdigest()
        scope_key = f"{key}:{language or ''}"
        if await self.menus.digest(scope_key) == digest:
            return
        try:
            await self.bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramAPIError as error:
            log.warning("could not set the command menu for %s: %s", scope_key, error)
            return
        await self.menus.save(scope_key, digest)

    async def setup_defaults(self) -> None:
        """Menus everyone sees: private chats per language, and groups."""
        default = self.catalog.get(None)
        await self._set(BotCommandScopeAllPrivateChats(), "private", _menu(default, EVERYONE))
        await self._set(BotCommandScopeAllGroupChats(), "groups", _menu(default, GROUP))
        for locale in self.catalog.locales:
            texts = self.catalog.get(locale)
            await self._set(
                BotCommandScopeAllPrivateChats(), "private", _menu(texts, EVERYONE), locale
            )
            await self._set(BotCommandScopeAllGroupChats(), "groups", _menu(texts, GROUP), locale)

    async def refresh(self, viewer: Viewer) -> None:
        """A person's own menu: their roles' commands in the language they chose."""
        names = commands_for(viewer)
        chosen = viewer.person.language if viewer.person else None
        key = f"chat:{viewer.id}"
        if names == EVERYONE and chosen is None:
            if await self.menus.digest(f"{key}:") is not None:
                try:
                    await self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=viewer.id))
                except TelegramAPIError as error:
                    log.info("could not reset the menu of %s: %s", viewer.id, error)
                await self.menus.forget(key)
            return
        await self._set(BotCommandScopeChat(chat_id=viewer.id), key, _menu(viewer.texts, names))

    async def refresh_person(self, person_id: int) -> None:
        await self.refresh(await self.people.viewer_of(person_id))

    async def refresh_everyone_special(self) -> None:
        """At start: staff, owners, contacts and people with a chosen language."""
        for person_id in await self.menus.special_people(self.people.owner_ids):
            await self.refresh_person(person_id)
