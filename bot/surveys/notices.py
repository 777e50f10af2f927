"""The survey mass sends, rendered per recipient by the outbox: the invitation, reopening,
reminder, the close summary to staff, "not submitted", and the results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import SurveyAdminCb, SurveyCb
from bot.delivery.parts import Part, PhotoPart, Renderer, TextPart
from bot.split import split_lines
from bot.surveys.messages import photo_caption, show_number, survey_button
from bot.texts import Texts


def start_keyboard(
    t: Texts, survey_id: int, city_id: int = 0, *, started: bool = False
) -> InlineKeyboardMarkup:
    """Start (or Continue, once the city started) in the chat, or fill in a spreadsheet."""
    label = "surveys.continue" if started else "surveys.start"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [survey_button(t.plain(label), SurveyCb(a="go", s=survey_id, c=city_id))],
            [survey_button(t.plain("surveys.excel"), SurveyCb(a="xl", s=survey_id, c=city_id))],
        ]
    )


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


def _start_notice(key: str) -> Renderer:
    """Reopened and reminder: the same notice with Start (or Continue), under its own text."""

    def render(t: Texts, args: dict[str, Any]) -> list[Part]:
        started = args.get("started", False)
        text = t(key, title=args["title"], deadline=_deadline(args), started=started)
        return [TextPart(text, start_keyboard(t, args["survey_id"], started=started))]

    return render


render_reopened = _start_notice("surveys.reopened")
render_remind = _start_notice("surveys.remind")


def render_closed(t: Texts, args: dict[str, Any]) -> list[Part]:
    survey_id = args["survey_id"]
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                survey_button(t.plain("surveys.admin.xlsx"), SurveyAdminCb(a="xlsx", s=survey_id)),
                survey_button(t.plain("surveys.admin.csv"), SurveyAdminCb(a="csv", s=survey_id)),
            ],
            [
                survey_button(
                    t.plain("surveys.admin.status"), SurveyAdminCb(a="status", s=survey_id)
                )
            ],
        ]
    )
    text = t(
        "surveys.closed_staff",
        **_tally(args),
        started=_cities(t, args.get("started", [])),
        not_started=_cities(t, args.get("not_started", args.get("missing", []))),
        no_contact=_cities(t, args.get("no_contact", [])),
    )
    chunks = split_lines(text)
    parts: list[Part] = [TextPart(chunk) for chunk in chunks[:-1]]
    return [*parts, TextPart(chunks[-1], keyboard)]


def _tally(args: dict[str, Any]) -> dict[str, Any]:
    """What the close summary and the results both say: the title, how many answered."""
    return {key: args[key] for key in ("title", "submitted", "total", "by_cities")}


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
        **_tally(args),
        stats=[_shown_stat(t, stat) for stat in args["stats"]],
        charts=len(args.get("charts", [])),
    )
    parts: list[Part] = [TextPart(chunk) for chunk in split_lines(summary)]  # many questions
    for key, caption in zip(args.get("charts", []), args.get("captions", []), strict=False):
        parts.append(PhotoPart(key, caption=photo_caption(caption)))
    return parts


RENDERERS: dict[str, Renderer] = {
    "survey.invite": render_invite,
    "survey.reopened": render_reopened,
    "survey.remind": render_remind,
    "survey.closed": render_closed,
    "survey.unsubmitted": render_unsubmitted,
    "survey.results": render_results,
}
