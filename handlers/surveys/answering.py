"""The answering dialog in the chat: starting or continuing (or getting the spreadsheet),
and answers typed: one question at a time, every answer saved at once."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import SurveyCb
from bot.filters import NotCommand, PrivateChat, TypedText
from bot.services.cities import CityService
from bot.surveys.answers import AnswerError
from bot.surveys.messages import city_choice, problem_params, show_answer
from bot.surveys.model import Refusal
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.surveys.dialog import SurveyDialog, refuse, remember, show
from handlers.surveys.sheets import send_sheet

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.callback_query(SurveyCb.filter(F.a.in_({"go", "xl"})))
async def go(
    query: CallbackQuery,
    callback_data: SurveyCb,
    message: Message,
    state: FSMContext,
    t: Texts,
    viewer: Viewer,
    surveys: SurveyService,
    cities: CityService,
) -> None:
    """Start or continue in the chat ("go"), or get the spreadsheet to fill in ("xl")."""
    step = await surveys.step(viewer, callback_data.s, callback_data.c)
    if step is Refusal.PICK_CITY:
        names = [  # in the member list's (alphabetical) order
            (c.id, c.title(t.locale)) for c in await cities.members() if c.id in viewer.city_ids
        ]
        await message.answer(
            t("surveys.pick_city"),
            reply_markup=city_choice(t, callback_data.s, names, callback_data.a),
        )
        return
    if isinstance(step, Refusal):
        await refuse(step, state, callback_data.s)
    if callback_data.a == "xl":
        await send_sheet(message, step, t, await surveys.previous(step))
        return
    await remember(state, step)
    await show(message, step, t)


@router.message(StateFilter(SurveyDialog.answering), TypedText())
async def typed(
    message: Message, state: FSMContext, t: Texts, viewer: Viewer, surveys: SurveyService
) -> None:
    data = await state.get_data()
    survey_id, city_id, key = data.get("s", 0), data.get("c", 0), data.get("q", "")
    if key == "review":
        step = await surveys.step(viewer, survey_id, city_id, at="review")
        if isinstance(step, Refusal):
            await refuse(step, state, survey_id)
        await message.answer(t("surveys.use_review_buttons"))
        await show(message, step, t)
        return
    result = await surveys.answer_text(viewer, survey_id, city_id, key, message.text or "")
    if isinstance(result, Refusal):
        await refuse(result, state, survey_id)
    if isinstance(result, AnswerError):
        step = await surveys.step(viewer, survey_id, city_id, at=key)
        if isinstance(step, Refusal):
            await refuse(step, state, survey_id)
        problem = t.plain(
            f"surveys.problem.{result.problem.value}", **problem_params(t, result.params)
        )
        await show(message, step, t, problem=problem)
        return
    await remember(state, result)
    question = result.survey.definition.question(key)
    given = result.state.answers.get(key)
    echo = show_answer(t, question, given) if question and key in result.state.answers else None
    await show(message, result, t, echo=echo)


@router.message(StateFilter(SurveyDialog.answering), NotCommand())
async def not_text(
    message: Message, state: FSMContext, t: Texts, viewer: Viewer, surveys: SurveyService
) -> None:
    """A photo, a sticker, a voice message where an answer is expected: ask again, politely."""
    data = await state.get_data()
    at = data.get("q", "review")
    step = await surveys.step(viewer, data.get("s", 0), data.get("c", 0), at=at)
    if isinstance(step, Refusal):
        await refuse(step, state, data.get("s", 0))
    await show(message, step, t, problem=t.plain("surveys.problem.not_text"))
