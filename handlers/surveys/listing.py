"""/surveys: every survey with its status for staff; the open surveys a contact can answer,
each to start in the chat or as a spreadsheet."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.filters import MenuButton, PrivateChat
from bot.surveys.messages import contact_list, staff_list
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.message(Command("surveys"))
@router.message(MenuButton("surveys"))
async def list_surveys(message: Message, t: Texts, viewer: Viewer, surveys: SurveyService) -> None:
    if viewer.is_staff:
        text, markup = staff_list(t, await surveys.overview())
        await message.answer(text, reply_markup=markup)
    mine = await surveys.contact_surveys(viewer)
    if mine:
        text, markup = contact_list(t, mine)
        await message.answer(text, reply_markup=markup)
    elif not viewer.is_staff:
        key = "surveys.none_contact" if viewer.is_contact else "surveys.none"
        await message.answer(t(key))
