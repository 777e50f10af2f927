"""The answering dialog's state and its screens, shared by the chat and the spreadsheet:
remember the step, show it, or leave the dialog saying why."""

from __future__ import annotations

from typing import NoReturn

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.buttons import Stale
from bot.surveys.messages import question_keyboard, question_text, review_keyboard, review_text
from bot.surveys.model import Refusal, Step
from bot.texts import Texts


class SurveyDialog(StatesGroup):
    answering = State()


async def remember(state: FSMContext, step: Step) -> None:
    await state.set_state(SurveyDialog.answering)
    await state.set_data(
        {
            "s": step.survey.id,
            "c": step.ref,
            "q": step.question.key if step.question else "review",
        }
    )


async def show(
    target: Message, step: Step, t: Texts, problem: str | None = None, echo: str | None = None
) -> None:
    """The question to answer, or the review with Edit and Submit; `echo` reads back the
    answer just typed."""
    if step.question is not None:
        await target.answer(
            question_text(t, step, problem, echo), reply_markup=question_keyboard(t, step)
        )
        return
    parts = review_text(t, step, echo)
    for part in parts[:-1]:
        await target.answer(part)
    await target.answer(parts[-1], reply_markup=review_keyboard(t, step))


async def refuse(refusal: Refusal, state: FSMContext, survey_id: int) -> NoReturn:
    """Survey `survey_id` cannot go on (closed, gone, not this person's): leave its dialog and
    say why (an alert under a button, a message after typing). A stale button of another
    survey, or one pressed in another dialog, leaves the dialog the person is in alone."""
    if (
        refusal is not Refusal.PICK_CITY
        and await state.get_state() == SurveyDialog.answering
        and (await state.get_data()).get("s") == survey_id
    ):
        await state.clear()
    raise Stale(f"surveys.refused.{refusal.value}")
