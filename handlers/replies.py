"""One way to ask someone for a piece of text and pass it on: a comment on a draft, a
staff answer to it. A feature registers a `ReplyKind` (its limit, its texts, what to do
with the text) and calls `ask_reply` from its button; this router takes the text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.filters import NotCommand, PrivateChat, TypedText
from bot.inputs import without_controls
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat())

Deliver = Callable[[dict[str, Any], Viewer, int, str], Awaitable[str]]


class ReplyDialog(StatesGroup):
    text = State()


@dataclass(frozen=True, slots=True)
class ReplyKind:
    name: str
    limit: int  # characters
    too_long: str  # text keys: the text is too long (gets `limit`), it is not text
    not_text: str
    deliver: Deliver  # (handler data, author, target id, text) -> the text key to answer
    staff_only: bool = False


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


@router.message(StateFilter(ReplyDialog.text), TypedText())
async def got_text(message: Message, state: FSMContext, viewer: Viewer, **data: Any) -> None:
    t = viewer.texts
    found = await _kind(state, viewer)
    if found is None:
        await message.answer(t("errors.stale_button"))
        return
    kind, target = found
    text = without_controls(message.text or "").strip()
    if len(text) > kind.limit:
        await message.answer(t(kind.too_long, limit=kind.limit))
        return
    await state.clear()
    await message.answer(t(await kind.deliver(data, viewer, target, text)))


@router.message(StateFilter(ReplyDialog.text), NotCommand())
async def not_text(message: Message, state: FSMContext, viewer: Viewer) -> None:
    found = await _kind(state, viewer)
    await message.answer(viewer.texts(found[0].not_text if found else "errors.stale_button"))
