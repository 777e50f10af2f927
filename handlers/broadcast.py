"""Staff: /broadcast (message -> audience -> preview -> now or later), /broadcasts."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import BroadcastCb, JobCb
from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.filters import IsStaff, NotCommand, PrivateChat, TypedText
from bot.keyboards import (
    audience_keyboard,
    broadcast_confirm_keyboard,
    broadcast_topics_keyboard,
    cities_multiselect_keyboard,
    jobs_keyboard,
)
from bot.services.broadcasts import Audience, AudienceKind, BroadcastService
from bot.services.cities import CityService
from bot.services.people import Viewer
from bot.settings import Settings
from bot.texts import Texts
from storage.outbox import JobStatus

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


class BroadcastDialog(StatesGroup):
    message = State()
    audience = State()
    confirm = State()
    when = State()


async def describe(t: Texts, audience: Audience, cities: CityService) -> str:
    """The audience in words, for the preview and the list."""
    if audience.kind is AudienceKind.TOPIC:
        return t.plain("broadcast.audience.topic", topic=t.plain(f"topic.{audience.topic}"))
    if audience.kind is AudienceKind.CITIES:
        names = [c.title(t.locale) for c in await cities.members() if c.id in audience.city_ids]
        return t.plain("broadcast.audience.cities", names=names)
    return t.plain(f"broadcast.audience.{audience.kind.value}")


# --- the dialog ---------------------------------------------------------------------------------


@router.message(Command("broadcast"))
async def begin(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await state.clear()
    await state.set_state(BroadcastDialog.message)
    await message.answer(viewer.texts("broadcast.ask_message"))


@router.message(StateFilter(BroadcastDialog.message), NotCommand())
async def got_message(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await state.update_data(chat_id=message.chat.id, message_id=message.message_id)
    await state.set_state(BroadcastDialog.audience)
    await message.answer(
        viewer.texts("broadcast.ask_audience"), reply_markup=audience_keyboard(viewer.texts)
    )


@router.callback_query(StateFilter(BroadcastDialog.audience), BroadcastCb.filter(F.action == "aud"))
async def picked_kind(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    viewer: Viewer,
    bot: Bot,
    broadcasts: BroadcastService,
    cities: CityService,
) -> None:
    t = viewer.texts
    if not isinstance(query.message, Message) or callback_data.value not in set(AudienceKind):
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    kind = AudienceKind(callback_data.value)
    if kind is AudienceKind.TOPIC:
        await query.message.edit_text(
            t("broadcast.ask_topic"), reply_markup=broadcast_topics_keyboard(t)
        )
    elif kind is AudienceKind.CITIES:
        await state.update_data(city_ids=[])
        await query.message.edit_text(
            t("broadcast.ask_cities"),
            reply_markup=cities_multiselect_keyboard(t, await cities.members(), set()),
        )
    else:
        await _preview(query.message, state, viewer, bot, broadcasts, cities, Audience(kind))


@router.callback_query(
    StateFilter(BroadcastDialog.audience), BroadcastCb.filter(F.action == "topic")
)
async def picked_topic(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    viewer: Viewer,
    bot: Bot,
    broadcasts: BroadcastService,
    cities: CityService,
) -> None:
    audience = Audience(AudienceKind.TOPIC, topic=callback_data.value)
    if not isinstance(query.message, Message) or not audience.complete:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    await _preview(query.message, state, viewer, bot, broadcasts, cities, audience)


@router.callback_query(
    StateFilter(BroadcastDialog.audience), BroadcastCb.filter(F.action == "city")
)
async def toggled_city(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
) -> None:
    t = viewer.texts
    members = await cities.members()
    city_id = int(callback_data.value) if callback_data.value.isdigit() else 0
    if not isinstance(query.message, Message) or city_id not in {c.id for c in members}:
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    chosen = set((await state.get_data()).get("city_ids", []))
    chosen ^= {city_id}
    await state.update_data(city_ids=sorted(chosen))
    await query.answer()
    await query.message.edit_reply_markup(
        reply_markup=cities_multiselect_keyboard(t, members, chosen)
    )


@router.callback_query(
    StateFilter(BroadcastDialog.audience), BroadcastCb.filter(F.action == "cities_done")
)
async def cities_done(
    query: CallbackQuery,
    state: FSMContext,
    viewer: Viewer,
    bot: Bot,
    broadcasts: BroadcastService,
    cities: CityService,
) -> None:
    chosen = tuple((await state.get_data()).get("city_ids", []))
    if not chosen or not isinstance(query.message, Message):
        await query.answer(viewer.texts.plain("broadcast.no_cities"), show_alert=True)
        return
    await query.answer()
    audience = Audience(AudienceKind.CITIES, city_ids=chosen)
    await _preview(query.message, state, viewer, bot, broadcasts, cities, audience)


@router.callback_query(BroadcastCb.filter(F.action == "back"))
async def back_to_audience(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    current = await state.get_state()
    if current not in {BroadcastDialog.audience.state, BroadcastDialog.confirm.state}:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await state.set_state(BroadcastDialog.audience)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            viewer.texts("broadcast.ask_audience"), reply_markup=audience_keyboard(viewer.texts)
        )


async def _preview(
    panel: Message,
    state: FSMContext,
    viewer: Viewer,
    bot: Bot,
    broadcasts: BroadcastService,
    cities: CityService,
    audience: Audience,
) -> None:
    """Show the message as recipients will see it, the audience and the count; ask."""
    t = viewer.texts
    data = await state.update_data(audience=audience.to_json())
    await state.set_state(BroadcastDialog.confirm)
    count = len(await broadcasts.recipients(audience))
    described = await describe(t, audience, cities)
    await panel.edit_text(t("broadcast.audience_chosen", audience=described))
    await bot.copy_message(
        viewer.id,
        from_chat_id=data["chat_id"],
        message_id=data["message_id"],
        disable_notification=True,
    )
    await panel.answer(
        t("broadcast.preview", count=count, audience=described),
        reply_markup=broadcast_confirm_keyboard(t, can_send=count > 0),
    )


@router.callback_query(StateFilter(BroadcastDialog.confirm), BroadcastCb.filter(F.action == "send"))
async def send_now(
    query: CallbackQuery, state: FSMContext, viewer: Viewer, broadcasts: BroadcastService
) -> None:
    data = await state.get_data()
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(viewer.texts("broadcast.started"))
    await broadcasts.send_now(
        viewer, data["chat_id"], data["message_id"], Audience.from_json(data["audience"])
    )


@router.callback_query(
    StateFilter(BroadcastDialog.confirm), BroadcastCb.filter(F.action == "schedule")
)
async def ask_when(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    await state.set_state(BroadcastDialog.when)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(viewer.texts("broadcast.ask_when"))


@router.message(StateFilter(BroadcastDialog.when), TypedText())
async def got_when(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    settings: Settings,
    broadcasts: BroadcastService,
    cities: CityService,
    clock: Clock,
) -> None:
    t = viewer.texts
    try:
        at = parse_when(message.text or "", now=clock.now(), tz=settings.tz)
    except DateInputError as error:
        await message.answer(t(f"dates.{error.problem.value}"))
        return
    data = await state.get_data()
    await state.clear()  # first: a retyped time after a crash must not schedule it twice
    audience = Audience.from_json(data["audience"])
    await broadcasts.schedule(viewer, data["chat_id"], data["message_id"], audience, at)
    await message.answer(
        t("broadcast.scheduled", at=at, audience=await describe(t, audience, cities))
    )


@router.message(StateFilter(BroadcastDialog.when), NotCommand())
async def when_not_text(message: Message, viewer: Viewer) -> None:
    await message.answer(viewer.texts("dates.format"))


@router.callback_query(BroadcastCb.filter(F.action == "abort"))
async def abort(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    if (await state.get_state() or "").startswith(BroadcastDialog.__name__):
        await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(viewer.texts("broadcast.aborted"))


# --- the list, and cancelling -------------------------------------------------------------------


@router.message(Command("broadcasts"))
async def list_broadcasts(
    message: Message, viewer: Viewer, broadcasts: BroadcastService, cities: CityService
) -> None:
    text, markup = await _listing(viewer.texts, broadcasts, cities)
    await message.answer(text, reply_markup=markup)


async def _listing(
    t: Texts, broadcasts: BroadcastService, cities: CityService
) -> tuple[str, InlineKeyboardMarkup | None]:
    summaries = await broadcasts.recent()
    rows = [
        {
            "job": s.job,
            "counts": {k.value: v for k, v in s.counts.items()},
            "audience": await describe(t, s.audience, cities),
        }
        for s in summaries
    ]
    active = [
        (number, s.job.id)
        for number, s in enumerate(summaries, 1)
        if s.job.status in (JobStatus.SCHEDULED, JobStatus.RUNNING)
    ]
    return t("broadcast.list", rows=rows), jobs_keyboard(t, active)


@router.callback_query(JobCb.filter(F.action == "cancel"))
async def cancel_job(
    query: CallbackQuery,
    callback_data: JobCb,
    viewer: Viewer,
    broadcasts: BroadcastService,
    cities: CityService,
) -> None:
    t = viewer.texts
    if not await broadcasts.is_active(callback_data.job_id):
        await query.answer(t.plain("broadcast.already_over"), show_alert=True)
        return
    await query.answer(t.plain("broadcast.cancelled"))  # at once: stopping may take a moment
    job = await broadcasts.cancel(viewer, callback_data.job_id)
    if job is None:
        return
    message = query.message
    if isinstance(message, Message) and message.message_id != job.progress_message_id:
        text, markup = await _listing(t, broadcasts, cities)
        await message.edit_text(text, reply_markup=markup)
