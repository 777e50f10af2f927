"""Answering by spreadsheet: the city's own spreadsheet to fill in, and the filled-in one
sent back."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message

from bot.filters import DocumentNamed, PrivateChat
from bot.split import split_lines
from bot.surveys.messages import sheet_report
from bot.surveys.model import SheetRefusal, Step
from bot.surveys.service import SurveyService
from bot.surveys.sheets import Previous, answer_workbook
from bot.surveys.workbook import MAX_FILE, WorkbookError
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import document_bytes
from handlers.surveys.dialog import SurveyDialog, remember, show

router = Router(name=__name__)
router.message.filter(PrivateChat())


async def send_sheet(message: Message, step: Step, t: Texts, previous: Previous | None) -> None:
    """The city's own spreadsheet: every question, the answers so far."""
    survey, city = step.survey, step.city
    owner_name = city.title(t.locale) if city else None
    content = await asyncio.to_thread(
        answer_workbook,
        t,
        survey_id=survey.id,
        slug=survey.row.slug,
        title=survey.title,
        owner="trial" if step.owner.trial else "city" if survey.by_cities else "person",
        owner_id=step.owner.city_id or step.owner.person_id or 0,
        owner_name=owner_name,
        deadline=survey.deadline,
        questions=survey.definition.questions,
        answers=step.plan.effective,
        previous=previous,
    )
    name = f"{survey.row.slug}-{city.title('en')}.xlsx" if city else f"{survey.row.slug}.xlsx"
    await message.answer_document(
        BufferedInputFile(content, filename=name),
        caption=t("surveys.sheet.caption", title=survey.title, city=owner_name),
    )


async def download_xlsx(message: Message, bot: Bot, t: Texts) -> bytes | None:
    """The document's bytes; None (and a reply) when it is too big to be a filled-in survey."""
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(t("surveys.sheet.too_big", limit=MAX_FILE // 1024))
        return None
    return await document_bytes(bot, document)


async def answer_sheet(
    message: Message, state: FSMContext, viewer: Viewer, surveys: SurveyService, raw: bytes
) -> bool:
    """Take a filled-in answer spreadsheet: say what was saved and what not (by cell), then
    the review. False if the file is a spreadsheet but not an answer one."""
    t = viewer.texts
    try:
        result = await surveys.import_sheet(viewer, raw)
    except WorkbookError as error:
        await message.answer(t(f"surveys.sheet.{error.code}"))
        return True
    if isinstance(result, SheetRefusal):
        if result.reason == "not_answers":
            return False
        await message.answer(
            t(f"surveys.sheet.refused.{result.reason}", title=result.title, city=result.city)
        )
        return True
    for chunk in split_lines(sheet_report(t, result)):
        await message.answer(chunk)
    await remember(state, result.step)
    await show(message, result.step, t)
    return True


@router.message(StateFilter(None, SurveyDialog.answering), DocumentNamed(".xlsx"))
async def sheet_sent(
    message: Message, state: FSMContext, bot: Bot, t: Texts, viewer: Viewer, surveys: SurveyService
) -> None:
    raw = await download_xlsx(message, bot, t)
    if raw is not None and not await answer_sheet(message, state, viewer, surveys, raw):
        await message.answer(t("surveys.sheet.refused.not_answers"))
