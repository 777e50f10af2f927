"""Staff: import a survey file, open it with a deadline, follow it, remind, close, export."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.buttons import Stale, found, message_of
from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.filters import DocumentNamed, IsStaff, NotCommand, PrivateChat, TypedText
from bot.settings import Settings
from bot.split import shorten, split_lines
from bot.surveys.definition import DefinitionError, Problem, parse_definition
from bot.surveys.export import build_table, to_csv, to_xlsx
from bot.surveys.messages import photo_caption, status_screen
from bot.surveys.service import TRIAL, Survey, SurveyService
from bot.surveys.template import example_source, template_workbook
from bot.surveys.workbook import WorkbookError
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.surveys import SurveyDialog, answer_sheet, download_xlsx
from storage.surveys import ImportRefusedError, SurveyStatus

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())

MAX_FILE = 512 * 1024
PROBLEMS_SHOWN = 20
LINE_SHOWN = 200
YAML = (".yaml", ".yml")

# The actions a survey's card offers, by status (labels: surveys.admin.<action>).
CARD_ACTIONS = {
    SurveyStatus.DRAFT: [["open"], ["discard"]],
    SurveyStatus.OPEN: [["status", "remind"], ["xlsx", "csv", "charts"], ["close"]],
    SurveyStatus.CLOSED: [["status"], ["xlsx", "csv", "charts"], ["reopen"]],
}


class SurveyAdmin(StatesGroup):
    file = State()
    deadline = State()


def keyboard(t: Texts, survey_id: int, rows: list[list[str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.plain(f"surveys.admin.{action}"),
                    callback_data=SurveyAdminCb(a=action, s=survey_id).pack(),
                )
                for action in row
            ]
            for row in rows
        ]
    )


async def _card(
    t: Texts, survey: Survey, surveys: SurveyService
) -> tuple[str, InlineKeyboardMarkup]:
    part = await surveys.participation(survey)
    text = t(
        "surveys.admin.card",
        survey=survey,
        slug=survey.row.slug,
        questions=len(survey.definition.questions),
        audience=survey.definition.audience.value,
        share=survey.definition.share_results.value,
        part=part,
    )
    markup = keyboard(t, survey.id, CARD_ACTIONS[survey.status])
    if survey.status is SurveyStatus.DRAFT:  # try it out in the chat, as a city would
        trial = SurveyCb(a="go", s=survey.id, c=TRIAL).pack()
        try_row = [InlineKeyboardButton(text=t.plain("surveys.admin.try"), callback_data=trial)]
        markup = InlineKeyboardMarkup(inline_keyboard=[try_row, *markup.inline_keyboard])
    return text, markup


def problems_text(t: Texts, problems: list[Problem]) -> str:
    """The first problems of a refused file, each shortened, and how many more there are:
    a few messages at most, whatever the file."""
    lines = [
        shorten(t.plain(f"survey_file.{p.code}", place=p.place, **p.params), LINE_SHOWN)
        for p in problems[:PROBLEMS_SHOWN]
    ]
    more = len(problems) - len(lines)
    return t("surveys.admin.invalid", problems=lines, count=len(problems), more=more)


# --- import ---------------------------------------------------------------------------------------


@router.message(Command("survey_new"))
async def ask_file(message: Message, state: FSMContext, viewer: Viewer) -> None:
    """The two ways to write a survey: the spreadsheet template and the YAML example."""
    t = viewer.texts
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
    message: Message, state: FSMContext, bot: Bot, viewer: Viewer, surveys: SurveyService
) -> None:
    t = viewer.texts
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(t("surveys.admin.file_too_big", limit=MAX_FILE // 1024))
        return
    downloaded = await bot.download(document)
    raw = downloaded.read() if downloaded is not None else b""
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        await message.answer(t("surveys.admin.not_utf8"))
        return
    await _imported(message, state, t, surveys, surveys.import_file(source, viewer.id))


@router.message(StateFilter(None, SurveyAdmin.file, SurveyDialog.answering), DocumentNamed(".xlsx"))
async def import_spreadsheet(
    message: Message, state: FSMContext, bot: Bot, viewer: Viewer, surveys: SurveyService
) -> None:
    """A spreadsheet from staff: a city's answers (a staff member may be a contact too), or
    a survey written in the template."""
    t = viewer.texts
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
    text, markup = await _card(t, survey, surveys)
    key = "surveys.admin.replaced" if replaced else "surveys.admin.imported"
    await message.answer(f"{t(key)}\n\n{text}", reply_markup=markup)


@router.message(StateFilter(SurveyAdmin.file), NotCommand())
async def not_a_file(message: Message, viewer: Viewer) -> None:
    await message.answer(viewer.texts("surveys.admin.ask_file_again"))


# --- the card and its actions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class On:
    """A staff member pressed one of a survey's buttons."""

    action: str
    survey: Survey
    message: Message
    state: FSMContext
    viewer: Viewer
    surveys: SurveyService
    settings: Settings
    clock: Clock

    @property
    def t(self) -> Texts:
        return self.viewer.texts


CardAction = Callable[[On], Awaitable[None]]
ACTIONS: dict[str, tuple[SurveyStatus | None, str, CardAction]] = {}


def action(
    *names: str, needs: SurveyStatus | None = None, refusal: str = ""
) -> Callable[[CardAction], CardAction]:
    """Register what a card button does; `needs`: the status it works in (else `refusal`)."""

    def register(run: CardAction) -> CardAction:
        for name in names:
            ACTIONS[name] = (needs, refusal, run)
        return run

    return register


@router.callback_query(SurveyAdminCb.filter(F.a != "go"), flags={"failure": "surveys.admin.failed"})
async def card_button(
    query: CallbackQuery,
    callback_data: SurveyAdminCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
    settings: Settings,
    clock: Clock,
) -> None:
    needs, refusal, run = found(ACTIONS.get(callback_data.a))
    message = message_of(query)
    if callback_data.a == "cancel":
        await state.clear()
        await message.edit_text(viewer.texts("surveys.admin.cancelled"))
        return
    survey = found(await surveys.get(callback_data.s), "surveys.admin.gone")
    if needs is not None and survey.status is not needs:
        raise Stale(refusal)
    await run(On(callback_data.a, survey, message, state, viewer, surveys, settings, clock))


@action("cancel")
async def _cancelled(on: On) -> None:
    """Handled in card_button (it needs no survey)."""


@action("card")
async def card(on: On) -> None:
    text, markup = await _card(on.t, on.survey, on.surveys)
    await on.message.answer(text, reply_markup=markup)


@action("open", "reopen", "when")
async def choose_deadline(on: On) -> None:
    survey = on.survey
    if survey.status is SurveyStatus.OPEN:
        raise Stale("surveys.admin.already_open")
    planned = survey.definition.deadline
    if on.action == "open" and planned is not None and planned > on.clock.now():
        await _confirm_open(on.message, on.state, on.t, survey, planned, on.surveys)
        return
    await on.state.set_state(SurveyAdmin.deadline)
    await on.state.set_data({"s": survey.id})
    await on.message.answer(on.t("surveys.admin.ask_deadline", title=survey.title))


@router.message(StateFilter(SurveyAdmin.deadline), TypedText())
async def typed_deadline(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
    settings: Settings,
    clock: Clock,
) -> None:
    t = viewer.texts
    try:
        deadline = parse_when(message.text or "", now=clock.now(), tz=settings.tz)
    except DateInputError as error:
        await message.answer(t(error.key(), **error.values))
        return
    survey = await surveys.get(int((await state.get_data()).get("s", 0)))
    if survey is None:
        await state.clear()
        await message.answer(t("surveys.admin.gone"))
        return
    await _confirm_open(message, state, t, survey, deadline, surveys)


async def _confirm_open(
    target: Message,
    state: FSMContext,
    t: Texts,
    survey: Survey,
    deadline: datetime,
    surveys: SurveyService,
) -> None:
    reopening = survey.status is SurveyStatus.CLOSED
    reach = await (surveys.not_submitted(survey) if reopening else surveys.invitees(survey))
    await state.set_state(SurveyAdmin.deadline)
    await state.set_data({"s": survey.id, "deadline": deadline.isoformat()})
    await target.answer(
        t(
            "surveys.admin.confirm_open",
            title=survey.title,
            deadline=deadline,
            people=len(reach.people),
            cities=reach.cities,
            no_contact=reach.no_contact,
            by_cities=survey.by_cities,
            reopening=reopening,
            reminders=[r for r in surveys.reminders if deadline - r > surveys.clock.now()],
        ),
        reply_markup=keyboard(t, survey.id, [["go"], ["when"], ["cancel"]]),
    )


@router.callback_query(StateFilter(SurveyAdmin.deadline), SurveyAdminCb.filter(F.a == "go"))
async def open_survey(
    query: CallbackQuery,
    callback_data: SurveyAdminCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
    clock: Clock,
) -> None:
    t = viewer.texts
    data = await state.get_data()
    survey = found(await surveys.get(callback_data.s), "surveys.admin.gone")
    message = message_of(query)
    if data.get("s") != survey.id or "deadline" not in data:
        raise Stale
    deadline = datetime.fromisoformat(data["deadline"])
    if deadline <= clock.now():
        raise Stale("dates.past")
    opened = await surveys.open(viewer, survey, deadline)
    await state.clear()
    if opened is None:
        raise Stale("surveys.admin.already_open")
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(t("surveys.admin.opened", title=opened.title, deadline=deadline))


@action("discard", needs=SurveyStatus.DRAFT, refusal="surveys.admin.not_draft")
async def discard(on: On) -> None:
    if not await on.surveys.discard(on.viewer, on.survey):
        raise Stale("surveys.admin.not_draft")
    await on.message.edit_text(on.t("surveys.admin.discarded", title=on.survey.title))


@action("close", "remind", needs=SurveyStatus.OPEN, refusal="surveys.admin.not_open")
async def ask_confirmation(on: On) -> None:
    survey = on.survey
    reach = await on.surveys.not_submitted(survey)
    await on.message.answer(
        on.t(
            f"surveys.admin.confirm_{on.action}",
            title=survey.title,
            people=len(reach.people),
            cities=reach.cities,
            no_contact=reach.no_contact,
            by_cities=survey.by_cities,
        ),
        reply_markup=keyboard(on.t, survey.id, [[f"{on.action}_ok"], ["cancel"]]),
    )


@action("close_ok", needs=SurveyStatus.OPEN, refusal="surveys.admin.not_open")
async def close(on: On) -> None:
    if await on.surveys.close(on.survey, on.viewer) is None:
        raise Stale("surveys.admin.not_open")
    await on.message.edit_text(on.t("surveys.admin.closed", title=on.survey.title))


@action("remind_ok", needs=SurveyStatus.OPEN, refusal="surveys.admin.not_open")
async def remind(on: On) -> None:
    reach = await on.surveys.remind_now(on.viewer, on.survey)
    await on.message.edit_text(
        on.t(
            "surveys.admin.reminded",
            people=len(reach.people),
            cities=reach.cities,
            by_cities=on.survey.by_cities,
        )
    )


@action("status")
async def status(on: On) -> None:
    roster = await on.surveys.roster(on.survey)
    chunks, markup = status_screen(
        on.t, on.survey, roster, can_remind=on.survey.status is SurveyStatus.OPEN
    )
    for chunk in chunks[:-1]:
        await on.message.answer(chunk)
    await on.message.answer(chunks[-1], reply_markup=markup)


@action("csv", "xlsx")
async def export(on: On) -> None:
    t, survey = on.t, on.survey
    table = build_table(
        t,
        survey.definition,
        await on.surveys.roster(survey),
        on.settings.tz,
        closed=survey.status is SurveyStatus.CLOSED,
        comparison=await on.surveys.comparison(survey),
    )
    if on.action == "csv":
        content, name = to_csv(table), f"{survey.row.slug}.csv"
    else:
        content, name = to_xlsx(table, survey.title), f"{survey.row.slug}.xlsx"
    await on.message.answer_document(
        BufferedInputFile(content, filename=name),
        caption=t("surveys.admin.export_caption", title=survey.title, footer=table.footer),
    )


@action("charts")
async def charts(on: On) -> None:
    t = on.t
    data = await on.surveys.chart_data(on.survey)
    if not data:
        raise Stale("surveys.admin.no_charts")
    from bot.surveys.charts import chart_png  # matplotlib loads only when a chart is drawn

    median = t.plain("surveys.chart_median")
    for chart in data:
        question = chart.question
        unit = f", {question.unit}" if question.unit else ""
        await on.message.answer_photo(
            BufferedInputFile(
                await asyncio.to_thread(chart_png, chart, median),
                filename=f"{question.key}.png",
            ),
            caption=photo_caption(f"{question.text}{unit}"),
        )
