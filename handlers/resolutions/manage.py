"""Staff on a resolution's card: its comments, its earlier versions, withdrawing it
(correcting it is the publishing dialog, see publish.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.buttons import Stale, message_of
from bot.callbacks import ResolutionCb
from bot.filters import IsStaff
from bot.resolutions.messages import (
    comments_keyboard,
    comments_text,
    versions_text,
    withdraw_keyboard,
)
from bot.resolutions.service import ResolutionService
from bot.viewer import Viewer
from handlers.common import answer_long, show
from handlers.resolutions.archive import current

router = Router(name=__name__)
router.callback_query.filter(IsStaff())


@router.callback_query(ResolutionCb.filter(F.action == "comments"))
async def comments(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    message = message_of(query)
    resolution = current(await resolutions.get(callback_data.resolution_id))
    found = await resolutions.comments_of(resolution.id)
    await answer_long(message, comments_text(t, resolution, found), comments_keyboard(t, found))


@router.callback_query(ResolutionCb.filter(F.action == "versions"))
async def versions(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    message = message_of(query)
    resolution = current(await resolutions.get(callback_data.resolution_id))
    earlier = await resolutions.versions(resolution.id)
    await answer_long(message, versions_text(viewer.texts, resolution, earlier))


@router.callback_query(ResolutionCb.filter(F.action == "withdraw"))
async def ask_withdraw(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    message = message_of(query)
    resolution = current(await resolutions.get(callback_data.resolution_id))
    text = t(
        "resolutions.withdraw_confirm",
        status=resolution.status.value,
        title=resolution.title,
        date=resolution.assembly_date,
        n=await resolutions.received(resolution.id),
    )
    await show(message, text, withdraw_keyboard(t, resolution.id))


@router.callback_query(ResolutionCb.filter(F.action == "withdraw_ok"))
async def withdraw(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    message = message_of(query)
    done = await resolutions.withdraw(viewer, callback_data.resolution_id)
    if done is None:
        raise Stale("resolutions.alert.withdrawn")
    text = t("resolutions.withdraw_done", title=done.resolution.title, n=done.notified)
    await show(message, text, None)
