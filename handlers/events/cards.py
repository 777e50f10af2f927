"""Events for everyone: /events, an event's card, "I will attend", the calendar file."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.buttons import Stale, found
from bot.callbacks import EventCb, EventListCb
from bot.clock import Clock
from bot.events.formats import calendar_file
from bot.events.messages import card_screen, list_screen
from bot.events.service import EventService
from bot.filters import MenuButton, PrivateChat
from bot.settings import Settings
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import show
from storage.events import Event

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.message(Command("events"))
@router.message(MenuButton("events"))
async def list_events(message: Message, t: Texts, events: EventService) -> None:
    text, markup = list_screen(t, await events.upcoming(0))
    await message.answer(text, reply_markup=markup)


@router.callback_query(EventListCb.filter())
async def list_page(
    query: CallbackQuery,
    callback_data: EventListCb,
    message: Message,
    t: Texts,
    events: EventService,
) -> None:
    await show(message, *list_screen(t, await events.upcoming(callback_data.page)))


def still_open(event: Event, events: EventService) -> Event:
    """The event, unless it was cancelled or is over (then its buttons are stale)."""
    closed = events.closed(event)
    if closed is not None:
        raise Stale(f"events.alert.{closed}")
    return event


async def send_card(message: Message, viewer: Viewer, events: EventService, event_id: int) -> None:
    """The card of one event, as a new message (a link from the channel opens it)."""
    card = found(await events.card(event_id, viewer.id))
    still_open(card.event, events)
    text, markup = card_screen(viewer.texts, card, staff=viewer.is_staff, page=-1)
    await message.answer(text, reply_markup=markup)


def _staff_view(query: CallbackQuery, viewer: Viewer | None) -> bool:
    """Staff buttons only in a private chat (never on a message in the channel)."""
    return (
        viewer is not None
        and viewer.is_staff
        and isinstance(query.message, Message)
        and query.message.chat.type == ChatType.PRIVATE
    )


@router.callback_query(EventCb.filter(F.action == "open"))
async def open_card(
    query: CallbackQuery,
    callback_data: EventCb,
    message: Message,
    t: Texts,
    events: EventService,
    viewer: Viewer | None = None,
) -> None:
    card = found(await events.card(callback_data.event_id, query.from_user.id))
    staff = _staff_view(query, viewer)
    await show(message, *card_screen(t, card, staff=staff, page=callback_data.page))


@router.callback_query(EventCb.filter(F.action.in_({"go", "nogo", "clear"})))
async def answer(
    query: CallbackQuery,
    callback_data: EventCb,
    t: Texts,
    events: EventService,
    callback_answer: CallbackAnswer,
    viewer: Viewer | None = None,
) -> None:
    """ "I will attend" / "I will not"; pressing the one already chosen takes it back."""
    if viewer is None or not viewer.is_registered:
        raise Stale("events.alert.start_first")
    chosen = {"go": True, "nogo": False, "clear": None}[callback_data.action]
    card = found(await events.answer(callback_data.event_id, viewer.id, chosen))
    still_open(card.event, events)  # when it is not, nothing was changed
    said = "going" if card.mine is True else "not_going" if card.mine is False else "withdrawn"
    callback_answer.text = t.plain(f"events.alert.{said}")
    if isinstance(query.message, Message):
        staff = _staff_view(query, viewer)
        await show(query.message, *card_screen(t, card, staff=staff, page=callback_data.page))


@router.callback_query(EventCb.filter(F.action == "ics"))
async def calendar(
    query: CallbackQuery,
    callback_data: EventCb,
    t: Texts,
    events: EventService,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    event = still_open(found(await events.get(callback_data.event_id)), events)
    content = calendar_file(event, settings.tz, now=clock.now())
    await bot.send_document(
        query.from_user.id,
        BufferedInputFile(content, filename=f"event-{event.id}.ics"),
        caption=t("events.ics_caption", title=event.title),
    )
