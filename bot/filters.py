"""Router filters on the viewer the middleware loaded."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject

from bot.services.people import Viewer
from bot.texts import TextCatalog


class IsStaff(Filter):
    async def __call__(self, event: TelegramObject, viewer: Viewer | None = None) -> bool:
        return viewer is not None and viewer.is_staff


class IsOwner(Filter):
    async def __call__(self, event: TelegramObject, viewer: Viewer | None = None) -> bool:
        return viewer is not None and viewer.is_owner


class IsRegistered(Filter):
    async def __call__(self, event: TelegramObject, viewer: Viewer | None = None) -> bool:
        return viewer is not None and viewer.is_registered


class MenuButton(Filter):
    """A main-menu button, pressed in any language (the reply keyboard sends its label)."""

    def __init__(self, key: str) -> None:
        self.key = f"menu.{key}"

    async def __call__(self, message: Message, catalog: TextCatalog) -> bool:
        return message.text is not None and message.text in catalog.labels(self.key)
