"""What the survey dialog and the survey mass sends look like: texts and keyboards."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.numbers import format_decimal
from markupsafe import escape

from bot.callbacks import CityPickCb, SurveyAdminCb, SurveyCb
from bot.delivery.parts import Part, PhotoPart, Renderers, TextPart
from bot.split import shorten, split_lines
from bot.surveys.definition import Answer, Question, QuestionType
from bot.surveys.roster import Entry, Roster, State
from bot.surveys.service import CellNote, SheetImport, Step, Survey
from bot.texts import Texts
from storage.surveys import Figure


def _button(text: str, data: SurveyCb | SurveyAdminCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def start_keyboard(
    t: Texts, survey_id: int, city_id: int = 0, *, started: bool = False
) -> InlineKeyboardMarkup:
    """Start (or Continue, once the city started) in the chat, or fill in a spreadsheet."""
    label = "surveys.continue" if started else "surveys.start"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain(label), SurveyCb(a="go", s=survey_id, c=city_id))],
            [_button(t.plain("surveys.excel"), SurveyCb(a="xl", s=survey_id, c=city_id))],
        ]
    )


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


def question_text(t: Texts, step: Step, problem: str | None = None, echo: str | None = None) -> str:
    """The question; `echo`: the answer just typed, read back ("Saved: 212,50 rub.")."""
    assert step.question is not None
    question = step.question
    previous = step.previous
    before = None
    if previous is not None and question.key in previous.answers:
        value = show_answer(t, question, previous.answers[question.key])
        before = t.plain("surveys.previous_line", year=previous.year, value=value)
    return t(
        "surveys.question",
        before=before,
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


# --- the answer spreadsheet --------------------------------------------------------------------


def _cell_note(t: Texts, note: CellNote) -> str:
    params = {
        name: t.number(value) if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in note.params.items()
    }  # fmt: skip
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


# --- staff: where every city stands -------------------------------------------------------------


def _entry(t: Texts, entry: Entry) -> dict[str, Any]:
    return {
        "name": entry.title(t.locale),
        "submitted_at": entry.row.submitted_at,
        "edited_at": entry.row.edited_at,
        "answered": entry.answered,
        "total": entry.total,
        "contact": entry.has_contact,
    }


def status_screen(
    t: Texts, survey: Survey, roster: Roster, *, can_remind: bool
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """Who answered: every city by state; a city without a contact gets a button that makes
    an invitation link for it (the /invite flow), and Remind while the survey is open."""
    groups = {state: [_entry(t, e) for e in roster.of(state)] for state in State}
    uninvited = [
        e
        for e in roster.entries
        if roster.by_cities
        and e.row.city_id
        and e.row.is_member
        and not e.has_contact
        and e.state is not State.SUBMITTED
    ][:90]
    text = t(
        "surveys.admin.status_text",
        title=survey.title,
        part=roster.participation,
        by_cities=roster.by_cities,
        closed=survey.status.value == "closed",
        submitted=groups[State.SUBMITTED],
        started=groups[State.IN_PROGRESS],
        not_started=groups[State.NOT_STARTED],
        no_contact=groups[State.NO_CONTACT],
        invite=bool(uninvited),
    )
    rows: list[list[InlineKeyboardButton]] = []
    invite = [
        InlineKeyboardButton(
            text=t.plain("surveys.admin.invite_city", city=e.title(t.locale)),
            callback_data=CityPickCb(purpose="invite", city_id=e.row.city_id or 0).pack(),
        )
        for e in uninvited
    ]
    rows.extend(invite[start : start + 2] for start in range(0, len(invite), 2))
    if can_remind:
        rows.append(
            [_button(t.plain("surveys.admin.remind"), SurveyAdminCb(a="remind", s=survey.id))]
        )
    return split_lines(text), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


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
            start_keyboard(t, args["survey_id"], started=args.get("started", False)),
        )
    ]


def render_reopened(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [
        TextPart(
            t(
                "surveys.reopened",
                title=args["title"],
                deadline=_deadline(args),
                started=args.get("started", False),
            ),
            start_keyboard(t, args["survey_id"], started=args.get("started", False)),
        )
    ]


def render_remind(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [
        TextPart(
            t(
                "surveys.remind",
                title=args["title"],
                deadline=_deadline(args),
                started=args.get("started", False),
            ),
            start_keyboard(t, args["survey_id"], started=args.get("started", False)),
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
    text = t(
        "surveys.closed_staff",
        title=args["title"],
        submitted=args["submitted"],
        total=args["total"],
        by_cities=args["by_cities"],
        started=_cities(t, args.get("started", [])),
        not_started=_cities(t, args.get("not_started", args.get("missing", []))),
        no_contact=_cities(t, args.get("no_contact", [])),
    )
    chunks = split_lines(text)
    parts: list[Part] = [TextPart(chunk) for chunk in chunks[:-1]]
    return [*parts, TextPart(chunks[-1], keyboard)]


def _cities(t: Texts, items: list[list[Any]]) -> list[dict[str, Any]]:
    """Cities of a close summary, named in the reader's language: [name, name_en,
    answered, total, has a contact]."""
    return [
        {
            "name": item[1] if t.locale == "en" and item[1] else item[0],
            "answered": item[2] if len(item) > 2 else 0,
            "total": item[3] if len(item) > 3 else 0,
            "contact": item[4] if len(item) > 4 else True,
        }
        for item in items
    ]


def render_unsubmitted(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [TextPart(t("surveys.unsubmitted", title=args["title"], by_cities=args["by_cities"]))]


def _shown_stat(t: Texts, stat: dict[str, Any]) -> dict[str, Any]:
    """A number question's figures as text, with the answers' digits; and how the median
    moved since the survey this one repeats ("+7,1 %")."""
    places = stat.get("places")

    def shown(value: float | None) -> str | None:
        return None if value is None else show_number(t, value, places)

    moved = stat.get("change")
    previous = shown(stat.get("previous_median"))
    change = None
    if moved is not None:
        sign = "+" if moved > 0 else ""
        change = t.plain("surveys.change", sign=sign, value=show_number(t, moved, 1))
    return {
        **stat,
        "median_text": shown(stat.get("median")),
        "low_text": shown(stat.get("low")),
        "high_text": shown(stat.get("high")),
        "previous_text": previous
        and t.plain("surveys.previous_line", year=stat.get("previous_year"), value=previous),
        "change_text": change,
    }


def render_results(t: Texts, args: dict[str, Any]) -> list[Part]:
    summary = t(
        "surveys.results",
        title=args["title"],
        submitted=args["submitted"],
        total=args["total"],
        by_cities=args["by_cities"],
        stats=[_shown_stat(t, stat) for stat in args["stats"]],
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
    renderers.register("survey.unsubmitted", render_unsubmitted)
    renderers.register("survey.results", render_results)
