"""Staff: /survey_new (the template and the YAML example), then the file sent: a survey
file or a filled-in template becomes a draft, or every problem is listed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message

from bot.filters import DocumentNamed, IsStaff, NotCommand, PrivateChat
from bot.split import shorten, split_lines
from bot.surveys.definition import DefinitionError, Problem
from bot.surveys.loader import parse_definition
from bot.surveys.model import Survey
from bot.surveys.service import SurveyService
from bot.surveys.template import example_source, template_workbook
from bot.surveys.workbook import WorkbookError
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import document_bytes
from handlers.surveys.card import SurveyAdmin, card_screen
from handlers.surveys.dialog import SurveyDialog
from handlers.surveys.sheets import answer_sheet, download_xlsx
from storage.surveys import ImportRefusedError

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())

MAX_FILE = 512 * 1024
PROBLEMS_SHOWN = 20
LINE_SHOWN = 200
YAML = (".yaml", ".yml")


def problems_text(t: Texts, problems: list[Problem]) -> str:
    """The first problems of a refused file, each shortened, and how many more there are:
    a few messages at most, whatever the file."""
    lines = [
        shorten(t.plain(f"survey_file.{p.code}", place=p.place, **p.params), LINE_SHOWN)
        for p in problems[:PROBLEMS_SHOWN]
    ]
    more = len(problems) - len(lines)
    return t("surveys.admin.invalid", problems=lines, count=len(problems), more=more)


@router.message(Command("survey_new"))
async def ask_file(message: Message, state: FSMContext, t: Texts) -> None:
    """The two ways to write a survey: the spreadsheet template and the YAML example."""
    await state.set_state(SurveyAdmin.file)
    example_yaml = example_source()
    template = await asyncio.to_thread(template_workbook, t, parse_definition(example_yaml))
    await message.answer_document(
        BufferedInputFile(template, filename=t.plain("surveys.template.file_name")),
        caption=t("surveys.template.caption"),
    )
    await message.answer_document(
        BufferedInputFile(example_yaml.encode(), filename="tariffs-2026.yaml"),
        caption=t("surveys.template.yaml_caption"),
    )
    await message.answer(t("surveys.admin.ask_file"))


@router.message(StateFilter(None, SurveyAdmin.file), DocumentNamed(*YAML))
async def import_file(
    message: Message, state: FSMContext, bot: Bot, t: Texts, viewer: Viewer, surveys: SurveyService
) -> None:
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(t("surveys.admin.file_too_big", limit=MAX_FILE // 1024))
        return
    raw = await document_bytes(bot, document)
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        await message.answer(t("surveys.admin.not_utf8"))
        return
    await _imported(message, state, t, surveys, surveys.import_file(source, viewer.id))


@router.message(StateFilter(None, SurveyAdmin.file, SurveyDialog.answering), DocumentNamed(".xlsx"))
async def import_spreadsheet(
    message: Message, state: FSMContext, bot: Bot, t: Texts, viewer: Viewer, surveys: SurveyService
) -> None:
    """A spreadsheet from staff: a city's answers (a staff member may be a contact too), or
    a survey written in the template."""
    raw = await download_xlsx(message, bot, t)
    if raw is None or await answer_sheet(message, state, viewer, surveys, raw):
        return
    try:
        await _imported(message, state, t, surveys, surveys.import_spreadsheet(raw, viewer.id, t))
    except WorkbookError as error:
        await message.answer(t(f"surveys.sheet.{error.code}"))


async def _imported(
    message: Message,
    state: FSMContext,
    t: Texts,
    surveys: SurveyService,
    importing: Awaitable[tuple[Survey, bool] | None],
) -> None:
    """The draft's card, or every problem of the file with its place."""
    try:
        imported = await importing
    except DefinitionError as error:
        for chunk in split_lines(problems_text(t, error.problems)):
            await message.answer(chunk)
        return
    except ImportRefusedError:
        await message.answer(t("surveys.admin.refused"))
        return
    if imported is None:
        await message.answer(t("surveys.template.not_template"))
        return
    survey, replaced = imported
    await state.clear()
    text, markup = await card_screen(t, survey, surveys)
    key = "surveys.admin.replaced" if replaced else "surveys.admin.imported"
    await message.answer(f"{t(key)}\n\n{text}", reply_markup=markup)


@router.message(StateFilter(SurveyAdmin.file), NotCommand())
async def not_a_file(message: Message, t: Texts) -> None:
    await message.answer(t("surveys.admin.ask_file_again"))
