"""What the fake records and shows: calls the bot made, messages as a person sees them,
callback answers, files; and the state of one chat."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


def as_int(value: Any) -> int | None:
    """``value`` as an int when it is an int or an integer string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


@dataclass
class UploadedFile:
    """File content: uploaded by the bot (multipart part) or sent by a fake user."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass
class ApiCall:
    """One request the bot made, with the fake's answer.

    ``status`` is the HTTP status answered (0 = connection dropped on purpose);
    ``description`` the error text when ``status != 200``. ``getUpdates`` calls are recorded
    when they arrive (result None) and completed when answered.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    at: float = 0.0
    description: str | None = None

    @property
    def chat_id(self) -> int | None:
        """``params["chat_id"]`` as an int, when present and numeric."""
        return as_int(self.params.get("chat_id"))

    @property
    def ok(self) -> bool:
        """True when the fake answered 200."""
        return self.status == 200

    @property
    def text(self) -> str | None:
        """The ``text`` (or ``caption``) parameter as sent (raw, with HTML tags)."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None


@dataclass
class BotMessage:
    """A message the bot posted in a chat, in its current state (edits applied).

    ``text``/``caption`` are raw as sent (e.g. with HTML tags); ``plain_text`` is what the user
    sees. ``document``/``photo``/``file`` hold the :class:`UploadedFile` (also when the bot
    re-sent a known file_id; a plain str for an unknown URL). ``message`` is the Telegram
    Message object the fake returned (used as ``callback_query.message``); ``params`` the
    decoded parameters of the last send/edit.
    """

    message_id: int
    chat_id: int
    kind: str
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: UploadedFile | str | None = None
    photo: UploadedFile | str | None = None
    file: UploadedFile | str | None = None
    file_id: str | None = None
    copied_from: tuple[int, int] | None = None
    reply_to_message_id: int | None = None
    edited: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)

    @property
    def raw_text(self) -> str:
        """Text (or caption) as the bot sent it; for copies the copied plain text."""
        if self.text is not None:
            return self.text
        if self.caption is not None:
            return self.caption
        return self.plain_text

    @property
    def plain_text(self) -> str:
        """Text (or caption) as the user sees it: tags stripped, entities unescaped."""
        value = self.message.get("text", self.message.get("caption", ""))
        return value if isinstance(value, str) else ""

    def _inline_rows(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [[b for b in row if isinstance(b, dict)] for row in rows if isinstance(row, list)]

    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts by rows ([] without an inline keyboard)."""
        return [[str(b.get("text", "")) for b in row] for row in self._inline_rows()]

    def button_data(self, label: str) -> str:
        """callback_data of the inline button whose text is exactly ``label``."""
        for row in self._inline_rows():
            for button in row:
                if button.get("text") == label and "callback_data" in button:
                    return str(button["callback_data"])
        raise AssertionError(f"no callback button {label!r}; buttons: {self.buttons()}")

    def reply_keyboard(self) -> list[list[str]] | None:
        """ReplyKeyboardMarkup button texts by rows, or None when there is none."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return None
        return [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in self.reply_markup["keyboard"]
        ]


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery the bot made for a fake user's button press."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    text: str
    show_alert: bool
    url: str | None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file: UploadedFile
    kind: str
    url: str | None = None
    thumb: StoredFile | None = None

    @property
    def source(self) -> UploadedFile | str:
        return self.url or self.file


@dataclass
class ChatState:
    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)

    def alloc_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def info(self) -> dict[str, Any]:
        """The Chat object."""
        if self.type == "private" and self.user is not None:
            keys = ("first_name", "last_name", "username")
            return {
                "id": self.id,
                "type": "private",
                **{k: self.user[k] for k in keys if self.user.get(k)},
            }
        return {"id": self.id, "type": self.type, "title": self.title or "Group"}
