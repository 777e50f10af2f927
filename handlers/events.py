"""Events: /events with cards and RSVP for everyone; /event_new, edit and cancel for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from markupsafe import Markup

from bot.callbacks import CityPickCb, EventCb, EventDialogCb, EventListCb
from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.filters import IsStaff, MenuButton, NotCommand, PrivateChat, TypedText
from bot.keyboards import (
    cities_keyboard,
    event_cancel_keyboard,
    event_card_keyboard,
    event_fields_keyboard,
    event_formats_keyboard,
    event_kinds_keyboard,
    event_preview_keyboard,
    event_skip_keyboard,
    events_list_keyboard,
)
from bot.services.cities import CityService
from bot.services.events import (
    CITY_MAX,
    DESCRIPTION_MAX,
    KIND_TOPIC,
    LINK_MAX,
    LINK_RE,
    PAGE_SIZE,
    PLACE_MAX,
    TITLE_MAX,
    EndBeforeStart,
    EventService,
    attendees_csv,
    calendar_file,
    card_text,
    changes,
    parse_end,
)
from bot.services.people import Viewer
from bot.settings import Settings
from bot.split import split_lines
from bot.texts import Texts
from handlers.common import drop_buttons, show
from storage.events import (
    EditConflict,
    Event,
    EventDraft,
    EventFormat,
    EventKind,
    EventStatus,
    Rsvp,
)

router = Router(name=__name__)
router.message.filter(PrivateChat())
staff = Router(name=f"{__name__}.staff")
staff.message.filter(PrivateChat(), IsStaff())
staff.callback_query.filter(IsStaff())
router.include_router(staff)

PEOPLE_SHOWN = 50  # names in the attendee message; everyone is in the CSV


# --- the list and the cards (everyone) -------------------------------------------------------


async def _list(
    t: Texts, events: EventService, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    cards, page, pages = await events.upcoming(page)
    first = page * PAGE_SIZE + 1
    items = [
        {
            "number": number,
            "starts_at": card.event.starts_at,
            "title": card.event.title,
            "city": card.event.city(t.locale),
            "kind": t.plain(f"events.kind.{card.event.kind.value}"),
            "going": card.going,
        }
        for number, card in enumerate(cards, first)
    ]
    text = t("events.list", items=items, page=page + 1, pages=pages)
    return text, events_list_keyboard(t, cards, page, pages, first)


@router.message(Command("events"))
@router.message(MenuButton("events"))
async def list_events(message: Message, viewer: Viewer, events: EventService) -> None:
    text, markup = await _list(viewer.texts, events, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(EventListCb.filter())
async def list_page(
    query: CallbackQuery, callback_data: EventListCb, texts: Texts, events: EventService
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = await _list(texts, events, callback_data.page)
        await show(query.message, text, markup)


def _card(t: Texts, card: Rsvp, *, staff_view: bool, page: int) -> tuple[str, InlineKeyboardMarkup]:
    return (
        card_text(t, card.event, going=card.going),
        event_card_keyboard(t, card, staff=staff_view, page=page),
    )


async def send_card(message: Message, viewer: Viewer, events: EventService, event_id: int) -> None:
    """The card of one event, as a new message (a link from the channel opens it)."""
    t = viewer.texts
    card = await events.card(event_id, viewer.id)
    problem = _unavailable(card.event if card else None, events)
    if card is None or problem:
        await message.answer(t(problem or "errors.stale_button"))
        return
    text, markup = _card(t, card, staff_view=viewer.is_staff, page=-1)
    await message.answer(text, reply_markup=markup)


def _staff_view(query: CallbackQuery, viewer: Viewer | None) -> bool:
    """Staff buttons only in a private chat (never on a message in the channel)."""
    message = query.message
    return (
        viewer is not None
        and viewer.is_staff
        and isinstance(message, Message)
        and message.chat.type == ChatType.PRIVATE
    )


@router.callback_query(EventCb.filter(F.action == "open"))
async def open_card(
    query: CallbackQuery,
    callback_data: EventCb,
    texts: Texts,
    events: EventService,
    viewer: Viewer | None = None,
) -> None:
    card = await events.card(callback_data.event_id, query.from_user.id)
    if card is None or not isinstance(query.message, Message):
        await query.answer(texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    text, markup = _card(
        texts, card, staff_view=_staff_view(query, viewer), page=callback_data.page
    )
    await show(query.message, text, markup)


@router.callback_query(EventCb.filter(F.action.in_({"go", "nogo", "clear"})))
async def answer(
    query: CallbackQuery,
    callback_data: EventCb,
    texts: Texts,
    events: EventService,
    viewer: Viewer | None = None,
) -> None:
    """ "I will attend" / "I will not"; pressing the one already chosen takes it back."""
    t = texts
    if viewer is None or not viewer.is_registered:
        await query.answer(t.plain("events.alert.start_first"), show_alert=True)
        return
    chosen = {"go": True, "nogo": False, "clear": None}[callback_data.action]
    card = await events.answer(callback_data.event_id, viewer.id, chosen)
    problem = _unavailable(card.event if card else None, events)  # then nothing was changed
    if problem or card is None:
        await query.answer(t.plain(problem or "errors.stale_button"), show_alert=True)
        return
    said = "going" if card.mine is True else "not_going" if card.mine is False else "withdrawn"
    await query.answer(t.plain(f"events.alert.{said}"))
    if isinstance(query.message, Message):
        text, markup = _card(
            t, card, staff_view=_staff_view(query, viewer), page=callback_data.page
        )
        await show(query.message, text, markup)


def _unavailable(event: Event | None, events: EventService) -> str | None:
    """The alert for a button on an event that is gone, cancelled or over."""
    if event is None:
        return "errors.stale_button"
    if event.status is EventStatus.CANCELLED:
        return "events.alert.cancelled"
    if events.is_over(event):
        return "events.alert.over"
    return None


@router.callback_query(EventCb.filter(F.action == "ics"))
async def calendar(
    query: CallbackQuery,
    callback_data: EventCb,
    texts: Texts,
    events: EventService,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    event = await events.get(callback_data.event_id)
    problem = _unavailable(event, events)
    if problem or event is None:
        await query.answer(texts.plain(problem or "errors.stale_button"), show_alert=True)
        return
    await query.answer()
    content = calendar_file(event, settings.tz, now=clock.now())
    await bot.send_document(
        query.from_user.id,
        BufferedInputFile(content, filename=f"event-{event.id}.ics"),
        caption=texts("events.ics_caption", title=event.title),
    )


# --- staff: attendees, cancel ----------------------------------------------------------------


@staff.callback_query(EventCb.filter(F.action == "people"))
async def people(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    event = await events.get(callback_data.event_id)
    if event is None or not isinstance(query.message, Message):
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    attendees = await events.attendees(event.id)
    going = [a for a in attendees if a.going]
    text = t(
        "events.people",
        title=event.title,
        going=going[:PEOPLE_SHOWN],
        more=max(0, len(going) - PEOPLE_SHOWN),
        total=len(going),
        not_going=len(attendees) - len(going),
    )
    for chunk in split_lines(text):  # fifty long names may not fit one message
        await query.message.answer(chunk)
    if attendees:
        await query.message.answer_document(
            BufferedInputFile(attendees_csv(t, attendees), filename=f"event-{event.id}.csv"),
            caption=t("events.people_file", title=event.title),
        )


@staff.callback_query(EventCb.filter(F.action == "cancel"))
async def ask_cancel(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    card = await events.card(callback_data.event_id, viewer.id)
    event = card.event if card else None
    problem = _unavailable(event, events)
    if problem or card is None or event is None or not isinstance(query.message, Message):
        await query.answer(t.plain(problem or "errors.stale_button"), show_alert=True)
        return
    await query.answer()
    notified = card.going
    await query.message.answer(
        t("events.cancel_confirm", title=event.title, starts_at=event.starts_at, n=notified),
        reply_markup=event_cancel_keyboard(t, event.id, callback_data.page, notified),
    )


@staff.callback_query(EventCb.filter(F.action == "drop"))
async def cancel_event(
    query: CallbackQuery, callback_data: EventCb, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    done = await events.cancel(viewer, callback_data.event_id)
    if done is None:
        await query.answer(t.plain("events.alert.cancelled"), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await show(
            query.message,
            t("events.cancel_done", title=done.event.title, n=done.notified),
            None,
        )


@staff.callback_query(EventCb.filter(F.action == "keep"))
async def keep_event(query: CallbackQuery, viewer: Viewer) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show(query.message, viewer.texts("events.cancel_kept"), None)


# --- staff: the dialog (new event, or an edit) -------------------------------------------------


class EventDialog(StatesGroup):
    kind = State()
    title = State()
    city = State()
    start = State()
    end = State()
    format = State()
    place = State()
    link = State()
    description = State()
    preview = State()


STEPS = ("kind", "title", "city", "start", "end", "format", "place", "link", "description")


def _applies(step: str, draft: dict[str, Any]) -> bool:
    form = draft.get("format")
    if step == "place":
        return form is not None and EventFormat(form).has_place
    if step == "link":
        return form is not None and EventFormat(form).has_link
    return True


@staff.message(Command("event_new"))
async def begin(message: Message, state: FSMContext, viewer: Viewer, cities: CityService) -> None:
    await state.clear()
    await state.update_data(draft={}, editing=False, event_id=None)
    await _ask(message, state, viewer, cities, "kind")


@staff.callback_query(EventCb.filter(F.action == "edit"))
async def begin_edit(
    query: CallbackQuery,
    callback_data: EventCb,
    state: FSMContext,
    viewer: Viewer,
    events: EventService,
) -> None:
    t = viewer.texts
    event = await events.get(callback_data.event_id)
    problem = _unavailable(event, events)
    if problem or event is None or not isinstance(query.message, Message):
        await query.answer(t.plain(problem or "errors.stale_button"), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(EventDialog.preview)
    await state.update_data(
        draft=event.draft.to_json(),
        editing=True,
        event_id=event.id,
        version=event.version,
        city_en=event.city_name_en,
    )
    await query.message.answer(
        t("events.edit_menu", title=event.title),
        reply_markup=event_fields_keyboard(t, event.draft.format),
    )


async def _ask(
    message: Message, state: FSMContext, viewer: Viewer, cities: CityService, step: str
) -> None:
    t = viewer.texts
    await state.set_state(getattr(EventDialog, step))
    markup: InlineKeyboardMarkup | None
    if step == "kind":
        markup = event_kinds_keyboard(t)
    elif step == "format":
        markup = event_formats_keyboard(t)
    elif step == "city":
        markup = cities_keyboard(t, await cities.members(), "event")
    elif step in {"end", "place", "description"}:
        markup = event_skip_keyboard(t)
    else:
        markup = None
    data = await state.get_data()
    await message.answer(t(f"events.ask.{step}", editing=data.get("editing")), reply_markup=markup)


async def _next(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
    done: str,
) -> None:
    """After a step: the next one that applies, or (editing) straight to the preview."""
    data = await state.get_data()
    draft = data["draft"]
    if data.get("editing"):
        if done == "format" and _applies("link", draft) and not draft.get("link"):
            await _ask(message, state, viewer, cities, "link")
            return
        await _preview(message, state, viewer, events, settings)
        return
    for step in STEPS[STEPS.index(done) + 1 :]:
        if _applies(step, draft):
            await _ask(message, state, viewer, cities, step)
            return
    await _preview(message, state, viewer, events, settings)


async def _set(state: FSMContext, **values: Any) -> None:
    data = await state.get_data()
    await state.update_data(draft={**data["draft"], **values})


def _draft(data: dict[str, Any]) -> EventDraft:
    return EventDraft.from_json({"description": "", **data["draft"]})


async def _preview(
    message: Message, state: FSMContext, viewer: Viewer, events: EventService, settings: Settings
) -> None:
    t = viewer.texts
    await state.set_state(EventDialog.preview)
    data = await state.get_data()
    draft = _draft(data)
    event_id = data.get("event_id")
    shown = Event(0, draft, data.get("city_en"), EventStatus.PUBLISHED, 1, viewer.id)
    card = Markup(card_text(t, shown))
    if event_id is None:
        topic = KIND_TOPIC[draft.kind]
        text = t(
            "events.preview",
            card=card,
            count=len(await events.audience(draft.kind)),
            topic=t.plain(f"topic.{topic.value}") if topic else None,
            channel=settings.announce_channel_id is not None,
        )
    else:
        before = await events.card(int(event_id), viewer.id)
        await message.answer(t("events.preview_card", card=card))  # the changes may be long
        text = t(
            "events.preview_edit",
            changes=changes(t, before.event, shown) if before else [],
            count=before.going if before else 0,
        )
    await message.answer(
        text, reply_markup=event_preview_keyboard(t, existing=event_id is not None)
    )


@staff.callback_query(StateFilter(EventDialog.kind), EventDialogCb.filter(F.action == "kind"))
async def got_kind(
    query: CallbackQuery,
    callback_data: EventDialogCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    if callback_data.value not in set(EventKind):
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    await _set(state, kind=callback_data.value)
    if message is not None:
        await _next(message, state, viewer, cities, events, settings, "kind")


@staff.message(StateFilter(EventDialog.title), TypedText())
async def got_title(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    title = " ".join((message.text or "").split())
    if not title or len(title) > TITLE_MAX:
        await message.answer(viewer.texts("events.error.title", limit=TITLE_MAX))
        return
    await _set(state, title=title)
    await _next(message, state, viewer, cities, events, settings, "title")


@staff.callback_query(StateFilter(EventDialog.city), CityPickCb.filter(F.purpose == "event"))
async def picked_city(
    query: CallbackQuery,
    callback_data: CityPickCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    city = await cities.get(callback_data.city_id)
    if city is None:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    await _set(state, city_id=city.id, city_name=city.name)
    await state.update_data(city_en=city.name_en)
    if message is not None:
        await _next(message, state, viewer, cities, events, settings, "city")


@staff.message(StateFilter(EventDialog.city), TypedText())
async def typed_city(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    """A member city by name (any case), or any other place as typed."""
    typed = " ".join((message.text or "").split())
    if not typed or len(typed) > CITY_MAX:
        await message.answer(viewer.texts("events.error.city", limit=CITY_MAX))
        return
    member = await cities.named(typed)
    if member is not None:
        await _set(state, city_id=member.id, city_name=member.name)
        await state.update_data(city_en=member.name_en)
    else:
        await _set(state, city_id=None, city_name=typed)
        await state.update_data(city_en=None)
    await _next(message, state, viewer, cities, events, settings, "city")


@staff.message(StateFilter(EventDialog.start), TypedText())
async def got_start(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
    clock: Clock,
) -> None:
    t = viewer.texts
    try:
        starts_at = parse_when(message.text or "", now=clock.now(), tz=settings.tz)
    except DateInputError as error:
        await message.answer(t(f"dates.{error.problem.value}"))
        return
    ends = (await state.get_data())["draft"].get("ends_at")
    if ends and datetime.fromisoformat(ends) <= starts_at:
        await _set(state, starts_at=starts_at.isoformat(), ends_at=None)
        await message.answer(t("events.end_dropped"))
    else:
        await _set(state, starts_at=starts_at.isoformat())
    await _next(message, state, viewer, cities, events, settings, "start")


@staff.message(StateFilter(EventDialog.end), TypedText())
async def got_end(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    t = viewer.texts
    starts_at = _draft_start(await state.get_data())
    try:
        ends_at = parse_end(message.text or "", starts_at, settings.tz)
    except DateInputError as error:
        await message.answer(t(f"dates.{error.problem.value}"))
        return
    except EndBeforeStart:
        await message.answer(t("events.error.end_before_start", starts_at=starts_at))
        return
    await _set(state, ends_at=ends_at.isoformat())
    await _next(message, state, viewer, cities, events, settings, "end")


def _draft_start(data: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(data["draft"]["starts_at"])


@staff.callback_query(
    StateFilter(EventDialog.end, EventDialog.place, EventDialog.description),
    EventDialogCb.filter(F.action == "skip"),
)
async def skipped(
    query: CallbackQuery,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    step = (await state.get_state() or "").rpartition(":")[2]
    await query.answer()
    message = await drop_buttons(query)
    field = {"end": "ends_at", "place": "place", "description": "description"}[step]
    await _set(state, **{field: "" if field == "description" else None})
    if message is not None:
        await _next(message, state, viewer, cities, events, settings, step)


@staff.callback_query(StateFilter(EventDialog.format), EventDialogCb.filter(F.action == "format"))
async def got_format(
    query: CallbackQuery,
    callback_data: EventDialogCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    if callback_data.value not in set(EventFormat):
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    form = EventFormat(callback_data.value)
    draft = (await state.get_data())["draft"]
    await _set(
        state,
        format=form.value,
        place=draft.get("place") if form.has_place else None,
        link=draft.get("link") if form.has_link else None,
    )
    if message is not None:
        await _next(message, state, viewer, cities, events, settings, "format")


@staff.message(StateFilter(EventDialog.place), TypedText())
async def got_place(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    place = " ".join((message.text or "").split())
    if len(place) > PLACE_MAX:
        await message.answer(viewer.texts("events.error.place", limit=PLACE_MAX))
        return
    await _set(state, place=place or None)
    await _next(message, state, viewer, cities, events, settings, "place")


@staff.message(StateFilter(EventDialog.link), TypedText())
async def got_link(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    link = (message.text or "").strip()
    if len(link) > LINK_MAX or not LINK_RE.match(link):
        await message.answer(viewer.texts("events.error.link"))
        return
    await _set(state, link=link)
    await _next(message, state, viewer, cities, events, settings, "link")


@staff.message(StateFilter(EventDialog.description), TypedText())
async def got_description(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    events: EventService,
    settings: Settings,
) -> None:
    description = (message.text or "").strip()
    if len(description) > DESCRIPTION_MAX:
        await message.answer(viewer.texts("events.error.description", limit=DESCRIPTION_MAX))
        return
    await _set(state, description=description)
    await _next(message, state, viewer, cities, events, settings, "description")


@staff.message(StateFilter(EventDialog), NotCommand())
async def not_expected(message: Message, state: FSMContext, viewer: Viewer) -> None:
    """Media where text is asked, or typing where a button is expected."""
    step = (await state.get_state() or "").rpartition(":")[2]
    key = "events.error.press" if step in {"kind", "format", "preview"} else "events.error.text"
    await message.answer(viewer.texts(key))


@staff.callback_query(StateFilter(EventDialog.preview), EventDialogCb.filter(F.action == "fields"))
async def choose_field(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    await query.answer()
    message = await drop_buttons(query)
    data = await state.get_data()
    await state.update_data(editing=True)
    if message is not None:
        await message.answer(
            viewer.texts("events.edit_menu", title=data["draft"]["title"]),
            reply_markup=event_fields_keyboard(viewer.texts, _draft(data).format),
        )


@staff.callback_query(StateFilter(EventDialog.preview), EventDialogCb.filter(F.action == "field"))
async def edit_field(
    query: CallbackQuery,
    callback_data: EventDialogCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
) -> None:
    if callback_data.value not in STEPS:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    if message is not None:
        await _ask(message, state, viewer, cities, callback_data.value)


@staff.callback_query(StateFilter(EventDialog.preview), EventDialogCb.filter(F.action == "preview"))
async def back_to_preview(
    query: CallbackQuery,
    state: FSMContext,
    viewer: Viewer,
    events: EventService,
    settings: Settings,
) -> None:
    await query.answer()
    message = await drop_buttons(query)
    if message is not None:
        await _preview(message, state, viewer, events, settings)


@staff.callback_query(StateFilter(EventDialog.preview), EventDialogCb.filter(F.action == "publish"))
async def publish(
    query: CallbackQuery, state: FSMContext, viewer: Viewer, events: EventService
) -> None:
    data = await state.get_data()
    if data.get("event_id") is not None:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    published = await events.publish(viewer, _draft(data))
    await state.clear()  # only now: if publishing failed, the dialog is still there
    if message is not None:
        await message.answer(
            viewer.texts("events.published", title=published.event.title, n=published.recipients)
        )


@staff.callback_query(StateFilter(EventDialog.preview), EventDialogCb.filter(F.action == "save"))
async def save(
    query: CallbackQuery, state: FSMContext, viewer: Viewer, events: EventService
) -> None:
    t = viewer.texts
    data = await state.get_data()
    event_id = data.get("event_id")
    if event_id is None:
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    changed = await events.update(viewer, int(event_id), _draft(data), int(data["version"]))
    if changed is None:
        await state.clear()
        await query.answer(t.plain("events.alert.cancelled"), show_alert=True)
        return
    if isinstance(changed, EditConflict):  # another staff member saved it meanwhile
        await state.clear()
        await query.answer(t.plain("events.alert.edited_meanwhile"), show_alert=True)
        await drop_buttons(query)
        return
    await state.clear()
    message = await drop_buttons(query)
    await query.answer()
    if message is not None:
        await message.answer(t("events.saved", title=changed.after.title, n=changed.notified))


@staff.callback_query(EventDialogCb.filter(F.action == "abort"))
async def abort(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    editing = False
    if (await state.get_state() or "").startswith(EventDialog.__name__):
        editing = bool((await state.get_data()).get("editing"))
        await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        key = "events.edit_aborted" if editing else "events.aborted"
        await show(query.message, viewer.texts(key), None)
