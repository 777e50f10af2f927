"""/surveys and the answering dialog: one question at a time, every answer saved at once."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import NoReturn

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.buttons import Stale, found, message_of
from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.filters import DocumentNamed, MenuButton, NotCommand, PrivateChat, TypedText
from bot.services.cities import CityService
from bot.split import split_lines
from bot.surveys.answers import AnswerError
from bot.surveys.definition import Question, QuestionType
from bot.surveys.messages import (
    question_keyboard,
    question_text,
    review_keyboard,
    review_text,
    sheet_report,
    show_answer,
)
from bot.surveys.service import TRIAL, Refusal, SheetRefusal, Step, Submission, SurveyService
from bot.surveys.sheets import Previous, answer_workbook
from bot.surveys.workbook import MAX_FILE, WorkbookError
from bot.texts import Texts
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat())


class SurveyDialog(StatesGroup):
    answering = State()


# --- the list -----------------------------------------------------------------------------------


@router.message(Command("surveys"))
@router.message(MenuButton("surveys"))
async def list_surveys(message: Message, viewer: Viewer, surveys: SurveyService) -> None:
    t = viewer.texts
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
            builder.button(
                text=t.plain(
                    "surveys.mine_button",
                    title=item.survey.title,
                    city=item.city.title(t.locale) if item.city else None,
                ),
                callback_data=SurveyCb(
                    a="go", s=item.survey.id, c=item.city.id if item.city else 0
                ),
            )
            builder.button(
                text=t.plain(
                    "surveys.mine_excel",
                    title=item.survey.title,
                    city=item.city.title(t.locale) if item.city else None,
                ),
                callback_data=SurveyCb(
                    a="xl", s=item.survey.id, c=item.city.id if item.city else 0
                ),
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


# --- showing a step -----------------------------------------------------------------------------


async def _remember(state: FSMContext, step: Step) -> None:
    await state.set_state(SurveyDialog.answering)
    await state.set_data(
        {
            "s": step.survey.id,
            "c": step.ref,
            "q": step.question.key if step.question else "review",
        }
    )


async def _show(
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


async def _refuse(refusal: Refusal, state: FSMContext) -> NoReturn:
    """The survey cannot go on (closed, gone, not this person's): leave the dialog and say
    why (an alert under a button, a message after typing)."""
    if refusal is not Refusal.PICK_CITY:
        await state.clear()
    raise Stale(f"surveys.refused.{refusal.value}")


def _cities_keyboard(
    t: Texts, survey_id: int, cities: list[tuple[int, str]], action: str = "go"
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for city_id, name in cities:
        builder.button(text=name, callback_data=SurveyCb(a=action, s=survey_id, c=city_id))
    builder.adjust(2)
    return builder.as_markup()


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


# --- starting and continuing ----------------------------------------------------------------------


@router.callback_query(SurveyCb.filter(F.a.in_({"go", "xl"})))
async def go(
    query: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    viewer: Viewer,
    surveys: SurveyService,
    cities: CityService,
) -> None:
    """Start or continue in the chat ("go"), or get the spreadsheet to fill in ("xl")."""
    t = viewer.texts
    message = message_of(query)
    step = await surveys.step(viewer, callback_data.s, callback_data.c)
    if step is Refusal.PICK_CITY:
        names = sorted(
            (c.id, c.title(t.locale)) for c in await cities.members() if c.id in viewer.city_ids
        )
        await message.answer(
            t("surveys.pick_city"),
            reply_markup=_cities_keyboard(t, callback_data.s, names, callback_data.a),
        )
        return
    if isinstance(step, Refusal):
        await _refuse(step, state)
    if callback_data.a == "xl":
        await _send_sheet(message, step, t, await surveys.previous(step))
        return
    await _remember(state, step)
    await _show(message, step, t)


async def _send_sheet(message: Message, step: Step, t: Texts, previous: Previous | None) -> None:
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


# --- the spreadsheet sent back ------------------------------------------------------------------


async def download_xlsx(message: Message, bot: Bot, t: Texts) -> bytes | None:
    """The document's bytes; None (and a reply) when it is too big to be a filled-in survey."""
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(t("surveys.sheet.too_big", limit=MAX_FILE // 1024))
        return None
    downloaded = await bot.download(document)
    return downloaded.read() if downloaded is not None else b""


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
    await _remember(state, result.step)
    await _show(message, result.step, t)
    return True


@router.message(StateFilter(None, SurveyDialog.answering), DocumentNamed(".xlsx"))
async def sheet_sent(
    message: Message, state: FSMContext, bot: Bot, viewer: Viewer, surveys: SurveyService
) -> None:
    t = viewer.texts
    raw = await download_xlsx(message, bot, t)
    if raw is not None and not await answer_sheet(message, state, viewer, surveys, raw):
        await message.answer(t("surveys.sheet.refused.not_answers"))


# --- typed answers ------------------------------------------------------------------------------


@router.message(StateFilter(SurveyDialog.answering), TypedText())
async def typed(
    message: Message, state: FSMContext, viewer: Viewer, surveys: SurveyService
) -> None:
    t = viewer.texts
    data = await state.get_data()
    survey_id, city_id, key = data.get("s", 0), data.get("c", 0), data.get("q", "")
    if key == "review":
        step = await surveys.step(viewer, survey_id, city_id, at="review")
        if isinstance(step, Refusal):
            await _refuse(step, state)
        await message.answer(t("surveys.use_review_buttons"))
        await _show(message, step, t)
        return
    result = await surveys.answer_text(viewer, survey_id, city_id, key, message.text or "")
    if isinstance(result, Refusal):
        await _refuse(result, state)
    if isinstance(result, AnswerError):
        step = await surveys.step(viewer, survey_id, city_id, at=key)
        if isinstance(step, Refusal):
            await _refuse(step, state)
        problem = t.plain(f"surveys.problem.{result.problem.value}", **_numbers(t, result))
        await _show(message, step, t, problem=problem)
        return
    await _remember(state, result)
    question = result.survey.definition.question(key)
    given = result.state.answers.get(key)
    echo = show_answer(t, question, given) if question and key in result.state.answers else None
    await _show(message, result, t, echo=echo)


def _numbers(t: Texts, error: AnswerError) -> dict[str, object]:
    return {
        name: t.number(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in error.params.items()
    }


@router.message(StateFilter(SurveyDialog.answering), NotCommand())
async def not_text(
    message: Message, state: FSMContext, viewer: Viewer, surveys: SurveyService
) -> None:
    """A photo, a sticker, a voice message where an answer is expected: ask again, politely."""
    t = viewer.texts
    data = await state.get_data()
    at = data.get("q", "review")
    step = await surveys.step(viewer, data.get("s", 0), data.get("c", 0), at=at)
    if isinstance(step, Refusal):
        await _refuse(step, state)
    await _show(message, step, t, problem=t.plain("surveys.problem.not_text"))


# --- buttons --------------------------------------------------------------------------------------


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
        await _refuse(result, state)
    await _settle(message, t, result, question.key)
    await _remember(state, result)
    await _show(message, result, t)


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
        await _refuse(step, state)
    await _remember(state, step)
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
            await _refuse(current, state)
        before = current.plan.before(key)
        target = before.key if before else key
    step = await surveys.step(viewer, cb.s, cb.c, at=target)
    if isinstance(step, Refusal):
        await _refuse(step, state)
    await _remember(state, step)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
    await _show(message, step, t)


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
        await _refuse(result, state)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
    if isinstance(result, Submission) and not result.done:
        await _remember(state, result.step)
        await message.answer(
            t("surveys.incomplete", missing=len(result.step.plan.missing_required))
        )
        await _show(message, result.step, t)
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
