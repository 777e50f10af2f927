"""Staff: a survey's card, and what its buttons do (each action registered by name, with
the status it needs): discard, close, remind, the status, exports and charts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.buttons import Stale, found
from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.clock import Clock
from bot.filters import IsStaff
from bot.settings import Settings
from bot.surveys.export import build_table, to_csv, to_xlsx
from bot.surveys.messages import photo_caption
from bot.surveys.model import TRIAL, Survey
from bot.surveys.service import SurveyService
from bot.surveys.status import status_screen
from bot.texts import Texts
from bot.viewer import Viewer
from storage.values import SurveyStatus

router = Router(name=__name__)
router.callback_query.filter(IsStaff())

# The actions a survey's card offers, by status (labels: surveys.admin.<action>).
CARD_ACTIONS = {
    SurveyStatus.DRAFT: [["open"], ["discard"]],
    SurveyStatus.OPEN: [["status", "remind"], ["xlsx", "csv", "charts"], ["close"]],
    SurveyStatus.CLOSED: [["status"], ["xlsx", "csv", "charts"], ["reopen"]],
}


class SurveyAdmin(StatesGroup):
    """Staff asked for a survey file (importing.py) or a deadline (opening.py)."""

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


async def card_screen(
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


@dataclass(frozen=True, slots=True)
class On:
    """A staff member pressed one of a survey's buttons."""

    action: str
    survey: Survey
    message: Message
    t: Texts
    state: FSMContext
    viewer: Viewer
    surveys: SurveyService
    settings: Settings
    clock: Clock


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
    message: Message,
    state: FSMContext,
    t: Texts,
    viewer: Viewer,
    surveys: SurveyService,
    settings: Settings,
    clock: Clock,
) -> None:
    needs, refusal, run = found(ACTIONS.get(callback_data.a))
    if callback_data.a == "cancel":
        await state.clear()
        await message.edit_text(t("surveys.admin.cancelled"))
        return
    survey = found(await surveys.get(callback_data.s), "surveys.admin.gone")
    if needs is not None and survey.status is not needs:
        raise Stale(refusal)
    on = On(callback_data.a, survey, message, t, state, viewer, surveys, settings, clock)
    await run(on)


@action("cancel")
async def _cancelled(on: On) -> None:
    """Handled in card_button (it needs no survey)."""


@action("card")
async def card(on: On) -> None:
    text, markup = await card_screen(on.t, on.survey, on.surveys)
    await on.message.answer(text, reply_markup=markup)


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
