"""What events look like: the card, the list, the notices, and their buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.deep_linking import create_deep_link
from markupsafe import Markup

from bot.callbacks import EventCb, EventListCb
from bot.delivery.parts import Part, Renderer, TextPart
from bot.events.service import PAGE_SIZE
from bot.inline_buttons import button, column
from bot.texts import Texts
from storage.events import Attendee, Event, Rsvp

EVENT_LINK_PREFIX = "ev_"  # /start ev_<id> opens the event's card
CHANGE_SHOWN = 250  # characters of an old or new value in a change notice
PEOPLE_SHOWN = 50  # names in the attendee message; everyone is in the CSV


def card_text(t: Texts, event: Event, *, going: int = 0, header: str = "") -> str:
    """The event card (announcement, /events, reminders and previews share it)."""
    draft = event.draft
    local = t.catalog.tz
    ends = draft.ends_at
    same_day = ends is not None and (
        ends.astimezone(local).date() == draft.starts_at.astimezone(local).date()
    )
    return t(
        "events.card",
        header=Markup(header),  # HTML from the texts, not user input
        kind=t.plain(f"events.kind.{draft.kind.value}"),
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=ends,
        same_day=same_day,
        city=event.city(t.locale),
        format=draft.format.value,
        place=draft.place if draft.format.has_place else None,
        link=draft.link if draft.format.has_link else None,
        description=draft.description,
        going=going,
        cancelled=not event.is_published,
    )


def changes(t: Texts, before: Event, after: Event) -> list[tuple[str, str, str]]:
    """(what, old, new) for each field people care about that changed."""
    found: list[tuple[str, str, str]] = []

    def when(e: Event) -> str:
        text = t.datetime(e.starts_at)
        return f"{text} \u2014 {t.datetime(e.ends_at)}" if e.ends_at else text

    def place(e: Event) -> str:
        return ", ".join(p for p in (e.city(t.locale), e.draft.place) if p) or "\u2014"

    def form(e: Event) -> str:
        return t.plain(f"events.format.{e.draft.format.value}")

    def short(text: str) -> str:  # old -> new for every field fits one message
        return text if len(text) <= CHANGE_SHOWN else text[: CHANGE_SHOWN - 1] + "\u2026"

    for field, value in (
        ("title", lambda e: e.title),
        ("kind", lambda e: t.plain(f"events.kind.{e.kind.value}")),
        ("when", when),
        ("place", place),
        ("format", form),
        ("link", lambda e: e.draft.link or "\u2014"),
        ("description", lambda e: e.draft.description or "\u2014"),
    ):
        old, new = value(before), value(after)
        if old != new:
            found.append((t.plain(f"events.field.{field}"), short(old), short(new)))
    return found


def _event(args: dict[str, Any], key: str = "event") -> Event:
    return Event.from_json(args[key])


def render_announcement(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    rsvp = Rsvp(event, 0, 0, None)
    return [
        TextPart(
            card_text(t, event, header=t("events.announce_header")),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1),
        )
    ]


def channel_announcement(bot_username: str) -> Renderer:
    """The channel's copy: the card, and a link that opens the event in the bot (answers and
    the calendar file are personal, so they live there)."""

    def render(t: Texts, args: dict[str, Any]) -> list[Part]:
        event = _event(args)
        # create_start_link's own builder: a renderer cannot await bot.me()
        link = create_deep_link(bot_username, "start", f"{EVENT_LINK_PREFIX}{event.id}")
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=t.plain("events.btn.in_bot"), url=link)]]
        )
        header = t("events.announce_header")
        return [TextPart(card_text(t, event, header=header), reply_markup=markup)]

    return render


def render_reminder(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    left = timedelta(seconds=float(args["left"]))
    header = t("events.reminder_header", left=left)
    rsvp = Rsvp(event, 0, 0, None)
    return [
        TextPart(
            card_text(t, event, header=header),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1, answers=False),
        )
    ]


def render_changed(t: Texts, args: dict[str, Any]) -> list[Part]:
    """To those who said they will attend: what changed (a link added later says so), then
    the new card with its answer and calendar buttons."""
    before, after = _event(args, "before"), _event(args, "after")
    found = changes(t, before, after)
    link_added = not before.draft.link and bool(after.draft.link)
    text = t("events.changed", title=after.title, changes=found, link_added=link_added)
    rsvp = Rsvp(after, 0, 0, True)  # everyone it goes to said "I will attend"
    return [
        TextPart(text),
        TextPart(
            card_text(t, after),
            reply_markup=event_card_keyboard(t, rsvp, staff=False, page=-1),
        ),
    ]


def render_cancelled(t: Texts, args: dict[str, Any]) -> list[Part]:
    event = _event(args)
    return [TextPart(t("events.cancelled_notice", title=event.title, starts_at=event.starts_at))]


def renderers(bot_username: str) -> dict[str, Renderer]:
    """The renderers by name; the channel announcement links to the bot."""
    return {
        "event.announce": render_announcement,
        "event.announce_channel": channel_announcement(bot_username),
        "event.reminder": render_reminder,
        "event.changed": render_changed,
        "event.cancelled": render_cancelled,
    }


# --- screens --------------------------------------------------------------------------------

Screen = tuple[str, InlineKeyboardMarkup | None]


def list_screen(t: Texts, upcoming: tuple[Sequence[Rsvp], int, int]) -> Screen:
    """A page of /events: (cards, the page shown, the number of pages)."""
    cards, page, pages = upcoming
    first = page * PAGE_SIZE + 1
    items = [
        {
            "number": number,
            "starts_at": card.event.starts_at,
            "title": card.event.title,
            "city": card.event.city(t.locale) or t.plain("events.no_city"),
            "kind": t.plain(f"events.kind.{card.event.kind.value}"),
            "going": card.going,
        }
        for number, card in enumerate(cards, first)
    ]
    text = t("events.list", items=items, page=page + 1, pages=pages)
    return text, events_list_keyboard(t, cards, page, pages, first)


def card_screen(
    t: Texts, card: Rsvp, *, staff: bool, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    return (
        card_text(t, card.event, going=card.going),
        event_card_keyboard(t, card, staff=staff, page=page),
    )


def attendees_text(t: Texts, event: Event, attendees: Sequence[Attendee]) -> str:
    """Who said they will attend (the first names; everyone is in the CSV)."""
    going = [a for a in attendees if a.going]
    return t(
        "events.people",
        title=event.title,
        going=going[:PEOPLE_SHOWN],
        more=max(0, len(going) - PEOPLE_SHOWN),
        total=len(going),
        not_going=len(attendees) - len(going),
    )


# --- buttons ----------------------------------------------------------------------------------


def event_card_keyboard(
    t: Texts, card: Rsvp, *, staff: bool, page: int, answers: bool = True
) -> InlineKeyboardMarkup:
    """RSVP toggles with counts, the calendar file; for staff the attendees, edit, cancel;
    "back to the list" when opened from /events (`page` >= 0)."""
    event = card.event

    def cb(action: str) -> EventCb:
        return EventCb(action=action, event_id=event.id, page=page)

    rows: list[list[InlineKeyboardButton]] = []
    if event.is_published:
        if answers:
            going = t.plain("events.btn.going", n=card.going, mine=card.mine is True)
            not_going = t.plain("events.btn.not_going", n=card.not_going, mine=card.mine is False)
            # Each button says what it sets (a second tap on a stale keyboard changes nothing)
            rows.append(
                [
                    button(going, cb("clear" if card.mine is True else "go")),
                    button(not_going, cb("clear" if card.mine is False else "nogo")),
                ]
            )
        rows.append([button(t.plain("events.btn.calendar"), cb("ics"))])
    if staff:
        rows.append([button(t.plain("events.btn.people"), cb("people"))])
        if event.is_published:
            rows.append(
                [
                    button(t.plain("events.btn.edit"), cb("edit")),
                    button(t.plain("events.btn.cancel"), cb("cancel")),
                ]
            )
    if page >= 0:
        rows.append([button(t.plain("events.btn.back"), EventListCb(page=page))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def events_list_keyboard(
    t: Texts, cards: Sequence[Rsvp], page: int, pages: int, first_number: int
) -> InlineKeyboardMarkup | None:
    rows = [
        [
            button(
                t.plain("events.btn.open", number=number, title=card.event.title),
                EventCb(action="open", event_id=card.event.id, page=page),
            )
        ]
        for number, card in enumerate(cards, first_number)
    ]
    nav = []
    if page > 0:
        nav.append(button(t.plain("events.btn.previous"), EventListCb(page=page - 1)))
    if page + 1 < pages:
        nav.append(button(t.plain("events.btn.next"), EventListCb(page=page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def event_cancel_keyboard(
    t: Texts, event_id: int, page: int, notified: int
) -> InlineKeyboardMarkup:
    return column(
        button(
            t.plain("events.btn.cancel_yes", n=notified),
            EventCb(action="drop", event_id=event_id, page=page),
        ),
        button(
            t.plain("events.btn.cancel_no"),
            EventCb(action="keep", event_id=event_id, page=page),
        ),
    )
