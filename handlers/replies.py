"""One way to ask someone for a message and pass it on: a comment on a draft, a message to
the office (text, a photo or a document), a staff answer to either. A feature registers a
`ReplyKind` (its limit, its texts, what to do with the message) and calls `ask_reply` from
its button; this router takes the message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.filters import NotCommand, PrivateChat
from bot.inputs import without_controls
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat())


@dataclass(frozen=True, slots=True)
class Reply:
    """What the person sent: its text (or caption), its id in their chat and its kind."""

    text: str
    message_id: int
    kind: str  # text, photo, document, other


Deliver = Callable[[dict[str, Any], Viewer, int, Reply], Awaitable[str]]


class ReplyDialog(StatesGroup):
    text = State()


@dataclass(frozen=True, slots=True)
class ReplyKind:
    name: str
    limit: int  # characters
    too_long: str  # text keys: the text is too long (gets `limit`), it is not text
    not_text: str
    deliver: Deliver  # (handler data, author, target id, reply) -> the text key to answer
    staff_only: bool = False
    media: bool = False  # a photo or a document is taken too (the caption is its text)


KINDS: dict[str, ReplyKind] = {}


def register(kind: ReplyKind) -> ReplyKind:
    KINDS[kind.name] = kind
    return kind


async def ask_reply(state: FSMContext, kind: ReplyKind, target: int) -> None:
    """From now on the person's next text goes to `kind` (about `target`)."""
    await state.set_state(ReplyDialog.text)
    await state.set_data({"kind": kind.name, "target": target})


async def _kind(state: FSMContext, viewer: Viewer) -> tuple[ReplyKind, int] | None:
    data = await state.get_data()
    kind = KINDS.get(str(data.get("kind")))
    if kind is None or (kind.staff_only and not viewer.is_staff):
        await state.clear()
        return None
    return kind, int(data.get("target", 0))


def kind_of(message: Message) -> str:
    if message.photo:
        return "photo"
    if message.document:
        return "document"
    return "text" if message.text is not None else "other"


async def _take(message: Message, state: FSMContext, viewer: Viewer, data: dict[str, Any]) -> None:
    t = viewer.texts
    found = await _kind(state, viewer)
    if found is None:
        await message.answer(t("errors.stale_button"))
        return
    kind, target = found
    sent = kind_of(message)
    if sent != "text" and not (kind.media and sent in ("photo", "document")):
        await message.answer(t(kind.not_text))
        return
    text = without_controls(message.text or message.caption or "").strip()
    if sent == "text" and not text:  # blank: nothing to pass on
        await message.answer(t(kind.not_text))
        return
    if len(text) > kind.limit:
        await message.answer(t(kind.too_long, limit=kind.limit, n=len(text)))
        return
    await state.clear()
    reply = Reply(text=text, message_id=message.message_id, kind=sent)
    await message.answer(t(await kind.deliver(data, viewer, target, reply)))


@router.message(StateFilter(ReplyDialog.text), NotCommand())
async def got_message(message: Message, state: FSMContext, viewer: Viewer, **data: Any) -> None:
    """Text, or what the kind of reply takes besides (a photo, a document), or a refusal."""
    await _take(message, state, viewer, data)
