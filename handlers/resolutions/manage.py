"""Staff on a resolution's card: its comments, its earlier versions, withdrawing it
(correcting it is the publishing dialog, see publish.py). One handler takes the buttons
and runs the action `ACTIONS` names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale
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

Action = Callable[[Message, Viewer, ResolutionService, int], Awaitable[None]]


async def comments(
    message: Message, viewer: Viewer, resolutions: ResolutionService, resolution_id: int
) -> None:
    t = viewer.texts
    resolution = current(await resolutions.get(resolution_id))
    found = await resolutions.comments_of(resolution.id)
    await answer_long(message, comments_text(t, resolution, found), comments_keyboard(t, found))


async def versions(
    message: Message, viewer: Viewer, resolutions: ResolutionService, resolution_id: int
) -> None:
    resolution = current(await resolutions.get(resolution_id))
    earlier = await resolutions.versions(resolution.id)
    await answer_long(message, versions_text(viewer.texts, resolution, earlier))


async def ask_withdraw(
    message: Message, viewer: Viewer, resolutions: ResolutionService, resolution_id: int
) -> None:
    t = viewer.texts
    resolution = current(await resolutions.get(resolution_id))
    text = t(
        "resolutions.withdraw_confirm",
        status=resolution.status.value,
        title=resolution.title,
        date=resolution.assembly_date,
        n=await resolutions.received(resolution.id),
    )
    await show(message, text, withdraw_keyboard(t, resolution.id))


async def withdraw(
    message: Message, viewer: Viewer, resolutions: ResolutionService, resolution_id: int
) -> None:
    done = await resolutions.withdraw(viewer, resolution_id)
    if done is None:
        raise Stale("resolutions.alert.withdrawn")
    text = viewer.texts("resolutions.withdraw_done", title=done.resolution.title, n=done.notified)
    await show(message, text, None)


ACTIONS: dict[str, Action] = {
    "comments": comments,
    "versions": versions,
    "withdraw": ask_withdraw,
    "withdraw_ok": withdraw,
}


@router.callback_query(ResolutionCb.filter(F.action.in_(set(ACTIONS))))
async def card_button(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    message: Message,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    action = ACTIONS[callback_data.action]
    await action(message, viewer, resolutions, callback_data.resolution_id)
