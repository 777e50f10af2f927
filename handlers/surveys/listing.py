"""/surveys: every survey with its status for staff; the open surveys a contact can answer,
each to start in the chat or as a spreadsheet."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.filters import MenuButton, PrivateChat
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.message(Command("surveys"))
@router.message(MenuButton("surveys"))
async def list_surveys(message: Message, t: Texts, viewer: Viewer, surveys: SurveyService) -> None:
    if viewer.is_staff:
        overview = await surveys.overview()
        rows = [
            {"survey": survey, "part": part, "by_cities": survey.by_cities}
            for survey, part in overview
        ]
        builder = InlineKeyboardBuilder()
        for number, (survey, _) in enumerate(overview, 1):
            builder.button(text=str(number), callback_data=SurveyAdminCb(a="card", s=survey.id))
        builder.adjust(8)
        await message.answer(t("surveys.admin.list", rows=rows), reply_markup=builder.as_markup())
    mine = await surveys.contact_surveys(viewer)
    if mine:
        builder = InlineKeyboardBuilder()
        for item in mine:
            city = item.city.title(t.locale) if item.city else None
            ref = item.city.id if item.city else 0
            for action, key in (("go", "surveys.mine_button"), ("xl", "surveys.mine_excel")):
                builder.button(
                    text=t.plain(key, title=item.survey.title, city=city),
                    callback_data=SurveyCb(a=action, s=item.survey.id, c=ref),
                )
        builder.adjust(1)
        items = [
            {
                "title": item.survey.title,
                "city": item.city.title(t.locale) if item.city else None,
                "deadline": item.survey.deadline,
                "status": item.state.status if item.state else None,
                "answered": item.plan.answered,
                "total": item.plan.total,
            }
            for item in mine
        ]
        await message.answer(t("surveys.mine", items=items), reply_markup=builder.as_markup())
    elif not viewer.is_staff:
        key = "surveys.none_contact" if viewer.is_contact else "surveys.none"
        await message.answer(t(key))
