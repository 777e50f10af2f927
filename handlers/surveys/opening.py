"""Staff: opening a survey (or reopening it): the deadline, typed or from the file, then
who will be invited, confirmed."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale, found
from bot.callbacks import SurveyAdminCb
from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.filters import IsStaff, PrivateChat, TypedText
from bot.settings import Settings
from bot.surveys.model import Survey
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.surveys.card import On, SurveyAdmin, action, keyboard
from storage.values import SurveyStatus

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


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
    t: Texts,
    surveys: SurveyService,
    settings: Settings,
    clock: Clock,
) -> None:
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
    message: Message,
    state: FSMContext,
    t: Texts,
    viewer: Viewer,
    surveys: SurveyService,
    clock: Clock,
) -> None:
    data = await state.get_data()
    survey = found(await surveys.get(callback_data.s), "surveys.admin.gone")
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
