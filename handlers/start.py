"""/start (with an invite payload too), the main menu and /help."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.commands import CommandMenus
from bot.contacts.service import INVITE_PREFIX, ContactService
from bot.events.messages import EVENT_LINK_PREFIX
from bot.events.service import EventService
from bot.filters import MenuButton, PrivateChat
from bot.services.people import PeopleService
from bot.texts import Texts
from bot.ui import main_menu
from bot.viewer import Viewer
from handlers.common import telegram_user
from handlers.events.cards import send_card
from storage.contacts import Redeem

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    people: PeopleService,
    contacts: ContactService,
    menus: CommandMenus,
    events: EventService,
) -> None:
    assert message.from_user is not None
    await state.clear()
    viewer, created = await people.register(telegram_user(message.from_user))
    t = viewer.texts
    payload = command.args or ""
    if payload.startswith(INVITE_PREFIX):
        result = await contacts.redeem(viewer, payload)
        city = result.city.title(t.locale) if result.city else ""
        await message.answer(t(f"invite.{result.outcome.value}", city=city))
        if result.outcome is Redeem.OK:
            viewer = await people.load_viewer(viewer.id, message.from_user.language_code)
    elif payload and not payload.startswith(EVENT_LINK_PREFIX):
        await message.answer(t("start.unknown_link"))
    key = "start.welcome_new" if created else "start.welcome_back"
    await message.answer(
        t(key, name=message.from_user.first_name, viewer=viewer), reply_markup=main_menu(viewer)
    )
    await menus.refresh(viewer)
    event_id = payload.removeprefix(EVENT_LINK_PREFIX)
    if payload.startswith(EVENT_LINK_PREFIX) and event_id.isdigit():  # from the channel post
        await send_card(message, viewer, events, int(event_id))


@router.message(Command("help"))
@router.message(MenuButton("help"))
async def help_(message: Message, t: Texts, viewer: Viewer) -> None:
    await message.answer(t("help.text", viewer=viewer), reply_markup=main_menu(viewer))
