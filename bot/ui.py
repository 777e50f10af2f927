"""Screens several features share, and the account basics: the main menu, topics,
language, forgetting, the city picker, removing a member city."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    CityAdminCb,
    CityPickCb,
    ForgetCb,
    LanguageCb,
    TopicCb,
)
from bot.delivery.parts import Part, Renderer, TextPart
from bot.texts import Texts
from bot.topics import ALL_TOPICS
from bot.viewer import Viewer
from storage.cities import City


def main_menu(viewer: Viewer) -> ReplyKeyboardMarkup:
    t = viewer.texts
    rows = [[t.plain("menu.events"), t.plain("menu.resolutions")]]
    if viewer.is_contact or viewer.is_staff:
        rows.append([t.plain("menu.surveys")])
    rows += [
        [t.plain("menu.office")],
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


def cities_rows(t: Texts, cities: Sequence[City]) -> list[list[tuple[str, str, str]]]:
    """Member cities two a row, as a dialog's "pick" buttons (see bot.dialogs)."""
    items = [(city.title(t.locale), "pick", str(city.id)) for city in cities[:98]]
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def cities_keyboard(t: Texts, cities: Sequence[City], purpose: str) -> InlineKeyboardMarkup:
    """Member cities in two columns (Telegram allows 100 buttons; the union has ~30)."""
    builder = InlineKeyboardBuilder()
    for city in cities[:98]:
        builder.button(
            text=city.title(t.locale), callback_data=CityPickCb(purpose=purpose, city_id=city.id)
        )
    builder.adjust(2)
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


def _staff_changed(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [TextPart(t("staff.you_add" if args["added"] else "staff.you_remove"))]


RENDERERS: dict[str, Renderer] = {
    "staff.changed": _staff_changed,
}
