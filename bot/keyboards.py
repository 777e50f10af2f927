"""Keyboards: labels from the texts, callback data from bot.callbacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    BroadcastCb,
    CityAdminCb,
    CityPickCb,
    CommentCb,
    ContactCb,
    EventCb,
    EventDialogCb,
    EventListCb,
    ForgetCb,
    JobCb,
    LanguageCb,
    RequestCb,
    ResolutionCb,
    ResolutionDialogCb,
    ResolutionYearCb,
    TopicCb,
)
from bot.services.people import Viewer
from bot.texts import Texts
from bot.topics import ALL_TOPICS
from storage.cities import City
from storage.contacts import Contact
from storage.events import EventFormat, EventKind, Rsvp
from storage.resolutions import Resolution


def main_menu(viewer: Viewer) -> ReplyKeyboardMarkup:
    t = viewer.texts
    rows = [[t.plain("menu.events"), t.plain("menu.resolutions")]]
    if viewer.is_contact or viewer.is_staff:
        rows.append([t.plain("menu.surveys")])
    rows += [
        [t.plain("menu.subscribe"), t.plain("menu.city")],
        [t.plain("menu.language"), t.plain("menu.help")],
    ]
    if viewer.is_staff:
        rows.append([t.plain("menu.contacts"), t.plain("menu.cities")])
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label) for label in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
    )


def topics_keyboard(t: Texts, subscribed: set[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in ALL_TOPICS:
        mark = "on" if topic.value in subscribed else "off"
        builder.button(
            text=t.plain(f"subscribe.mark_{mark}", label=t.plain(f"topic.{topic.value}")),
            callback_data=TopicCb(topic=topic.value),
        )
    builder.button(text=t.plain("subscribe.done"), callback_data=TopicCb(topic="done"))
    builder.adjust(1)
    return builder.as_markup()


def language_keyboard(t: Texts, locales: Iterable[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for locale in locales:
        label = t.plain(f"language.name_{locale}")
        current = "language.current" if locale == t.locale else "language.other"
        builder.button(text=t.plain(current, label=label), callback_data=LanguageCb(locale=locale))
    builder.adjust(2)
    return builder.as_markup()


def confirm_forget_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.plain("forget.delete"), callback_data=ForgetCb(confirm=True))
    builder.button(text=t.plain("forget.keep"), callback_data=ForgetCb(confirm=False))
    builder.adjust(1)
    return builder.as_markup()


def cities_keyboard(t: Texts, cities: Sequence[City], purpose: str) -> InlineKeyboardMarkup:
    """Member cities in two columns (Telegram allows 100 buttons; the union has ~30)."""
    builder = InlineKeyboardBuilder()
    for city in cities[:98]:
        builder.button(
            text=city.title(t.locale), callback_data=CityPickCb(purpose=purpose, city_id=city.id)
        )
    builder.adjust(2)
    return builder.as_markup()


def request_decision_keyboard(t: Texts, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.plain("contacts.approve"),
                    callback_data=RequestCb(request_id=request_id, approve=True).pack(),
                ),
                InlineKeyboardButton(
                    text=t.plain("contacts.reject"),
                    callback_data=RequestCb(request_id=request_id, approve=False).pack(),
                ),
            ]
        ]
    )


def city_contacts_keyboard(t: Texts, contacts: Sequence[Contact]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for contact in contacts:
        builder.button(
            text=t.plain("contacts.remove_button", name=contact.person.full_name),
            callback_data=ContactCb(
                action="ask", city_id=contact.city.id, person_id=contact.person.id
            ),
        )
    builder.adjust(1)
    return builder.as_markup()


def confirm_contact_removal_keyboard(t: Texts, contact: Contact) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action, label in (("remove", "contacts.remove_yes"), ("keep", "contacts.remove_no")):
        builder.button(
            text=t.plain(label),
            callback_data=ContactCb(
                action=action, city_id=contact.city.id, person_id=contact.person.id
            ),
        )
    builder.adjust(1)
    return builder.as_markup()


def confirm_city_removal_keyboard(t: Texts, city: City) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("cities.remove_yes"),
        callback_data=CityAdminCb(action="remove", city_id=city.id),
    )
    builder.button(
        text=t.plain("cities.remove_no"), callback_data=CityAdminCb(action="keep", city_id=city.id)
    )
    builder.adjust(1)
    return builder.as_markup()


# --- events -----------------------------------------------------------------------------------


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


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
                    _button(going, cb("clear" if card.mine is True else "go")),
                    _button(not_going, cb("clear" if card.mine is False else "nogo")),
                ]
            )
        rows.append([_button(t.plain("events.btn.calendar"), cb("ics"))])
    if staff:
        rows.append([_button(t.plain("events.btn.people"), cb("people"))])
        if event.is_published:
            rows.append(
                [
                    _button(t.plain("events.btn.edit"), cb("edit")),
                    _button(t.plain("events.btn.cancel"), cb("cancel")),
                ]
            )
    if page >= 0:
        rows.append([_button(t.plain("events.btn.back"), EventListCb(page=page))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def events_list_keyboard(
    t: Texts, cards: Sequence[Rsvp], page: int, pages: int, first_number: int
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for number, card in enumerate(cards, first_number):
        builder.button(
            text=t.plain("events.btn.open", number=number, title=card.event.title),
            callback_data=EventCb(action="open", event_id=card.event.id, page=page),
        )
    builder.adjust(1)
    nav = []
    if page > 0:
        nav.append(_button(t.plain("events.btn.previous"), EventListCb(page=page - 1)))
    if page + 1 < pages:
        nav.append(_button(t.plain("events.btn.next"), EventListCb(page=page + 1)))
    if nav:
        builder.row(*nav)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def event_cancel_keyboard(
    t: Texts, event_id: int, page: int, notified: int
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    t.plain("events.btn.cancel_yes", n=notified),
                    EventCb(action="drop", event_id=event_id, page=page),
                )
            ],
            [
                _button(
                    t.plain("events.btn.cancel_no"),
                    EventCb(action="keep", event_id=event_id, page=page),
                )
            ],
        ]
    )


def _dialog(
    t: Texts, items: Iterable[tuple[str, str, str]], *, abort: bool = True
) -> InlineKeyboardMarkup:
    """(label key, action, value) buttons one a row, and Cancel."""
    rows = [
        [_button(t.plain(key), EventDialogCb(action=action, value=value))]
        for key, action, value in items
    ]
    if abort:
        rows.append([_button(t.plain("events.btn.abort"), EventDialogCb(action="abort"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def event_kinds_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _dialog(t, [(f"events.kind.{k.value}", "kind", k.value) for k in EventKind])


def event_formats_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _dialog(t, [(f"events.format.{f.value}", "format", f.value) for f in EventFormat])


def event_skip_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _dialog(t, [("events.btn.skip", "skip", "")])


def event_preview_keyboard(t: Texts, *, existing: bool) -> InlineKeyboardMarkup:
    first = ("events.btn.save", "save", "") if existing else ("events.btn.publish", "publish", "")
    return _dialog(t, [first, ("events.btn.change", "fields", "")])


def event_fields_keyboard(t: Texts, form: EventFormat) -> InlineKeyboardMarkup:
    names = ["kind", "title", "city", "start", "end", "format"]
    names += ["place"] if form.has_place else []
    names += ["link"] if form.has_link else []
    names += ["description"]
    builder = InlineKeyboardBuilder()
    for name in names:
        builder.button(
            text=t.plain(f"events.step.{name}"),
            callback_data=EventDialogCb(action="field", value=name),
        )
    builder.adjust(2)
    builder.row(_button(t.plain("events.btn.to_preview"), EventDialogCb(action="preview")))
    return builder.as_markup()


# --- resolutions ------------------------------------------------------------------------------


def _rs_dialog(t: Texts, items: Iterable[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    rows = [
        [_button(text, ResolutionDialogCb(action=action, value=value))]
        for text, action, value in items
    ]
    rows.append([_button(t.plain("resolutions.btn.abort"), ResolutionDialogCb(action="abort"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def resolution_status_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _rs_dialog(
        t,
        [
            (t.plain(f"resolutions.status.{status}"), "status", status)
            for status in ("draft", "adopted")
        ],
    )


def resolution_drafts_keyboard(t: Texts, drafts: Sequence[Resolution]) -> InlineKeyboardMarkup:
    items = [
        (t.plain("resolutions.btn.draft", date=d.assembly_date, title=d.title), "draft", str(d.id))
        for d in drafts
    ]
    return _rs_dialog(t, [*items, (t.plain("resolutions.btn.no_draft"), "draft", "0")])


def resolution_text_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _rs_dialog(t, [(t.plain("resolutions.btn.text_done"), "done", "")])


def resolution_preview_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return _rs_dialog(
        t,
        [
            (t.plain("resolutions.btn.publish"), "publish", ""),
            (t.plain("resolutions.btn.replace_text"), "retext", ""),
        ],
    )


def comment_keyboard(t: Texts, resolution_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    t.plain("resolutions.btn.comment"),
                    ResolutionCb(action="comment", resolution_id=resolution_id),
                )
            ]
        ]
    )


def comment_answer_keyboard(t: Texts, comment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("resolutions.btn.answer"), CommentCb(comment_id=comment_id))]
        ]
    )


def resolution_card_keyboard(t: Texts, resolution: Resolution) -> InlineKeyboardMarkup:
    def cb(action: str, resolution_id: int = resolution.id) -> ResolutionCb:
        return ResolutionCb(action=action, resolution_id=resolution_id)

    rows = [[_button(t.plain("resolutions.btn.full_text"), cb("text"))]]
    if resolution.is_draft and resolution.adopted_id is None:
        rows.append([_button(t.plain("resolutions.btn.comment"), cb("comment"))])
    if resolution.adopted_id is not None:
        rows.append(
            [_button(t.plain("resolutions.btn.adopted"), cb("open", resolution.adopted_id))]
        )
    if resolution.draft_id is not None:
        rows.append([_button(t.plain("resolutions.btn.draft_of"), cb("open", resolution.draft_id))])
    rows.append(
        [
            _button(
                t.plain("resolutions.btn.back"),
                ResolutionYearCb(year=resolution.assembly_date.year),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def resolutions_list_keyboard(
    t: Texts, items: Sequence[Resolution], years: Sequence[int], year: int | None
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for number, resolution in enumerate(items, 1):
        builder.button(
            text=t.plain("resolutions.btn.open", number=number, title=resolution.title),
            callback_data=ResolutionCb(action="open", resolution_id=resolution.id),
        )
    builder.adjust(1)
    others = [y for y in years if y != year]
    if others:
        builder.row(*[_button(str(y), ResolutionYearCb(year=y)) for y in others[:8]])
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


# --- broadcasts -------------------------------------------------------------------------------


def audience_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in ("subscribers", "topic", "contacts", "cities", "staff"):
        builder.button(
            text=t.plain(f"broadcast.choose.{kind}"),
            callback_data=BroadcastCb(action="aud", value=kind),
        )
    builder.button(text=t.plain("broadcast.abort"), callback_data=BroadcastCb(action="abort"))
    builder.adjust(1)
    return builder.as_markup()


def broadcast_topics_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in ALL_TOPICS:
        builder.button(
            text=t.plain(f"topic.{topic.value}"),
            callback_data=BroadcastCb(action="topic", value=topic.value),
        )
    builder.button(text=t.plain("broadcast.back"), callback_data=BroadcastCb(action="back"))
    builder.adjust(1)
    return builder.as_markup()


def cities_multiselect_keyboard(
    t: Texts, cities: Sequence[City], chosen: set[int]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for city in cities[:96]:
        mark = "on" if city.id in chosen else "off"
        builder.button(
            text=t.plain(f"subscribe.mark_{mark}", label=city.title(t.locale)),
            callback_data=BroadcastCb(action="city", value=str(city.id)),
        )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=t.plain("broadcast.back"), callback_data=BroadcastCb(action="back").pack()
        ),
        InlineKeyboardButton(
            text=t.plain("broadcast.cities_done", n=len(chosen)),
            callback_data=BroadcastCb(action="cities_done").pack(),
        ),
    )
    return builder.as_markup()


def broadcast_confirm_keyboard(t: Texts, *, can_send: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if can_send:
        builder.button(text=t.plain("broadcast.send_now"), callback_data=BroadcastCb(action="send"))
        builder.button(
            text=t.plain("broadcast.schedule"), callback_data=BroadcastCb(action="schedule")
        )
    builder.button(text=t.plain("broadcast.change"), callback_data=BroadcastCb(action="back"))
    builder.button(text=t.plain("broadcast.abort"), callback_data=BroadcastCb(action="abort"))
    builder.adjust(1)
    return builder.as_markup()


def jobs_keyboard(t: Texts, jobs: Iterable[tuple[int, int]]) -> InlineKeyboardMarkup | None:
    """A Cancel button per (list number, job id)."""
    builder = InlineKeyboardBuilder()
    for number, job_id in jobs:
        builder.button(
            text=t.plain("broadcast.cancel_job", number=number),
            callback_data=JobCb(action="cancel", job_id=job_id),
        )
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None
