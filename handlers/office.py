"""The line to the executive office: "Write to the office" in the menu, the offer to pass
on a message sent outside any dialog, staff answers and /inbox. The message and the
answer are taken by the one reply dialog (handlers.replies), as comments on drafts are."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.buttons import found
from bot.callbacks import OfficeCb
from bot.filters import IsRegistered, IsStaff, MenuButton, PrivateChat
from bot.office.messages import inbox_screen
from bot.office.service import ANSWER_MAX, PREVIEW, Incoming, OfficeService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import show
from handlers.replies import Reply, ReplyKind, ask_reply, kind_of, register

router = Router(name=__name__)
router.message.filter(PrivateChat())

MESSAGE_MAX = 3500  # a message typed to the office (a photo's caption is shorter anyway)


async def _send(data: dict[str, Any], sender: Viewer, _target: int, reply: Reply) -> str:
    office: OfficeService = data["office"]
    await office.send(sender, Incoming(reply.message_id, reply.kind, reply.text))
    return "office.sent"


async def _answer(data: dict[str, Any], staff: Viewer, office_id: int, reply: Reply) -> str:
    office: OfficeService = data["office"]
    delivered = await office.answer(staff, office_id, reply.text)
    return "office.answer_sent" if delivered else "office.answer_failed"


MESSAGE = register(
    ReplyKind("office", MESSAGE_MAX, "office.error.long", "office.error.kind", _send, media=True)
)
ANSWER = register(
    ReplyKind(
        "office_answer",
        ANSWER_MAX,
        "office.error.long",
        "office.error.answer_text",
        _answer,
        staff_only=True,
    )
)


@router.message(MenuButton("office"), IsRegistered())
async def write(message: Message, state: FSMContext, t: Texts) -> None:
    await ask_reply(state, MESSAGE, 0)
    await message.answer(t("office.ask"))


@router.callback_query(OfficeCb.filter(F.a == "pass"), IsRegistered())
async def pass_on(
    query: CallbackQuery,
    callback_data: OfficeCb,
    message: Message,
    t: Texts,
    viewer: Viewer,
    office: OfficeService,
) -> None:
    """A message sent outside any dialog, passed on after the person agreed."""
    original = message.reply_to_message
    if original is None or original.message_id != callback_data.id:
        incoming = Incoming(callback_data.id, "other", "")
    else:
        text = original.text or original.caption or ""
        incoming = Incoming(original.message_id, kind_of(original), text[:PREVIEW])
    await office.send(viewer, incoming)
    await show(message, t("office.sent"), None)


@router.callback_query(OfficeCb.filter(F.a == "keep"))
async def keep(query: CallbackQuery, message: Message, t: Texts) -> None:
    await show(message, t("office.kept"), None)


@router.callback_query(OfficeCb.filter(F.a == "answer"), IsStaff())
async def ask_answer(
    query: CallbackQuery,
    callback_data: OfficeCb,
    message: Message,
    state: FSMContext,
    t: Texts,
    office: OfficeService,
) -> None:
    incoming = found(await office.get(callback_data.id))
    await ask_reply(state, ANSWER, incoming.id)
    name = incoming.name or str(incoming.person_id)
    await message.answer(
        t(
            "office.ask_answer",
            name=name,
            preview=incoming.preview,
            kind=incoming.kind,
            answered_by=incoming.answered_by_name if incoming.answered_at else None,
        )
    )


@router.message(Command("inbox"), IsStaff())
async def inbox(message: Message, t: Texts, office: OfficeService) -> None:
    messages, total = await office.inbox()
    text, markup = inbox_screen(t, messages, total)
    await message.answer(text, reply_markup=markup)
