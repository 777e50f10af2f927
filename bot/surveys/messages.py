"""What the survey dialog and the survey mass sends look like: texts and keyboards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from markupsafe import escape

from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.delivery.parts import Part, PhotoPart, Renderers, TextPart
from bot.split import shorten, split_lines
from bot.surveys.definition import Answer, Question, QuestionType
from bot.surveys.service import Step
from bot.texts import Texts


def _button(text: str, data: SurveyCb | SurveyAdminCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def start_keyboard(t: Texts, survey_id: int, city_id: int = 0) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("surveys.start"), SurveyCb(a="go", s=survey_id, c=city_id))]
        ]
    )


# A long text answer is shortened where it is shown back; Edit shows it whole.
REVIEW_SHOWN = 300
CURRENT_SHOWN = 1500


def show_answer(t: Texts, question: Question, value: Answer) -> str:
    """An answer as the person reads it back (plain text; the template escapes it)."""
    if value is None:
        return t.plain("surveys.skipped")
    if question.type is QuestionType.YESNO:
        return t.plain("surveys.answer_yes" if value else "surveys.answer_no")
    if question.type is QuestionType.MULTI and isinstance(value, list):
        return ", ".join(value) if value else t.plain("surveys.nothing_chosen")
    if question.type is QuestionType.DATE:
        return t.date(date.fromisoformat(str(value)))
    if isinstance(value, int | float) and not isinstance(value, bool):
        unit = f" {question.unit}" if question.unit else ""
        return f"{t.number(value)}{unit}"
    return str(value)


def question_text(t: Texts, step: Step, problem: str | None = None) -> str:
    assert step.question is not None
    question = step.question
    return t(
        "surveys.question",
        title=step.survey.title,
        city=step.city.title(t.locale) if step.city else None,
        number=step.plan.position(question.key),
        total=step.plan.total,
        question=question,
        low=t.number(question.min) if question.min is not None else None,
        high=t.number(question.max) if question.max is not None else None,
        current=(
            shorten(show_answer(t, question, step.plan.effective[question.key]), CURRENT_SHOWN)
            if question.key in step.plan.effective and question.type is not QuestionType.MULTI
            else None
        ),
        problem=problem,
    )


def question_keyboard(t: Texts, step: Step) -> InlineKeyboardMarkup:
    """Built directly (no InlineKeyboardBuilder): this runs on every answer, and the
    builder's copies cost more than the rest of the answer's handling."""
    assert step.question is not None
    question = step.question
    survey_id = step.survey.id
    city_id = step.city.id if step.city else 0
    index = step.survey.definition.index(question.key)

    def button(text: str, action: str, value: int = 0) -> InlineKeyboardButton:
        data = SurveyCb(a=action, s=survey_id, c=city_id, q=index, v=value)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    rows: list[list[InlineKeyboardButton]] = []
    current = step.plan.effective.get(question.key)
    if question.type is QuestionType.CHOICE:
        for i, option in enumerate(question.options):
            mark = "surveys.mark_on" if current == option else "surveys.mark_off"
            rows.append([button(t.plain(mark, label=option), "ch", i)])
    elif question.type is QuestionType.MULTI:
        chosen = current if isinstance(current, list) else []
        for i, option in enumerate(question.options):
            mark = "surveys.mark_on" if option in chosen else "surveys.mark_off"
            rows.append([button(t.plain(mark, label=option), "mt", i)])
        rows.append([button(t.plain("surveys.multi_done", n=len(chosen)), "md")])
    elif question.type is QuestionType.YESNO:
        rows.append(
            [
                button(t.plain("surveys.answer_yes"), "yn", 1),
                button(t.plain("surveys.answer_no"), "yn", 0),
            ]
        )
    elif question.type is QuestionType.SCALE:
        low, high = scale_range(question)
        scale = [button(str(v), "sc", v) for v in range(low, high + 1)]
        rows.extend(scale[start : start + 6] for start in range(0, len(scale), 6))
    navigation = []
    if step.plan.before(question.key) is not None:
        navigation.append(button(t.plain("surveys.back"), "bk"))
    if not question.required:
        navigation.append(button(t.plain("surveys.skip"), "sk"))
    if step.plan.first_unanswered() is None:
        navigation.append(button(t.plain("surveys.to_review"), "rv"))
    if navigation:
        rows.append(navigation)
    rows.append([button(t.plain("surveys.pause"), "x")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def review_text(t: Texts, step: Step) -> list[str]:
    """The answers so far, as one or more messages (a long survey needs several)."""
    items = [
        {
            "number": step.plan.position(q.key),
            "text": q.text,
            "answer": shorten(show_answer(t, q, step.plan.effective[q.key]), REVIEW_SHOWN)
            if q.key in step.plan.effective
            else None,
        }
        for q in step.plan.questions
    ]
    head = t(
        "surveys.review",
        title=step.survey.title,
        city=step.city.title(t.locale) if step.city else None,
        submitted=step.submitted,
        deadline=step.survey.deadline,
    )
    lines = [t("surveys.review_item", **item) for item in items]
    messages, current = [], head
    for line in lines:
        if len(current) + len(line) + 2 > 3800:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n\n{line}"
    messages.append(current)
    return messages


def review_keyboard(t: Texts, step: Step) -> InlineKeyboardMarkup:
    survey_id = step.survey.id
    city_id = step.city.id if step.city else 0
    edits = [
        _button(
            t.plain("surveys.edit", n=step.plan.position(question.key)),
            SurveyCb(a="ed", s=survey_id, c=city_id, q=step.survey.definition.index(question.key)),
        )
        for question in step.plan.questions
    ]
    rows = [edits[start : start + 5] for start in range(0, len(edits), 5)]
    if not step.submitted:
        rows.append([_button(t.plain("surveys.submit"), SurveyCb(a="sub", s=survey_id, c=city_id))])
    rows.append([_button(t.plain("surveys.pause"), SurveyCb(a="x", s=survey_id, c=city_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# --- mass sends (rendered per recipient by the outbox) ------------------------------------------


def _deadline(args: dict[str, Any]) -> datetime | None:
    value = args.get("deadline")
    return datetime.fromisoformat(value) if value else None


def render_invite(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [
        TextPart(
            t(
                "surveys.invite",
                title=args["title"],
                description=args.get("description"),
                questions=args["questions"],
                deadline=_deadline(args),
            ),
            start_keyboard(t, args["survey_id"]),
        )
    ]


def render_reopened(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [
        TextPart(
            t("surveys.reopened", title=args["title"], deadline=_deadline(args)),
            start_keyboard(t, args["survey_id"]),
        )
    ]


def render_remind(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [
        TextPart(
            t("surveys.remind", title=args["title"], deadline=_deadline(args)),
            start_keyboard(t, args["survey_id"]),
        )
    ]


def render_closed(t: Texts, args: dict[str, Any]) -> list[Part]:
    survey_id = args["survey_id"]
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(t.plain("surveys.admin.xlsx"), SurveyAdminCb(a="xlsx", s=survey_id)),
                _button(t.plain("surveys.admin.csv"), SurveyAdminCb(a="csv", s=survey_id)),
            ],
            [_button(t.plain("surveys.admin.status"), SurveyAdminCb(a="status", s=survey_id))],
        ]
    )
    return [
        TextPart(
            t(
                "surveys.closed_staff",
                title=args["title"],
                submitted=args["submitted"],
                total=args["total"],
                by_cities=args["by_cities"],
                missing=args.get("missing", []),
            ),
            keyboard,
        )
    ]


def render_results(t: Texts, args: dict[str, Any]) -> list[Part]:
    summary = t(
        "surveys.results",
        title=args["title"],
        submitted=args["submitted"],
        total=args["total"],
        by_cities=args["by_cities"],
        stats=args["stats"],
        charts=len(args.get("charts", [])),
    )
    parts: list[Part] = [TextPart(chunk) for chunk in split_lines(summary)]  # many questions
    for key, caption in zip(args.get("charts", []), args.get("captions", []), strict=False):
        parts.append(PhotoPart(key, caption=photo_caption(caption)))
    return parts


def scale_range(question: Question) -> tuple[int, int]:
    """The steps of a scale (0 is a step like any other)."""
    low = 1 if question.min is None else int(question.min)
    return low, 5 if question.max is None else int(question.max)


def photo_caption(text: str) -> str:
    """A chart's caption (the question and its unit, typed by staff) as safe HTML within
    Telegram's 1 024-character limit."""
    return str(escape(shorten(text, 900)))


def register(renderers: Renderers) -> None:
    renderers.register("survey.invite", render_invite)
    renderers.register("survey.reopened", render_reopened)
    renderers.register("survey.remind", render_remind)
    renderers.register("survey.closed", render_closed)
    renderers.register("survey.results", render_results)
