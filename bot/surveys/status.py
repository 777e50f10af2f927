"""Staff: where every city stands in a survey (the status screen)."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CityPickCb, SurveyAdminCb
from bot.split import split_lines
from bot.surveys.messages import survey_button
from bot.surveys.model import Survey
from bot.surveys.roster import Entry, Roster, State
from bot.texts import Texts


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
            [survey_button(t.plain("surveys.admin.remind"), SurveyAdminCb(a="remind", s=survey.id))]
        )
    return split_lines(text), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
