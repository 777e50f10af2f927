"""The fake Bot API server: HTTP, long polling and the webhook, the methods the bot uses,
error injection and flood control, and waiting for calls."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import mimetypes
import random
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Self, TypeVar

import aiogram.methods
from aiogram import Dispatcher
from aiogram.types import TelegramObject
from aiohttp import ClientError, ClientSession, ClientTimeout, web

from tests.fake_telegram.chats import FakeGroup, FakeUser
from tests.fake_telegram.html_parser import HtmlParseError, parse_html, utf16_len
from tests.fake_telegram.records import (
    ApiCall,
    BotMessage,
    CallbackAnswer,
    ChatState,
    StoredFile,
    UploadedFile,
    as_int,
)

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Method names and parameter decoding
# --------------------------------------------------------------------------------------------

_METHOD_NAMES: dict[str, str] = {}
for _name in aiogram.methods.__all__:
    _api = getattr(getattr(aiogram.methods, _name), "__api_method__", None)
    if isinstance(_api, str):
        _METHOD_NAMES[_api.lower()] = _api


def canonical_method(name: str) -> str:
    """Telegram's camelCase spelling of a (case-insensitive) method name, e.g. "sendMessage"."""
    return _METHOD_NAMES.get(name.lower(), name)


SENDING_METHODS: frozenset[str] = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage"}
)
"""Methods that post messages to a chat: rate limited, random errors, listed by ``sent_to``."""

# Parameters that are strings in the Bot API: never JSON-decoded (aiogram sends other
# non-string values as JSON, so everything else is tried with json.loads).
_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "secret_token",
        "url",
        "file_id",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "thumbnail",
        "ip_address",
    }
)
_JSON_START = re.compile(r'\s*(?:[\[{"]|-?\d|true\s*$|false\s*$|null\s*$)')

_MEDIA_KINDS = ("document", "photo", "voice", "sticker")  # what FakeUser sends
_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MAX_UPLOAD = 50 * 1024 * 1024
_MAX_DOWNLOAD = 20 * 1024 * 1024
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _decode_value(key: str, value: str) -> Any:
    """Decode one form value: JSON for non-string parameters, the raw string otherwise."""
    if key in _STRING_KEYS or not _JSON_START.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class _Query:
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class _Injection:
    method: str
    status: int
    description: str
    retry_after: int | None
    count: int
    chat_id: int | None


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


class Gate:
    """Calls of one method held unanswered until :meth:`release` (see FakeTelegram.hold)."""

    def __init__(self, fake: FakeTelegram, method: str, chat_id: int | None) -> None:
        self._fake = fake
        self.method = method
        self.chat_id = chat_id
        self.held: list[ApiCall] = []
        self._released = asyncio.Event()

    def matches(self, call: ApiCall) -> bool:
        """Whether this gate holds ``call``."""
        if self._released.is_set() or call.method != self.method:
            return False
        return self.chat_id is None or call.chat_id == self.chat_id

    async def reached(self, count: int = 1, *, timeout: float = 5.0) -> ApiCall:  # noqa: ASYNC109
        """Until at least ``count`` calls are held; returns the latest one."""
        return await self._fake._wait_until(
            lambda: self.held[-1] if len(self.held) >= count else None,
            timeout,
            lambda: f"no {self.method} call reached the gate within {timeout} s",
        )

    async def wait_released(self) -> None:
        """Until :meth:`release` (used by the server for held requests)."""
        await self._released.wait()

    def release(self) -> None:
        """Let the held calls (and all later ones) through."""
        self._released.set()
        if self in self._fake._gates:
            self._fake._gates.remove(self)
        self._fake._notify()


class FakeTelegram:
    """Fake Telegram Bot API server; see the module docstring for an overview.

    Tunables (plain attributes): ``rate_limit`` / ``per_chat_rate`` (sends per second,
    None = unlimited; a rate r allows max(1, floor(r)) sends per max(1, floor(r))/r seconds),
    ``retry_after`` (fixed value for 429s), ``reply_latency`` (seconds each reply waits after
    the call was counted: a far-away server, real time only), ``default_timeout`` (waits of
    FakeUser methods),
    ``strict_ampersand`` (bare "&" in HTML is an error), ``raise_handler_errors`` (see
    :meth:`track_dispatcher`).
    """

    def __init__(
        self,
        *,
        bot_id: int = 777000001,
        bot_username: str = "union_test_bot",
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.bot_id = bot_id
        self._monotonic = monotonic
        self.bot_username = bot_username
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.counters: Counter[str] = Counter()
        self.rate_limit: float | None = None
        self.per_chat_rate: float | None = None
        self.retry_after: int | None = None
        self.random_errors: tuple[float, float] = (0.0, 0.0)
        self.reply_latency = 0.0  # seconds before a reply leaves, after the call is counted
        self.on_delivered: Callable[[int], Awaitable[None]] | None = None
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.default_timeout = 5.0
        self.strict_ampersand = True
        self.raise_handler_errors = True
        # Like `telegram-bot-api --local`: getFile hands out a path on this disk, not a URL.
        self.local_files: Path | None = None
        self.handler_errors: list[tuple[int, BaseException]] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.dropped_updates: dict[int, str] = {}
        self.webhook_requests: list[tuple[int, int]] = []  # (update_id, HTTP status or 0)

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._injections: list[_Injection] = []
        self._gates: list[Gate] = []
        self._rng = random.Random(0)
        self._sent_times: deque[float] = deque()
        self._chat_sent_times: dict[int, deque[float]] = {}
        self._queue: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._delivered: set[int] = set()
        self._confirmed_upto = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_seq = 0
        self._polls_seen = 0
        self._webhook_error: tuple[int, str] | None = None
        self._changed = asyncio.Event()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_seq = 0
        self._query_seq = 0
        self._queries: dict[str, _Query] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._processed: dict[int, BaseException | None] = {}
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._handlers: dict[str, Callable[[ApiCall], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendDocument": lambda c: self._send_media(c, "document"),
            "sendPhoto": lambda c: self._send_media(c, "photo"),
            "copyMessage": self._copy_message,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "answerCallbackQuery": self._answer_callback,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": self._delete_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getFile": self._get_file,
        }

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port; sets ``base_url``."""
        app = web.Application(client_max_size=_MAX_UPLOAD + 1024 * 1024)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._client = ClientSession(timeout=ClientTimeout(total=10))
        self._webhook_task = asyncio.create_task(self._webhook_loop())

    async def stop(self) -> None:
        """Answer pending getUpdates with [] and shut the server down (idempotent)."""
        if self._stopping:
            return
        self._stopping = True
        for gate in list(self._gates):
            gate.release()
        self._notify()
        await asyncio.sleep(0)
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        """A well-formed token whose numeric part is ``bot_id`` (so ``bot.id`` matches)."""
        return f"{self.bot_id}:AAFakeTelegramTokenForTests0000000000"

    # ---- inspection ----------------------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[ApiCall]:
        """Recorded calls of ``method`` (any spelling), optionally only to ``chat_id``."""
        name = canonical_method(method)
        return [
            c for c in self.calls if c.method == name and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """Successful sending calls (see ``SENDING_METHODS``) to ``chat_id``."""
        return [
            c
            for c in self.calls
            if c.status == 200 and c.method in SENDING_METHODS and c.chat_id == chat_id
        ]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands stored by setMyCommands for ``scope`` (default scope when None)."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def file(self, file_id: str) -> UploadedFile:
        """The content stored under ``file_id`` (bot uploads and user files)."""
        return self._files[file_id].file

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (copies)."""
        return copy.deepcopy(self._queue)

    def hold(self, method: str, *, chat_id: int | None = None) -> Gate:
        """Hold every incoming call of ``method`` (optionally only to ``chat_id``) unanswered
        until ``gate.release()``: ``await gate.reached()`` waits until one is being held."""
        gate = Gate(self, canonical_method(method), chat_id)
        self._gates.append(gate)
        return gate

    # ---- people and chats ----------------------------------------------------------------

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> FakeUser:
        """The user with this id, created (with a private chat) on first use."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        chat = ChatState(id=user_id, type="private")
        fake_user = FakeUser(
            self,
            chat,
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat.user = fake_user.as_user()
        self._chats[user_id] = chat
        self._users[user_id] = fake_user
        return fake_user

    def group(self, chat_id: int, title: str = "Group") -> FakeGroup:
        """The group with this (negative) id, created on first use."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat = ChatState(id=chat_id, type=kind, title=title)
        self._chats[chat_id] = chat
        group = FakeGroup(self, chat)
        self._groups[chat_id] = group
        return group

    # ---- error injection -----------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        """Sends/edits to ``chat_id`` answer 403 (user blocked the bot / bot kicked)."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block` (also for random 403s)."""
        self._blocked.discard(chat_id)

    def mark_missing(self, chat_id: int) -> None:
        """Sends to ``chat_id`` answer 400 "Bad Request: chat not found"."""
        self._missing.add(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (optionally only those to ``chat_id``)
        with ``status``; status 0 closes the connection without answering (network error).
        429 reports ``retry_after`` (default ``self.retry_after`` or 1)."""
        if description is None:
            description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
        self._injections.append(
            _Injection(canonical_method(method), status, description, retry_after, count, chat_id)
        )

    def set_random_errors(self, p429: float, p403: float, seed: int = 0) -> None:
        """On each send, 429 with probability ``p429`` and 403 with ``p403``; a chat that got
        a random 403 stays blocked (until :meth:`unblock`)."""
        self.random_errors = (p429, p403)
        self._rng = random.Random(seed)

    # ---- updates and waiting -------------------------------------------------------------

    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue an update (a copy gets the next update_id); returns the update_id."""
        update = dict(update)
        update_id = self._next_update_id
        self._next_update_id += 1
        update["update_id"] = update_id
        self._queue.append(update)
        self._notify()
        return update_id

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool] | str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """First call (already recorded or arriving) matching ``predicate`` (a callable, or a
        method name). KeyError/IndexError/TypeError in the predicate count as no match."""
        match = self._matcher(predicate)
        found = await self._wait_until(
            lambda: next((c for c in self.calls if match(c)), None),
            timeout,
            lambda: f"no matching call within {timeout} s",
        )
        return found

    async def wait_calls(
        self,
        predicate: Callable[[ApiCall], bool] | str,
        count: int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        """All matching calls, once there are at least ``count`` of them."""
        match = self._matcher(predicate)

        def check() -> list[ApiCall] | None:
            found = [c for c in self.calls if match(c)]
            return found if len(found) >= count else None

        return await self._wait_until(
            check,
            timeout,
            lambda: (
                f"fewer than {count} matching calls within {timeout} s "
                f"(have {sum(1 for c in self.calls if match(c))})"
            ),
        )

    async def wait_polled(self, update_id: int, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until the bot confirmed ``update_id`` (getUpdates with a greater offset, or a 2xx
        webhook answer)."""
        await self._wait_until(
            lambda: (
                True
                if self._confirmed_upto >= update_id or update_id in self.dropped_updates
                else None
            ),
            timeout,
            lambda: (
                f"update {update_id} was not confirmed within {timeout} s; " + self._delivery_hint()
            ),
        )
        if update_id in self.dropped_updates:
            raise AssertionError(
                f"update {update_id} never reached the bot: {self.dropped_updates[update_id]}"
            )

    def track_dispatcher(self, dp: Dispatcher) -> None:
        """Make FakeUser methods wait until ``dp`` finished handling each update.

        Installs an outermost update middleware on ``dp`` and sets ``on_delivered``.
        Exceptions the dispatcher did not handle are appended to ``handler_errors`` and, when
        ``raise_handler_errors`` is true, re-raised as AssertionError by the FakeUser method
        that sent the update.
        """
        outer = dp.update.outer_middleware
        existing = list(outer)
        for middleware in existing:
            outer.unregister(middleware)
        outer.register(self._tracking_middleware)
        for middleware in existing:
            outer.register(middleware)
        self.on_delivered = self._wait_handled

    async def _tracking_middleware(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        update_id = getattr(event, "update_id", None)
        error: BaseException | None = None
        try:
            return await handler(event, data)
        except Exception as exc:
            error = exc
            raise
        finally:
            if isinstance(update_id, int):
                if error is not None:
                    self.handler_errors.append((update_id, error))
                self._processed[update_id] = error
                self._notify()

    async def _wait_handled(self, update_id: int) -> None:
        await self._wait_until(
            lambda: True if update_id in self._processed else None,
            self.default_timeout,
            lambda: (
                f"the bot did not finish handling update {update_id} "
                f"within {self.default_timeout} s"
            ),
        )
        error = self._processed[update_id]
        if error is not None and self.raise_handler_errors:
            raise AssertionError(
                f"the bot failed on update {update_id}: {error!r} "
                "(set fake.raise_handler_errors = False to allow)"
            ) from error

    async def _wait_processed(self, update_id: int) -> None:
        """Wait until ``update_id`` was delivered, then until ``on_delivered`` returns."""
        timeout = self.default_timeout
        await self._wait_until(
            lambda: (
                True if update_id in self._delivered or update_id in self.dropped_updates else None
            ),
            timeout,
            lambda: (
                f"update {update_id} was not delivered to the bot within {timeout} s; "
                + self._delivery_hint()
            ),
        )
        if update_id in self.dropped_updates:
            raise AssertionError(
                f"update {update_id} never reached the bot: {self.dropped_updates[update_id]} "
                "(pass wait=False if that is intended)"
            )
        if self.on_delivered is not None:
            try:
                await asyncio.wait_for(self.on_delivered(update_id), timeout * 2)
            except TimeoutError:
                raise AssertionError(
                    f"on_delivered({update_id}) did not return within {timeout * 2} s"
                ) from None

    def _delivery_hint(self) -> str:
        if self.webhook_url:
            error = self._webhook_error[1] if self._webhook_error else "none"
            return f"webhook {self.webhook_url} is set (last error: {error})"
        if not self._polls_seen:
            return "nobody has called getUpdates yet - is the bot running?"
        return f"getUpdates was called {self._polls_seen} times; queue: {len(self._queue)}"

    def _matcher(self, predicate: Callable[[ApiCall], bool] | str) -> Callable[[ApiCall], bool]:
        if isinstance(predicate, str):
            name = canonical_method(predicate)
            return lambda c: c.method == name

        def safe(call: ApiCall) -> bool:
            try:
                return bool(predicate(call))
            except (KeyError, IndexError, TypeError):
                return False

        return safe

    async def _wait_until(
        self, check: Callable[[], T | None], seconds: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{describe()}\nlast calls:\n{self._recent_calls()}")
            await self._wait_changed(remaining)

    async def _wait_changed(self, seconds: float) -> None:
        """Sleep until the next ``_notify()`` (a recorded call, an update...) or ``seconds``."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _recent_calls(self, n: int = 10) -> str:
        if not self.calls:
            return "  (no calls)"
        lines = []
        for c in self.calls[-n:]:
            detail = c.description if c.status != 200 else c.text
            if detail and len(detail) > 70:
                detail = detail[:67] + "..."
            lines.append(f"  {c.method} chat={c.chat_id} -> {c.status} {detail or ''}".rstrip())
        return "\n".join(lines)

    # ---- update building (used by FakeUser / FakeGroup) ----------------------------------

    def _now(self) -> int:
        return int(time.time())

    def _time(self) -> float:
        """Seconds for call stamps and rate limits: ``monotonic`` if given, else the loop's."""
        if self._monotonic is not None:
            return self._monotonic()
        return asyncio.get_running_loop().time()

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Union Test Bot",
            "username": self.bot_username,
        }

    async def _finish_update(self, update_id: int, wait: bool) -> int:
        if wait:
            await self._wait_processed(update_id)
        return update_id

    async def _user_message(
        self,
        user: FakeUser,
        chat: ChatState,
        fields: dict[str, Any],
        reply_to: int | None,
        wait: bool,
    ) -> int:
        message = self._store_user_message(user, chat, fields)
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise AssertionError(f"no message {reply_to} in chat {chat.id} to reply to")
            message["reply_to_message"] = _without_reply(target)
        update_id = self.enqueue({"message": message})
        return await self._finish_update(update_id, wait)

    def _store_user_message(
        self, user: FakeUser, chat: ChatState, fields: dict[str, Any]
    ) -> dict[str, Any]:
        mid = chat.alloc_id()
        message = {
            "message_id": mid,
            "date": self._now(),
            "chat": chat.info(),
            "from": user.as_user(),
            **fields,
        }
        chat.messages[mid] = message
        return message

    def _user_media(
        self,
        kind: str,
        filename: str,
        content: bytes,
        mime_type: str | None,
        caption: str | None,
    ) -> dict[str, Any]:
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file(UploadedFile(filename, content, mime), kind)
        fields: dict[str, Any] = {kind: self._media_object(kind, stored)}
        if kind == "sticker":
            fields["sticker"]["emoji"] = "👍"
        if caption:
            fields["caption"] = caption
        return fields

    async def _press(
        self, user: FakeUser, chat: ChatState, bm: BotMessage, data: str, wait: bool
    ) -> int:
        self._query_seq += 1
        query_id = str(4_000_000_000_000_000_000 + self._query_seq)
        self._queries[query_id] = _Query(user.id, chat.id, bm.message_id, data)
        update = {
            "callback_query": {
                "id": query_id,
                "from": user.as_user(),
                "message": copy.deepcopy(bm.message),
                "chat_instance": str(9_000_000_000 + abs(chat.id)),
                "data": data,
            }
        }
        return await self._finish_update(self.enqueue(update), wait)

    async def _custom_update(
        self, user: FakeUser, chat: ChatState, update_fields: dict[str, Any], wait: bool
    ) -> int:
        update = copy.deepcopy(update_fields)
        for key in ("message", "edited_message"):
            message = update.get(key)
            if isinstance(message, dict):
                message.setdefault("chat", chat.info())
                message.setdefault("from", user.as_user())
                message.setdefault("date", self._now())
                if key == "edited_message":
                    message.setdefault("edit_date", self._now())
                if "message_id" not in message:
                    message["message_id"] = chat.alloc_id()
                if key == "message":
                    chat.messages[message["message_id"]] = message
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._query_seq += 1
            query.setdefault("id", str(4_000_000_000_000_000_000 + self._query_seq))
            query.setdefault("from", user.as_user())
            query.setdefault("chat_instance", str(9_000_000_000 + abs(chat.id)))
            msg = query.get("message")
            mid = msg.get("message_id", 0) if isinstance(msg, dict) else 0
            self._queries[str(query["id"])] = _Query(
                user.id, chat.id, int(mid), str(query.get("data", ""))
            )
        return await self._finish_update(self.enqueue(update), wait)

    # ---- files ---------------------------------------------------------------------------

    def _store_file(self, upload: UploadedFile, kind: str, url: str | None = None) -> StoredFile:
        """The upload kept under a new file id; a photo gets a second one for its thumbnail."""
        stored = self._new_file(upload, kind, url)
        if kind == "photo":
            stored.thumb = self._new_file(upload, kind, url)
        return stored

    def _new_file(self, upload: UploadedFile, kind: str, url: str | None) -> StoredFile:
        self._file_seq += 1
        n = self._file_seq
        folder = {"photo": "photos", "voice": "voice", "sticker": "stickers"}.get(kind, kind + "s")
        suffix = PurePosixPath(upload.filename).suffix or {"photo": ".jpg"}.get(kind, "")
        stored = StoredFile(
            file_id=f"FAKE{kind.upper()}{n:06d}",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{folder}/file_{n}{suffix}",
            file=upload,
            kind=kind,
            url=url,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _media_object(self, kind: str, stored: StoredFile) -> Any:
        size = len(stored.file.content)
        base: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": size,
        }
        mime = (
            mimetypes.guess_type(stored.file.filename)[0]
            or stored.file.content_type
            or "application/octet-stream"
        )
        if kind == "photo":
            thumb = stored.thumb or stored
            return [
                {**base, "file_id": thumb.file_id, "file_unique_id": thumb.file_unique_id,
                 "width": 90, "height": 90},
                {**base, "width": 1280, "height": 960},
            ]  # fmt: skip
        if kind == "document":
            return {**base, "file_name": stored.file.filename, "mime_type": mime}
        if kind == "voice":
            return {**base, "duration": 1, "mime_type": "audio/ogg"}
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        return base

    def _media_of(self, message: dict[str, Any]) -> tuple[str, StoredFile | None] | None:
        """(kind, stored file) of the media in a Telegram message dict, if any."""
        for kind in _MEDIA_KINDS:
            media = message.get(kind)
            if media:
                obj = media[-1] if isinstance(media, list) else media
                return kind, self._files.get(str(obj.get("file_id")))
        return None

    # ---- HTTP handlers -------------------------------------------------------------------

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or self.local_files is not None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.file.content,
            content_type=stored.file.content_type or "application/octet-stream",
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        at = self._time()
        method = canonical_method(request.match_info["method"])
        try:
            params, files = await self._read_request(request)
        except _ApiError as err:
            return self._reply_error(ApiCall(method, {}, at=at), err)
        call = ApiCall(method=method, params=params, files=files, at=at)
        gate = next((g for g in self._gates if g.matches(call)), None)
        if gate is not None:
            gate.held.append(call)
            self._notify()
            await gate.wait_released()
        injection = self._take_injection(call)
        if injection is not None:
            if injection.status == 0:
                call.status = 0
                call.description = "connection dropped (fail_next status=0)"
                self._record(call)
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            retry = injection.retry_after
            if injection.status == 429 and retry is None:
                retry = self.retry_after or 1
            error = _ApiError(injection.status, injection.description, retry)
            return self._reply_error(call, error)
        if method == "getUpdates":
            return await self._get_updates(request, call)
        try:
            result = self._dispatch(call)
        except _ApiError as err:
            return self._reply_error(call, err)
        call.result = result
        self._record(call)
        if self.reply_latency:  # the way back of a far-away server (benchmarks, real time)
            await asyncio.sleep(self.reply_latency)
        return web.json_response({"ok": True, "result": result})

    async def _read_request(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, str] = dict(request.query)
        typed: dict[str, Any] = {}
        parts: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON") from None
                if isinstance(body, dict):
                    typed.update(body)
            else:
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise _ApiError(413, "Request Entity Too Large") from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        content = value.file.read()
                        if len(content) > _MAX_UPLOAD:
                            raise _ApiError(413, "Request Entity Too Large")
                        name = value.filename or key
                        parts[key] = UploadedFile(name, content, value.content_type)
                    else:
                        raw[key] = value if isinstance(value, str) else bytes(value).decode()
        params = {key: _decode_value(key, value) for key, value in raw.items()}
        params.update(typed)
        return params, self._attach(params, parts)

    @staticmethod
    def _attach(params: dict[str, Any], parts: dict[str, UploadedFile]) -> dict[str, UploadedFile]:
        """Resolve ``attach://name`` values to uploaded parts (media lists: "media[i]")."""
        files: dict[str, UploadedFile] = {}
        used: set[str] = set()

        def resolve(value: Any, key: str) -> None:
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name not in parts:
                    raise _bad("wrong file identifier/HTTP URL specified")
                used.add(name)
                files[key] = parts[name]

        for key, value in params.items():
            resolve(value, key)
        media = params.get("media")
        # sendMediaGroup: a list of InputMedia; editMessageMedia: a single one.
        items = media if isinstance(media, list) else [media]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                prefix = f"media[{index}]" if isinstance(media, list) else "media"
                resolve(item.get("media"), prefix)
                resolve(item.get("thumbnail"), f"{prefix}.thumbnail")
        for name, upload in parts.items():
            if name not in used and name not in files:
                files[name] = upload
                params.setdefault(name, f"attach://{name}")
        return files

    def _take_injection(self, call: ApiCall) -> _Injection | None:
        for injection in self._injections:
            if injection.method != call.method:
                continue
            if injection.chat_id is not None and injection.chat_id != call.chat_id:
                continue
            injection.count -= 1
            if injection.count <= 0:
                self._injections.remove(injection)
            return injection
        return None

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        if call.status != 200:
            self.counters[str(call.status)] += 1
        self._notify()

    def _reply_error(
        self, call: ApiCall, err: _ApiError, *, recorded: bool = False
    ) -> web.Response:
        call.status = err.status
        call.description = err.description
        call.result = None
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": err.status,
            "description": err.description,
        }
        if err.retry_after is not None:
            payload["parameters"] = {"retry_after": err.retry_after}
        if recorded:
            self.counters[str(call.status)] += 1
            self._notify()
        else:
            self._record(call)
        return web.json_response(payload, status=err.status)

    def _dispatch(self, call: ApiCall) -> Any:
        handler = self._handlers.get(call.method)
        if handler is None:  # the bot does not use it: make a new use show up in the tests
            raise _ApiError(404, f"Not Found: FakeTelegram does not implement {call.method}")
        if call.method in SENDING_METHODS:
            chat = self._target_chat(call.params.get("chat_id"))
            self._check_flood(chat)
            result = handler(call)
            self._note_sent(chat.id)
            return result
        return handler(call)

    # ---- getUpdates and webhook ----------------------------------------------------------

    async def _get_updates(self, request: web.Request, call: ApiCall) -> web.StreamResponse:
        if self.webhook_url:
            return self._reply_error(
                call,
                _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                ),
            )
        params = call.params
        offset = as_int(params.get("offset")) or 0
        limit = min(max(as_int(params.get("limit")) or 100, 1), 100)
        timeout = params.get("timeout")
        timeout_s = float(timeout) if isinstance(timeout, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) or None
        self._confirm(offset)
        self._poll_seq += 1
        self._polls_seen += 1
        seq = self._poll_seq
        self.calls.append(call)
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout_s, 0.0)
        result: list[dict[str, Any]] = []
        while not self._stopping and not self.webhook_url:
            if seq != self._poll_seq:
                return self._reply_error(
                    call, _ApiError(409, _DEFAULT_DESCRIPTIONS[409]), recorded=True
                )
            batch = self._deliverable(limit)
            if batch:
                transport = request.transport
                if transport is None or transport.is_closing():
                    break  # the client went away: leave the updates for the next poll
                result = batch
                self._delivered.update(u["update_id"] for u in batch)
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_changed(remaining)
        call.result = copy.deepcopy(result)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    def _confirm(self, offset: int) -> None:
        before = len(self._queue)
        if offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
            self._confirmed_upto = max(self._confirmed_upto, offset - 1)
        elif offset < 0:
            self._queue = self._queue[offset:]
        if len(self._queue) != before:
            self._notify()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates (dropping those excluded by allowed_updates), at most ``limit``."""
        kept: list[dict[str, Any]] = []
        for update in self._queue:
            kind = next((k for k in update if k != "update_id"), "")
            if self._allowed_updates is not None:
                ok = kind in self._allowed_updates
            else:
                ok = kind not in _DEFAULT_EXCLUDED_UPDATES
            if ok:
                kept.append(update)
            else:
                allowed = sorted(self._allowed_updates or ())
                self.dropped_updates[update["update_id"]] = (
                    f"{kind!r} is not in the bot's allowed_updates {allowed or '(default)'}"
                )
        if len(kept) != len(self._queue):
            self._queue = kept
            self._notify()
        return kept[:limit]

    async def _webhook_loop(self) -> None:
        delay = 0.05
        while not self._stopping:
            url = self.webhook_url
            batch = self._deliverable(1) if url else []
            if not url or not batch:
                await self._wait_changed(1.0)
                continue
            update = batch[0]
            error = await self._post_webhook(url, update)
            if error is None:
                delay = 0.05
                continue
            self._webhook_error = (self._now(), error)
            self._notify()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _post_webhook(self, url: str, update: dict[str, Any]) -> str | None:
        """POST one update; on 2xx confirm it (and run a method in the reply, if any)."""
        assert self._client is not None
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
            if (self.webhook_secret)
            else {}
        )
        update_id = int(update["update_id"])
        try:
            async with self._client.post(url, json=update, headers=headers) as resp:
                body = await resp.read()
                status = resp.status
        except (ClientError, TimeoutError) as exc:
            self.webhook_requests.append((update_id, 0))
            return f"Connection failed: {type(exc).__name__}"
        self.webhook_requests.append((update_id, status))
        if not 200 <= status < 300:
            return f"Wrong response from the webhook: {status}"
        self._queue = [u for u in self._queue if u["update_id"] != update_id]
        self._delivered.add(update_id)
        self._confirmed_upto = max(self._confirmed_upto, update_id)
        self._notify()
        with contextlib.suppress(ValueError):
            reply = json.loads(body) if body else None
            if isinstance(reply, dict) and isinstance(reply.get("method"), str):
                params = {k: v for k, v in reply.items() if k != "method"}
                call = ApiCall(
                    canonical_method(reply["method"]),
                    params,
                    at=self._time(),
                )
                try:
                    call.result = self._dispatch(call)
                except _ApiError as err:
                    call.status, call.description = err.status, err.description
                self._record(call)
        return None

    def _set_webhook(self, call: ApiCall) -> bool:
        p = call.params
        url = str(p.get("url") or "")
        if not url:
            return self._delete_webhook(call)
        if not url.startswith(("https://", "http://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise _bad("secret token contains unallowed characters")
        if p.get("drop_pending_updates") is True:
            self._drop_pending("dropped by setWebhook(drop_pending_updates=True)")
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) or None
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None else None
        self._webhook_error = None
        self._poll_seq += 1  # a pending getUpdates ends
        self._notify()
        return True

    def _delete_webhook(self, call: ApiCall) -> bool:
        if call.params.get("drop_pending_updates") is True:
            self._drop_pending("dropped by drop_pending_updates=True")
        self.webhook_url = None
        self.webhook_secret = None
        self._notify()
        return True

    def _drop_pending(self, reason: str) -> None:
        for update in self._queue:
            self.dropped_updates[update["update_id"]] = reason
        self._queue = []
        self._notify()

    # ---- chats, flood control ------------------------------------------------------------

    def _target_chat(self, raw: Any, *, for_send: bool = True) -> ChatState:
        """The chat addressed by ``raw`` or a Telegram error (400 not found, 403 blocked)."""
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = as_int(raw)
        if chat_id is None and isinstance(raw, str) and raw.startswith("@"):
            chat_id = next((u.id for u in self._users.values() if u.username == raw[1:]), None)
        if chat_id is None or chat_id in self._missing:
            raise _bad("chat not found")
        if for_send and chat_id in self._blocked:
            chat = self._chats.get(chat_id)
            if chat is None or chat.type == "private":
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_flood(self, chat: ChatState) -> None:
        p429, p403 = self.random_errors
        if p429 > 0 or p403 > 0:
            roll = self._rng.random()
            if roll < p429:
                retry = self.retry_after or 1
                raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)
            if roll < p429 + p403:
                self._blocked.add(chat.id)
                self._target_chat(chat.id)  # raises the 403
        now = self._time()
        wait = _window_wait(self._sent_times, self.rate_limit, now)
        per_chat = self._chat_sent_times.setdefault(chat.id, deque())
        wait = max(wait, _window_wait(per_chat, self.per_chat_rate, now))
        if wait > 0:
            retry = self.retry_after or max(1, math.ceil(wait))
            raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def _note_sent(self, chat_id: int) -> None:
        now = self._time()
        self._sent_times.append(now)
        self._chat_sent_times.setdefault(chat_id, deque()).append(now)

    # ---- message helpers -----------------------------------------------------------------

    def _message_text(self, p: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """The text of sendMessage or editMessageText, parsed; refused when empty or too long."""
        plain, entities = self._parse(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not plain.strip():
            raise _bad("message text is empty")
        if utf16_len(plain) > 4096:
            raise _bad("message is too long")
        return plain, entities

    def _parse(self, raw: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        text = "" if raw is None else str(raw)
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                return parse_html(text, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        return text, entities if isinstance(entities, list) else []

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        """Validate reply_markup like Telegram; returns it (None when absent)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
            if sum(len(r) for r in rows) > 100:
                raise _bad("reply markup is too long")
            for row in rows:
                for button in row:
                    _check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
        elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

    def _reply_target(self, chat: ChatState, p: dict[str, Any]) -> dict[str, Any] | None:
        reply = p.get("reply_parameters")
        allow = p.get("allow_sending_without_reply") is True
        mid = as_int(p.get("reply_to_message_id"))
        if isinstance(reply, dict):
            mid = as_int(reply.get("message_id"))
            allow = allow or reply.get("allow_sending_without_reply") is True
        if mid is None:
            return None
        target = chat.messages.get(mid)
        if target is None and not allow:
            raise _bad("message to be replied not found")
        return target

    def _post(
        self,
        chat: ChatState,
        call: ApiCall,
        fields: dict[str, Any],
        bm_fields: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Store a new bot message in ``chat``; returns its Telegram Message object."""
        p = call.params
        mid = chat.alloc_id()
        message: dict[str, Any] = {
            "message_id": mid,
            "date": self._now(),
            "chat": chat.info(),
            "from": self._bot_user(),
        }
        message.update({k: v for k, v in fields.items() if v not in (None, [])})
        reply_to = self._reply_target(chat, p)
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[mid] = message
        chat.bot_messages[mid] = BotMessage(
            message_id=mid,
            chat_id=chat.id,
            reply_markup=markup,
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
            params=p,
            message=message,
            **bm_fields,
        )
        return message

    # ---- method handlers -----------------------------------------------------------------

    def _get_me(self, call: ApiCall) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, call: ApiCall) -> dict[str, Any]:
        p = call.params
        chat = self._target_chat(p.get("chat_id"))
        plain, entities = self._message_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        return self._post(
            chat,
            call,
            {"text": plain, "entities": entities},
            {
                "kind": "text",
                "text": p.get("text"),
                "parse_mode": p.get("parse_mode"),
                "entities": entities,
            },
            markup,
        )

    def _caption(self, p: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        caption, entities = self._parse(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        if utf16_len(caption) > 1024:
            raise _bad("message caption is too long")
        return caption, entities

    def _input_file(self, call: ApiCall, key: str, value: Any, kind: str) -> StoredFile:
        """The file for parameter ``key``: an upload, a known file_id or a URL."""
        upload = call.files.get(key)
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            return self._store_file(upload, kind)
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                name = PurePosixPath(value.split("?", 1)[0]).name or "file"
                return self._store_file(UploadedFile(name, b""), kind, url=value)
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {kind} in the request")

    def _send_media(self, call: ApiCall, kind: str) -> dict[str, Any]:
        p = call.params
        chat = self._target_chat(p.get("chat_id"))
        stored = self._input_file(call, kind, p.get(kind), kind)
        fields: dict[str, Any] = {kind: self._media_object(kind, stored)}
        caption, entities = self._caption(p)
        fields.update(caption=caption or None, caption_entities=entities)
        bm: dict[str, Any] = {
            "kind": kind,
            "file": stored.source,
            "file_id": stored.file_id,
            kind: stored.source,
            "caption": p.get("caption"),
            "parse_mode": p.get("parse_mode"),
            "entities": entities,
        }
        markup = self._check_markup(p.get("reply_markup"))
        return self._post(chat, call, fields, bm, markup)

    def _copy_message(self, call: ApiCall) -> dict[str, Any]:
        p = call.params
        chat = self._target_chat(p.get("chat_id"))
        source = self._target_chat(p.get("from_chat_id"), for_send=False)
        mid = as_int(p.get("message_id")) or 0
        original = source.messages.get(mid)
        if original is None:
            raise _bad("message to copy not found")
        skip = {"message_id", "date", "chat", "from", "edit_date", "reply_markup"}
        skip |= {"reply_to_message", "forward_origin"}
        fields = {k: copy.deepcopy(v) for k, v in original.items() if k not in skip}
        if "caption" in p and "text" not in original:
            caption, entities = self._caption(p)
            fields["caption"], fields["caption_entities"] = caption or None, entities
        markup = self._check_markup(p.get("reply_markup"))
        media = self._media_of(original)
        source_file = media[1].source if media and media[1] else None
        bm: dict[str, Any] = {
            "kind": "copy",
            "text": fields.get("text"),
            "caption": fields.get("caption"),
            "entities": fields.get("entities") or fields.get("caption_entities") or [],
            "file": source_file,
            "file_id": media[1].file_id if media and media[1] else None,
            "document": source_file if media and media[0] == "document" else None,
            "photo": source_file if media and media[0] == "photo" else None,
            "copied_from": (source.id, mid),
        }
        message = self._post(chat, call, fields, bm, markup)
        return {"message_id": message["message_id"]}

    def _edit_target(self, call: ApiCall) -> tuple[ChatState, BotMessage] | None:
        p = call.params
        if p.get("inline_message_id"):
            return None
        chat = self._target_chat(p.get("chat_id"))
        mid = as_int(p.get("message_id"))
        if mid is None or mid not in chat.messages:
            raise _bad("message to edit not found")
        bm = chat.bot_messages.get(mid)
        if bm is None:
            raise _bad("message can't be edited")
        return chat, bm

    def _apply_edit(
        self, bm: BotMessage, call: ApiCall, markup: dict[str, Any] | None, fields: dict[str, Any]
    ) -> dict[str, Any]:
        message = bm.message
        for key, value in fields.items():
            if value in (None, []):
                message.pop(key, None)
            else:
                message[key] = value
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if inline is not None:
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        # An edit sets (or, when absent, removes) the inline keyboard; a reply keyboard the
        # message was sent with stays as it is.
        if inline is not None or (bm.reply_markup and "inline_keyboard" in bm.reply_markup):
            bm.reply_markup = inline
        message["edit_date"] = self._now()
        bm.edited = True
        bm.params = call.params
        return message

    def _current_inline(self, bm: BotMessage) -> dict[str, Any] | None:
        markup = bm.message.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def _edit_text(self, call: ApiCall) -> Any:
        target = self._edit_target(call)
        p = call.params
        plain, entities = self._message_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        if target is None:
            return True
        _, bm = target
        if "text" not in bm.message:
            raise _bad("there is no text in the message to edit")
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        current = bm.message
        if (
            plain == current.get("text")
            and entities == current.get("entities", [])
            and inline == self._current_inline(bm)
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        bm.text, bm.parse_mode, bm.entities = p.get("text"), p.get("parse_mode"), entities
        return self._apply_edit(bm, call, markup, {"text": plain, "entities": entities})

    def _edit_markup(self, call: ApiCall) -> Any:
        target = self._edit_target(call)
        markup = self._check_markup(call.params.get("reply_markup"))
        if target is None:
            return True
        _, bm = target
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if inline == self._current_inline(bm):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(bm, call, markup, {})

    def _answer_callback(self, call: ApiCall) -> bool:
        p = call.params
        query_id = str(p.get("callback_query_id", ""))
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = p.get("text")
        text = "" if text is None else str(text)
        if len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        url = p.get("url")
        self.callback_answers.append(
            CallbackAnswer(
                query_id=query_id,
                user_id=query.user_id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                data=query.data,
                text=text,
                show_alert=p.get("show_alert") is True,
                url=url if isinstance(url, str) else None,
            )
        )
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _set_commands(self, call: ApiCall) -> bool:
        p = call.params
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(p.get("scope"), p.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _delete_commands(self, call: ApiCall) -> bool:
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _get_file(self, call: ApiCall) -> dict[str, Any]:
        stored = self._files.get(str(call.params.get("file_id", "")))
        if stored is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        if len(stored.file.content) > _MAX_DOWNLOAD:
            raise _bad("file is too big")
        path = stored.file_path
        if self.local_files is not None:
            local = self.local_files / path
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(stored.file.content)
            path = str(local.resolve())
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.file.content),
            "file_path": path,
        }


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not (_INLINE_ACTIONS & button.keys()):
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
            raise _bad("BUTTON_URL_INVALID")


def _window_wait(times: deque[float], rate: float | None, now: float) -> float:
    """Seconds until another send fits the sliding window (0 when it fits now)."""
    if rate is None or rate <= 0:
        return 0.0
    allowed = max(1, math.floor(rate))
    window = allowed / rate
    while times and times[0] <= now - window:
        times.popleft()
    if len(times) < allowed:
        return 0.0
    return max(times[0] + window - now, 1e-3)


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "reply_to_message"}
