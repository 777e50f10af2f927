"""Staff on an event's card: the attendee list (and its CSV), cancelling the event. One
handler takes the buttons and runs the action `ACTIONS` names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.buttons import Stale, found
from bot.callbacks import EventCb
from bot.events.formats import attendees_csv
from bot.events.messages import attendees_text, event_cancel_keyboard
from bot.events.service import EventService
from bot.filters import IsStaff, PrivateChat
from bot.viewer import Viewer
from handlers.common import answer_long, show
from handlers.events.cards import still_open

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())

Action = Callable[[Message, Viewer, EventService, EventCb], Awaitable[None]]


async def people(message: Message, viewer: Viewer, events: EventService, cb: EventCb) -> None:
    t = viewer.texts
    event = found(await events.get(cb.event_id))
    attendees = await events.attendees(event.id)
    await answer_long(message, attendees_text(t, event, attendees))  # long names may not fit
    if attendees:
        await message.answer_document(
            BufferedInputFile(attendees_csv(t, attendees), filename=f"event-{event.id}.csv"),
            caption=t("events.people_file", title=event.title),
        )


async def ask_cancel(message: Message, viewer: Viewer, events: EventService, cb: EventCb) -> None:
    t = viewer.texts
    card = found(await events.card(cb.event_id, viewer.id))
    event = still_open(card.event, events)
    await message.answer(
        t("events.cancel_confirm", title=event.title, starts_at=event.starts_at, n=card.going),
        reply_markup=event_cancel_keyboard(t, event.id, cb.page, card.going),
    )


async def cancel(message: Message, viewer: Viewer, events: EventService, cb: EventCb) -> None:
    done = await events.cancel(viewer, cb.event_id)
    if done is None:
        raise Stale("events.alert.cancelled")
    text = viewer.texts("events.cancel_done", title=done.event.title, n=done.notified)
    await show(message, text, None)


async def keep(message: Message, viewer: Viewer, events: EventService, cb: EventCb) -> None:
    await show(message, viewer.texts("events.cancel_kept"), None)


ACTIONS: dict[str, Action] = {
    "people": people,
    "cancel": ask_cancel,
    "drop": cancel,
    "keep": keep,
}


@router.callback_query(EventCb.filter(F.action.in_(set(ACTIONS))))
async def card_button(
    query: CallbackQuery,
    callback_data: EventCb,
    message: Message,
    viewer: Viewer,
    events: EventService,
) -> None:
    await ACTIONS[callback_data.action](message, viewer, events, callback_data)
