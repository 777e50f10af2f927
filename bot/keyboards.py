"""Keyboards: labels from the texts, callback data from bot.callbacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    ContactCb,
    ForgetCb,
    JobCb,
    LanguageCb,
    RequestCb,
    TopicCb,
)
from bot.services.people import Viewer
from bot.texts import Texts
from bot.topics import ALL_TOPICS
from storage.cities import City
from storage.contacts import Contact


def main_menu(viewer: Viewer) -> ReplyKeyboardMarkup:
    t = viewer.texts
    rows = [
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
