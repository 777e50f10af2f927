"""Screens several features share, and the account basics: the main menu, topics,
language, forgetting, the city picker, removing a member city."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import (
    CityAdminCb,
    CityPickCb,
    ForgetCb,
    LanguageCb,
    TopicCb,
)
from bot.delivery.parts import Part, Renderer, TextPart
from bot.inline_buttons import button, column, grid
from bot.texts import Texts
from bot.topics import ALL_TOPICS, Topic
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
    def toggle(topic: Topic) -> InlineKeyboardButton:
        mark = "on" if topic.value in subscribed else "off"
        label = t.plain(f"topic.{topic.value}")
        return button(t.plain(f"subscribe.mark_{mark}", label=label), TopicCb(topic=topic.value))

    done = button(t.plain("subscribe.done"), TopicCb(topic="done"))
    return column(*map(toggle, ALL_TOPICS), done)


def language_keyboard(t: Texts, locales: Iterable[str]) -> InlineKeyboardMarkup:
    def choice(locale: str) -> InlineKeyboardButton:
        label = t.plain(f"language.name_{locale}")
        current = "language.current" if locale == t.locale else "language.other"
        return button(t.plain(current, label=label), LanguageCb(locale=locale))

    return grid([choice(locale) for locale in locales], 2)


def confirm_forget_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return column(
        button(t.plain("forget.delete"), ForgetCb(confirm=True)),
        button(t.plain("forget.keep"), ForgetCb(confirm=False)),
    )


def cities_rows(t: Texts, cities: Sequence[City]) -> list[list[tuple[str, str, str]]]:
    """Member cities two a row, as a dialog's "pick" buttons (see bot.dialogs)."""
    items = [(city.title(t.locale), "pick", str(city.id)) for city in cities[:98]]
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def cities_keyboard(t: Texts, cities: Sequence[City], purpose: str) -> InlineKeyboardMarkup:
    """Member cities in two columns (Telegram allows 100 buttons; the union has ~30)."""
    picks = [
        button(city.title(t.locale), CityPickCb(purpose=purpose, city_id=city.id))
        for city in cities[:98]
    ]
    return grid(picks, 2)


def confirm_city_removal_keyboard(t: Texts, city: City) -> InlineKeyboardMarkup:
    return column(
        button(t.plain("cities.remove_yes"), CityAdminCb(action="remove", city_id=city.id)),
        button(t.plain("cities.remove_no"), CityAdminCb(action="keep", city_id=city.id)),
    )


def _staff_changed(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [TextPart(t("staff.you_add" if args["added"] else "staff.you_remove"))]


RENDERERS: dict[str, Renderer] = {
    "staff.changed": _staff_changed,
}
