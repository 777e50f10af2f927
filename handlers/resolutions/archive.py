"""Resolutions for everyone: /resolutions by year, /resolutions <words> to search, a card,
the full text on request."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.buttons import Stale, found
from bot.callbacks import ResolutionCb, ResolutionYearCb, SearchCb, SearchHitCb, fit_query
from bot.filters import MenuButton, PrivateChat
from bot.resolutions.messages import (
    card_text,
    highlighted,
    resolution_card_keyboard,
    resolutions_list_keyboard,
    row,
    year_screen,
)
from bot.resolutions.service import ResolutionService
from bot.texts import Texts
from bot.viewer import Viewer
from handlers.common import show
from storage.resolutions import Resolution

router = Router(name=__name__)
router.message.filter(PrivateChat())


@router.message(Command("resolutions"))
@router.message(MenuButton("resolutions"))
async def archive(
    message: Message,
    t: Texts,
    resolutions: ResolutionService,
    command: CommandObject | None = None,
) -> None:
    words = (command.args or "").strip() if command else ""
    if not words:
        years = await resolutions.years()
        year = years[0] if years else None
        items = await resolutions.of_year(year) if year else []
        text, markup = year_screen(t, years, year, items)
        await message.answer(text, reply_markup=markup)
        return
    text, markup = await search_screen(t, resolutions, words)
    await message.answer(text, reply_markup=markup)


async def search_screen(
    t: Texts, resolutions: ResolutionService, words: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The results for `words`; their cards lead back here."""
    hits = await resolutions.search(words)
    rows = [
        {**row(t, n, hit.resolution), "snippet": highlighted(hit.snippet)}
        for n, hit in enumerate(hits, 1)
    ]
    query = fit_query(words)
    items = [hit.resolution for hit in hits]
    text = t("resolutions.found", query=words[:100], rows=rows)
    return text, resolutions_list_keyboard(t, items, [], None, query=query or None)


@router.callback_query(SearchCb.filter())
async def back_to_results(
    query: CallbackQuery,
    callback_data: SearchCb,
    message: Message,
    t: Texts,
    resolutions: ResolutionService,
) -> None:
    await show(message, *await search_screen(t, resolutions, callback_data.q))


@router.callback_query(ResolutionYearCb.filter())
async def year_page(
    query: CallbackQuery,
    callback_data: ResolutionYearCb,
    message: Message,
    t: Texts,
    resolutions: ResolutionService,
) -> None:
    years = await resolutions.years()
    year = callback_data.year if callback_data.year in years else (years[0] if years else None)
    items = await resolutions.of_year(year) if year else []
    await show(message, *year_screen(t, years, year, items))


async def card(
    t: Texts,
    resolutions: ResolutionService,
    resolution: Resolution,
    staff: bool,
    query: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The card; staff see its version, its comments and the correction buttons."""
    comments = await resolutions.comments_of(resolution.id) if staff else []
    text = card_text(t, resolution, staff=staff, comments=comments)
    markup = resolution_card_keyboard(
        t, resolution, staff=staff, comments=len(comments), query=query
    )
    return text, markup


def current(resolution: Resolution | None) -> Resolution:
    """The resolution, unless it is gone or withdrawn (then its buttons are stale)."""
    if found(resolution).is_withdrawn:
        raise Stale("resolutions.alert.withdrawn")
    return found(resolution)


@router.callback_query(SearchHitCb.filter())
@router.callback_query(ResolutionCb.filter(F.action == "open"))
async def open_card(
    query: CallbackQuery,
    callback_data: SearchHitCb | ResolutionCb,
    message: Message,
    t: Texts,
    resolutions: ResolutionService,
    viewer: Viewer | None = None,
) -> None:
    """A card from the archive, or from a search hit (it then leads back to the results)."""
    if isinstance(callback_data, SearchHitCb):
        resolution_id, search = callback_data.id, callback_data.q
    else:
        resolution_id, search = callback_data.resolution_id, None
    resolution = current(await resolutions.get(resolution_id))
    staff = viewer is not None and viewer.is_staff
    await show(message, *await card(t, resolutions, resolution, staff, search))


@router.callback_query(ResolutionCb.filter(F.action == "text"))
async def full_text(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    t: Texts,
    resolutions: ResolutionService,
    callback_answer: CallbackAnswer,
) -> None:
    resolution = current(await resolutions.get(callback_data.resolution_id))
    callback_answer.text = t.plain("resolutions.alert.sending")
    await resolutions.send_text(query.from_user.id, resolution)
