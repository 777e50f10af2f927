"""People and chats: a FakeUser or FakeGroup sends updates to the bot and shows what the
bot shows in that chat."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.fake_telegram.html_parser import utf16_len
from tests.fake_telegram.records import BotMessage, CallbackAnswer, ChatState

if TYPE_CHECKING:
    from tests.fake_telegram.server import FakeTelegram

# A valid 1x1 PNG, the default photo a FakeUser sends.
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


class ChatView:
    """What the bot shows in one chat (shared by FakeUser and FakeGroup)."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self._fake = fake
        self._chat = chat

    @property
    def chat_id(self) -> int:
        """The chat id (a user's private chat id equals the user id)."""
        return self._chat.id

    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first (current state)."""
        return list(self._chat.bot_messages.values())

    def message(self, message_id: int) -> BotMessage:
        """The bot's message with this id (AssertionError if absent)."""
        try:
            return self._chat.bot_messages[message_id]
        except KeyError:
            raise AssertionError(
                f"no bot message {message_id} in chat {self._chat.id}; "
                f"ids: {list(self._chat.bot_messages)}"
            ) from None

    def last_message(self) -> BotMessage:
        """The bot's newest message here (AssertionError if there is none)."""
        if not self._chat.bot_messages:
            raise AssertionError(f"the bot has sent nothing to chat {self._chat.id}")
        return next(reversed(self._chat.bot_messages.values()))

    def last_text(self) -> str:
        """Text (or caption) of the bot's newest message as sent, e.g. with HTML tags;
        ``last_message().plain_text`` is what the user sees."""
        return self.last_message().raw_text

    def texts(self) -> list[str]:
        """Texts/captions (as sent) of all the bot's messages here, oldest first."""
        return [m.raw_text for m in self.messages()]

    def documents(self) -> list[BotMessage]:
        """The bot's messages here that carry a document."""
        return [m for m in self.messages() if m.document is not None]

    def _find_button(self, label: str, message_id: int | None) -> tuple[BotMessage, str]:
        if message_id is not None:
            candidates = [self.message(message_id)]
        else:
            candidates = list(reversed(self._chat.bot_messages.values()))
        for exact in (True, False):
            for bm in candidates:
                rows = bm._inline_rows()
                found = [
                    b
                    for row in rows
                    for b in row
                    if (b.get("text") == label if exact else label in str(b.get("text", "")))
                ]
                if not found:
                    continue
                if not exact and len(found) > 1:
                    texts = [b.get("text") for b in found]
                    raise AssertionError(f"label {label!r} matches several buttons: {texts}")
                button = found[0]
                if "callback_data" not in button:
                    raise AssertionError(f"button {button.get('text')!r} is not a callback button")
                return bm, str(button["callback_data"])
        available = {m.message_id: m.buttons() for m in candidates if m.buttons()}
        raise AssertionError(
            f"no inline button {label!r} in chat {self._chat.id}; available: {available}"
        )

    def _last_or(self, message_id: int | None) -> BotMessage:
        return self.last_message() if message_id is None else self.message(message_id)


class FakeUser(ChatView):
    """A Telegram user with a private chat with the bot (chat id == user id).

    Sending methods return the update_id. With ``wait=True`` they return once the update
    was delivered to the bot (getUpdates answer or 2xx webhook reply) and, when
    ``fake.on_delivered`` is set (e.g. by :meth:`FakeTelegram.track_dispatcher`), once the
    bot finished handling it; AssertionError after ``fake.default_timeout`` seconds.
    """

    def __init__(
        self,
        fake: FakeTelegram,
        chat: ChatState,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        super().__init__(fake, chat)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def as_user(self) -> dict[str, Any]:
        """The Telegram User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                user[key] = value
        return user

    async def send(self, text: str, *, reply_to: int | None = None, wait: bool = True) -> int:
        """Send a text message to the bot; a leading /command gets a bot_command entity."""
        return await self._fake._user_message(self, self._chat, _text_fields(text), reply_to, wait)

    async def press(self, label: str, *, message_id: int | None = None, wait: bool = True) -> int:
        """Press the inline button ``label`` (exact text, else substring) in the newest bot
        message that has it (or in ``message_id``); returns the callback_query update id."""
        bm, data = self._find_button(label, message_id)
        return await self._fake._press(self, self._chat, bm, data, wait)

    async def press_data(
        self, data: str, *, message_id: int | None = None, wait: bool = True
    ) -> int:
        """Send a callback_query with arbitrary (forged or stale) data on a bot message."""
        return await self._fake._press(self, self._chat, self._last_or(message_id), data, wait)

    async def send_document(
        self,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        wait: bool = True,
    ) -> int:
        """Send a document; the bot can getFile + download the same bytes."""
        fields = self._fake._user_media("document", filename, content, mime_type, caption)
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def send_photo(
        self, content: bytes = TINY_PNG, *, caption: str | None = None, wait: bool = True
    ) -> int:
        """Send a photo (two PhotoSize entries, both downloadable)."""
        fields = self._fake._user_media("photo", "photo.jpg", content, "image/jpeg", caption)
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def send_sticker(self, *, wait: bool = True) -> int:
        """Send a regular sticker."""
        fields = self._fake._user_media("sticker", "sticker.webp", b"RIFF\0\0\0\0WEBP", None, None)
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def send_voice(self, *, wait: bool = True) -> int:
        """Send a one-second voice message."""
        fields = self._fake._user_media("voice", "voice.ogg", b"OggS" + bytes(60), None, None)
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def send_location(
        self, latitude: float = 59.2205, longitude: float = 39.8915, *, wait: bool = True
    ) -> int:
        """Send a location (a point on the map)."""
        fields = {"location": {"latitude": latitude, "longitude": longitude}}
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def send_contact(
        self, phone_number: str = "+79001234567", first_name: str = "Иван", *, wait: bool = True
    ) -> int:
        """Share a phone contact."""
        fields = {"contact": {"phone_number": phone_number, "first_name": first_name}}
        return await self._fake._user_message(self, self._chat, fields, None, wait)

    async def edit_last(self, text: str, *, wait: bool = True) -> int:
        """Edit this user's newest message in the chat to `text` (an edited_message update)."""
        mine = [m for m in self._chat.messages.values() if m.get("from", {}).get("id") == self.id]
        if not mine:
            raise AssertionError(f"{self!r} has sent nothing to edit in chat {self._chat.id}")
        edited = {k: v for k, v in mine[-1].items() if k not in ("text", "entities", "caption")}
        edited["text" if "text" in mine[-1] or "caption" not in mine[-1] else "caption"] = text
        return await self._fake._custom_update(self, self._chat, {"edited_message": edited}, wait)

    async def send_update(self, update_fields: dict[str, Any], *, wait: bool = True) -> int:
        """Escape hatch: enqueue any update. A partial ``message``/``edited_message`` gets
        chat, from, date and message_id filled in; a ``callback_query`` gets id/from."""
        return await self._fake._custom_update(self, self._chat, update_fields, wait)

    def alerts(self) -> list[str]:
        """Texts of the bot's answerCallbackQuery to this user's presses ("" without text)."""
        return [a.text for a in self.callback_answers()]

    def callback_answers(self) -> list[CallbackAnswer]:
        """Full answerCallbackQuery records for this user's presses, in order."""
        return [a for a in self._fake.callback_answers if a.user_id == self.id]

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r})"


class FakeGroup(ChatView):
    """A group chat (type "group", or "supergroup" for ids starting with -100). Nothing to
    press here: the bot posts no buttons in groups (only a pointer to the private chat)."""

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        super().__init__(fake, chat)
        self.id = chat.id
        self.title = chat.title or "Group"

    async def send(
        self, text: str, from_user: FakeUser, *, reply_to: int | None = None, wait: bool = True
    ) -> int:
        """``from_user`` writes ``text`` in the group."""
        fields = _text_fields(text)
        return await self._fake._user_message(from_user, self._chat, fields, reply_to, wait)

    async def send_update(
        self, update_fields: dict[str, Any], *, from_user: FakeUser, wait: bool = True
    ) -> int:
        """Escape hatch like :meth:`FakeUser.send_update`, in this group."""
        return await self._fake._custom_update(from_user, self._chat, update_fields, wait)

    def __repr__(self) -> str:
        return f"FakeGroup({self.id}, {self.title!r})"


def _text_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text}
    m = re.match(r"/\S+", text)
    if m:
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(m[0])}]
    return fields
