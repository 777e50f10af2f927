"""Staff on an event's card: the attendee list (and its CSV), cancelling the event."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery

from bot.buttons import Stale, found, message_of
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


@router.callback_query(EventCb.filter(F.action == "people"))
async def people(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    message = message_of(query)
    event = found(await events.get(callback_data.event_id))
    attendees = await events.attendees(event.id)
    await answer_long(message, attendees_text(t, event, attendees))  # long names may not fit
    if attendees:
        await message.answer_document(
            BufferedInputFile(attendees_csv(t, attendees), filename=f"event-{event.id}.csv"),
            caption=t("events.people_file", title=event.title),
        )


@router.callback_query(EventCb.filter(F.action == "cancel"))
async def ask_cancel(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    message = message_of(query)
    card = found(await events.card(callback_data.event_id, viewer.id))
    event = still_open(card.event, events)
    await message.answer(
        t("events.cancel_confirm", title=event.title, starts_at=event.starts_at, n=card.going),
        reply_markup=event_cancel_keyboard(t, event.id, callback_data.page, card.going),
    )


@router.callback_query(EventCb.filter(F.action == "drop"))
async def cancel_event(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    message = message_of(query)
    done = await events.cancel(viewer, callback_data.event_id)
    if done is None:
        raise Stale("events.alert.cancelled")
    await show(message, t("events.cancel_done", title=done.event.title, n=done.notified), None)


@router.callback_query(EventCb.filter(F.action == "keep"))
async def keep_event(query: CallbackQuery, viewer: Viewer) -> None:
    await show(message_of(query), viewer.texts("events.cancel_kept"), None)
