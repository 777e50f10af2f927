"""The answering dialog's buttons: an answer chosen, options ticked, back, the review, edit,
submit and pause."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale, found, message_of
from bot.callbacks import SurveyCb
from bot.surveys.definition import Question, QuestionType
from bot.surveys.messages import question_keyboard, show_answer
from bot.surveys.model import TRIAL, Refusal, Step, Submission
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.surveys.dialog import refuse, remember, show

router = Router(name=__name__)


async def _settle(message: Message | None, t: Texts, step: Step, key: str) -> None:
    """Turn the question just answered into a record of the answer (no buttons)."""
    question = step.survey.definition.question(key)
    if message is None or question is None:
        return
    value = step.plan.effective.get(key)
    with suppress(TelegramBadRequest):
        await message.edit_text(
            t(
                "surveys.answered",
                text=question.text,
                answer=show_answer(t, question, value) if key in step.plan.effective else None,
            )
        )


async def _question(surveys: SurveyService, cb: SurveyCb) -> Question | None:
    """The question a button belongs to; None for a survey or question that is gone."""
    survey = await surveys.get(cb.s)
    questions = survey.definition.questions if survey else ()
    return questions[cb.q] if 0 <= cb.q < len(questions) else None


@router.callback_query(SurveyCb.filter(F.a.in_({"ch", "yn", "sc", "sk", "md"})))
async def answered(
    query: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
) -> None:
    t = viewer.texts
    cb = callback_data
    message = message_of(query)
    question = found(await _question(surveys, cb))
    result: Step | Refusal
    if cb.a == "md":
        current = await surveys.step(viewer, cb.s, cb.c, at=question.key)
        if (
            isinstance(current, Step)
            and question.required
            and not current.plan.effective.get(question.key)
        ):
            raise Stale("surveys.problem.choose_one")
        result = current if isinstance(current, Refusal) else await surveys.step(viewer, cb.s, cb.c)
    elif cb.a == "sk":
        if question.required:
            raise Stale
        result = await surveys.answer(viewer, cb.s, cb.c, question.key, None)
    else:
        value = _button_value(
            question.type, question.options, cb.a, cb.v, question.min, question.max
        )
        if value is None:
            raise Stale
        result = await surveys.answer(viewer, cb.s, cb.c, question.key, value)
    if isinstance(result, Refusal):
        await refuse(result, state)
    await _settle(message, t, result, question.key)
    await remember(state, result)
    await show(message, result, t)


def _button_value(
    kind: QuestionType,
    options: tuple[str, ...],
    action: str,
    value: int,
    low: float | None,
    high: float | None,
) -> str | bool | int | None:
    if action == "ch" and kind is QuestionType.CHOICE and 0 <= value < len(options):
        return options[value]
    if action == "yn" and kind is QuestionType.YESNO and value in (0, 1):
        return bool(value)
    if action == "sc" and kind is QuestionType.SCALE:
        first = 1 if low is None else low
        return value if first <= value <= (5 if high is None else high) else None
    return None


@router.callback_query(SurveyCb.filter(F.a == "mt"))
async def toggled(
    query: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
) -> None:
    t = viewer.texts
    cb = callback_data
    message = message_of(query)
    question = found(await _question(surveys, cb))
    if question.type is not QuestionType.MULTI or not 0 <= cb.v < len(question.options):
        raise Stale
    step = await surveys.toggle(viewer, cb.s, cb.c, question.key, question.options[cb.v])
    if isinstance(step, Refusal):
        await refuse(step, state)
    await remember(state, step)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=question_keyboard(t, step))


@router.callback_query(SurveyCb.filter(F.a.in_({"bk", "rv", "ed"})))
async def navigate(
    query: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
) -> None:
    """Back to the previous question, to the review, or to one question from the review."""
    t = viewer.texts
    cb = callback_data
    message = message_of(query)
    question = await _question(surveys, cb)
    key = question.key if question else None
    if cb.a != "rv" and key is None:
        raise Stale
    target: str | None = "review" if cb.a == "rv" else key
    if cb.a == "bk" and key is not None:
        current = await surveys.step(viewer, cb.s, cb.c, at=key)
        if isinstance(current, Refusal):
            await refuse(current, state)
        before = current.plan.before(key)
        target = before.key if before else key
    step = await surveys.step(viewer, cb.s, cb.c, at=target)
    if isinstance(step, Refusal):
        await refuse(step, state)
    await remember(state, step)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
    await show(message, step, t)


@router.callback_query(SurveyCb.filter(F.a == "sub"))
async def submit(
    query: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
) -> None:
    t = viewer.texts
    message = message_of(query)
    result = await surveys.submit(viewer, callback_data.s, callback_data.c)
    if isinstance(result, Refusal):
        await refuse(result, state)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
    if isinstance(result, Submission) and not result.done:
        await remember(state, result.step)
        await message.answer(
            t("surveys.incomplete", missing=len(result.step.plan.missing_required))
        )
        await show(message, result.step, t)
        return
    await state.clear()
    step = result.step
    if step.owner.trial:
        await message.answer(t("surveys.trial.done", title=step.survey.title))
        return
    await message.answer(
        t(
            "surveys.submitted",
            title=step.survey.title,
            city=step.city.title(t.locale) if step.city else None,
            deadline=step.survey.deadline,
        )
    )


@router.callback_query(SurveyCb.filter(F.a == "x"))
async def pause(
    query: CallbackQuery, callback_data: SurveyCb, state: FSMContext, viewer: Viewer
) -> None:
    """Leave the dialog; every answer given so far stays saved."""
    await state.clear()
    message = message_of(query)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
    key = "surveys.trial.paused" if callback_data.c == TRIAL else "surveys.paused"
    await message.answer(viewer.texts(key))
