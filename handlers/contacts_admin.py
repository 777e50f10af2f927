"""Staff: /invite a city contact, decide requests, /contacts with removal."""

from __future__ import annotations

from itertools import groupby

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.buttons import Stale, found
from bot.callbacks import CityPickCb, ContactCb, RequestCb
from bot.commands import CommandMenus
from bot.contacts.messages import city_contacts_keyboard, confirm_contact_removal_keyboard
from bot.contacts.service import ContactService, Decision
from bot.filters import IsStaff, MenuButton, PrivateChat
from bot.services.cities import CityService
from bot.texts import Texts
from bot.ui import cities_keyboard
from bot.viewer import Viewer
from handlers.common import answer_long
from storage.cities import City

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


# --- invites ----------------------------------------------------------------------------------


@router.message(Command("invite"))
async def invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Texts,
    viewer: Viewer,
    cities: CityService,
    contacts: ContactService,
) -> None:
    query = (command.args or "").strip()
    found = await cities.find(query) if query else []
    if len(found) == 1:
        await _send_invite(message, bot, viewer, contacts, found[0])
        return
    choices = found or await cities.members()
    key = "invite.pick" if not query else ("invite.several" if found else "invite.not_found")
    await message.answer(t(key, query=query), reply_markup=cities_keyboard(t, choices, "invite"))


@router.callback_query(CityPickCb.filter(F.purpose == "invite"))
async def invite_picked(
    query: CallbackQuery,
    callback_data: CityPickCb,
    message: Message,
    bot: Bot,
    viewer: Viewer,
    cities: CityService,
    contacts: ContactService,
) -> None:
    city = found(await cities.get(callback_data.city_id))
    await _send_invite(message, bot, viewer, contacts, city)


async def _send_invite(
    message: Message, bot: Bot, viewer: Viewer, contacts: ContactService, city: City
) -> None:
    t = viewer.texts
    invite = await contacts.create_invite(viewer, city)
    link = await create_start_link(bot, invite.payload)
    await message.answer(
        t("invite.created", city=city.title(t.locale), link=link, expires=invite.expires_at)
    )


# --- requests ---------------------------------------------------------------------------------


@router.callback_query(RequestCb.filter())
async def decide_request(
    query: CallbackQuery,
    callback_data: RequestCb,
    t: Texts,
    viewer: Viewer,
    contacts: ContactService,
    menus: CommandMenus,
    callback_answer: CallbackAnswer,
) -> None:
    result = await contacts.decide(viewer, callback_data.request_id, approve=callback_data.approve)
    request = found(None if result.outcome is Decision.GONE else result.request)
    if result.outcome is Decision.ALREADY_DECIDED:
        raise Stale("contacts.already_decided", status=request.status.value)
    callback_answer.text = t.plain(f"contacts.decided_{request.status.value}")
    await menus.refresh_person(request.person_id)


# --- the list ---------------------------------------------------------------------------------


@router.message(Command("contacts"))
@router.message(MenuButton("contacts"))
async def list_contacts(
    message: Message, t: Texts, cities: CityService, contacts: ContactService
) -> None:
    members = await cities.members()
    everyone = await contacts.all_contacts()
    by_city = {
        city_id: list(group) for city_id, group in groupby(everyone, key=lambda c: c.city.id)
    }
    text = t("contacts.overview", cities=members, by_city=by_city, total=len(members))
    with_contacts = [city for city in members if city.id in by_city]
    markup = cities_keyboard(t, with_contacts, "contacts") if with_contacts else None
    await answer_long(message, text, markup)


@router.callback_query(CityPickCb.filter(F.purpose == "contacts"))
async def city_contacts(
    query: CallbackQuery,
    callback_data: CityPickCb,
    message: Message,
    t: Texts,
    cities: CityService,
    contacts: ContactService,
) -> None:
    city = found(await cities.get(callback_data.city_id))
    people = [c for c in await contacts.all_contacts() if c.city.id == city.id]
    await message.answer(
        t("contacts.of_city", city=city.title(t.locale), contacts=people),
        reply_markup=city_contacts_keyboard(t, people) if people else None,
    )


@router.callback_query(ContactCb.filter(F.action == "ask"))
async def confirm_removal(
    query: CallbackQuery,
    callback_data: ContactCb,
    message: Message,
    t: Texts,
    contacts: ContactService,
) -> None:
    contact = found(
        await contacts.get(callback_data.city_id, callback_data.person_id), "contacts.not_a_contact"
    )
    await message.answer(
        t(
            "contacts.remove_confirm",
            city=contact.city.title(t.locale),
            name=contact.person.full_name,
        ),
        reply_markup=confirm_contact_removal_keyboard(t, contact),
    )


@router.callback_query(ContactCb.filter(F.action.in_({"remove", "keep"})))
async def remove_contact(
    query: CallbackQuery,
    callback_data: ContactCb,
    message: Message,
    t: Texts,
    viewer: Viewer,
    contacts: ContactService,
    menus: CommandMenus,
) -> None:
    if callback_data.action == "keep":
        await message.edit_text(t("contacts.remove_cancelled"))
        return
    contact = found(
        await contacts.remove(viewer, callback_data.city_id, callback_data.person_id),
        "contacts.not_a_contact",
    )
    await message.edit_text(
        t("contacts.removed", city=contact.city.title(t.locale), name=contact.person.full_name)
    )
    await menus.refresh_person(contact.person.id)
