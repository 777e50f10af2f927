"""Inline buttons that carry callback data, and the plain keyboard of one button a row."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def column(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """One button a row: a lone action, or a yes/no confirmation."""
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])
