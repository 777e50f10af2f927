"""Pieces the staff dialogs' step tables (events, resolutions, broadcast) share."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.dialogs import Context, Outcome, Problem

D = TypeVar("D", bound=BaseModel)
E = TypeVar("E", bound=StrEnum)


def chosen(ctx: Context[D], kind: type[E], value: str, field: str, **also: Any) -> Outcome[D]:
    """The draft with `field` set to the member of `kind` a button gave (and the fields in
    `also`); a value that is none of them is a stale or forged button."""
    if value not in set(kind):
        return Problem("errors.stale_button")
    return ctx.draft.model_copy(update={field: kind(value), **also})
