"""Resolutions: the archive and search, comments on drafts, publishing for staff."""

from __future__ import annotations

from aiogram import Router

from handlers.resolutions import archive, comments, manage, publish

router = Router(name=__name__)
router.include_routers(archive.router, comments.router, manage.router, publish.router)
