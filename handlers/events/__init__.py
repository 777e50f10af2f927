"""Events: cards and answers for everyone; managing and the creation dialog for staff."""

from __future__ import annotations

from aiogram import Router

from handlers.events import cards, dialog, manage

router = Router(name=__name__)
router.include_routers(cards.router, manage.router, dialog.router)
