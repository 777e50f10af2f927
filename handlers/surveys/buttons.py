"""The answering dialog's buttons: an answer chosen, options ticked, back, the review, edit,
submit and pause. One handler takes them all and runs the action `ACTIONS` names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.buttons import Stale, found
from bot.callbacks import SurveyCb
from bot.surveys.definition import Question, QuestionType
from bot.surveys.messages import question_keyboard, show_answer
from bot.surveys.model import TRIAL, Refusal, Step, Submission
from bot.surveys.service import SurveyService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import drop_buttons
from handlers.surveys.dialog import refuse, remember, show

router = Router(name=__name__)


@dataclass(frozen=True, slots=True)
class Press:
    """A person pressed one of the dialog's buttons."""

    cb: SurveyCb
    message: Message
    t: Texts
    state: FSMContext
    viewer: Viewer
    surveys: SurveyService

    async def question(self) -> Question | None:
        """The question the button belongs to; None for a survey or question that is gone."""
        survey = await self.surveys.get(self.cb.s)
        questions = survey.definition.questions if survey else ()
        return questions[self.cb.q] if 0 <= self.cb.q < len(questions) else None

    async def go_on(self, result: Step | Refusal) -> Step:
        """Remember the step; a refusal leaves the dialog instead (Stale)."""
        if isinstance(result, Refusal):
            await refuse(result, self.state, self.cb.s)
        await remember(self.state, result)
        return result


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


async def answered(press: Press) -> None:
    cb, surveys, viewer = press.cb, press.surveys, press.viewer
    message = press.message
    question = found(await press.question())
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
        await refuse(result, press.state, cb.s)
    await _settle(message, press.t, result, question.key)
    await remember(press.state, result)
    await show(message, result, press.t)


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


async def toggled(press: Press) -> None:
    cb = press.cb
    message = press.message
    question = found(await press.question())
    if question.type is not QuestionType.MULTI or not 0 <= cb.v < len(question.options):
        raise Stale
    result = await press.surveys.toggle(
        press.viewer, cb.s, cb.c, question.key, question.options[cb.v]
    )
    step = await press.go_on(result)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=question_keyboard(press.t, step))


async def navigate(press: Press) -> None:
    """Back to the previous question, to the review, or to one question from the review."""
    cb, surveys, viewer = press.cb, press.surveys, press.viewer
    message = press.message
    question = await press.question()
    key = question.key if question else None
    if cb.a != "rv" and key is None:
        raise Stale
    target: str | None = "review" if cb.a == "rv" else key
    if cb.a == "bk" and key is not None:
        current = await surveys.step(viewer, cb.s, cb.c, at=key)
        if isinstance(current, Refusal):
            await refuse(current, press.state, cb.s)
        before = current.plan.before(key)
        target = before.key if before else key
    step = await press.go_on(await surveys.step(viewer, cb.s, cb.c, at=target))
    await drop_buttons(message)
    await show(message, step, press.t)


async def submit(press: Press) -> None:
    t, state = press.t, press.state
    message = press.message
    result = await press.surveys.submit(press.viewer, press.cb.s, press.cb.c)
    if isinstance(result, Refusal):
        await refuse(result, state, press.cb.s)
    await drop_buttons(message)
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


async def pause(press: Press) -> None:
    """Leave the dialog; every answer given so far stays saved."""
    await press.state.clear()
    message = press.message
    await drop_buttons(message)
    key = "surveys.trial.paused" if press.cb.c == TRIAL else "surveys.paused"
    await message.answer(press.t(key))


ACTIONS: dict[str, Callable[[Press], Awaitable[None]]] = {
    **dict.fromkeys(("ch", "yn", "sc", "sk", "md"), answered),
    "mt": toggled,
    **dict.fromkeys(("bk", "rv", "ed"), navigate),
    "sub": submit,
    "x": pause,
}


@router.callback_query(SurveyCb.filter(F.a.in_(set(ACTIONS))))
async def pressed(
    query: CallbackQuery,
    callback_data: SurveyCb,
    message: Message,
    t: Texts,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
) -> None:
    await ACTIONS[callback_data.a](Press(callback_data, message, t, state, viewer, surveys))
