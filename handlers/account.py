"""The person's own settings: /language, /cancel, /forget; and noticing a blocked bot."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter, Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, ReplyKeyboardRemove

from bot.buttons import Stale
from bot.callbacks import ForgetCb, LanguageCb
from bot.commands import CommandMenus
from bot.dialogs import cancelled_text
from bot.filters import IsRegistered, MenuButton, PrivateChat
from bot.services.people import PeopleService
from bot.texts import TextCatalog, Texts
from bot.ui import confirm_forget_keyboard, language_keyboard, main_menu
from bot.viewer import Viewer

log = logging.getLogger(__name__)

router = Router(name=__name__)
router.message.filter(PrivateChat())


# What /cancel says when it leaves a dialog that is not a step dialog (those say their own).
CANCELLED = {
    "SurveyDialog": "cancel.survey",
    "ReplyDialog": "cancel.reply",
    "CityRequest": "cancel.city",
}


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, t: Texts, viewer: Viewer) -> None:
    """Leaves any dialog, saying what was left. What a dialog saved on the way (survey
    answers) stays saved."""
    name = await state.get_state()
    stored = await state.get_data()
    await state.clear()
    if name is None:
        text = t("cancel.nothing")
    else:
        group = name.split(":")[0]
        text = cancelled_text(name, stored, t) or t(CANCELLED.get(group, "cancel.done"))
    await message.answer(text, reply_markup=main_menu(viewer))


@router.message(Command("language"), IsRegistered())
@router.message(MenuButton("language"), IsRegistered())
async def choose_language(message: Message, t: Texts, catalog: TextCatalog) -> None:
    await message.answer(t("language.prompt"), reply_markup=language_keyboard(t, catalog.locales))


@router.callback_query(LanguageCb.filter(), IsRegistered())
async def set_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    message: Message,
    viewer: Viewer,
    people: PeopleService,
    catalog: TextCatalog,
    menus: CommandMenus,
) -> None:
    if callback_data.locale not in catalog.locales:
        raise Stale
    viewer = await people.set_language(viewer, callback_data.locale)
    t = viewer.texts
    await message.edit_text(t("language.set"))
    await message.answer(t("language.menu_hint"), reply_markup=main_menu(viewer))
    await menus.refresh(viewer)


@router.message(Command("forget"))
async def ask_forget(message: Message, t: Texts, viewer: Viewer) -> None:
    if not viewer.is_registered:
        await message.answer(t("forget.nothing"))
        return
    await message.answer(
        t("forget.confirm", viewer=viewer), reply_markup=confirm_forget_keyboard(t)
    )


@router.callback_query(ForgetCb.filter())
async def forget(
    query: CallbackQuery,
    callback_data: ForgetCb,
    message: Message,
    t: Texts,
    viewer: Viewer,
    state: FSMContext,
    people: PeopleService,
    menus: CommandMenus,
) -> None:
    if not callback_data.confirm:
        await message.edit_text(t("forget.kept"))
        return
    await state.clear()
    await people.forget(viewer.id)
    log.info("person %s deleted their data", viewer.id)
    key = "forget.done_owner" if viewer.is_owner else "forget.done"
    await message.edit_text(t(key))
    if not viewer.is_owner:
        await message.answer(t("forget.bye"), reply_markup=ReplyKeyboardRemove())
    await menus.refresh_person(viewer.id)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def blocked(event: ChatMemberUpdated, people: PeopleService) -> None:
    if event.chat.type == ChatType.PRIVATE:
        await people.deactivate(event.chat.id)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def unblocked(event: ChatMemberUpdated, people: PeopleService) -> None:
    if event.chat.type == ChatType.PRIVATE:
        await people.reactivate(event.chat.id)
