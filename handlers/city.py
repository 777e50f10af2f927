"""/city: a person asks to become a city's contact; staff approve or reject."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale, message_of
from bot.callbacks import CityPickCb
from bot.contacts.service import Ask, ContactService
from bot.filters import IsRegistered, MenuButton, PrivateChat, TypedText
from bot.services.cities import CityService
from bot.ui import cities_keyboard, main_menu
from bot.viewer import Viewer
from storage.cities import City

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsRegistered())
router.callback_query.filter(IsRegistered())


class CityRequest(StatesGroup):
    choosing = State()


@router.message(Command("city"))
@router.message(MenuButton("city"))
async def ask_city(
    message: Message, state: FSMContext, viewer: Viewer, cities: CityService
) -> None:
    t = viewer.texts
    members = await cities.members()
    mine = [city.title(t.locale) for city in members if city.id in viewer.city_ids]
    await state.set_state(CityRequest.choosing)
    await message.answer(
        t("city.prompt", mine=mine), reply_markup=cities_keyboard(t, members, "request")
    )


@router.message(StateFilter(CityRequest.choosing), TypedText())
async def typed_city(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
    contacts: ContactService,
) -> None:
    t = viewer.texts
    found = await cities.find(message.text or "")
    if len(found) == 1:
        await state.clear()
        result = await contacts.ask(viewer, found[0].id)
        await message.answer(
            _outcome_text(viewer, result.outcome, result.city), reply_markup=main_menu(viewer)
        )
        return
    if found:
        await message.answer(
            t("city.several", query=message.text), reply_markup=cities_keyboard(t, found, "request")
        )
        return
    members = await cities.members()
    await message.answer(
        t("city.not_found", query=message.text), reply_markup=cities_keyboard(t, members, "request")
    )


@router.message(StateFilter(CityRequest.choosing))
async def not_a_city(message: Message, viewer: Viewer) -> None:
    await message.answer(viewer.texts("city.type_or_pick"))


@router.callback_query(CityPickCb.filter(F.purpose == "request"))
async def picked_city(
    query: CallbackQuery,
    callback_data: CityPickCb,
    state: FSMContext,
    viewer: Viewer,
    contacts: ContactService,
) -> None:
    result = await contacts.ask(viewer, callback_data.city_id)
    if result.outcome is Ask.NO_CITY:
        raise Stale
    await state.clear()
    await message_of(query).edit_text(_outcome_text(viewer, result.outcome, result.city))


def _outcome_text(viewer: Viewer, outcome: Ask, city: City | None) -> str:
    t = viewer.texts
    return t(f"city.{outcome.value}", city=city.title(t.locale) if city else "")
