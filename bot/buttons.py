"""Buttons that no longer apply, answered in one place.

A handler that finds its button stale (the object is gone, closed, not this person's, or
the callback data is forged) raises `Stale` with the text to show; `StaleButtons` (see
bot.middlewares) answers it with one alert. Callback queries are otherwise answered by
aiogram's `CallbackAnswerMiddleware`, so no handler calls `query.answer` itself: one that
has something to say sets `callback_answer.text`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiogram.types import CallbackQuery, Message

T = TypeVar("T")

STALE = "errors.stale_button"


class Stale(Exception):
    """The button (or deep link) points at something that is gone or closed: `key` is the
    text shown (an alert under a button, a message after a link)."""

    def __init__(self, key: str = STALE, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def message_of(query: CallbackQuery) -> Message:
    """The message the button is under; one too old for Telegram to show is stale."""
    if not isinstance(query.message, Message):
        raise Stale
    return query.message


def found(value: T | None, key: str = STALE) -> T:
    """`value`, or Stale when the button's object is gone."""
    if value is None:
        raise Stale(key)
    return value
