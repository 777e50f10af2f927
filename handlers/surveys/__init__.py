"""Surveys: the list, answering in the chat or by spreadsheet; importing, the card and
opening for staff.

The order is the order aiogram tries them: staff routers first (a staff member's spreadsheet
may be a filled-in template; a message while waiting for a survey file is answered there),
the spreadsheet sent back before the dialog's "not an answer" reply to anything else. The
card's button runs the actions card.py and opening.py register.
"""

from __future__ import annotations

from aiogram import Router

from handlers.surveys import answering, buttons, card, importing, listing, opening, sheets

router = Router(name=__name__)
router.include_routers(
    importing.router,
    card.router,
    opening.router,
    listing.router,
    sheets.router,
    answering.router,
    buttons.router,
)
