"""Comments on a draft resolution (everyone it was sent to) and staff answers to them:
both are the same text-reply dialog (handlers.replies) with their own delivery."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale, found
from bot.callbacks import CommentCb, ResolutionCb
from bot.filters import IsStaff
from bot.resolutions.service import COMMENT_MAX, ResolutionService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.replies import Reply, ReplyKind, ask_reply, register

router = Router(name=__name__)


async def _comment(data: dict[str, Any], author: Viewer, resolution_id: int, reply: Reply) -> str:
    resolutions: ResolutionService = data["resolutions"]
    comment = await resolutions.comment(author, resolution_id, reply.text)
    return "resolutions.comment_sent" if comment else "resolutions.comment_closed"


async def _answer(data: dict[str, Any], staff: Viewer, comment_id: int, reply: Reply) -> str:
    resolutions: ResolutionService = data["resolutions"]
    delivered = await resolutions.answer(staff, comment_id, reply.text)
    return "resolutions.answer_sent" if delivered else "resolutions.answer_failed"


COMMENT = register(
    ReplyKind(
        "comment",
        COMMENT_MAX,
        "resolutions.error.comment_long",
        "resolutions.error.comment_text",
        _comment,
    )
)
ANSWER = register(
    ReplyKind(
        "comment_answer",
        COMMENT_MAX,
        "resolutions.error.comment_long",
        "resolutions.error.comment_text",
        _answer,
        staff_only=True,
    )
)


@router.callback_query(ResolutionCb.filter(F.action == "comment"))
async def ask_comment(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    state: FSMContext,
    t: Texts,
    resolutions: ResolutionService,
    bot: Bot,
    viewer: Viewer | None = None,
) -> None:
    resolution = found(await resolutions.get(callback_data.resolution_id))
    if resolution.is_withdrawn:
        raise Stale("resolutions.alert.withdrawn")
    if not resolution.is_draft or resolution.adopted_id is not None:
        raise Stale("resolutions.alert.closed")
    if viewer is None or not viewer.is_registered:
        raise Stale("events.alert.start_first")
    await ask_reply(state, COMMENT, resolution.id)
    await bot.send_message(viewer.id, t("resolutions.ask_comment", title=resolution.title))


@router.callback_query(CommentCb.filter(), IsStaff())
async def ask_answer(
    query: CallbackQuery,
    callback_data: CommentCb,
    message: Message,
    state: FSMContext,
    t: Texts,
    resolutions: ResolutionService,
) -> None:
    comment = found(await resolutions.get_comment(callback_data.comment_id))
    await ask_reply(state, ANSWER, comment.id)
    await message.answer(
        t("resolutions.ask_answer", title=comment.resolution_title, comment=comment.text)
    )
