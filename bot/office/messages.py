"""What the line to the office looks like: the staff copy with its Answer button, the
answer to the person, the offer to pass a stray message on, /inbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import OfficeCb
from bot.delivery.parts import Part, Renderer, TextPart
from bot.inline_buttons import button, column, grid
from bot.texts import Texts
from storage.office import OfficeMessage


def _sender(message: OfficeMessage) -> dict[str, Any]:
    return {
        "person_id": message.person_id,
        "name": message.name or str(message.person_id),
        "username": message.username,
        "cities": message.city_names,
    }


def answer_keyboard(t: Texts, office_id: int) -> InlineKeyboardMarkup:
    return column(button(t.plain("office.btn.answer"), OfficeCb(a="answer", id=office_id)))


def _to_staff(t: Texts, args: dict[str, Any]) -> list[Part]:
    message: OfficeMessage = args["message"]
    text = t(
        "office.to_staff",
        **_sender(message),
        staff=args.get("staff", False),
        kind=message.kind,
        at=message.created_at,
        answered_by=message.answered_by_name if message.answered_at else None,
        answered_at=message.answered_at,
    )
    return [TextPart(text, answer_keyboard(t, message.id))]


def _answer(t: Texts, args: dict[str, Any]) -> list[Part]:
    message: OfficeMessage = args["message"]
    text = t("office.answer", text=args["text"], preview=message.preview, kind=message.kind)
    return [TextPart(text)]


RENDERERS: dict[str, Renderer] = {
    "office.to_staff": _to_staff,
    "office.answer": _answer,
}


def offer_keyboard(t: Texts, message_id: int) -> InlineKeyboardMarkup:
    """Under a stray message: pass it on to the office, or not."""
    return column(
        button(t.plain("office.btn.pass"), OfficeCb(a="pass", id=message_id)),
        button(t.plain("office.btn.keep"), OfficeCb(a="keep", id=message_id)),
    )


def inbox_screen(
    t: Texts, messages: Sequence[OfficeMessage], total: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = [
        {**_sender(m), "number": n, "at": m.created_at, "preview": m.preview, "kind": m.kind}
        for n, m in enumerate(messages, 1)
    ]
    text = t("office.inbox", rows=rows, total=total)
    answers = [
        button(t.plain("office.btn.answer_n", number=number), OfficeCb(a="answer", id=message.id))
        for number, message in enumerate(messages, 1)
    ]
    return text, grid(answers, 3) if answers else None
