"""What a delivery sends: message parts, rendered per recipient at send time.

A job's payload is JSON: `{"type": "copy", "from_chat_id": .., "message_id": ..}` copies a
message (formatting and media kept), `{"type": "render", "name": .., "args": {..}}` asks
the renderer registered under that name for the parts, in the recipient's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.texts import Texts


@dataclass(frozen=True, slots=True)
class CopyPart:
    from_chat_id: int
    message_id: int
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class DocumentPart:
    """A stored file (see `Files`), sent by Telegram file id once uploaded."""

    file_key: str
    caption: str | None = None
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class PhotoPart:
    file_key: str
    caption: str | None = None
    reply_markup: InlineKeyboardMarkup | None = None


Part = CopyPart | TextPart | DocumentPart | PhotoPart
Renderer = Callable[[Texts, dict[str, Any]], list[Part]]


class UnknownPayloadError(ValueError):
    """A job payload no renderer understands (a bug, not a Telegram error)."""


class Renderers:
    """Renderers by name, from the tables of the features' messages modules, put together
    when the app is assembled."""

    def __init__(self, *tables: Mapping[str, Renderer]) -> None:
        self._renderers: dict[str, Renderer] = {}
        for table in tables:
            self._renderers.update(table)

    def render(self, name: str, texts: Texts, args: dict[str, Any]) -> list[Part]:
        renderer = self._renderers.get(name)
        if renderer is None:
            raise UnknownPayloadError(f"no renderer named {name!r}")
        return renderer(texts, args)

    def parts(self, payload: dict[str, Any], texts: Texts) -> list[Part]:
        kind = payload.get("type")
        if kind == "copy":
            return [CopyPart(int(payload["from_chat_id"]), int(payload["message_id"]))]
        if kind == "render":
            return self.render(str(payload.get("name")), texts, dict(payload.get("args") or {}))
        raise UnknownPayloadError(f"no renderer for payload {payload!r}")


def copy_payload(from_chat_id: int, message_id: int) -> dict[str, Any]:
    return {"type": "copy", "from_chat_id": from_chat_id, "message_id": message_id}


def render_payload(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "render", "name": name, "args": args}
