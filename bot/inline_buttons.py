"""Inline buttons that carry callback data, and plain keyboards of them. Keyboards are built
directly, not with aiogram's InlineKeyboardBuilder: its copies cost ~0.6 ms for ten
buttons, more than the rest of a list's rendering."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def column(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """One button a row: a lone action, or a yes/no confirmation."""
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])


def grid(buttons: Sequence[InlineKeyboardButton], width: int) -> InlineKeyboardMarkup:
    """`width` buttons a row (the last row may be shorter)."""
    rows = [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
