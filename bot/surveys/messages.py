"""What the answering dialog looks like: the question with its buttons, the review, the
report on a spreadsheet sent back; and how an answer or a number is shown (the same in the
mass sends, the status screen and the answer spreadsheet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.numbers import format_decimal
from markupsafe import escape

from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.inline_buttons import button, column, grid
from bot.split import shorten
from bot.surveys.definition import Answer, Question, QuestionType
from bot.surveys.model import CellNote, ContactSurvey, SheetImport, Step, Survey
from bot.texts import Texts
from storage.surveys import Figure, Participation


def survey_button(text: str, data: SurveyCb | SurveyAdminCb) -> InlineKeyboardButton:
    """A button carrying a survey's callback data (the dialog's, or the staff card's)."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


# A long text answer is shortened where it is shown back; Edit shows it whole.
REVIEW_SHOWN = 300
CURRENT_SHOWN = 1500


def show_number(t: Texts, value: float, places: int | None = None) -> str:
    """A number the Russian way (1 234,5), with the digits it was typed with (212,50) or
    `places` digits after the point."""
    if isinstance(value, Figure) and places is None:
        places = value.places
    if not places:
        return t.number(value)
    exact = Decimal(value.text) if isinstance(value, Figure) else Decimal(repr(float(value)))
    return format_decimal(exact, format=f"#,##0.{'0' * places}", locale=t.babel)


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
        places = question.decimals if not isinstance(value, Figure) else None
        return f"{show_number(t, value, places)}{unit}"
    return str(value)


def _last_time(t: Texts, step: Step, question: Question) -> str | None:
    """The answer given to the survey this one repeats (`compare_with`), as a line."""
    previous = step.previous
    if previous is None or question.key not in previous.answers:
        return None
    value = shorten(show_answer(t, question, previous.answers[question.key]), REVIEW_SHOWN)
    return t.plain("surveys.previous_line", year=previous.year, value=value)


def question_text(t: Texts, step: Step, problem: str | None = None, echo: str | None = None) -> str:
    """The question; `echo`: the answer just typed, read back ("Saved: 212,50 rub.")."""
    assert step.question is not None
    question = step.question
    return t(
        "surveys.question",
        before=_last_time(t, step, question),
        echo=echo,
        trial=step.owner.trial,
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
    city_id = step.ref
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
    if step.plan.questions[0] is question:  # the start of the dialog: or a spreadsheet
        rows.append([button(t.plain("surveys.excel"), "xl")])
    rows.append([button(t.plain("surveys.pause"), "x")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def review_text(t: Texts, step: Step, echo: str | None = None) -> list[str]:
    """The answers so far, as one or more messages (a long survey needs several)."""
    items = [
        {
            "number": step.plan.position(q.key),
            "text": q.text,
            "answer": shorten(show_answer(t, q, step.plan.effective[q.key]), REVIEW_SHOWN)
            if q.key in step.plan.effective
            else None,
            "before": _last_time(t, step, q),
        }
        for q in step.plan.questions
    ]
    head = t(
        "surveys.review",
        echo=shorten(echo, REVIEW_SHOWN) if echo else None,
        trial=step.owner.trial,
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
    city_id = step.ref
    edits = [
        survey_button(
            t.plain("surveys.edit", n=step.plan.position(question.key)),
            SurveyCb(a="ed", s=survey_id, c=city_id, q=step.survey.definition.index(question.key)),
        )
        for question in step.plan.questions
    ]
    rows = [edits[start : start + 5] for start in range(0, len(edits), 5)]
    if not step.submitted:
        rows.append(
            [survey_button(t.plain("surveys.submit"), SurveyCb(a="sub", s=survey_id, c=city_id))]
        )
    rows.append([survey_button(t.plain("surveys.pause"), SurveyCb(a="x", s=survey_id, c=city_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# --- the answer spreadsheet --------------------------------------------------------------------


def problem_params(t: Texts, params: Mapping[str, object]) -> dict[str, object]:
    """A problem's values for its text: the bounds written as numbers are (1 000; 0,5);
    counts (length, limit) stay numbers, the texts put them through plural()."""
    return {
        name: t.number(value)
        if name in ("min", "max") and isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in params.items()
    }


def _cell_note(t: Texts, note: CellNote) -> str:
    params = problem_params(t, note.params)
    return t.plain(f"surveys.sheet.problem.{note.code}", cell=note.cell, **params)


def sheet_report(t: Texts, result: SheetImport) -> str:
    """What a spreadsheet sent back changed: answers saved, and every cell not taken."""
    step = result.step
    return t(
        "surveys.sheet.report",
        title=step.survey.title,
        city=step.city.title(t.locale) if step.city else None,
        saved=result.saved,
        unchanged=result.unchanged,
        problems=[_cell_note(t, note) for note in result.problems],
        ignored=[_cell_note(t, note) for note in result.ignored],
        conflicts=[_cell_note(t, note) for note in result.conflicts],
    )


def scale_range(question: Question) -> tuple[int, int]:
    """The steps of a scale (0 is a step like any other)."""
    low = 1 if question.min is None else int(question.min)
    return low, 5 if question.max is None else int(question.max)


def photo_caption(text: str) -> str:
    """A chart's caption (the question and its unit, typed by staff) as safe HTML within
    Telegram's 1 024-character limit."""
    return str(escape(shorten(text, 900)))


# --- /surveys ---------------------------------------------------------------------------------


def staff_list(
    t: Texts, overview: Sequence[tuple[Survey, Participation]]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Every survey with its participation; a numbered button opens each card."""
    rows = [{"survey": s, "part": part, "by_cities": s.by_cities} for s, part in overview]
    cards = [
        button(str(number), SurveyAdminCb(a="card", s=survey.id))
        for number, (survey, _) in enumerate(overview, 1)
    ]
    return t("surveys.admin.list", rows=rows), grid(cards, 8) if cards else None


def contact_list(t: Texts, mine: Sequence[ContactSurvey]) -> tuple[str, InlineKeyboardMarkup]:
    """The open surveys a person answers (per city): answer in the chat, or in Excel."""
    items, buttons = [], []
    for item in mine:
        city = item.city.title(t.locale) if item.city else None
        ref = item.city.id if item.city else 0
        items.append(
            {
                "title": item.survey.title,
                "city": city,
                "deadline": item.survey.deadline,
                "status": item.state.status if item.state else None,
                "answered": item.plan.answered,
                "total": item.plan.total,
            }
        )
        for action, key in (("go", "surveys.mine_button"), ("xl", "surveys.mine_excel")):
            label = t.plain(key, title=item.survey.title, city=city)
            buttons.append(button(label, SurveyCb(a=action, s=item.survey.id, c=ref)))
    return t("surveys.mine", items=items), column(*buttons)


def city_choice(
    t: Texts, survey_id: int, cities: Sequence[tuple[int, str]], action: str
) -> InlineKeyboardMarkup:
    """A person answering for several cities picks one (two a row)."""
    picks = [button(name, SurveyCb(a=action, s=survey_id, c=city_id)) for city_id, name in cities]
    return grid(picks, 2)
