"""/city: a person asks to become a city's contact (the city, their position and their
organisation); staff approve or reject."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale
from bot.callbacks import CityPickCb
from bot.contacts.service import AskResult, ContactService
from bot.filters import IsRegistered, MenuButton, NotCommand, PrivateChat, TypedText
from bot.services.cities import CityService
from bot.split import shorten
from bot.texts import Texts
from bot.ui import cities_keyboard, main_menu
from bot.viewer import Viewer
from handlers.common import show
from storage.cities import City

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsRegistered())
router.callback_query.filter(IsRegistered())

ANSWER_MAX = 200  # a position or an organisation
QUERY_SHOWN = 100  # of a city name typed, in the reply


class CityRequest(StatesGroup):
    choosing = State()
    position = State()
    organisation = State()


@router.message(Command("city"))
@router.message(MenuButton("city"))
async def ask_city(
    message: Message, state: FSMContext, t: Texts, viewer: Viewer, cities: CityService
) -> None:
    members = await cities.members()
    mine = [city.title(t.locale) for city in members if city.id in viewer.city_ids]
    await state.set_state(CityRequest.choosing)
    await message.answer(
        t("city.prompt", mine=mine), reply_markup=cities_keyboard(t, members, "request")
    )


async def _chosen(state: FSMContext, viewer: Viewer, contacts: ContactService, city: City) -> str:
    """The city is known: refused at once (already its contact), or ask the position."""
    refused = await contacts.check(viewer, city.id)
    if refused is not None:
        await state.clear()
        return _outcome_text(viewer, refused)
    await state.set_state(CityRequest.position)
    await state.set_data({"city": city.id})
    t = viewer.texts
    return t("city.ask_position", city=city.title(t.locale))


@router.message(StateFilter(CityRequest.choosing), TypedText())
async def typed_city(
    message: Message,
    state: FSMContext,
    t: Texts,
    viewer: Viewer,
    cities: CityService,
    contacts: ContactService,
) -> None:
    found = await cities.find(message.text or "")
    query = shorten(message.text or "", QUERY_SHOWN)  # said back: a long paste must still fit
    if len(found) == 1:
        await message.answer(await _chosen(state, viewer, contacts, found[0]))
        return
    if found:
        await message.answer(
            t("city.several", query=query), reply_markup=cities_keyboard(t, found, "request")
        )
        return
    members = await cities.members()
    await message.answer(
        t("city.not_found", query=query), reply_markup=cities_keyboard(t, members, "request")
    )


@router.message(StateFilter(CityRequest.choosing), NotCommand())
async def not_a_city(message: Message, t: Texts) -> None:
    await message.answer(t("city.type_or_pick"))


# Only while a city is being chosen: a city button of an old /city message pressed later
# (in another dialog, or after the request was sent) is stale, not a new request.
@router.callback_query(StateFilter(CityRequest.choosing), CityPickCb.filter(F.purpose == "request"))
async def picked_city(
    query: CallbackQuery,
    callback_data: CityPickCb,
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    contacts: ContactService,
) -> None:
    city = await cities.get(callback_data.city_id)
    if city is None or not city.is_member:
        raise Stale
    await show(message, await _chosen(state, viewer, contacts, city), None)


def _answer(message: Message) -> str | None:
    text = " ".join((message.text or "").split())
    return text if text and len(text) <= ANSWER_MAX else None


@router.message(StateFilter(CityRequest.position), NotCommand())
async def got_position(message: Message, state: FSMContext, t: Texts) -> None:
    position = _answer(message)
    if position is None:
        await message.answer(t("city.type_text", limit=ANSWER_MAX))
        return
    await state.update_data(position=position)
    await state.set_state(CityRequest.organisation)
    await message.answer(t("city.ask_organisation"))


@router.message(StateFilter(CityRequest.organisation), NotCommand())
async def got_organisation(
    message: Message, state: FSMContext, t: Texts, viewer: Viewer, contacts: ContactService
) -> None:
    organisation = _answer(message)
    if organisation is None:
        await message.answer(t("city.type_text", limit=ANSWER_MAX))
        return
    data = await state.get_data()
    await state.clear()
    result = await contacts.ask(
        viewer, int(data.get("city", 0)), str(data.get("position", "")), organisation
    )
    await message.answer(_outcome_text(viewer, result), reply_markup=main_menu(viewer))


def _outcome_text(viewer: Viewer, result: AskResult) -> str:
    t = viewer.texts
    city = result.city.title(t.locale) if result.city else ""
    return t(f"city.{result.outcome.value}", city=city)
